"""Publisher profiles: one declarative YAML file per export layout, checked before use.

A profile says how to read an export (encoding, delimiter, header, rows to skip) and how each
canonical field is found and parsed. A wrong key or value is reported with the key's path and the
file, never as a traceback.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import yaml

from . import engine, yamltext
from .errors import ProfileError, UsageError
from .paths import DATASETS_DIR, SCHEMAS_DIR
from .schema import TableSchema, dataset_names, load_schema

# Filled by the pipeline itself, never by a profile: who published, from which file, in which release.
PIPELINE_FIELDS = frozenset(
    {"publisher_id", "publisher_name", "period", "source_file_sha256", "source_line", "release_id",
     "is_redacted", "redaction_reason"}
)


CURRENCY_SYMBOLS = {"GBP": ("£", "GBP"), "USD": ("$", "USD"), "EUR": ("€", "EUR")}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    columns: tuple[str, ...] = ()
    value: Any = None
    optional: bool = False
    extract: str | None = None
    map: dict[str, Any] | None = None
    date_formats: tuple[str, ...] = ()
    excel_serial: bool = False
    decimal: str = "."
    thousands: str | None = None
    # the currency read per row: every currency's symbols, then their codes
    currency_symbols: tuple[str, ...] = tuple(pair[i] for i in (0, 1) for pair in CURRENCY_SYMBOLS.values())
    factor: int | float | None = None
    unmapped: str = "error"

    @property
    def is_constant(self) -> bool:
        return not self.columns


@dataclass(frozen=True)
class SkipRule:
    kind: str
    columns: tuple[str, ...] = ()
    matches: str | None = None
    only_filled: tuple[str, ...] = ()
    required: bool = False      # a total row every file must have (missing: probably cut short)


@dataclass(frozen=True)
class Profile:
    path: Path
    sha256: str
    publisher_id: str
    publisher_name: str
    dataset: str
    title: str
    description: str
    licence: dict[str, str]
    source: dict[str, str] | None
    country: str | None
    url: str | None
    identifier: str | None      # the body's official code (ONS code in England)
    population: int | None
    population_year: int | None
    format: str
    encoding: str
    delimiter: str
    quote: str
    header_row: int | None  # None: find it
    sheet: str | int | None
    replace: dict[str, str]
    skip_rows: tuple[SkipRule, ...]
    period_patterns: tuple[str, ...]
    period_field: str | None
    period_fields: tuple[str, ...]
    unpivot: dict[str, str] | None
    reference: dict
    fields: dict[str, FieldSpec]
    redaction_markers: tuple[str, ...] = field(default=())
    validation: dict[str, Any] = field(default_factory=dict)  # checked by the schema; read by validate.policy_of

    @property
    def schema(self) -> TableSchema:
        return load_schema(self.dataset)

    @property
    def column_fields(self) -> dict[str, FieldSpec]:
        return {n: s for n, s in self.fields.items() if not s.is_constant}


@lru_cache(maxsize=1)
def _profile_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS_DIR / "profile.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def resolve_profile_path(name_or_path: str | Path) -> Path:
    """A profile is given as a path, or as a publisher folder name under datasets/."""
    p = Path(name_or_path)
    if p.is_dir():
        p = p / "profile.yaml"
    if p.exists():
        return p
    shipped = DATASETS_DIR / str(name_or_path) / "profile.yaml"
    if shipped.exists():
        return shipped
    shipped_names = ", ".join(sorted(p.parent.name for p in DATASETS_DIR.glob("*/profile.yaml")))
    raise UsageError(f"no such profile: give a profile.yaml path or a publisher folder in datasets/ "
                     f"({shipped_names})", where=str(name_or_path))


def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"unknown key {', '.join(repr(u) for u in unknown)}{hint}"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(repr(v) for v in error.validator_value)}"
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    return error.message


def _as_tuple(v: str | list[str] | None) -> tuple[str, ...]:
    if v is None:
        return ()
    return (v,) if isinstance(v, str) else tuple(v)


@lru_cache(maxsize=1)
def _probe() -> "duckdb.DuckDBPyConnection":
    """One in-memory DuckDB for the profile checks of a process: a new connection per profile would
    cost more than the rest of its check."""
    return engine.connect()


# A workbook's date cells reach the working copy as ISO dates (excel_reader): unambiguous, they are
# read whatever formats the profile gives for dates typed as text.
WORKBOOK_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")


def _with_workbook_dates(formats: tuple[str, ...]) -> tuple[str, ...]:
    return formats + tuple(f for f in WORKBOOK_DATE_FORMATS if f not in formats)


@lru_cache(maxsize=None)
def _date_format_problem(fmt: str) -> str | None:
    """Why DuckDB's strptime, which reads the dates, refuses a format (None when it takes it)."""
    try:
        with _probe().cursor() as con:   # a cursor of its own: safe from any thread
            con.execute("select try_strptime('', ?)", [fmt]).fetchall()
    except duckdb.Error as e:
        return "is not a date format: " + str(e).splitlines()[0].rsplit(f"{fmt}: ", 1)[-1]
    return None


