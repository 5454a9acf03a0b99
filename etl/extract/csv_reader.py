"""Read a delimited text export into DuckDB, every cell as text, each record with its source line."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..errors import InputError
from ..sqltext import quote_ident, quote_literal
from ..validate.csvread import DUCKDB_LINE_SIZE

SPARE_COLUMNS = 4  # room for stray extra fields (e.g. a trailing comma on some rows)


def count_columns(path: Path, delimiter: str, lines: int = 5000) -> int:
    """An upper bound of the fields per record, from the first lines (quoted delimiters overcount)."""
    most = 0
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        for i, line in enumerate(fh):
            most = max(most, line.count(delimiter) + 1)
            if i >= lines:
                break
    return most + SPARE_COLUMNS


def column_names(n: int) -> list[str]:
    return [f"c{i:03d}" for i in range(1, n + 1)]


def read_records(con: duckdb.DuckDBPyConnection, path: Path, table: str, *, delimiter: str,
                 quote: str, blank_lines: list[int], lines: int, shown_as: str,
                 parallel: bool = False, longest_line: int = 0) -> int:
    """Create `table` (record_index, source_line, c001.., cNNN) from the file; returns the column count.

    Empty cells are NULL. Records are numbered by the line they start on in the source. DuckDB keeps
    file order (rowid) and skips empty lines, which `blank_lines` gives back. When every record
    fits on one line (records + blank lines = lines: the usual case) the numbering is arithmetic;
    otherwise the embedded newlines of multi-line cells are counted.

    `parallel`: read with every thread, which DuckDB can only do when no quoted cell spans lines
    (the caller knows it from the byte scan). Should DuckDB refuse the file, it is read again
    serially, so that a broken file is reported exactly as before. `longest_line` (bytes) sizes
    DuckDB's buffers: its default line limit (2 MB) would refuse a longer line.
    """
    n = count_columns(path, delimiter)
    cols = column_names(n)
    spec = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in cols) + "}"
    cells = quote_ident(table + "_cells")

    def read(threads: bool) -> None:
        con.execute(f"""
            create or replace temp table {cells} as
            select * from read_csv({quote_literal(str(path))}, header = false, auto_detect = false,
                columns = {spec}, delim = {quote_literal(delimiter)}, quote = {quote_literal(quote)},
                escape = {quote_literal(quote)}, null_padding = true, parallel = {str(threads).lower()},
                strict_mode = true, max_line_size = {max(DUCKDB_LINE_SIZE, longest_line + 1)})
        """)

    try:
        try:
            read(parallel)
        except duckdb.Error:
            if not parallel:
                raise
            read(False)
    except duckdb.Error as e:
        first = str(e).strip().splitlines()
        detail = " ".join(first[:2]) if first else "unreadable"
        raise InputError(f"cannot be read as delimited text: {detail}", where=shown_as) from None
    records = con.execute(f"select count(*) from {cells}").fetchone()[0]
    columns = ", ".join("c." + c for c in cols)
    spanning = records + len(blank_lines) != lines
    if not (blank_lines or spanning):
        con.execute(f"""
            create or replace temp view {quote_ident(table)} as
            select c.rowid as record_index, c.rowid + 1 as source_line, {columns}
            from {cells} c
            where c.rowid >= getvariable({quote_literal(table + '_first')})""")
    else:
        numbers = quote_ident(table + "_lines")
        con.execute(f"create or replace temp table {numbers} as "
                    f"{_line_numbers(con, table, cols, blank_lines, spanning)}")
        # Joined on the record: the cells' columns never go through the ASOF joins' sorts.
        con.execute(f"""
            create or replace temp view {quote_ident(table)} as
            select c.rowid as record_index, n.source_line, {columns}
            from {cells} c join {numbers} n on n.record_index = c.rowid
            where c.rowid >= getvariable({quote_literal(table + '_first')})""")
    con.execute(f"set variable {quote_ident(table + '_first')} = 0")
    return n


def _line_numbers(con: duckdb.DuckDBPyConnection, table: str, cols: list[str], blank_lines: list[int],
                  spanning: bool) -> str:
    """SQL: (record_index, source_line) of every record, its rowid and the line it starts on."""
    cells = quote_ident(table + "_cells")
    joins = []
    logical = "c.k + 1"
    if spanning:
        # Records spanning lines push the next ones down by their embedded newlines: a (small)
        # table of the records that hold some, with the newlines of every record up to them.
        spans = quote_ident(table + "_spans")
        spanned = " or ".join(f"contains({c}, chr(10))" for c in cols)
        newlines = " + ".join(f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in cols)
        con.execute(f"""
            create or replace temp table {spans} as
            select rowid + 1 as from_index, sum(newlines) over (order by rowid) as before
            from (select rowid, {newlines} as newlines from {cells} where {spanned})""")
        joins.append(f"asof left join {spans} m on c.k >= m.from_index")
        logical = "c.k + 1 + coalesce(m.before, 0)"
    line = logical
    if blank_lines:
        # A blank line at source line b is the (b - j)-th line once the j-th blank line is skipped:
        # a record is pushed down by the number of such thresholds before it.
        blanks = quote_ident(table + "_blanks")
        con.execute(f"create or replace temp table {blanks} (threshold bigint, pushed bigint)")
        # consecutive blank lines share a threshold: the last one counts
        con.execute(f"insert into {blanks} select b - j, max(j) from unnest(?::bigint[]) with ordinality t(b, j) "
                    "group by all", [blank_lines])
        joins.append(f"asof left join {blanks} b on {logical} > b.threshold")
        line = f"{logical} + coalesce(b.pushed, 0)"
    return (f"select c.k as record_index, {line} as source_line "
            f"from (select rowid as k from {cells}) c {' '.join(joins)}")


def skip_to(con: duckdb.DuckDBPyConnection, table: str, record_index: int) -> None:
    """Records before record_index (a preamble, the header) are not part of the raw table."""
    con.execute(f"set variable {quote_ident(table + '_first')} = {int(record_index)}")
