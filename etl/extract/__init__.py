"""Extract: a source file, as published, into a raw_ table of text cells with source lines.

The profile says how to read it; the header row is found by the column names the profile maps.
"""

from __future__ import annotations

import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import duckdb

from ..errors import InputError, UsageError
from ..profile import Profile
from ..sqltext import quote_ident
from . import budget_xml, csv_reader, encoding, excel_reader, reshape

HEADER_SEARCH_ROWS = 200


@dataclass(frozen=True)
class ExtractedFile:
    path: Path
    name: str
    sha256: str
    bytes: int
    encoding: str
    raw_table: str
    header_line: int
    header: tuple[str, ...]   # header cells by raw column (c001 is header[0])
    records: int              # records below the header, blank and total rows included
    stream: csv_reader.Stream | None = None   # left in the file for staging to read (numbered after)
    # raw_table's row_cells counts each record's cells (delimited text as exported; not an Excel
    # sheet's rows, which end at their last value, nor an unpivoted table)
    counts_cells: bool = False


def normalise_name(text: str) -> str:
    """Header matching ignores case, spaces, punctuation and symbols: ' NetAmount ' == 'Net amount'."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def _clean_header_cell(cell: str | None, profile: Profile) -> str:
    text = cell or ""
    for old, new in profile.replace.items():
        text = text.replace(old, new)
    return " ".join(text.split())


def _find_header(rows: list[tuple], profile: Profile, shown_as: str, limit: int) -> tuple[int, tuple[str, ...]]:
    """The header: the given line, or the first row naming every column the profile needs, among
    the first `limit` records (`rows`)."""
    made_later = {normalise_name(profile.unpivot[k]) for k in ("name_column", "value_column")} \
        if profile.unpivot else set()  # columns the unpivot creates are not in the file's header
    needed = {name: {normalise_name(c) for c in spec.columns}
              for name, spec in profile.column_fields.items()
              if not spec.optional and not {normalise_name(c) for c in spec.columns} & made_later}
    best: tuple[int, set[str]] | None = None
    for index, (line, *cells) in enumerate(rows):
        header = tuple(_clean_header_cell(c, profile) for c in cells)
        if profile.header_row is not None:
            if line == profile.header_row:
                return index, header
            continue
        present = {normalise_name(h) for h in header if h}
        missing = {name for name, alts in needed.items() if not alts & present}
        if not missing:
            return index, header
        if best is None or len(missing) < len(best[1]):
            best = (line, missing)
    if profile.header_row is not None:
        raise InputError.refusal("header-row-absent", shown_as, line=profile.header_row)
    if best is None:
        raise InputError.refusal("empty", shown_as)
    if profile.format != "excel" and (split := _split_elsewhere(rows, profile, needed)):
        raise InputError.refusal("other-delimiter", shown_as, line=split[0], found=split[1],
                                 expected=_shown_delimiter(profile.delimiter))
    line, missing = best
    further = {"further_key": "file-refused.further-down"} if len(rows) >= limit else {}
    raise InputError.refusal("no-header-closest" if len(missing) < len(needed) else "no-header-none", shown_as,
                             records=len(rows), line=line, wanted=wanted_columns(profile, missing),
                             **further)


def wanted_columns(profile: Profile, fields: Iterable[str]) -> str:
    """Fields and the headers they may be read from: amount ('Amount' / 'Net Amount'); supplier_name ('Supplier')."""
    return "; ".join(f"{f} ({' / '.join(repr(c) for c in profile.fields[f].columns)})" for f in sorted(fields))


OTHER_DELIMITERS = (";", "\t", "|", ",")


def _shown_delimiter(delimiter: str) -> str:
    """As a profile writes it in YAML: a tab is "\\t" (in double quotes, where the escape holds)."""
    return '"\\t"' if delimiter == "\t" else repr(delimiter)


def _split_elsewhere(rows: list[tuple], profile: Profile, needed: dict[str, set[str]]) -> tuple[int, str] | None:
    """The first row that names every needed column once split at another common delimiter (a
    semicolon-separated export given to a comma profile), and that delimiter, shown."""
    for line, *cells in rows:
        text = profile.delimiter.join(c or "" for c in cells)
        for delimiter in OTHER_DELIMITERS:
            if delimiter == profile.delimiter or delimiter not in text:
                continue
            present = {normalise_name(_clean_header_cell(c, profile)) for c in text.split(delimiter)}
            if all(alts & present for alts in needed.values()):
                return line, _shown_delimiter(delimiter)
    return None


def _first_records(con: duckdb.DuckDBPyConnection, raw_table: str, ncols: int, which: str,
                   limit: int) -> list[tuple]:
    """(source_line, record_index, cells...) of the records the header is searched among."""
    cols = ", ".join(csv_reader.column_names(ncols))
    return con.execute(f"select source_line, record_index, {cols} from {quote_ident(raw_table)} "
                       + which.format(n=limit)).fetchall()


def extract(con: duckdb.DuckDBPyConnection, path: Path, profile: Profile, index: int,
            workdir: Path) -> ExtractedFile:
    shown_as = path.name
    if path.is_dir():
        raise UsageError("is a folder: give the files in it (for example FOLDER/*.csv)", where=str(path))
    if not path.is_file():   # a mistyped argument, as a folder is: a usage error
        raise UsageError("no such file", where=str(path))
    if path.stat().st_size == 0:
        raise InputError.refusal("empty-bytes", shown_as)
    raw_table = f"raw_{profile.dataset}_{index}"
    work_copy = workdir / f"{raw_table}.csv"

    if profile.format == "budget-xml":
        scan = encoding.scan_file(path)
        header = budget_xml.load_budget_xml(con, path, raw_table)
        records = con.execute(f"select count(*) from {quote_ident(raw_table)}").fetchone()[0]
        return ExtractedFile(path=path, name=path.name, sha256=scan.sha256, bytes=scan.bytes, encoding="xml",
                             raw_table=raw_table, header_line=0, header=header, records=records)
    def layout_of(readable: Path) -> encoding.LineLayout:
        return encoding.layout(readable, profile.quote, profile.delimiter)

    if profile.format == "excel":
        sha256, size = excel_reader.to_csv(path, profile.sheet, work_copy, shown_as)
        enc, readable = "xlsx", work_copy
        layout = layout_of(readable)
    else:
        # The usual file (UTF-8, LF or CRLF) is read as it is: its line layout is scanned while
        # the bytes are hashed and checked (numpy and hashlib release the GIL); a file that
        # needs a working copy has the copy's layout scanned instead.
        with ThreadPoolExecutor(max_workers=1) as pool:
            as_is = pool.submit(layout_of, path)
            scan = encoding.scan_file(path)
            sha256, size = scan.sha256, scan.bytes
            enc = encoding.choose_encoding(path, scan, profile.encoding)
            readable = path
            if encoding.needs_working_copy(scan, enc):
                encoding.write_working_copy(path, enc, work_copy)
                readable = work_copy
                layout = layout_of(readable)
            else:
                layout = as_is.result()

    arguments = dict(delimiter=profile.delimiter, quote=profile.quote, blank_lines=layout.blank_lines,
                     lines=layout.lines, shown_as=shown_as, longest_line=layout.longest_line)
    stream = None
    limit = max(HEADER_SEARCH_ROWS, profile.header_row or 0)   # records the header is searched among
    if csv_reader.streamable(layout.blank_lines, layout.spanning) and not profile.unpivot:
        ncols, stream = csv_reader.stream_records(con, readable, raw_table, **arguments)
        try:   # the view numbers records as it streams them: it stops after the first ones
            first_rows = _first_records(con, raw_table, ncols, "limit {n}", limit)
        except duckdb.Error:   # read as a copy instead, which says what is wrong where
            csv_reader.drop(con, raw_table)
            stream = None
    if stream is None:
        ncols = csv_reader.read_records(con, readable, raw_table, parallel=not layout.spanning, **arguments)
        first_rows = _first_records(con, raw_table, ncols, "where record_index < {n} order by record_index", limit)
    header_index, header = _find_header([(line, *cells) for line, _, *cells in first_rows], profile, shown_as,
                                        limit)
    header_line = first_rows[header_index][0]
    first = first_rows[header_index][1] + 1
    csv_reader.skip_to(con, raw_table, first)
    if profile.unpivot:
        u = profile.unpivot
        header = reshape.unpivot(con, raw_table, header, u["columns"], u["name_column"], u["value_column"],
                                 shown_as=shown_as)
    records = stream.records - first if stream else \
        con.execute(f"select count(*) from {quote_ident(raw_table)}").fetchone()[0]
    return ExtractedFile(path=path, name=path.name, sha256=sha256, bytes=size, encoding=enc,
                         raw_table=raw_table, header_line=header_line, header=header,
                         records=records, stream=stream,
                         counts_cells=profile.format != "excel" and not profile.unpivot)
