"""Reading a CSV file the way frictionless-py's csv reading sees it, into a DuckDB table.

frictionless reads with Python's csv module: an empty line is a record, a quoted cell may span
lines, the dialect is sniffed from the first 100 lines and the header is the first of the first
100 records whose width is near their mean. DuckDB reads much faster; csvscan.py tells when it
would read the file differently, and then Python's csv module fills the same table. Record
numbers (frictionless' rowNumber) and physical lines are recovered from DuckDB's row positions.
"""

from __future__ import annotations

import codecs
import csv
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import duckdb

from ..sqltext import quote_ident, quote_literal
from .csvscan import Dialect, detect_encoding, scan_bytes, sniff_dialect

if TYPE_CHECKING:
    from .fieldsql import FieldRules

SAMPLE_SIZE = 100            # frictionless detector.sample_size: records used to find the header
NULL_TEXT = "\x01\x02spendpub-absent\x03"   # DuckDB's NULL marker: only padded (absent) cells
SPARE_COLUMNS = 4
ARROW_BATCH = 100_000
DUCKDB_LINE_SIZE = 2_097_152  # DuckDB's default max_line_size
MAX_RECORD_BYTES = 100_000_000  # a record spanning lines, read serially anyway


@dataclass(frozen=True)
class TableError:
    type: str
    row: int | None            # frictionless rowNumber (None for header errors)
    line: int | None           # physical line the record starts on
    field: str | None          # frictionless fieldName ('' for extra cells and extra labels)
    field_number: int | None
    cell: str | None
    note: str

    def key(self) -> tuple[str, int | None, str | None]:
        return (self.type, self.row, self.field or None)


# --------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class Source:
    path: Path                 # UTF-8 text DuckDB can read (a transcoded copy when needed)
    original: Path
    encoding: str              # as frictionless detects it
    dialect: Dialect


@dataclass
class Sample:
    """The first records as frictionless' detector sees them (Python's csv module)."""

    records: list[list[str]]   # the first 100 records ([] for an empty line)
    width: int                 # most cells in a record among the first 1,000
    header_row: int
    labels: list[str]
    first_k: int               # position among non-empty records of the first record after the header


@dataclass
class Records:
    table: str                 # one row per non-empty record, in file order (rowid); see Layout
    width: int
    blanks: list[tuple[int, int]]   # (rowNumber, line) of empty records
    method: str                # "duckdb" or "python"
    joins: bool = False        # numbering needs the blank-line / multi-line tables
    multiline: bool = False


def _columns(n: int) -> list[str]:
    return [f"c{i}" for i in range(1, n + 1)]


def _utf8_copy(path: Path, encoding: str, workdir: Path) -> Path:
    target = workdir / f"utf8-{path.name}"
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with open(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(1 << 24):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target


def open_source(path: Path, workdir: Path) -> Source | TableError:
    encoding = detect_encoding(path)
    readable = path
    if encoding not in ("utf-8", "utf-8-sig"):
        try:
            readable = _utf8_copy(path, encoding, workdir)
        except UnicodeDecodeError as e:
            return TableError("encoding-error", None, None, None, None, None,
                              f"cannot be decoded as {encoding}: {e.reason}")
    return Source(readable, path, encoding, sniff_dialect(path, encoding))


def read_sample(source: Source) -> Sample:
    """frictionless' header detection: among the first 100 records, the first whose width is
    within 10% of their mean width (rounded as Python rounds) is the header."""
    records: list[list[str]] = []
    width = 0
    with open(source.path, encoding="utf-8-sig", newline="", errors="replace") as fh:
        for i, cells in enumerate(csv.reader(fh, source.dialect.python())):
            if i < SAMPLE_SIZE:
                records.append(cells)
            width = max(width, len(cells))
            if i >= SAMPLE_SIZE * 10:
                break
    header_row = 1
    if records:
        widths = [len(c) for c in records]
        mean = round(sum(widths) / len(widths))
        drift = max(round(mean * 0.1), 1)
        match = range(mean - drift, mean + drift + 1)
        header_row = next((n for n, cells in enumerate(records, start=1) if len(cells) in match), 1)
    cells = records[header_row - 1] if len(records) >= header_row else []
    labels = ["" if c is None else str(c).strip() for c in cells]
    first_k = sum(1 for cells in records[:header_row] if cells)
    return Sample(records, width, header_row, labels, first_k)


@dataclass
class Layout:
    """How each cell position is kept: as text (checked, keyed or beyond the fields), or, for a
    field nothing checks, as a flag only (NULL absent, true missing, false a value), which spares
    DuckDB storing text no check reads."""

    width: int
    flags: set[int]

    def column_sql(self, i: int, cell: str, rules: "FieldRules | None") -> str:
        if i in self.flags and rules is not None:
            return f"(case when {cell} is null then null else {rules.missing(cell)} end) as m{i}"
        return f"{cell} as c{i}"

    def text(self, i: int) -> str | None:
        return f"c{i}" if i <= self.width and i not in self.flags else None

    def absent(self, i: int) -> str:
        if i > self.width:
            return "true"
        return f"(m{i} is null)" if i in self.flags else f"(c{i} is null)"


def _read_duckdb(con: duckdb.DuckDBPyConnection, source: Source, table: str, width: int,
                 select: Callable, *, parallel: bool, newlines: bool, max_line_size: int) -> int:
    """Read every record into `table` with `select(width, source_sql, newlines)`; returns the width
    used. `max_line_size` sets DuckDB's buffers: one far beyond the file's lines makes a buffer
    as large as the file, which one thread reads alone. Raises duckdb.Error when the file does not parse strictly (or, read in parallel, when a
    quoted cell spans lines, which DuckDB's parallel reader cannot pad)."""
    d = source.dialect
    while True:
        cols = _columns(width)
        spec = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in cols) + "}"
        reader = (f"read_csv({quote_literal(str(source.path))}, header = false, auto_detect = false, "
                  f"columns = {spec}, delim = {quote_literal(d.delimiter)}, quote = {quote_literal(d.quotechar)}, "
                  f"escape = {quote_literal(d.quotechar)}, null_padding = true, parallel = {str(parallel).lower()}, "
                  f"strict_mode = true, nullstr = {quote_literal(NULL_TEXT)}, max_line_size = {max_line_size})")
        try:
            con.execute(f"create or replace temp table {quote_ident(table)} as {select(width, reader, newlines)}")
            return width
        except duckdb.Error as e:
            if (width := wider(e, width)) is None:
                raise


