"""What frictionless-py sees of a CSV file before it reads a row, found the way it finds it.

frictionless detects the encoding with chardet on the first 100,000 bytes, sniffs the dialect
with Python's csv.Sniffer on the first 100 lines, and reads records with Python's csv module,
which counts an empty line as a record of no cells. DuckDB's CSV reader is much faster but skips
empty lines and trims spaces around quoted values. One streaming pass over the bytes (C-speed
`bytes.count`/`find` only) finds what is needed to use DuckDB and still number rows as Python
does: where the empty lines are (outside quotes), whether the quotes balance, and whether the
file has any of the few shapes on which the two readers disagree.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass, field
from pathlib import Path

BUFFER_SIZE = 100_000        # frictionless settings.DEFAULT_BUFFER_SIZE: the encoding sample
SAMPLE_LINES = 100           # frictionless csv parser: lines given to csv.Sniffer
ENCODING_CONFIDENCE = 0.5    # frictionless settings.DEFAULT_ENCODING_CONFIDENCE
CHUNK = 1 << 22              # small enough to stay in cache-friendly, reused buffers


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    quotechar: str = '"'
    skipinitialspace: bool = False

    def python(self) -> csv.Dialect:
        """The csv dialect frictionless' CsvControl.to_python() builds from the sniffed values."""
        config = csv.excel()
        config.delimiter = self.delimiter
        config.doublequote = True
        config.escapechar = None
        config.lineterminator = "\r\n"
        config.quotechar = self.quotechar
        config.quoting = csv.QUOTE_MINIMAL
        config.skipinitialspace = self.skipinitialspace
        return config


def detect_encoding(path: Path) -> str:
    """frictionless Detector.detect_encoding on the first 100,000 bytes."""
    with open(path, "rb") as fh:
        buffer = fh.read(BUFFER_SIZE)
    # chardet answers 'ascii' (confidence 1) for pure ASCII without escape sequences; skip the slow
    # detector then. Anything else goes through chardet exactly as frictionless does.
    if buffer.isascii() and b"\x1b" not in buffer and b"~{" not in buffer:
        encoding = "utf-8"
    else:
        import chardet

        detector = chardet.UniversalDetector()
        for line in buffer.splitlines():
            detector.feed(line)
        detector.close()
        encoding = detector.result["encoding"] or "utf-8"
        confidence = detector.result["confidence"] or 0
        if confidence < ENCODING_CONFIDENCE:
            detected, encoding = encoding, "utf-8"
            try:
                buffer.decode(encoding)
            except UnicodeDecodeError:
                encoding = detected
        if encoding == "ascii":
            encoding = "utf-8"
    encoding = codecs.lookup(encoding).name
    if encoding == "utf-8" and buffer.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    return encoding


def sniff_dialect(path: Path, encoding: str) -> Dialect:
    """frictionless CsvParser: csv.Sniffer on the first 100 lines, delimiters ',\\t;|', and a
    sniffed single quote replaced by a double quote."""
    sample: list[str] = []
    with open(path, encoding=encoding, newline="", errors="replace") as fh:
        for line in fh:
            sample.append(line)
            if len(sample) >= SAMPLE_LINES:
                break
    try:
        sniffed = csv.Sniffer().sniff("".join(sample), ",\t;|")
    except csv.Error:
        return Dialect()
    quote = sniffed.quotechar or '"'
    return Dialect(delimiter=sniffed.delimiter, quotechar='"' if quote == "'" else quote,
                   skipinitialspace=bool(sniffed.skipinitialspace))


@dataclass
class ByteScan:
    """One pass over a UTF-8 file's bytes."""

    blank_lines: list[int] = field(default_factory=list)  # physical lines (1-based) of empty records
    lines: int = 0                  # newline characters
    quotes: int = 0
    has_lone_cr: bool = False
    has_nul: bool = False
    risky_quotes: bool = False      # a quote next to blanks at a field boundary: DuckDB trims those
    bytes: int = 0
    ends_with_newline: bool = True
    quoted_newlines: int = 0        # newlines inside quoted cells (records spanning lines)
    longest_line: int = 0           # bytes of the longest physical line, its newline included

    @property
    def quotes_balance(self) -> bool:
        return self.quotes % 2 == 0

    @property
    def physical_lines(self) -> int:
        """Lines as Python's csv reader counts them: a last line without a newline counts too."""
        return self.lines + (0 if self.ends_with_newline or not self.bytes else 1)


def _risky_at(data: bytes, positions, q: int, d: int) -> bool:
    """Of the quotes at `positions` with a space or tab beside them, is any at a field boundary
    (`a, "b"` or `"b" ,c`)? There Python keeps the blanks and the quotes in the cell; DuckDB trims."""
    blanks = (32, 9)
    n = len(data)
    for pos in positions:
        pos = int(pos)
        j = pos - 1
        while j >= 0 and data[j] in blanks:
            j -= 1
        if j < pos - 1 and (j < 0 or data[j] in (d, 10, 13)):
            return True
        j = pos + 1
        while j < n and data[j] in blanks:
            j += 1
        if j > pos + 1 and (j >= n or data[j] in (d, 10, 13)):
            return True
    return False


