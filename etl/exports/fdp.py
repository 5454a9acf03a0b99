"""Fiscal Data Package (OpenSpending FDP 1.0) properties for a datapackage.json.

`fdp_model` maps a table's physical columns to logical concepts: measures (money columns, with
currency, phase, direction) and dimensions (classifications with their code, label and parent
attributes, dates, entities). It reads the Table Schema: fields annotated with an `fdp` hint
(schemas/budget.schema.json) say which measure or dimension attribute they are; fields without
one (schemas/spending.schema.json) are grouped by naming convention (`<x>_code`, `<x>_id`,
`<x>_name`, `<x>_label`, `<x>_type` form dimension x; every `number` is a measure; every `date` a
datetime dimension). `package_properties` adds the package-level keys (countryCode, fiscalPeriod,
granularity, model) from the published rows themselves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from ..schema import TableSchema
from ..sqltext import quote_ident, quote_literal

# Conventions for schemas without hints: dimension name -> (dimensionType, classificationType).
CONVENTIONS: dict[str, tuple[str, str | None]] = {
    "publisher": ("entity", None),
    "supplier": ("entity", None),
    "entity": ("entity", None),
    "department": ("classification", "administrative"),
    "service": ("classification", "administrative"),
    "administrative": ("classification", "administrative"),
    "expense": ("classification", "economic"),
    "economic": ("classification", "economic"),
    "functional": ("classification", "functional"),
    "cofog": ("classification", "functional"),
    "capital": ("classification", "economic"),
    "period": ("datetime", None),
    "transaction": ("fact", None),
    "source": ("fact", None),
    "release": ("fact", None),
    "redaction": ("other", None),
    "is": ("other", None),
}
KEY_SUFFIXES = ("_code", "_id")
ATTRIBUTE_SUFFIXES = ("_code", "_id", "_name", "_label", "_type", "_reason", "_date")


def _descriptor(schema: TableSchema | dict) -> dict:
    return schema.descriptor if isinstance(schema, TableSchema) else schema


def _convention(field: dict) -> tuple[str, str]:
    """(dimension, attribute) of a field without an fdp hint."""
    name = field["name"]
    if field.get("type") == "date":
        return name, "date"
    if name.startswith("source_") or name == "release_id":
        return "provenance", name
    if name.startswith("is_"):
        return "flags", name
    for suffix in ATTRIBUTE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)], suffix[1:]
    return name, name


def fdp_model(schema: TableSchema | dict, *, currency: str | None = None, phase: str | None = None,
              direction: str | None = None, factor: int | None = None) -> dict[str, Any]:
    """The FDP `model` of a table: {"measures": {...}, "dimensions": {...}}.

    currency, phase and direction apply to measures that do not fix their own (a budget's
    `amount` takes the phase of its document; give one only when all rows share it).
    """
    desc = _descriptor(schema)
    measures: dict[str, dict] = {}
    dimensions: dict[str, dict] = {}
    for field in desc["fields"]:
        hint = field.get("fdp")
        if (hint is not None and "measure" in hint) or (hint is None and field.get("type") == "number"):
            m: dict[str, Any] = {"source": field["name"], "title": field.get("title", field["name"])}
            own = (hint or {}).get("measure", {})
            for key, default in (("currency", currency), ("phase", phase), ("direction", direction),
                                 ("factor", factor)):
                value = own.get(key, default)
                if value is not None:
                    m[key] = value
            measures[field["name"]] = m
            continue
        if hint is not None:
            dim_name, attr_name = hint["dimension"], hint["attribute"]
        else:
            dim_name, attr_name = _convention(field)
        dim = dimensions.setdefault(dim_name, {"attributes": {}, "primaryKey": []})
        attr: dict[str, Any] = {"source": field["name"], "title": field.get("title", field["name"])}
        if hint is not None:
            for key in ("labelfor", "parent"):
                if key in hint:
                    attr[key] = hint[key]
            for key in ("dimensionType", "classificationType"):
                if key in hint:
                    dim[key] = hint[key]
            if hint.get("key"):
                dim["primaryKey"].append(attr_name)
        else:
            kind, classification = CONVENTIONS.get(dim_name.split("_")[0], ("other", None))
            if field.get("type") == "date":
                kind, classification = "datetime", None
            dim.setdefault("dimensionType", kind)
            if classification:
                dim.setdefault("classificationType", classification)
        dim["attributes"][attr_name] = attr
    for name, dim in dimensions.items():
        if not dim["primaryKey"]:
            attrs = list(dim["attributes"])
            keys = [a for a in attrs if a in ("code", "id")] or [a for a in attrs if a.endswith(KEY_SUFFIXES)]
            dim["primaryKey"] = keys[:1] or attrs[:1]
        if not any("labelfor" in v for v in dim["attributes"].values()):
            key = dim["primaryKey"][0]
            for a, v in dim["attributes"].items():
                if a != key and a in ("name", "label", "type") and "labelfor" not in v:
                    v["labelfor"] = key
                    break
        dim.setdefault("dimensionType", "other")
    return {"measures": measures, "dimensions": dimensions}


def _single(con: duckdb.DuckDBPyConnection, source: str, column: str, where: str) -> str | None:
    rows = con.execute(f"select distinct {quote_ident(column)} from {source} {where} limit 2").fetchall()
    return rows[0][0] if len(rows) == 1 and rows[0][0] is not None else None


def fiscal_period(con: duckdb.DuckDBPyConnection, source: str, field_names: list[str],
                  where: str = "") -> dict[str, str] | None:
    """FDP fiscalPeriod {start, end} of the rows: the months they are published for, else their
    payment dates, or their fiscal years. (A month's payments include some dated the month before,
    or, from an invoice date, years before: Lambeth's June 2012 runs back to 2010. The package
    still covers June.)"""
    if "period" in field_names and "payment_date" in field_names:
        lo, hi = con.execute(f"select min(period) || '-01', last_day(cast(max(period) || '-01' as date)) "
                             f"from {source} {where}").fetchone()
        return {"start": lo, "end": hi.isoformat()} if lo else None
    if "payment_date" in field_names:
        lo, hi = con.execute(f"select min(payment_date), max(payment_date) from {source} {where}").fetchone()
        return {"start": lo.isoformat(), "end": hi.isoformat()} if lo else None
    if "fiscal_year" in field_names:
        start_month = ("coalesce(max(fiscal_year_start_month), 1)"
                       if "fiscal_year_start_month" in field_names else "1")
        lo, hi, month = con.execute(
            f"select min(fiscal_year), max(fiscal_year), {start_month} from {source} {where}").fetchone()
        if lo is None:
            return None
        first = dt.date(lo - (1 if month > 1 else 0), month, 1)
        last = dt.date(hi + (1 if month == 1 else 0), month, 1) - dt.timedelta(days=1)
        return {"start": first.isoformat(), "end": last.isoformat()}
    return None


def package_properties(con: duckdb.DuckDBPyConnection, table: str, schema: TableSchema, *,
                       publisher_id: str | None = None, country_code: str | None = None) -> dict[str, Any]:
    """The FDP keys of a datapackage.json, from the rows of `table` (e.g. wh.budget) it publishes:
    countryCode, fiscalPeriod, granularity and model."""
    source = ".".join(quote_ident(p) for p in table.split("."))
    where = f"where publisher_id = {quote_literal(publisher_id)}" if publisher_id else ""
    names = schema.field_names
    single = {c: _single(con, source, c, where) for c in ("currency", "phase", "direction") if c in names}
    props: dict[str, Any] = {}
    if country_code:
        props["countryCode"] = country_code
    period = fiscal_period(con, source, names, where)
    if period:
        props["fiscalPeriod"] = period
    props["granularity"] = "transactional" if "payment_date" in names else "aggregated"
    props["model"] = fdp_model(schema, currency=single.get("currency"), phase=single.get("phase"),
                               direction=single.get("direction"))
    return props
