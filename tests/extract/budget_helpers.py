"""Helpers for the budget tests: a shipped profile's YAML, and a staged budget built by the real
transform from a shipped budget profile, as the pipeline reads and enriches it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import yaml

from etl.extract import ExtractedFile
from etl.extract.budget_xml import load_budget_xml
from etl.profile import load_profile, resolve_profile_path
from etl.reference import enrich_staging
from etl.transform import FileContext, build_staging


def profile_doc(name: str) -> dict:
    """A shipped profile as its YAML says it (load_profile gives it checked and parsed)."""
    return yaml.safe_load(resolve_profile_path(name).read_text(encoding="utf-8"))


def stage_budget_xml(con: duckdb.DuckDBPyConnection, xml: Path, *,
                     publisher: str = "montreuil", release_id: str = "test-release"):
    """stg_budget from a DocumentBudgetaire file through the real transform and the profile's
    reference block; returns (profile, context, mappings, enrich report)."""
    profile = load_profile(publisher)
    assert profile.format == "budget-xml"
    header = load_budget_xml(con, xml, "raw_budget_0")
    data = xml.read_bytes()
    records = con.execute("select count(*) from raw_budget_0").fetchone()[0]
    extracted = ExtractedFile(path=xml, name=xml.name, sha256=hashlib.sha256(data).hexdigest(),
                              bytes=len(data), encoding="utf-8", raw_table="raw_budget_0", header_line=1,
                              header=header, records=records)
    ctx = FileContext(0, extracted, "2022-executed", release_id)
    mappings = build_staging(con, profile, [ctx])
    return profile, ctx, mappings, enrich_staging(con, profile, "stg_budget")


def load_budget_table(con: duckdb.DuckDBPyConnection, table: str = "budget") -> int:
    """Copy the staged records into a `budget` table made from schemas/budget.schema.json."""
    from etl.schema import load_schema
    schema = load_schema("budget")
    con.execute(schema.create_table_sql(table))
    cols = ", ".join(f'"{f}"' for f in schema.field_names)
    con.execute(f'insert into "{table}" ({cols}) select {cols} from stg_budget where row_kind = \'record\' '
                "order by source_line")
    return con.execute(f'select count(*) from "{table}"').fetchone()[0]