def wider(error: duckdb.Error, width: int) -> int | None:
    """The width to read a file again with, when DuckDB refused a record wider than `width`
    columns: what it found (it stops at one more than it expects), at least twice as wide, so
    that a very wide record takes few reads. None when DuckDB refused the file for another reason."""
    found = re.search(r"Expected Number of Columns: \d+ Found: (\d+)", str(error))
    return max(int(found.group(1)), width * 2) + SPARE_COLUMNS if found else None


def _try_read_duckdb(*args, **kwargs) -> int | None:
    """_read_duckdb, or None when DuckDB's strict reader refuses the file (Python's reader then
    reads it, as frictionless does)."""
    try:
        return _read_duckdb(*args, **kwargs)
    except duckdb.Error:
        return None


def _read_python(con: duckdb.DuckDBPyConnection, source: Source, table: str,
                 select: Callable) -> tuple[int, list[tuple[int, int]]]:
    """Python's csv module, as frictionless reads, into the same layout (rowid = position), with
    the record numbers and lines in <table>_pynum."""
    import pyarrow as pa

    rows: list[list[str]] = []
    numbers: list[tuple[int, int]] = []
    blanks: list[tuple[int, int]] = []
    width = 0
    with open(source.original, encoding=source.encoding, newline="") as fh:
        reader = csv.reader(fh, source.dialect.python())
        previous = 0
        for rn, cells in enumerate(reader, start=1):
            line = previous + 1
            previous = reader.line_num
            if not cells:
                blanks.append((rn, line))
                continue
            width = max(width, len(cells))
            rows.append(cells)
            numbers.append((rn, line))
    width = max(width, 1) + SPARE_COLUMNS
    cols = _columns(width)
    con.execute(f"create or replace temp table {table}_pyraw ({', '.join(c + ' varchar' for c in cols)})")
    con.execute(f"create or replace temp table {table}_pynum (k bigint, rn bigint, line bigint)")
    for start in range(0, len(rows), ARROW_BATCH):
        part = rows[start:start + ARROW_BATCH]
        arrow = pa.table({c: pa.array([r[i] if i < len(r) else None for r in part], pa.string())  # noqa: F841
                          for i, c in enumerate(cols)})
        con.execute(f"insert into {table}_pyraw select * from arrow")
        nums = numbers[start:start + ARROW_BATCH]
        arrow_n = pa.table({"k": pa.array(range(start, start + len(nums)), pa.int64()),  # noqa: F841
                            "rn": pa.array([n[0] for n in nums], pa.int64()),
                            "line": pa.array([n[1] for n in nums], pa.int64())})
        con.execute(f"insert into {table}_pynum select * from arrow_n")
    con.execute(f"create or replace temp table {quote_ident(table)} as "
                f"{select(width, f'(select * from {table}_pyraw order by rowid)', False)}")
    con.execute(f"drop table {table}_pyraw")
    return width, blanks


