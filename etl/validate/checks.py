"""Table Schema constraints and parse failures as set-based SQL over the stg_ table.

Each check is one SELECT yielding issue rows; all of them are unioned into one issues table, so a
file with a million bad values costs one scan per check, not a Python loop.
"""

from __future__ import annotations

from ..profile import FieldSpec, Profile
from ..schema import Field
from ..sqltext import quote_ident, quote_literal
from ..transform import stg_table, text_column

ISSUE_COLUMNS = "code, severity, source_file_index, source_line, field, value, reason"


def _select(code: str, field: str | None, value_sql: str, reason: str, where: str, table: str,
            severity: str = "error") -> str:
    return (f"select {quote_literal(code)}, {quote_literal(severity)}, source_file_index, source_line, "
            f"{quote_literal(field) if field else 'null'}, cast({value_sql} as varchar), "
            f"{quote_literal(reason)} from {table} where row_kind = 'record' and ({where})")


def _what_was_expected(spec: FieldSpec, field: Field) -> str:
    if spec.map is not None:
        return "one of the values the profile maps: " + ", ".join(repr(k) for k in spec.map)
    if field.type == "date":
        formats = list(spec.date_formats) + (["an Excel serial day number"] if spec.excel_serial else [])
        return "a date in the format " + " or ".join(formats)
    if field.type == "number":
        return "an amount with at most 2 decimals"
    return f"a value of type {field.type}"


def _constraint_checks(field: Field, table: str) -> list[str]:
    col = quote_ident(field.name)
    c = field.constraints
    checks = []
    if "pattern" in c:
        checks.append(_select("constraint-error", field.name, col,
                              f"does not match the pattern {c['pattern']}",
                              f"{col} is not null and not regexp_full_match({col}, {quote_literal(c['pattern'])})",
                              table))
    if "enum" in c:
        allowed = ", ".join(quote_literal(str(v)) for v in c["enum"])
        checks.append(_select("constraint-error", field.name, col,
                              "is not one of " + ", ".join(map(str, c["enum"])),
                              f"{col} is not null and cast({col} as varchar) not in ({allowed})", table))
    for key, op in (("minimum", "<"), ("maximum", ">")):
        if key in c:
            checks.append(_select("constraint-error", field.name, col, f"is {'below' if op == '<' else 'above'} "
                                  f"the {key} {c[key]}", f"{col} {op} {c[key]}", table))
    for key, op in (("minLength", "<"), ("maxLength", ">")):
        if key in c:
            checks.append(_select("constraint-error", field.name, col, f"{key} is {c[key]}",
                                  f"length({col}) {op} {c[key]}", table))
    return checks


def issue_queries(profile: Profile) -> list[str]:
    table = quote_ident(stg_table(profile))
    queries = []
    for field in profile.schema.fields:
        spec = profile.fields.get(field.name)
        col = quote_ident(field.name)
        if spec is not None and not spec.is_constant:
            text = quote_ident(text_column(field.name))
            queries.append(_select("type-error", field.name, text,
                                   "is not " + _what_was_expected(spec, field),
                                   f"{text} is not null and {col} is null", table))
        if field.required:
            queries.append(_select("missing-value", field.name, "null", "is required but empty",
                                   f"{col} is null" + (f" and {quote_ident(text_column(field.name))} is null"
                                                        if spec is not None and not spec.is_constant else ""),
                                   table))
        queries.extend(_constraint_checks(field, table))
    pk = profile.schema.primary_key
    if pk:
        cols = ", ".join(quote_ident(k) for k in pk)
        queries.append(
            f"select 'duplicate-key', 'error', source_file_index, source_line, {quote_literal(', '.join(pk))}, "
            f"cast(null as varchar), 'the primary key repeats an earlier row' from ("
            f"select *, row_number() over (partition by {cols} order by source_line) as nth "
            f"from {table} where row_kind = 'record') where nth > 1")
    return queries
