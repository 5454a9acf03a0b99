"""Helpers for redaction tests: the conftest mini profile with the columns a redaction needs, rows
of an export, and a connection holding stg_spending staged as a publish does."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import duckdb
import pytest

from etl import redact
from etl.extract import extract
from etl.profile import load_profile
from etl.transform import FileContext, build_staging

LABEL = redact.REDACTED_LABEL

# The conftest mini profile, with the optional columns a redaction needs.
EXTRA_FIELDS = """\
  supplier_type: {column: Type, optional: true}
  supplier_id: {column: Company, optional: true}
  purpose: {column: Purpose, optional: true}
  expense_type: {column: Expense, optional: true}
redaction:
  markers: [REDACTED PERSONAL DATA]
"""
HEADER = ["Department", "Supplier", "Type", "Company", "Purpose", "Expense", "Date", "Amount"]


def write_rows(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue()


def row(supplier, amount="100.00", *, dept="Children's Services", type_="", company="", purpose="",
        expense="Stationery", date="02/05/2024") -> list[str]:
    return [dept, supplier, type_, company, purpose, expense, date, amount]


def stage(profile_path: Path, files: list[Path], tmp: Path):
    """Extract (into `tmp`) and transform as a publish does: a connection holding stg_spending."""
    profile = load_profile(profile_path)
    con = duckdb.connect()
    extracted = [extract(con, f, profile, i, tmp) for i, f in enumerate(files)]
    build_staging(con, profile, [FileContext(i, e, "2024-05", "test") for i, e in enumerate(extracted)])
    return con, profile


def with_rules(profile, tmp_path: Path, rules: str):
    """The same profile with a `redaction:` block that today's profile schema does not accept yet."""
    path = tmp_path / "rules-profile.yaml"
    path.write_text(f"redaction:\n{rules}", encoding="utf-8")
    return dataclasses.replace(profile, path=path)


def records(con, *columns: str) -> list[tuple]:
    cols = ", ".join(columns)
    return con.execute(f"select {cols} from stg_spending where row_kind = 'record' order by source_line").fetchall()


@pytest.fixture
def staged(mini_profile, export, tmp_path):
    def make(rows: list[list[str]]):
        return stage(mini_profile(EXTRA_FIELDS), [export(write_rows(rows))], tmp_path)
    return make
