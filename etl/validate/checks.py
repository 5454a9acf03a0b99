"""Table Schema constraints and parse failures as set-based SQL over the stg_ table.

Each check is one SELECT yielding issue rows; all of them are unioned into one issues table, so a
file with a million bad values costs one scan per check, not a Python loop. The constraint SQL is
fieldsql.FieldRules', the same that judges a CSV file as frictionless-py does, here applied to the
typed columns the profile's parsing produced; codes and constraint names are frictionless' own.
"""

from __future__ import annotations

import re
from typing import Mapping

from ..profile import FieldSpec, Profile
from ..schema import MONEY_PRECISION, MONEY_SCALE, Field
from ..sqltext import quote_ident, quote_literal
from ..transform import FileContext, pipeline_values, stg_table, text_column, without_symbols
from . import messages
from .fieldsql import FieldRules, missing_values_of

ISSUE_COLUMNS = "code, severity, source_file_index, source_line, field, value, reason, constraint_name, params"
RECORDS = "row_kind = 'record'"
NO_LINE = "cast(null as bigint)"   # line_sql of an issue about a whole file (a total, a period)


def issue_select(code: str, field: str | None, value_sql: str, where: str, table: str, *,
                 severity: str = "error", constraint: str | None = None,
                 params: Mapping[str, str] | None = None, line_sql: str = "source_line",
                 file_sql: str = "source_file_index") -> str:
    """One issue query: rows of `table` matching `where`, with the code's message rendered from
    its template (English reason) and the parameters kept as JSON for other languages."""
    p = dict(params or {})
    p.setdefault("value", f"cast({value_sql} as varchar)")
    if field:
        p.setdefault("field", quote_literal(field))
    if constraint:
        p.setdefault("constraint", quote_literal(constraint))
    reason = messages.render_sql(code, p, messages.DEFAULT_LANG, constraint)
    return (f"select {quote_literal(code)}, {quote_literal(severity)}, {file_sql}, {line_sql}, "
            f"{quote_literal(field) if field else 'cast(null as varchar)'}, cast({value_sql} as varchar), "
            f"{reason}, {quote_literal(constraint) if constraint else 'cast(null as varchar)'}, "
            f"{messages.params_sql(p)} from {table} where {where}")


def expected_params(spec: FieldSpec, field: Field) -> dict[str, str]:
    """What a field's text should have looked like: a phrase key and its parameters."""
    if spec.map is not None:
        return {"expected_key": "expected.map", "values": ", ".join(repr(k) for k in spec.map)}
    if field.type == "date":
        formats = list(spec.date_formats) + (["Excel serial day number"] if spec.excel_serial else [])
        return {"expected_key": "expected.date", "formats": " | ".join(formats)}
    if field.type == "number":   # shown as the profile reads amounts: 1,234.56 or 1234,56
        return {"expected_key": "expected.number", "example": f"1{spec.thousands or ''}234{spec.decimal}56",
                "whole_digits": str(MONEY_PRECISION - MONEY_SCALE), "decimals": str(MONEY_SCALE)}
    return {"expected_key": "expected.type", "type": field.type}


OTHER_DECIMAL_MARK = "type-error-decimal-mark"   # the phrase of the hint below


def other_decimal_mark(spec: FieldSpec, field: Field, text: str) -> dict[str, str]:
    """The parameters of a hint added to an amount's type error when its text (`text`, SQL) reads
    as an amount written with the other decimal mark ('12,50' to a profile reading '12.50'): the
    profile's `decimal` is then probably the one to change, not the file."""
    if field.type != "number" or spec.decimal not in (".", ","):
        return {}
    mark = "," if spec.decimal == "." else "."
    grouping = "." if mark == "," else ","
    text = without_symbols(text, spec)
    shape = (f"[+-]?\\(?([0-9]+|[0-9]{{1,3}}({re.escape(grouping)}[0-9]{{3}})+){re.escape(mark)}"
             f"[0-9]{{1,{MONEY_SCALE}}}\\)?-?")
    # ...and what the other mark would read must fit the type too
    whole_digits = f"length(regexp_replace(split_part({text}, {quote_literal(mark)}, 1), '[^0-9]', '', 'g'))"
    looks = f"(regexp_full_match({text}, {quote_literal(shape)}) and {whole_digits} <= {MONEY_PRECISION - MONEY_SCALE})"
    # the profile reading the other mark must not take it as its thousands separator too
    setting = f"decimal: '{mark}'" + (f" and thousands: '{grouping}'" if spec.thousands == mark else "")
    hint = {"setting": quote_literal(setting), "field": quote_literal(field.name)}
    return {**hint, "further_key": f"case when {looks} then {quote_literal(OTHER_DECIMAL_MARK)} end",
            "further": f"case when {looks} then {messages.render_sql(OTHER_DECIMAL_MARK, hint)} end"}


def rule_text(name: str, rule: object) -> str:
    if name == "enum" and isinstance(rule, list):
        return ", ".join(str(v) for v in rule)
    return str(rule)


def field_rules(profile: Profile) -> dict[str, FieldRules]:
    descriptor = profile.schema.descriptor
    mv = missing_values_of(descriptor.get("missingValues"))
    return {f["name"]: FieldRules(f, mv) for f in descriptor.get("fields", [])}