def load_profile(name_or_path: str | Path) -> Profile:
    path = resolve_profile_path(name_or_path)
    where = str(path)
    raw_bytes = path.read_bytes()
    try:
        doc = yamltext.load(raw_bytes.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as e:
        raise ProfileError(f"not valid YAML: {yamltext.describe(e)}", where=where) from None
    if not isinstance(doc, dict):
        raise ProfileError("a profile is a mapping of keys (publisher, dataset, read, fields, ...)", where=where)

    errors = sorted(_profile_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [f"{_key_path(e)}: {_describe(e)}" for e in errors]
        raise ProfileError("invalid profile:\n  " + "\n  ".join(lines), where=where)

    problems: list[str] = []
    dataset = doc["dataset"]
    if dataset not in dataset_names():
        problems.append(f"dataset: unknown dataset {dataset!r} (known: {', '.join(dataset_names())})")
        raise ProfileError("invalid profile:\n  " + "\n  ".join(problems), where=where)
    schema = load_schema(dataset)

    # An amount in a file of one currency may carry that currency's symbol only: '€ 40.00' in a file
    # of pounds is no amount in pounds (a type error), not 40 pounds.
    currency = (doc["fields"].get("currency") or {}).get("value")
    symbols = CURRENCY_SYMBOLS.get(currency, FieldSpec.currency_symbols)
    fields: dict[str, FieldSpec] = {}
    for name, spec in doc["fields"].items():
        key = f"fields.{name}"
        if name not in schema.field_names:
            problems.append(f"{key}: unknown field {name!r} (the {dataset} schema has: "
                            f"{', '.join(n for n in schema.field_names if n not in PIPELINE_FIELDS)})")
            continue
        if name in PIPELINE_FIELDS:
            problems.append(f"{key}: {name} is filled by spendpub itself, not by the profile")
            continue
        if ("column" in spec) == ("value" in spec):
            problems.append(f"{key}: give exactly one of 'column' or 'value'")
            continue
        ftype = schema.field(name).type
        if "date_formats" in spec and ftype != "date":
            problems.append(f"{key}.date_formats: {name} is a {ftype}, not a date")
        workbook = doc["read"].get("format") == "excel"
        if ftype == "date" and "column" in spec and "date_formats" not in spec and not spec.get("excel_serial") \
                and not workbook:
            problems.append(f"{key}: a date column needs date_formats (or excel_serial)")
        for fmt in spec.get("date_formats", []):
            if "%" not in fmt:
                problems.append(f"{key}.date_formats: {fmt!r} has no % directive")
            elif why := _date_format_problem(fmt):
                problems.append(f"{key}.date_formats: {fmt!r} {why}")
        for rx_key in ("extract",):
            if rx_key in spec:
                try:
                    if re.compile(spec[rx_key]).groups != 1:
                        problems.append(f"{key}.{rx_key}: the expression needs exactly one group")
                except re.error as e:
                    problems.append(f"{key}.{rx_key}: bad regular expression: {e}")
        fields[name] = FieldSpec(
            name=name,
            columns=_as_tuple(spec.get("column")),
            value=spec.get("value"),
            optional=spec.get("optional", False),
            extract=spec.get("extract"),
            map={str(k).strip().casefold(): v for k, v in spec["map"].items()} if "map" in spec else None,
            date_formats=_with_workbook_dates(tuple(spec.get("date_formats", ()))) if workbook and ftype == "date"
            else tuple(spec.get("date_formats", ())),
            excel_serial=spec.get("excel_serial", False),
            decimal=spec.get("decimal", "."),
            thousands=spec.get("thousands", "," if spec.get("decimal", ".") == "." else None),
            currency_symbols=tuple(spec.get("currency_symbols", symbols)),
            factor=spec.get("factor"),
            unmapped=spec.get("unmapped", "error"),
        )
        if "factor" in spec and ftype != "number":
            problems.append(f"{key}.factor: {name} is a {ftype}, not an amount")
        if "unmapped" in spec and "map" not in spec:
            problems.append(f"{key}.unmapped: only meaningful with a map")
        if fields[name].thousands is not None and fields[name].thousands == fields[name].decimal:
            problems.append(f"{key}.thousands: {fields[name].thousands!r} is also the decimal mark; set thousands "
                            f"to the other mark, or to '' when amounts have no thousands separator")

    for f in schema.fields:
        if f.required and f.name not in PIPELINE_FIELDS and f.name not in fields:
            problems.append(f"fields.{f.name}: required by the {dataset} schema but not mapped")

    read = doc["read"]
    skip_rules = []
    for i, rule in enumerate(read.get("skip_rows", [])):
        key = f"read.skip_rows.{i}"
        if ("matches" in rule) != ("column" in rule):
            problems.append(f"{key}: 'column' and 'matches' go together")
        if "matches" not in rule and "only_filled" not in rule:
            problems.append(f"{key}: give 'column' with 'matches', or 'only_filled'")
        if "matches" in rule:
            try:
                re.compile(rule["matches"])
            except re.error as e:
                problems.append(f"{key}.matches: bad regular expression: {e}")
        if rule.get("required") and rule["kind"] != "total":
            problems.append(f"{key}.required: only a total row can be required")
        for f in rule.get("only_filled", []):
            if f not in fields or fields[f].is_constant:
                problems.append(f"{key}.only_filled: {f!r} is not a field mapped to a column")
        skip_rules.append(SkipRule(kind=rule["kind"], columns=_as_tuple(rule.get("column")),
                                   matches=rule.get("matches"),
                                   only_filled=tuple(rule.get("only_filled", ())),
                                   required=bool(rule.get("required", False))))

    period = doc.get("period", {})
    for i, rx in enumerate(period.get("from_filename", [])):
        try:
            groups = re.compile(rx).groupindex
        except re.error as e:
            problems.append(f"period.from_filename.{i}: bad regular expression: {e}")
            continue
        if not {"year", "month"} <= set(groups):
            problems.append(f"period.from_filename.{i}: needs named groups (?P<year>...) and (?P<month>...)")
    if "from_field" in period and (period["from_field"] not in fields
                                   or schema.field(period["from_field"]).type != "date"):
        problems.append(f"period.from_field: {period['from_field']!r} is not a mapped date field")
    for f in period.get("from_fields", []):
        if f not in fields:
            problems.append(f"period.from_fields: {f!r} is not a mapped field")
    for name in doc.get("validation", {}).get("code_lists", {}):
        if name not in fields:
            problems.append(f"validation.code_lists.{name}: {name!r} is not a field the profile maps")
    cofog = doc.get("reference", {}).get("cofog")
    if cofog and cofog["from_field"] not in fields:
        problems.append(f"reference.cofog.from_field: {cofog['from_field']!r} is not a mapped field")

    if read.get("delimiter", ",") == read.get("quote", '"'):
        problems.append(f"read.quote: the same character as read.delimiter ({read.get('delimiter', ',')!r})")
    if problems:
        raise ProfileError("invalid profile:\n  " + "\n  ".join(problems), where=where)

    header_row = read.get("header_row", "auto")
    publisher = doc["publisher"]
    return Profile(
        path=path,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        publisher_id=publisher["id"],
        publisher_name=publisher["name"],
        country=publisher.get("country"),
        url=publisher.get("url"),
        identifier=publisher.get("identifier"),
        population=publisher.get("population"),
        population_year=publisher.get("population_year"),
        dataset=dataset,
        title=doc.get("title", f"{publisher['name']}: {schema.descriptor.get('title', dataset)}"),
        description=doc.get("description", schema.descriptor.get("description", "")),
        licence=doc["licence"],
        source=doc.get("source"),
        format=read.get("format", "csv"),
        encoding=read.get("encoding", "auto"),
        delimiter=read.get("delimiter", ","),
        quote=read.get("quote", '"'),
        header_row=None if header_row == "auto" else header_row,
        sheet=read.get("sheet"),
        replace=read.get("replace", {}),
        skip_rows=tuple(skip_rules),
        period_patterns=tuple(period.get("from_filename", ())),
        period_field=period.get("from_field"),
        period_fields=tuple(period.get("from_fields", ())),
        unpivot=read.get("unpivot"),
        reference=doc.get("reference", {}),
        fields=fields,
        redaction_markers=tuple(doc.get("redaction", {}).get("markers", ())),
        validation=doc.get("validation", {}),
    )
