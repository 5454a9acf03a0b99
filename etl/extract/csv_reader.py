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
                 quote: str, blank_lines: list[int], lines: int, shown_as: str) -> int:
    """Create `table` (record_index, source_line, c001.., cNNN) from the file; returns the column count.

    Empty cells are NULL. Records are numbered by the line they start on in the source. DuckDB keeps
    file order (rowid) and skips empty lines, which `blank_lines` gives back. When every record
    fits on one line (records + blank lines = lines: the usual case) the numbering is arithmetic;
    otherwise the embedded newlines of multi-line cells are counted.
    """
    n = count_columns(path, delimiter)
    cols = column_names(n)
    spec = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in cols) + "}"
    cells = quote_ident(table + "_cells")
    try:
        con.execute(f"""
            create or replace temp table {cells} as
            select * from read_csv({quote_literal(str(path))}, header = false, auto_detect = false,
                columns = {spec}, delim = {quote_literal(delimiter)}, quote = {quote_literal(quote)},
                escape = {quote_literal(quote)}, null_padding = true, parallel = false,
                strict_mode = true)
        """)
    except duckdb.Error as e:
        first = str(e).strip().splitlines()
        detail = " ".join(first[:2]) if first else "unreadable"
        raise InputError(f"cannot be read as delimited text: {detail}", where=shown_as) from None
    records = con.execute(f"select count(*) from {cells}").fetchone()[0]
    if records + len(blank_lines) == lines:
        logical = "c.rowid + 1"
    else:
        newlines = " + ".join(f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in cols)
        con.execute(f"""
            create or replace temp table {quote_ident(table + '_lines')} as
            select rowid as record_index,
                   1 + coalesce(sum(1 + ({newlines})) over (
                       order by rowid rows between unbounded preceding and 1 preceding), 0) as logical_line
            from {cells}""")
        logical = f"(select logical_line from {quote_ident(table + '_lines')} l where l.record_index = c.rowid)"
    line = logical
    if blank_lines:
        # A blank line at source line b is the (b - k)-th line once the k-th blank line is skipped:
        # a record is pushed down by the number of such thresholds before it.
        con.execute(f"create or replace temp table {quote_ident(table + '_blanks')} (threshold bigint, pushed bigint)")
        con.executemany(f"insert into {quote_ident(table + '_blanks')} values (?, ?)",
                        [(b - k, k) for k, b in enumerate(blank_lines, start=1)])
        line = (f"{logical} + coalesce((select max(pushed) from {quote_ident(table + '_blanks')} b "
                f"where b.threshold < {logical}), 0)")
    con.execute(f"""
        create or replace temp view {quote_ident(table)} as
        select rowid as record_index, {line} as source_line, {", ".join(cols)}
        from {cells} c
        where rowid >= getvariable({quote_literal(table + '_first')})
    """)
    con.execute(f"set variable {quote_ident(table + '_first')} = 0")
    return n


def skip_to(con: duckdb.DuckDBPyConnection, table: str, record_index: int) -> None:
    """Records before record_index (a preamble, the header) are not part of the raw table."""
    con.execute(f"set variable {quote_ident(table + '_first')} = {int(record_index)}")
