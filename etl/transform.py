"""Transform: raw_ tables into the typed stg_<dataset> table, as the profile says.

The SQL is generated from two pieces of data, the profile (where each field comes from, how it
is parsed) and the Table Schema (each field's type). Parsing runs set-based in DuckDB; every
value that cannot be parsed stays visible next to its source text, for validation to report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb

from .errors import InputError
from .extract import ExtractedFile, csv_reader, normalise_name, wanted_columns
from .paths import SQL_DIR
from .profile import FieldSpec, Profile
from .schema import Field
from .sqltext import quote_ident, quote_literal

STG_TEMPLATE = (SQL_DIR / "staging" / "stg_file.sql").read_text(encoding="utf-8")
MACROS = (SQL_DIR / "macros.sql").read_text(encoding="utf-8")


def text_column(field: str) -> str:
    """Name of the staging column that keeps a field's cleaned source text."""
    return f"{field}__text"


# Fields spendpub fills with the same value on every row of a file and never changes afterwards.
# stg_ computes them from source_file_index (generated columns) instead of storing a copy per row:
# at a million rows their texts alone would take a third of the run's memory.
FILE_CONSTANTS = ("publisher_id", "publisher_name", "source_file_sha256", "release_id")


def mirrors_text(profile: Profile, field: str) -> bool:
    """True when a field's value is its cleaned source text as it is (a string, not mapped or
    extracted): its text column is then a generated column repeating the value, not a copy."""
    spec = profile.fields.get(field)
    return (spec is not None and not spec.is_constant and spec.map is None and not spec.extract
            and profile.schema.field(field).type == "string")


@dataclass(frozen=True)
class FileContext:
    """Per-file values the pipeline fills in: which file, which period, which release."""

    index: int
    extracted: ExtractedFile
    period: str | None
    release_id: str


def file_names(contexts: list[FileContext]) -> dict[int, str]:
    return {ctx.index: ctx.extracted.name for ctx in contexts}


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MACROS)


def column_index(extracted: ExtractedFile, alternatives: tuple[str, ...]) -> int | None:
    wanted = {normalise_name(a) for a in alternatives}
    for i, name in enumerate(extracted.header):
        if name and normalise_name(name) in wanted:
            return i
    return None


def resolve_columns(profile: Profile, extracted: ExtractedFile) -> dict[str, str | None]:
    """Field -> header text of the source column it is read from (None for an absent optional one)."""
    found: dict[str, str | None] = {}
    missing = []
    for name, spec in profile.column_fields.items():
        i = column_index(extracted, spec.columns)
        if i is None and not spec.optional:
            missing.append(name)
        elif i is not None:
            twice = [j + 1 for j, h in enumerate(extracted.header)
                     if h and normalise_name(h) == normalise_name(extracted.header[i])]
            if len(twice) > 1:   # frictionless' duplicate-label: which of them holds the field is a guess
                raise InputError.refusal("column-twice", extracted.name, line=extracted.header_line,
                                         column=repr(extracted.header[i]), columns=", ".join(map(str, twice)),
                                         field=name)
        found[name] = None if i is None else extracted.header[i]
    if missing:
        raise InputError.refusal("columns-missing", extracted.name, line=extracted.header_line,
                                 wanted=wanted_columns(profile, missing))
    return found


def _raw(i: int) -> str:
    return f"c{i + 1:03d}"


def _all_blank(columns: list[str], profile: Profile) -> str:
    """True when every one of the raw cells is empty or whitespace. DuckDB stops testing a row at
    its first filled cell, so ordinary rows cost one cheap test."""
    return "(" + " and ".join(f"is_blank({_replaced(c, profile)})" for c in columns) + ")" if columns else "true"


def _replaced(expr: str, profile: Profile) -> str:
    for old, new in profile.replace.items():
        expr = f"replace({expr}, {quote_literal(old)}, {quote_literal(new)})"
    return expr


def _literal(value, field: Field) -> str:
    if value is None:
        return f"cast(null as {field.sql_type})"
    if isinstance(value, bool):
        return f"cast({'true' if value else 'false'} as {field.sql_type})"
    return f"cast({quote_literal(str(value))} as {field.sql_type})"


def _mapped(expr: str, spec: FieldSpec, field: Field) -> str:
    whens = " ".join(f"when {quote_literal(k)} then {_literal(v, field)}" for k, v in spec.map.items())
    otherwise = f" else {_typed(expr, spec, field)}" if spec.unmapped == "keep" else ""
    return f"case lower({expr}) {whens}{otherwise} end"


def _rx(text: str) -> str:
    """A text as a regular expression matching it (RE2)."""
    return "".join("\\" + ch if ch in ".^$|?*+()[]{}\\" else ch for ch in text)


