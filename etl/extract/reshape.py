"""Reshape a raw_ table before staging: wide tables (one column per year) into long form.

A wide budget table such as the US OMB budget authority file has one column per fiscal year
(`1976`, `TQ`, `1977`, ..., `2022`). `read.unpivot` in a profile turns each of those cells into a
record of its own, holding the column's header in a new name column and the cell in a new value
column, so the canonical fields map onto them as onto any other column. The reshaping is one
set-based UNPIVOT in DuckDB, never a Python loop over rows.
"""

from __future__ import annotations

import re

import duckdb

from ..errors import InputError
from ..sqltext import quote_ident, quote_literal
from ..warehouse import drop_temp, temp_objects
from . import csv_reader


def _raw(i: int) -> str:
    return f"c{i + 1:03d}"


def raw_kind(con: duckdb.DuckDBPyConnection, raw_table: str) -> str | None:
    """'view' or 'table' for the temporary raw_ object of that name, None when there is none."""
    return temp_objects(con, [raw_table]).get(raw_table)


def replace_raw(con: duckdb.DuckDBPyConnection, raw_table: str, new_cells: str) -> None:
    """Make the temp table `new_cells` the raw table, the way extract leaves one: the cells in
    `<raw_table>_cells` and `raw_table` a view over them (transform drops both once staged)."""
    raw, cells = quote_ident(raw_table), quote_ident(raw_table + "_cells")
    if new_cells != raw_table + "_cells":
        csv_reader.drop(con, raw_table)   # the raw view, and the cells it read (copied or streamed)
        con.execute(f"alter table {quote_ident(new_cells)} rename to {cells}")
    else:
        drop_temp(con, raw_table)
    con.execute(f"create temp view {raw} as select * from {cells}")


def _same_name(a: str, b: str) -> bool:
    from . import normalise_name  # the header matching rule of extract
    return normalise_name(a) == normalise_name(b)


def unpivot(con: duckdb.DuckDBPyConnection, raw_table: str, header: tuple[str, ...], columns_regex: str,
            name_column: str, value_column: str, *, shown_as: str | None = None) -> tuple[str, ...]:
    """Replace `raw_table` (record_index, source_line, c001..cNNN) by its long form; return the new header.

    `raw_table` may be a table or a view; afterwards it is a view over `<raw_table>_cells`, as
    extract leaves it (the wide cells are dropped).

    The columns whose whole header matches `columns_regex` are unpivoted: each of their non-blank
    cells becomes one record with the other columns repeated, the header of its column in
    `name_column` and the cell in `value_column` (the last two columns of the new header). Spare
    columns, with neither a header nor a value, are dropped. A record keeps the source line it was
    read from; record_index is record_index * (number of wide columns) + the column's position:
    unique and in source order, then column order. A blank cell holds no amount: no record.
    """
    where = shown_as or raw_table
    try:
        rx = re.compile(columns_regex)
    except re.error as e:
        raise InputError(f"read.unpivot.columns is not a valid regular expression: {e}", where=where) from None
    wide = [i for i, name in enumerate(header) if name and rx.fullmatch(name)]
    if not wide:
        raise InputError(f"no column header matches read.unpivot.columns {columns_regex!r}", where=where)
    wide_set = set(wide)
    kept = [i for i in range(len(header)) if i not in wide_set]
    for new in (name_column, value_column):
        clash = [header[i] for i in kept if header[i] and _same_name(header[i], new)]
        if clash:
            raise InputError(f"read.unpivot names a new column {new!r}, but the file already has a "
                             f"column {clash[0]!r}", where=where)
    if _same_name(name_column, value_column):
        raise InputError("read.unpivot needs different names for name_column and value_column", where=where)

    table = quote_ident(raw_table)
    long_table = quote_ident(raw_table + "__long")
    if raw_kind(con, raw_table) is None:
        raise InputError(f"no raw table {raw_table!r} to reshape", where=where)

    # Spare columns (no header, no value: extract reads a few more than the widest record) would
    # only be repeated on every new record; columns with a value are kept, named or not.
    blank = [i for i in kept if not header[i]]
    if blank:
        counts = con.execute(f"select {', '.join(f'count({_raw(i)})' for i in blank)} from {table}").fetchone()
        empty = {i for i, n in zip(blank, counts) if n == 0}
        kept = [i for i in kept if i not in empty]

    names = ", ".join(f"({quote_literal(_raw(i))}, {quote_literal(header[i])}, {n})"
                      for n, i in enumerate(wide))
    kept_select = "".join(f", u.{_raw(i)} as {_raw(n)}" for n, i in enumerate(kept))
    name_col, value_col = _raw(len(kept)), _raw(len(kept) + 1)
    con.execute(f"""
        create or replace temp table {long_table} as
        with source as (
            select record_index, source_line, {', '.join(_raw(i) for i in kept + wide)}
            from {table}
        ),

        unpivoted as (
            unpivot source
            on {', '.join(_raw(i) for i in wide)}
            into name wide_column value cell
        ),

        final as (
            select
                u.record_index * {len(wide)} + w.ordinal as record_index,
                u.source_line{kept_select},
                w.header_text as {name_col},
                u.cell as {value_col}
            from unpivoted u
            join (values {names}) as w(raw_column, header_text, ordinal) on u.wide_column = w.raw_column
            where not regexp_full_match(u.cell, '[\\s\\x{{00A0}}\\x{{2007}}\\x{{202F}}]*')
        )

        select * from final order by record_index
    """)
    replace_raw(con, raw_table, raw_table + "__long")
    return tuple(header[i] for i in kept) + (name_column, value_column)
