"""Errors block the publish unless the profile allows quarantine: then the rows with errors go to a
quarantine file with their reasons, are left out of the load, and are counted; errors about a
whole file still block; warnings never do."""

from __future__ import annotations

import csv
from decimal import Decimal

from etl.validate.policy import ValidationPolicy
from etl.validate.quarantine import rejected_rows, set_aside, write_quarantine

HEADER = "Department,Supplier,Company,Date,Amount,COFOG,Account\n"
BODY = ("Parks,Acme,01234567,03/05/2024,10.00,07.1,\n"
        "Parks,Bad Date,,31/02/2024,11.00,,\n"          # line 3: type error
        "Roads,Bad Id,1234567,03/05/2024,12.00,99,\n"   # line 4: two errors
        "Roads,Early,,01/01/2024,13.00,,\n")            # line 5: a warning only


def test_rejected_rows_go_to_a_quarantine_file_with_their_reasons(staged, tmp_path):
    run = staged(HEADER + BODY)
    report = run.validate(policy=ValidationPolicy(quarantine=True))
    assert not report.ok and not report.blocks_publish and report.rejected_rows == 2 and report.records == 4
    assert rejected_rows(run.con) == {(0, 3), (0, 4)}
    result = write_quarantine(run.con, run.profile, run.contexts, tmp_path / "q" / "quarantine.csv",
                              mappings=run.mappings, lang="fr")
    assert result.rows == 2 and result.by_code == {"invalid-company-number": 1, "type-error": 1, "unknown-code": 1}
    rows = list(csv.DictReader(result.path.open(encoding="utf-8")))
    assert [(r["source_file"], r["source_line"], r["codes"]) for r in rows] == [
        ("spend-2024-05.csv", "3", "type-error"),
        ("spend-2024-05.csv", "4", "invalid-company-number; unknown-code")]
    assert rows[0]["Date"] == "31/02/2024" and rows[1]["Company"] == "1234567" and rows[1]["Supplier"] == "Bad Id"
    assert rows[0]["reasons"] == "payment_date\u00a0: n'est pas une date au format %d/%m/%Y"
    assert "cofog_code\u00a0: n'est pas un code de COFOG" in rows[1]["reasons"]

    assert set_aside(run.con, run.profile) == 2
    kinds = dict(run.con.execute("select row_kind, count(*) from stg_spending group by 1").fetchall())
    assert kinds == {"record": 2, "quarantined": 2}
    total = run.con.execute("select sum(amount) from stg_spending where row_kind = 'record'").fetchone()[0]
    assert total == Decimal("23.00")


def test_without_quarantine_errors_block(staged):
    report = staged(HEADER + BODY).validate()
    assert report.blocks_publish and not report.quarantine


def test_file_level_errors_block_even_with_quarantine(staged, tmp_path):
    run = staged(HEADER + BODY)
    report = run.validate(policy=ValidationPolicy(quarantine=True), control_totals={"2024-05": Decimal("1.00")})
    assert report.blocks_publish and report.file_error_count == 1
    assert rejected_rows(run.con) == {(0, 3), (0, 4)}       # the total's issue names no row


def test_a_file_where_every_row_is_rejected_is_refused(staged):
    report = staged(HEADER + "Parks,A,1234567,03/05/2024,10.00,,\n").validate(policy=ValidationPolicy(quarantine=True))
    assert report.rejected_rows == report.records == 1 and report.blocks_publish


def test_warnings_never_block_and_nothing_is_quarantined(staged, tmp_path):
    run = staged(HEADER + "Roads,Early,,01/01/2024,13.00,,\nParks,Acme,,03/05/2024,10.00,,\n")
    report = run.validate(policy=ValidationPolicy(quarantine=True))
    assert report.ok and not report.blocks_publish and report.warning_count == 1
    assert write_quarantine(run.con, run.profile, run.contexts, tmp_path / "none.csv").rows == 0
    assert not (tmp_path / "none.csv").exists()