def _plain_amounts(spec: FieldSpec, expr: str) -> list[tuple[str, str]]:
    """(RE2, SQL) pairs for the shapes most amounts have ('-1234.5', '1,234.56'), on which the
    rewriting of _amount_rewritten comes down to removing the thousands separator and reading the
    decimal mark as a point: a plain cast then gives the same DECIMAL(18, 2), at most 16 digits
    and 2 decimals so that nothing is rounded or out of range. None apply when the profile's
    symbols or separators could make the rewriting do anything else to such a text."""
    point, thousands = spec.decimal, spec.thousands or ""
    if spec.factor is not None or point not in (".", ",") or len(thousands) > 1 \
            or thousands in set("0123456789-") | {point}:
        return []
    kept = set("0123456789-") | {point, thousands}
    if any(symbol and not set(symbol) - kept for symbol in spec.currency_symbols):
        return []

    def cast(text: str) -> str:
        if point != ".":
            text = f"replace({text}, {quote_literal(point)}, '.')"
        return f"cast({text} as decimal(18, 2))"

    decimals = f"({_rx(point)}[0-9]{{1,2}})?"
    shapes = [(f"-?[0-9]{{1,16}}{decimals}", cast(expr))]
    if thousands:
        shapes.append((f"-?[0-9]{{1,3}}({_rx(thousands)}[0-9]{{3}}){{1,4}}{decimals}",
                       cast(f"replace({expr}, {quote_literal(thousands)}, '')")))
    return shapes


def _amount(expr: str, spec: FieldSpec) -> str:
    slow = _amount_rewritten(expr, spec)
    fast = _plain_amounts(spec, expr)
    if not fast:
        return slow
    whens = " ".join(f"when regexp_full_match({expr}, {quote_literal(rx)}) then {sql}" for rx, sql in fast)
    return f"(case {whens} else {slow} end)"


def without_symbols(expr: str, spec: FieldSpec) -> str:
    """SQL: an amount's text without the currency symbols and spaces the profile reads around it."""
    for symbol in (*spec.currency_symbols, " "):
        expr = f"replace({expr}, {quote_literal(symbol)}, '')"
    return expr


def _amount_rewritten(expr: str, spec: FieldSpec) -> str:
    expr = without_symbols(expr, spec)
    if spec.thousands:
        # a separator only between groups of three digits: '12,34' or '5,' is no amount (a type
        # error), not 1234 or 5
        sep = quote_literal(spec.thousands)
        grouped = (f"[+-]?\\(?[0-9]{{1,3}}({_rx(spec.thousands)}[0-9]{{3}})+"
                   f"({_rx(spec.decimal)}[0-9]*)?\\)?-?")
        expr = (f"case when not contains({expr}, {sep}) or regexp_full_match({expr}, {quote_literal(grouped)}) "
                f"then replace({expr}, {sep}, '') end")
    if spec.decimal == ",":
        expr = f"replace({expr}, ',', '.')"
    expr = f"regexp_replace({expr}, '^\\((.*)\\)$', '-\\1')"   # (12.50) is negative
    expr = f"regexp_replace({expr}, '^([^-].*)-$', '-\\1')"    # so is a trailing minus: 12.50-
    value = f"exact_decimal({expr})"
    if spec.factor is not None:
        value = f"try({value} * {spec.factor!r})"   # an overflow of DECIMAL(38) is a type error too
    return f"money({value})"


def _date(expr: str, spec: FieldSpec) -> str:
    tries = [f"plausible_date(try_strptime({expr}, {quote_literal(f)}))" for f in spec.date_formats]
    if spec.excel_serial:
        tries.append(f"excel_serial_date({expr})")
    return tries[0] if len(tries) == 1 else f"coalesce({', '.join(tries)})"


def parse_expression(text: str, spec: FieldSpec, field: Field) -> str:
    """SQL turning a field's cleaned text into its schema type; NULL where it cannot."""
    expr = text
    if spec.extract:
        rx = quote_literal(spec.extract)
        expr = f"(case when regexp_matches({expr}, {rx}) then clean_text(regexp_extract({expr}, {rx}, 1)) else {expr} end)"
    if spec.map is not None:
        return _mapped(expr, spec, field)
    return _typed(expr, spec, field)


def _typed(expr: str, spec: FieldSpec, field: Field) -> str:
    if field.type == "date":
        return _date(expr, spec)
    if field.type == "number":
        return _amount(expr, spec)
    if field.type == "string":
        return expr
    return f"try_cast({expr} as {field.sql_type})"


