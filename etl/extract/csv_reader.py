"""Read a delimited text export into DuckDB, every cell as text, each record with its source line."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..errors import InputError
from ..sqltext import quote_ident, quote_literal

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
                 quote: str, blank_lines: list[int], shown_as: str) -> int:
    """Create `table` (source_line, c001.., cNNN) from the file; returns the number of columns.

    Empty cells are NULL. Records are numbered by the line they start on in the source: DuckDB keeps
    file order, embedded newlines of multi-line cells are counted, and the empty lines DuckDB skips
    are added back from `blank_lines` (see encoding.blank_lines).
    """
    n = count_columns(path, delimiter)
    cols = column_names(n)
    spec = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in cols) + "}"
    newlines = " + ".join(
        f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in cols)
    try:
        con.execute(f"""
            create or replace temp table {quote_ident(table + '_read')} as
            select * from read_csv({quote_literal(str(path))}, header = false, auto_detect = false,
                columns = {spec}, delim = {quote_literal(delimiter)}, quote = {quote_literal(quote)},
                escape = {quote_literal(quote)}, null_padding = true, parallel = false,
                strict_mode = true)
        """)
    except duckdb.Error as e:
        first = str(e).strip().splitlines()
        detail = " ".join(first[:2]) if first else "unreadable"
        raise InputError(f"cannot be read as delimited text: {detail}", where=shown_as) from None
    con.execute("create or replace temp table blank_lines_seen (logical_line bigint)")
    if blank_lines:
        # A blank line at source line b is the (b - k)-th line once the k-th blank line is skipped.
        con.executemany("insert into blank_lines_seen values (?)",
                        [(b - k,) for k, b in enumerate(blank_lines, start=1)])
    con.execute(f"""
        create or replace temp table {quote_ident(table)} as
        with numbered as (
            select rowid as record_index, *,
                   1 + coalesce(sum(1 + ({newlines})) over (
                       order by rowid rows between unbounded preceding and 1 preceding), 0)
                   as logical_line
            from {quote_ident(table + '_read')}
        ),
        final as (
            select record_index,
                   logical_line + (select count(*) from blank_lines_seen b
                                   where b.logical_line < n.logical_line) as source_line,
                   {", ".join(cols)}
            from numbered n
        )
        select * from final order by record_index
    """)
    con.execute(f"drop table {quote_ident(table + '_read')}")
    con.execute("drop table blank_lines_seen")
    return n
