"""Read a delimited text export into DuckDB, every cell as text, each record with its source line.

Two ways: `read_records` copies the cells into a table first (any file); `stream_records` leaves
them in the file, for staging to read in the same pass as it types them, when every non-empty
line is one record (no quoted cell spans lines): the line a record starts on is then arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import InputError
from ..sqltext import quote_ident, quote_literal
from ..validate.csvread import DUCKDB_LINE_SIZE, NULL_TEXT, SPARE_COLUMNS, wider
from ..warehouse import drop_temp

ROW_CELLS = "row_cells"  # the raw tables' column: how many cells a record holds
STREAM_BLANK_RUNS = 4096  # runs of blank lines a streamed file may have (Stream.line_sql searches them)


def count_columns(path: Path, delimiter: str, lines: int = 5000) -> int:
    """An upper bound of the fields per record in the first lines (quoted delimiters overcount)."""
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
    """Create `table` (record_index, source_line, c001.., cNNN, row_cells) from the file; returns the
    column count.

    Empty cells are NULL. Records are numbered by the line they start on in the source. DuckDB keeps
    file order (rowid) and skips empty lines, which `blank_lines` gives back. When every record
    fits on one line (records + blank lines = lines: the usual case) the numbering is arithmetic;
    otherwise the embedded newlines of multi-line cells are counted.

    `parallel`: read with every thread, which DuckDB can only do when no quoted cell spans lines
    (the caller knows it from the byte scan). Should DuckDB refuse the file, it is read again
    serially, so that a broken file is reported exactly as before. `longest_line` (bytes) sizes
    DuckDB's buffers: its default line limit (2 MB) would refuse a longer line.
    """
    cells = quote_ident(table + "_cells")

    def read(cols: list[str]) -> None:
        for threads in ((True, False) if parallel else (False,)):
            try:
                con.execute(f"create or replace temp table {cells} as "
                            f"select * from {_reader(path, cols, delimiter, quote, threads, longest_line)}")
                return
            except duckdb.Error:
                if not threads:
                    raise

    cols = column_names(count_columns(path, delimiter))
    while True:
        try:
            read(cols)
            break
        except duckdb.Error as e:
            # A record wider than the first lines (a stray delimiter far down) is read again wider,
            # so that its cells are reported as extra cells.
            if (width := wider(e, len(cols))) is None:
                raise InputError.refusal("not-delimited", shown_as, reason=_refusal(e, path, quote)) from None
            cols = column_names(width)
    records = con.execute(f"select count(*) from {cells}").fetchone()[0]
    columns = ", ".join("c." + c for c in (*cols, ROW_CELLS))
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
        if spanning:
            _check_every_line_read(con, table, records, len(blank_lines), lines, quote, shown_as)
        # Joined on the record: the cells' columns never go through the ASOF joins' sorts.
        con.execute(f"""
            create or replace temp view {quote_ident(table)} as
            select c.rowid as record_index, n.source_line, {columns}
            from {cells} c join {numbers} n on n.record_index = c.rowid
            where c.rowid >= getvariable({quote_literal(table + '_first')})""")
    con.execute(f"set variable {quote_ident(table + '_first')} = 0")
    return len(cols)


# DuckDB's reasons for refusing a file, as the export's reader would put them ({q}: the quote).
DUCKDB_REASONS = {
    "Value with unterminated quote found.":
        "a quoted cell has text after its closing quote ({q}abc{q}def) or is never closed. A value that "
        "holds the quote character must be quoted, the quote doubled ({q}{q})",
}


def _refusal(error: duckdb.Error, path: Path, quote: str) -> str:
    """DuckDB's refusal of a file as one sentence: the line, then the reason, explained when it is
    a known one. DuckDB counts lines without those inside quoted cells, so the line it quotes is
    looked for in the file, from the line it gives on (this runs on a refused file only). The
    record it quotes may run on over several lines (a quote never closed), blank ones included: the
    reason is the line after it, the last before the blank line that opens DuckDB's hints or its
    options."""
    text = str(error).strip()
    number = re.search(r"CSV Error on Line: (\d+)", text)
    quoted = re.search(r"^Original Line: (.*?)\n([^\n]*)(?:\n\n(?:Possible fixes:|  file = )|\n*\Z)", text,
                       re.M | re.S)
    if not (number and quoted):
        return " ".join(text.splitlines()[:2]) or "unreadable"
    line, original, reason = int(number[1]), quoted[1].split("\n")[0].rstrip("\r"), quoted[2].strip()
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        line = next((i for i, text_line in enumerate(fh, start=1)
                     if i >= line and text_line.rstrip("\r\n") == original), line)
    return f"on line {line}, {DUCKDB_REASONS[reason].format(q=quote) if reason in DUCKDB_REASONS else reason}"


def _reader(path: Path, cols: list[str], delimiter: str, quote: str, parallel: bool, longest_line: int) -> str:
    """DuckDB's strict CSV reader over the file: every cell text, NULL when empty or when the record
    is short, and how many cells the record holds (ROW_CELLS). DuckDB writes a record's missing
    cells as its null text: with one no file holds, they alone are NULL, and the count is the last
    cell that is not (empty cells are then made NULL, as the rest of spendpub reads them)."""
    spec = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in cols) + "}"
    counted = " ".join(f"when {c} is not null then {i}" for i, c in reversed(list(enumerate(cols, start=1))))
    cells = ", ".join(f"nullif({c}, '') as {c}" for c in cols)
    return (f"(select {cells}, "
            f"case {counted} else 0 end as {ROW_CELLS} "
            f"from read_csv({quote_literal(str(path))}, header = false, auto_detect = false, columns = {spec}, "
            f"delim = {quote_literal(delimiter)}, quote = {quote_literal(quote)}, "
            f"escape = {quote_literal(quote)}, nullstr = {quote_literal(NULL_TEXT)}, "
            f"null_padding = true, parallel = {str(parallel).lower()}, strict_mode = true, "
            f"max_line_size = {max(DUCKDB_LINE_SIZE, longest_line + 1)}))")


@dataclass(frozen=True)
class Stream:
    """A file left in place for staging to read (`cells`: a view over DuckDB's reader), with what
    it takes to number its records afterwards, or to copy it after all (`read_records`)."""

    cells: str                          # view: the records in file order, not numbered
    runs: tuple[tuple[int, int], ...]   # runs of blank lines: (threshold, lines pushed down)
    records: int                        # non-empty lines: the records DuckDB must find
    read_arguments: dict                # read_records' keyword arguments, should staging need a copy

    def line_sql(self, k: str) -> str:
        """SQL: the line record `k` (0-based, in file order) starts on. A record is pushed down by
        the blank lines before it: by j once past the run whose last blank line is the j-th. The
        run is found by a binary search written as nested CASEs: a dozen tests for 4,096 runs."""
        def pushed(lo: int, hi: int, below: int) -> str:   # among runs[lo:hi]; `below` before them
            if lo == hi:
                return str(below)
            mid = (lo + hi) // 2
            threshold, j = self.runs[mid]
            return (f"case when {k} + 1 > {threshold} then {pushed(mid + 1, hi, j)} "
                    f"else {pushed(lo, mid, below)} end")
        return f"({k} + 1 + {pushed(0, len(self.runs), 0)})" if self.runs else f"({k} + 1)"


def blank_runs(blank_lines: list[int]) -> tuple[tuple[int, int], ...]:
    """(threshold, pushed) per run of blank lines: a blank line at source line b is the (b - j)-th
    line once the j-th blank line is skipped; consecutive ones share a threshold, the last counts."""
    runs: dict[int, int] = {}
    for j, b in enumerate(blank_lines, start=1):
        runs[b - j] = j
    return tuple(sorted(runs.items()))


def stream_records(con: duckdb.DuckDBPyConnection, path: Path, table: str, *, delimiter: str, quote: str,
                   blank_lines: list[int], lines: int, shown_as: str, longest_line: int = 0) -> tuple[int, Stream]:
    """`table` (record_index, source_line, c001.., row_cells) as a view over the file itself, and the Stream
    staging reads instead; returns the column count too. Only for a file whose records each hold
    one line (the byte scan says no quoted cell spans lines) and with few runs of blank lines
    (`streamable`). The view numbers records with a window, in one pass: fine for the first rows
    (the header search), while staging numbers its copy after reading (Stream.line_sql)."""
    n = count_columns(path, delimiter)
    cols = column_names(n)
    cells = table + "_cells"
    con.execute(f"create or replace temp view {quote_ident(cells)} as "
                f"select * from {_reader(path, cols, delimiter, quote, True, longest_line)}")
    stream = Stream(cells, blank_runs(blank_lines), lines - len(blank_lines),
                    dict(path=path, table=table, delimiter=delimiter, quote=quote, blank_lines=blank_lines,
                         lines=lines, shown_as=shown_as, parallel=True, longest_line=longest_line))
    con.execute(f"""
        create or replace temp view {quote_ident(table)} as
        select record_index, {stream.line_sql('record_index')} as source_line, {', '.join(cols)}, {ROW_CELLS}
        from (select row_number() over () - 1 as record_index, * from {quote_ident(cells)})
        where record_index >= getvariable({quote_literal(table + '_first')})""")
    con.execute(f"set variable {quote_ident(table + '_first')} = 0")
    return n, stream


def copy_instead(con: duckdb.DuckDBPyConnection, stream: Stream) -> int:
    """Copy a streamed file's cells after all (read_records), its raw view skipping the same
    records; returns the column count, which a record wider than the first lines raises."""
    table = stream.read_arguments["table"]
    first = con.execute(f"select getvariable({quote_literal(table + '_first')})").fetchone()[0]
    drop(con, table)
    n = read_records(con, **stream.read_arguments)
    skip_to(con, table, first)
    return n


def streamable(blank_lines: list[int], spanning: bool) -> bool:
    return not spanning and len(blank_runs(blank_lines)) <= STREAM_BLANK_RUNS


def drop(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """The raw view and what it reads: the cells (copied or streamed) and the line numbering."""
    drop_temp(con, *(table + suffix for suffix in ("", "_cells", "_lines", "_spans", "_blanks")))


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
        runs = blank_runs(blank_lines)
        con.execute(f"create or replace temp table {blanks} (threshold bigint, pushed bigint)")
        con.execute(f"insert into {blanks} select unnest(?::bigint[]), unnest(?::bigint[])",
                    [[t for t, _ in runs], [j for _, j in runs]])
        joins.append(f"asof left join {blanks} b on {logical} > b.threshold")
        line = f"{logical} + coalesce(b.pushed, 0)"
    return (f"select c.k as record_index, {line} as source_line "
            f"from (select rowid as k from {cells}) c {' '.join(joins)}")


def _check_every_line_read(con: duckdb.DuckDBPyConnection, table: str, records: int, blank_lines: int,
                           lines: int, quote: str, shown_as: str) -> None:
    """Every line of the file is a record's, a blank line or inside a quoted cell. When a quote is
    never closed, DuckDB drops the records from the broken one on (or runs the cell to the end of
    the file), and the lines no longer add up: the file is refused, naming where the reading stops."""
    inside, last_line = con.execute(
        f"select (select coalesce(max(before), 0) from {quote_ident(table + '_spans')}), "
        f"(select max(source_line) from {quote_ident(table + '_lines')})").fetchone()
    if records + blank_lines + inside != lines:
        raise InputError.refusal("unclosed-quote", shown_as, quote=quote, line=last_line)


def skip_to(con: duckdb.DuckDBPyConnection, table: str, record_index: int) -> None:
    """Records before record_index (a preamble, the header) are not part of the raw table."""
    con.execute(f"set variable {quote_ident(table + '_first')} = {int(record_index)}")