def pipeline_values(profile: Profile, ctx: FileContext) -> dict[str, str]:
    """SQL for the fields spendpub fills itself: provenance and publisher."""
    return {
        "publisher_id": quote_literal(profile.publisher_id),
        "publisher_name": quote_literal(profile.publisher_name),
        "period": quote_literal(ctx.period) if ctx.period else "cast(null as varchar)",
        "source_file_sha256": quote_literal(ctx.extracted.sha256),
        "source_line": "source_line",
        "release_id": quote_literal(ctx.release_id),
        "is_redacted": "false",
        "redaction_reason": "cast(null as varchar)",
    }


def staging_sql(profile: Profile, ctx: FileContext, columns: dict[str, str | None],
                source: str | None = None) -> str:
    """One file's rows for stg_, read from its raw_ view, or from `source` (SQL with the same columns)."""
    ex = ctx.extracted
    ncols = len(ex.header)
    raw_cols = [_raw(i) for i in range(ncols)]
    # Cells right of the header's last named column: a delimiter inside an unquoted value ('1,234.56')
    # shifts the row's cells, and validation reports the row (extra-cell) instead of loading 1.00.
    named = max((i + 1 for i, h in enumerate(ex.header) if h), default=ncols)
    beyond = raw_cols[named:]
    extra_cell = (f"case when not {_all_blank(beyond, profile)} then "
                  f"concat_ws({quote_literal(profile.delimiter)}, {', '.join(beyond)}) end"
                  if beyond else "cast(null as varchar)")
    # A record with fewer cells than the header (a file cut off, a line broken in two): the first
    # field whose column it stops before, which validation reports (missing-cell).
    read_from = sorted((ex.header.index(h) + 1, name) for name, h in columns.items() if h is not None)
    missing_cell = (f"case {' '.join(f'when {csv_reader.ROW_CELLS} < {k} then {quote_literal(n)}' for k, n in read_from)} end"
                    if ex.counts_cells and read_from else "cast(null as varchar)")
    cleaned, texts = {}, []
    for name, header_name in columns.items():
        if header_name is None:
            cleaned[name] = "cast(null as varchar)"
        else:
            texts.append(_replaced(_raw(ex.header.index(header_name)), profile))
            cleaned[name] = f"clean_cell({texts[-1]}, _row_may_need_cleaning)"
    row_may_need_cleaning = f"row_may_need_cleaning(concat_ws(chr(31), {', '.join(texts)}))" if texts else "false"
    cleaned_columns = ",\n        ".join(f"{e} as {quote_ident('t_' + n)}" for n, e in cleaned.items()) or "null as t_"

    skip_cases = []
    for rule in profile.skip_rows:
        conds = []
        if rule.matches:
            i = column_index(ex, rule.columns)
            if i is None:
                continue  # the rule's column is not in this file: the rule cannot apply
            cell = f"coalesce(clean_text({_replaced(_raw(i), profile)}), '')"
            conds.append(f"regexp_matches({cell}, {quote_literal(rule.matches)})")
        if rule.only_filled:
            kept = {ex.header.index(columns[f]) for f in rule.only_filled if columns.get(f)}
            others = [_raw(i) for i in range(ncols) if i not in kept]
            conds.append(_all_blank(others, profile))
            conds += [f"{quote_ident('t_' + f)} is not null" for f in rule.only_filled]
        skip_cases.append(f"when {' and '.join(conds)} then {quote_literal(rule.kind)}")

    provided = pipeline_values(profile, ctx)
    field_columns = []
    for field in profile.schema.fields:
        spec = profile.fields.get(field.name)
        if field.name in FILE_CONSTANTS:
            continue  # a generated column of stg_ (build_staging)
        if field.name == "source_line":
            continue  # the template's own column, numbered by extraction (or after a streamed read)
        if field.name in provided:
            expr = provided[field.name]
        elif spec is None:
            expr = _literal(None, field)
        elif spec.is_constant:
            expr = _literal(spec.value, field)
        else:
            text = quote_ident("t_" + field.name)
            expr = parse_expression(text, spec, field)
            kept = text
            if spec.map is not None and spec.unmapped == "empty":  # outside the map is empty by design
                keys = ", ".join(quote_literal(k) for k in spec.map)
                kept = f"case when lower({text}) in ({keys}) then {text} end"
            if not mirrors_text(profile, field.name):
                field_columns.append(f"{kept} as {quote_ident(text_column(field.name))}")
        field_columns.append(f"cast({expr} as {field.sql_type}) as {quote_ident(field.name)}")

    return STG_TEMPLATE.format(
        dataset=profile.dataset,
        raw_table=source or quote_ident(ex.raw_table),
        is_blank_row=_all_blank(raw_cols, profile),
        extra_cell=extra_cell,
        missing_cell=missing_cell,
        row_may_need_cleaning=row_may_need_cleaning,
        cleaned_columns=cleaned_columns,
        skip_cases="\n            ".join(skip_cases),
        file_index=ctx.index,
        field_columns=",\n        ".join(field_columns),
    )


