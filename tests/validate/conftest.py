"""Helpers for validation tests: a small profile with every field the domain checks read, and a
run of extract -> transform -> validate into a DuckDB connection the test can query again."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import pytest

from etl import pipeline
from etl.profile import load_profile
from etl.transform import resolve_columns

DOMAIN_PROFILE = """\
publisher: {id: testco, name: Test Borough Council, country: GB}
dataset: spending
licence: {name: OGL-UK-3.0, title: Open Government Licence v3.0}
read:
  skip_rows:
    - {kind: total, column: Supplier, matches: '^Total'}
period:
  from_filename: ['(?P<year>\\d{4})-(?P<month>\\d{2})']
fields:
  department: {column: Department}
  supplier_name: {column: Supplier}
  supplier_id: {column: Company, optional: true}
  payment_date: {column: Date, date_formats: ['%d/%m/%Y']}
  amount: {column: Amount}
  cofog_code: {column: COFOG, optional: true}
  expense_code: {column: Account, optional: true}
  currency: {value: GBP}
redaction:
  markers: [REDACTED PERSONAL DATA]
"""


class Run:
    def __init__(self, con, profile, prepared, mappings):
        self.con, self.profile, self.prepared, self.mappings = con, profile, prepared, mappings

    @property
    def contexts(self):
        return self.prepared.contexts

    def validate(self, **kwargs):
        from etl.validate import validate
        return validate(self.con, self.profile, self.contexts, self.mappings, **kwargs)


@pytest.fixture
def staged(tmp_path: Path):
    """staged(csv_text, name=..., country=GB) -> Run over the file, stg_ built and validated once."""
    cons = []

    def make(text: str, name: str = "spend-2024-05.csv", country: str = "GB", profile_text: str = DOMAIN_PROFILE):
        folder = tmp_path / f"run{len(cons)}"
        folder.mkdir()
        profile_path = folder / "profile.yaml"
        profile_path.write_text(textwrap.dedent(profile_text).replace("country: GB", f"country: {country}"),
                                encoding="utf-8")
        source = folder / name
        source.write_text(text, encoding="utf-8")
        profile = load_profile(profile_path)
        con = duckdb.connect()
        cons.append(con)
        work = folder / "work"
        work.mkdir()
        prepared = pipeline.prepare(con, profile, [source], work)
        mappings = {c.index: resolve_columns(profile, c.extracted) for c in prepared.contexts}
        return Run(con, profile, prepared, mappings)

    yield make
    for con in cons:
        con.close()