def _prepare_numbering(con: duckdb.DuckDBPyConnection, table: str, blank_lines: list[int],
                       multiline: bool) -> list[tuple[int, int]]:
    """Tables that turn a DuckDB row position (rowid) into Python's record number and the line it
    starts on (DuckDB skipped the empty lines; cells spanning lines push later rows down).
    Returns the empty records as (rowNumber, line)."""
    con.execute(f"create or replace temp table {table}_mlcum (from_k bigint, before bigint)")
    if multiline:
        con.execute(f"insert into {table}_mlcum select rowid + 1, sum(nl) over (order by rowid) "
                    f"from {quote_ident(table)} where nl > 0")
    con.execute(f"create or replace temp table {table}_blank (b bigint, c bigint, j bigint)")
    if not blank_lines:
        return []
    con.execute(f"insert into {table}_blank select unnest(?::bigint[]), unnest(?::bigint[]), unnest(?::bigint[])",
                [blank_lines, [b - j for j, b in enumerate(blank_lines)], list(range(1, len(blank_lines) + 1))])
    if not multiline:
        rows = con.execute(f"select count(*) from {quote_ident(table)}").fetchone()[0]
        # without spanning cells row k starts on line k + 1 once empty lines are removed
        return [(min(b - j - 1, rows) + j + 1, b) for j, b in enumerate(blank_lines)]
    return [(int(rn), int(b)) for rn, b in con.execute(f"""
        select coalesce(t.k + 1, 0) + bl.j as rn, bl.b
        from {table}_blank bl asof left join ({_logical("select rowid as k from " + quote_ident(table), table)}) t
             on bl.c > t.p
        order by bl.j""").fetchall()]


def _logical(query: str, multiline_of: str | None) -> str:
    """`query` (with a column k) plus p: the line row k would start on if empty lines were removed
    (`multiline_of`: the records table whose spanning cells shift lines, None when none do)."""
    if not multiline_of:
        return f"select q.*, 1 + q.k as p from ({query}) q"
    return (f"select q.*, 1 + q.k + coalesce(m.before, 0) as p from ({query}) q "
            f"asof left join {multiline_of}_mlcum m on q.k >= m.from_k")


def numbered(rec: Records, query: str) -> str:
    """SQL: `query` (with a column k, the row's position) plus rn (frictionless' rowNumber) and
    line (the physical line the record starts on)."""
    if rec.method == "python":
        return f"select q.*, n.rn, n.line from ({query}) q join {rec.table}_pynum n on n.k = q.k"
    if not rec.joins:
        return f"select q.*, q.k + 1 as rn, q.k + 1 as line from ({query}) q"
    return (f"select p.* exclude (p), p.k + 1 + coalesce(b.j, 0) as rn, p.p + coalesce(b.j, 0) as line "
            f"from ({_logical(query, rec.table if rec.multiline else None)}) p asof left join "
            f"(select c, max(j) as j from {rec.table}_blank group by c) b on p.p >= b.c")


def read_records(con: duckdb.DuckDBPyConnection, source: Source, table: str, select: Callable,
                 sample_width: int, force_python: bool = False) -> Records:
    """Every non-empty record of the file, as frictionless' csv reading sees it, into `table`.

    The byte scan first tells whether DuckDB would read the file as Python does; if so DuckDB
    reads it (in parallel, or serially counting spanned lines when quoted cells span lines),
    otherwise Python's csv module does."""
    d = source.dialect
    simple = len(d.delimiter.encode()) == 1 and len(d.quotechar.encode()) == 1 and not d.skipinitialspace
    if simple and not force_python:
        # The scan and a parallel read run at once (numpy and DuckDB both release the GIL); the
        # read is redone serially in the rare file whose quoted cells span lines.
        with ThreadPoolExecutor(max_workers=1) as pool:
            scanning = pool.submit(scan_bytes, source.path, d)
            width = _try_read_duckdb(con, source, table, sample_width + SPARE_COLUMNS, select,
                                     parallel=True, newlines=False, max_line_size=DUCKDB_LINE_SIZE)
            scan = scanning.result()
        if not (scan.has_lone_cr or scan.has_nul or not scan.quotes_balance or scan.risky_quotes):
            multiline = scan.quoted_newlines > 0
            if multiline or width is None:
                longest = MAX_RECORD_BYTES if multiline else scan.longest_line + 1
                width = _try_read_duckdb(con, source, table, sample_width + SPARE_COLUMNS, select,
                                         parallel=not multiline, newlines=multiline,
                                         max_line_size=max(longest, DUCKDB_LINE_SIZE))
            if width is not None:
                blanks = _prepare_numbering(con, table, scan.blank_lines, multiline)
                return Records(table, width, blanks, "duckdb", joins=multiline or bool(blanks),
                                multiline=multiline)
    width, blanks = _read_python(con, source, table, select)
    return Records(table, width, blanks, "python", joins=True)