CONTEXT = 64  # bytes of the previous chunk kept before the next, for a quote's neighbours


def scan_bytes(path: Path, dialect: Dialect) -> ByteScan:
    """Empty lines outside quotes, quote parity, line endings and risky quotes, chunk by chunk with
    numpy (vectorised compares; Python only touches the rare hits).

    An empty line is a record for Python's csv reader unless it sits inside a quoted cell, which
    the parity of the quote characters before it tells (escaped quotes come in pairs)."""
    import numpy as np

    q = dialect.quotechar.encode("utf-8")[0]
    d = dialect.delimiter.encode("utf-8")[0]
    state = ScanState()
    # One buffer for the whole file, read into: a fresh 4 MB bytes object per chunk (and the
    # concatenation with the bytes kept from the last one) costs page faults and copies.
    buffer = bytearray(CONTEXT + 2 + CHUNK)
    view = memoryview(buffer)
    with open(path, "rb") as fh:
        kept = 0    # bytes carried over at the front: the context (counted, only looked at)...
        start = 0   # ...up to here, then the bytes not counted yet
        while True:
            read = fh.readinto(view[kept:kept + CHUNK])
            size = kept + read
            if not size:
                break
            data = buffer if size == len(buffer) else buffer[:size]
            # the last 2 bytes wait for the next round: a "\n\r\n" may straddle the chunks
            end = size - 2 if read and size - start > 2 else size
            state.feed(np, data, start, end, q, d)
            if not read:
                break
            carried = bytes(data[max(start, end - CONTEXT):size])
            start, kept = end - max(start, end - CONTEXT), len(carried)
            buffer[:kept] = carried
    return state.result()


class ScanState:
    def __init__(self) -> None:
        self.out = ByteScan()
        self.lines = 0
        self.quotes = 0
        self.first = True
        self.last_byte = b""
        self.last_newline = -1      # offset in the file of the last newline counted
        self.mask = None            # one boolean buffer for every compare: fresh ones cost page faults

    def feed(self, np, data: bytes, start: int, end: int, q: int, d: int) -> None:
        """Count bytes in data[start:end]; data[:start] and data[end:] are context only."""
        out = self.out
        a = np.frombuffer(data, dtype=np.uint8)
        size = len(a)
        if self.first and (data.startswith(b"\n") or data.startswith(b"\r\n")):
            out.blank_lines.append(1)
        self.first = False
        out.bytes += end - start
        if end > start:
            self.last_byte = data[end - 1:end]
        out.has_nul = out.has_nul or data.find(b"\x00", start, end) >= 0
        if self.mask is None or len(self.mask) < size:
            self.mask = np.empty(size, dtype=bool)
        mask = self.mask[:size]
        newline = np.flatnonzero(np.equal(a, 10, out=mask))
        quote = np.flatnonzero(np.equal(a, q, out=mask))
        nl_mine = newline[(newline >= start) & (newline < end)]
        q_mine = quote[(quote >= start) & (quote < end)]
        if not out.has_lone_cr and data.find(b"\r", start, end) >= 0:
            cr = np.flatnonzero(a[start:end] == 13) + start
            after = cr + 1
            known = after < size
            out.has_lone_cr = bool((a[after[known]] != 10).any()) or (not known.all() and end == size)
        if not out.risky_quotes and len(q_mine):
            before = a[np.maximum(q_mine - 1, 0)]
            after = a[np.minimum(q_mine + 1, size - 1)]
            near = q_mine[(before == 32) | (before == 9) | (after == 32) | (after == 9)]
            if len(near):
                out.risky_quotes = _risky_at(data, near, q, d)
        # blank lines: a newline right after a newline (or after "\r" after a newline)
        if len(nl_mine):
            parity = (self.quotes + np.searchsorted(q_mine, nl_mine)) % 2
            self.out.quoted_newlines += int(parity.sum())
            gaps = np.diff(nl_mine)
            offset = out.bytes - (end - start) - start   # file offset of data[0]
            first_gap = int(nl_mine[0]) + offset - self.last_newline
            out.longest_line = max(out.longest_line, first_gap, int(gaps.max()) if len(gaps) else 0)
            self.last_newline = int(nl_mine[-1]) + offset
            lf = np.flatnonzero(gaps == 1)
            crlf = np.flatnonzero(gaps == 2)
            crlf = crlf[a[nl_mine[crlf] + 1] == 13]
            hits = np.concatenate([lf, crlf])
            # the last newline of this part may pair with one beyond it
            last = int(nl_mine[-1])
            tail = data[last + 1:last + 3]
            if tail[:1] == b"\n" or tail == b"\r\n":
                hits = np.append(hits, len(nl_mine) - 1)
            if len(hits):
                hits.sort()
                keep = hits[parity[hits] == 0]
                out.blank_lines.extend((self.lines + keep + 2).tolist())
        self.lines += len(nl_mine)
        self.quotes += len(q_mine)

    def result(self) -> ByteScan:
        out = self.out
        out.lines = self.lines
        out.quotes = self.quotes
        out.ends_with_newline = self.last_byte == b"\n" or out.bytes == 0
        out.longest_line = max(out.longest_line, out.bytes - 1 - self.last_newline)
        return out