def _derived_columns(profile: Profile, contexts: list[FileContext]) -> list[tuple[str, str, str]]:
    """(name, type, SQL) of stg_'s generated columns: the file constants, and the text columns
    that repeat their field."""
    out = []
    for field in profile.schema.fields:
        if field.name in FILE_CONSTANTS:
            values = {ctx.index: pipeline_values(profile, ctx)[field.name] for ctx in contexts}
            if len(set(values.values())) == 1:
                expr = next(iter(values.values()))
            else:
                expr = "case source_file_index " + " ".join(f"when {i} then {v}" for i, v in values.items()) + " end"
            out.append((field.name, field.sql_type, f"cast({expr} as {field.sql_type})"))
        elif mirrors_text(profile, field.name):
            out.append((text_column(field.name), "VARCHAR", quote_ident(field.name)))
    return out


def stg_table(profile: Profile) -> str:
    return f"stg_{profile.dataset}"


def build_staging(con: duckdb.DuckDBPyConnection, profile: Profile,
                  contexts: list[FileContext]) -> dict[int, dict[str, str | None]]:
    """Create stg_<dataset> from every file's raw_ table; returns each file's field->column map.

    Each file is one insert, so stg_ holds the files in order and each file's records in file
    order (the warehouse stores them so). A file extraction left in place (a Stream) is read
    straight from its bytes by that insert, then numbered; one DuckDB reads otherwise than the
    byte scan said is copied after all (csv_reader.copy_instead), as any other file is."""
    install_macros(con)
    mappings = {ctx.index: resolve_columns(profile, ctx.extracted) for ctx in contexts}
    union = "\nunion all by name\n".join(f"({staging_sql(profile, ctx, mappings[ctx.index])})"
                                         for ctx in contexts)
    stored = con.execute(f"describe select * from ({union})").fetchall()
    derived = _derived_columns(profile, contexts)
    columns = [f"{quote_ident(name)} {type_}" for name, type_, *_ in stored]
    columns += [f"{quote_ident(name)} {type_} as ({expr})" for name, type_, expr in derived]
    table = quote_ident(stg_table(profile))
    con.execute(f"create or replace temp table {table} ({', '.join(columns)})")
    for ctx in contexts:
        stream = ctx.extracted.stream
        if stream is None or not _insert_streamed(con, profile, ctx, mappings[ctx.index], table):
            if stream is not None:   # the copy reports a broken file as it is, where it is
                width = csv_reader.copy_instead(con, stream)
                header = ctx.extracted.header
                if width > len(header):   # a record wider than the first lines: read its extra cells
                    ctx = replace(ctx, extracted=replace(ctx.extracted, header=header + ("",) * (width - len(header))))
            sql = staging_sql(profile, ctx, mappings[ctx.index])
            con.execute(f"insert into {table} by name select * from ({sql})")
        csv_reader.drop(con, ctx.extracted.raw_table)   # every cell is in stg_ now: free the copy
    if any(ctx.extracted.stream for ctx in contexts):
        # The numbering UPDATE leaves every scan of source_line merging updated values (at 10M rows,
        # 2 s more validating); rewriting the column as it is stores them plainly.
        con.execute(f"alter table {table} alter source_line set data type bigint using (source_line)")
    return mappings


def _insert_streamed(con: duckdb.DuckDBPyConnection, profile: Profile, ctx: FileContext,
                     columns: dict[str, str | None], table: str) -> bool:
    """Insert a streamed file's records into stg_ as DuckDB reads them, then number them: row k of
    the insert (rowid order is file order) starts on line Stream.line_sql(k); the records before
    the header go. False (nothing inserted) when DuckDB refuses the file or finds another number of
    records than the byte scan counted lines, which the numbering relies on."""
    ex, stream = ctx.extracted, ctx.extracted.stream
    cells = ", ".join(csv_reader.column_names(len(ex.header)))
    source = f"(select cast(null as bigint) as source_line, {cells}, {csv_reader.ROW_CELLS} from {quote_ident(stream.cells)})"
    try:
        con.execute(f"insert into {table} by name select * from ({staging_sql(profile, ctx, columns, source)})")
    except duckdb.Error:
        return False
    start, count = con.execute(f"select min(rowid), count(*) from {table} where source_file_index = ?",
                               [ctx.index]).fetchone()
    if count != stream.records:
        con.execute(f"delete from {table} where source_file_index = ?", [ctx.index])
        return False
    first = f"getvariable({quote_literal(ex.raw_table + '_first')})"
    con.execute(f"update {table} set source_line = {stream.line_sql(f'(rowid - {start})')} "
                f"where source_file_index = ?", [ctx.index])
    con.execute(f"delete from {table} where source_file_index = ? and rowid < {start} + {first}", [ctx.index])
    return True
