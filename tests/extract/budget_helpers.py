"""Helpers for the budget tests: the proposed profile keys, and a staged budget built by the real
transform from a shipped budget profile (until the pipeline reads the new keys itself)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import duckdb
import yaml

from etl.extract import ExtractedFile
from etl.extract.budget_xml import load_budget_xml
from etl.paths import DATASETS_DIR, SCHEMAS_DIR
from etl.profile import Profile, load_profile
from etl.reference import enrich
from etl.transform import FileContext, build_staging

# The JSON-Schema snippets proposed for schemas/profile.schema.json (see the report of issue 6).
READ_FORMAT = {"enum": ["csv", "excel", "budget-xml"], "default": "csv"}
READ_UNPIVOT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["columns", "name_column", "value_column"],
    "description": "Wide table to long form: every non-blank cell of the columns whose whole header matches `columns` becomes a record, with the header in a new column `name_column` and the cell in a new column `value_column`.",
    "properties": {
        "columns": {"type": "string", "minLength": 1, "description": "Regular expression the whole header of each wide column matches (e.g. '[0-9]{4}|TQ')."},
        "name_column": {"type": "string", "minLength": 1, "description": "Name of the new column holding the wide column's header."},
        "value_column": {"type": "string", "minLength": 1, "description": "Name of the new column holding the cell."},
    },
}
REFERENCE = {
    "type": "object",
    "additionalProperties": False,
    "description": "Reference lists applied to the staged rows before validation.",
    "properties": {
        "chart": {"type": "string", "minLength": 1, "description": "Chart of accounts XML (a file in datasets/reference/m14/ or a path): labels, sections and missing chapters of budget lines."},
        "cofog": {
            "type": "object",
            "additionalProperties": False,
            "required": ["crosswalk", "from_field"],
            "properties": {
                "crosswalk": {"type": "string", "minLength": 1, "description": "Crosswalk to COFOG (a name in datasets/reference/crosswalks/ or a CSV path)."},
                "from_field": {"type": "string", "minLength": 1, "description": "Canonical field whose value the crosswalk maps (functional_code, department, ...)."},
            },
        },
    },
}
FIELD_FACTOR = {"type": "number", "exclusiveMinimum": 0, "description": "Multiply parsed amounts by this unit (1000 for amounts in thousands)."}
FIELD_UNMAPPED = {"enum": ["error", "keep", "empty"], "default": "error", "description": "A value not in map: error (default), keep it as it is, or leave the field empty."}


def extended_profile_schema() -> dict:
    """schemas/profile.schema.json with the proposed keys added."""
    schema = copy.deepcopy(json.loads((SCHEMAS_DIR / "profile.schema.json").read_text(encoding="utf-8")))
    read = schema["properties"]["read"]["properties"]
    read["format"] = READ_FORMAT
    read["unpivot"] = READ_UNPIVOT
    schema["properties"]["reference"] = REFERENCE
    field = schema["properties"]["fields"]["additionalProperties"]["properties"]
    field["factor"] = FIELD_FACTOR
    field["unmapped"] = FIELD_UNMAPPED
    return schema


def profile_doc(name: str) -> dict:
    return yaml.safe_load((DATASETS_DIR / name / "profile.yaml").read_text(encoding="utf-8"))


def loadable_profile(name: str, tmp_path: Path) -> tuple[Profile, dict]:
    """The shipped profile without the keys today's loader does not know; returns (profile, removed)."""
    doc = profile_doc(name)
    removed = {"format": doc["read"].pop("format", None), "reference": doc.pop("reference", None),
               "unpivot": doc["read"].pop("unpivot", None)}
    for name, spec in doc["fields"].items():
        for key in ("factor", "unmapped"):
            if key in spec:
                removed.setdefault("fields", {}).setdefault(name, {})[key] = spec.pop(key)
    path = tmp_path / f"{name}-profile.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_profile(path), removed


def stage_budget_xml(con: duckdb.DuckDBPyConnection, xml: Path, tmp_path: Path, *,
                     publisher: str = "montreuil", release_id: str = "test-release"):
    """stg_budget from a DocumentBudgetaire file through the real transform and the profile's
    reference block; returns (profile, context, mappings, enrich report)."""
    profile, removed = loadable_profile(publisher, tmp_path)
    assert removed["format"] == "budget-xml"
    header = load_budget_xml(con, xml, "raw_budget_0")
    data = xml.read_bytes()
    records = con.execute("select count(*) from raw_budget_0").fetchone()[0]
    extracted = ExtractedFile(path=xml, name=xml.name, sha256=hashlib.sha256(data).hexdigest(),
                              bytes=len(data), encoding="utf-8", raw_table="raw_budget_0", header_line=1,
                              header=header, records=records)
    ctx = FileContext(0, extracted, "2022-executed", release_id)
    mappings = build_staging(con, profile, [ctx])
    ref = removed["reference"] or {}
    report = enrich(con, "stg_budget", chart=ref.get("chart"),
                    cofog_crosswalk=(ref.get("cofog") or {}).get("crosswalk"),
                    cofog_from=(ref.get("cofog") or {}).get("from_field"))
    return profile, ctx, mappings, report


def load_budget_table(con: duckdb.DuckDBPyConnection, table: str = "budget") -> int:
    """Copy the staged records into a `budget` table made from schemas/budget.schema.json."""
    from etl.schema import load_schema
    schema = load_schema("budget")
    con.execute(schema.create_table_sql(table))
    cols = ", ".join(f'"{f}"' for f in schema.field_names)
    con.execute(f'insert into "{table}" ({cols}) select {cols} from stg_budget where row_kind = \'record\' '
                "order by source_line")
    return con.execute(f'select count(*) from "{table}"').fetchone()[0]