def constant_sql(profile: Profile, field: Field, ctx: FileContext) -> str | None:
    """SQL of a field's value when it is the same on every row of a file (filled by spendpub, a
    profile constant, or unmapped); None for a field read from the file."""
    provided = pipeline_values(profile, ctx)
    if field.name in provided:
        return None if field.name == "source_line" else f"cast({provided[field.name]} as {field.sql_type})"
    spec = profile.fields.get(field.name)
    if spec is None or spec.value is None and spec.is_constant:
        return f"cast(null as {field.sql_type})"
    if spec.is_constant:
        value = ("true" if spec.value else "false") if isinstance(spec.value, bool) else quote_literal(str(spec.value))
        return f"cast({value} as {field.sql_type})"
    return None


def issue_queries(profile: Profile, severity: Mapping[str, str] | None = None,
                  contexts: list[FileContext] | None = None, con=None) -> list[str]:
    """Type errors of the profile's parsing, and every constraint of the schema, on stg_.

    With `contexts` and `con`, a field whose value is the same on every row of a file is checked
    once per file (a pattern on the file's SHA-256 need not run a million times); only a file
    whose value breaks the constraint gets an issue query, naming each of its records."""
    sev = dict(severity or {})
    table = quote_ident(stg_table(profile))
    rules = field_rules(profile)
    queries = []
    for field in profile.schema.fields:
        spec = profile.fields.get(field.name)
        col = quote_ident(field.name)
        if contexts is not None and con is not None:
            constants = {ctx.index: constant_sql(profile, field, ctx) for ctx in contexts}
            if all(v is not None for v in constants.values()):
                r = rules[field.name]
                for index, literal in constants.items():
                    for name, failure in r.constraint_failures(literal, f"({literal} is null)"):
                        if con.execute(f"select coalesce({failure}, false)").fetchone()[0]:
                            queries.append(issue_select(
                                "constraint-error", field.name, col if name != "required" else "null",
                                f"{RECORDS} and source_file_index = {index}", table,
                                severity=sev.get("constraint-error", "error"), constraint=name,
                                params={"rule": quote_literal(rule_text(name, r.constraints[name]))}))
                continue
        parsed = spec is not None and not spec.is_constant
        type_error = "false"
        if parsed:   # the record stops before this field's column (staging's missing_cell)
            queries.append(issue_select(
                "missing-cell", field.name, "null", f"{RECORDS} and missing_cell = {quote_literal(field.name)}",
                table, severity=sev.get("missing-cell", "error")))
            text = quote_ident(text_column(field.name))
            type_error = f"({text} is not null and {col} is null)"
            expected = expected_params(spec, field)
            params = {k: quote_literal(v) for k, v in expected.items()}
            params["expected"] = quote_literal(messages.phrase(expected["expected_key"], **expected))
            params.update(other_decimal_mark(spec, field, text))
            queries.append(issue_select(
                "type-error", field.name, text, f"{RECORDS} and {type_error}", table,
                severity=sev.get("type-error", "error"), params=params))
        r = rules[field.name]
        for name, failure in r.constraint_failures(col, f"({col} is null)"):
            # a short record's missing cells are reported as such, not as empty ones
            short = " and missing_cell is null" if name == "required" and parsed else ""
            queries.append(issue_select(
                "constraint-error", field.name, col if name != "required" else "null",
                f"{RECORDS} and not {type_error} and coalesce({failure}, false){short}", table,
                severity=sev.get("constraint-error", "error"), constraint=name,
                params={"rule": quote_literal(rule_text(name, r.constraints[name]))}))
        if r.constraints.get("unique"):
            queries.append(_repeats("unique-error", [field.name], table, sev.get("unique-error", "error"),
                                    field=field.name))
    queries.append(issue_select("extra-cell", None, "extra_cell", f"{RECORDS} and extra_cell is not null", table,
                                severity=sev.get("extra-cell", "error")))
    pk = profile.schema.primary_key
    if pk and not _unique_by_construction(pk, contexts):
        queries.append(_repeats("primary-key", pk, table, sev.get("primary-key", "error")))
    return queries


def _unique_by_construction(key: list[str], contexts: list[FileContext] | None) -> bool:
    """(source_file_sha256, source_line) cannot repeat unless two files have the same bytes: each
    record of a file starts on its own line."""
    if contexts is None or not set(key) >= {"source_file_sha256", "source_line"}:
        return False
    digests = [ctx.extracted.sha256 for ctx in contexts]
    return len(set(digests)) == len(digests)


def _repeats(code: str, columns: list[str], table: str, severity: str, field: str | None = None) -> str:
    """Rows whose key repeats an earlier row's (in file order), naming the first line. Keys are
    grouped first, so the window only runs over the (usually empty) set of repeated keys."""
    cols = ", ".join(quote_ident(c) for c in columns)
    key = " || ', ' || ".join(f"coalesce(cast(s.{quote_ident(c)} as varchar), '')" for c in columns)
    on = " and ".join(f"s.{quote_ident(c)} = d.{quote_ident(c)}" for c in columns)
    not_null = " and ".join(f"{quote_ident(c)} is not null" for c in columns)
    order = "order by s.source_file_index, s.source_line"
    repeated = (f"(select s.*, {key} as key_text, "
                f"first_value(s.source_line) over (partition by {', '.join('s.' + quote_ident(c) for c in columns)} "
                f"{order}) as first_line, "
                f"row_number() over (partition by {', '.join('s.' + quote_ident(c) for c in columns)} {order}) as nth "
                f"from {table} s join (select {cols} from {table} where {RECORDS} and {not_null} "
                f"group by {cols} having count(*) > 1) d on {on} where s.{RECORDS}) t")
    return issue_select(code, field or ", ".join(columns), "key_text", "nth > 1", repeated, severity=severity,
                        params={"first_line": "first_line"})
