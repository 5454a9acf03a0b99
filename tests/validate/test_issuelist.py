"""Every issue, one row each, in file and line order, with its reason in the report's language."""

from __future__ import annotations

import csv
import stat
from decimal import Decimal

import duckdb
import pytest

from etl.transform import file_names
from etl.validate.issuelist import write_issue_list
from tests.validate.test_quarantine import BODY, HEADER


def _rows(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_issue_is_listed_in_file_and_line_order(staged, tmp_path):
    run = staged(HEADER + BODY)
    report = run.validate(control_totals={"2024-05": Decimal("1.00")})
    path = tmp_path / "out" / "issues.csv"
    written = write_issue_list(run.con, file_names(run.contexts), run.mappings, path, "en")
    rows = _rows(path)
    assert written == len(rows) == sum(s.count for s in report.summaries) == 5
    assert list(rows[0]) == ["source_file", "source_line", "code", "severity", "field", "column", "value", "reason"]
    assert {r["source_file"] for r in rows} == {"spend-2024-05.csv"}
    # the total names the file, not a line: first; then by line, and by field within a line
    assert [(r["source_line"], r["code"], r["severity"], r["field"], r["column"], r["value"]) for r in rows] == [
        ("", "total-mismatch", "error", "amount", "Amount", "1.00"),
        ("3", "type-error", "error", "payment_date", "Date", "31/02/2024"),
        ("4", "unknown-code", "error", "cofog_code", "COFOG", "99"),
        ("4", "invalid-company-number", "error", "supplier_id", "Company", "1234567"),
        ("5", "date-outside-period", "warning", "payment_date", "Date", "01/01/2024"),
    ]
    assert rows[1]["reason"] == "is not a date in the format %d/%m/%Y"


def test_reasons_in_french(staged, tmp_path):
    run = staged(HEADER + BODY)
    run.validate()
    path = tmp_path / "issues.csv"
    write_issue_list(run.con, file_names(run.contexts), run.mappings, path, "fr")
    reasons = {(r["source_line"], r["field"]): r["reason"] for r in _rows(path)}
    assert reasons[("3", "payment_date")] == "n'est pas une date au format %d/%m/%Y"
    assert reasons[("4", "cofog_code")] == "n'est pas un code de COFOG"


def test_the_list_is_private_and_a_failed_write_keeps_the_last_one(staged, tmp_path):
    run = staged(HEADER + BODY)
    run.validate()
    path = tmp_path / "out" / "issues.csv"
    write_issue_list(run.con, file_names(run.contexts), run.mappings, path, "en")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    run.con.execute("drop table validation_issues")    # the statement fails: the last list stays whole
    with pytest.raises(duckdb.Error):
        write_issue_list(run.con, file_names(run.contexts), run.mappings, path, "en")
    assert path.read_bytes() == before and [p.name for p in path.parent.iterdir()] == ["issues.csv"]


def test_a_valid_file_lists_nothing_but_the_header(staged, tmp_path):
    run = staged(HEADER + "Parks,Acme,01234567,03/05/2024,10.00,07.1,\n")
    assert run.validate().ok
    path = tmp_path / "issues.csv"
    assert write_issue_list(run.con, file_names(run.contexts), run.mappings, path, "en") == 0
    assert path.read_text(encoding="utf-8").splitlines() == [
        "source_file,source_line,code,severity,field,column,value,reason"]
