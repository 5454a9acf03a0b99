"""Recognise a text export's encoding and line endings, and prepare a copy DuckDB can read.

Exports come as UTF-8 (with or without BOM), Windows-1252, ISO-8859-1 or UTF-16 with its BOM
(Excel's "Unicode text"), with LF, CRLF, CR-only or mixed line endings. DuckDB reads UTF-8 with
LF or CRLF endings well, so anything else is transcoded, chunk by chunk, into a UTF-8, LF-only
working copy. The source file itself is never
changed: its sha256 is what every published row points back to.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

from ..errors import InputError
from ..validate import csvscan

CHUNK = 1 << 22  # 4 MiB: bounded memory whatever the file size, and cache-friendly
SAMPLE = 1 << 20  # the first bytes, for the encoding detector
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass
class TextFileScan:
    """What one pass over the bytes tells: hash, size, encoding evidence, line endings."""

    sha256: str
    bytes: int
    has_bom: bool
    utf8_error: tuple[int, int] | None  # (byte offset, line) of the first invalid UTF-8 byte
    has_lone_cr: bool
    has_crlf: bool
    has_lone_lf: bool
    has_nul: bool
    sample: bytes = field(repr=False, default=b"")


def scan_file(path: Path) -> TextFileScan:
    """Hash, size, UTF-8 validity, line endings and NUL bytes in one pass at memory speed: an ASCII
    chunk (the usual case) is valid UTF-8 without decoding it, and a chunk without CR has no
    CRLF and no lone CR without counting anything."""
    sha = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    size = 0
    utf8_error = None
    crlf = lone_cr = lone_lf = nul = False
    tail = b""  # a trailing CR held back, so that a CRLF split across two chunks is seen whole
    sample = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            if len(sample) < SAMPLE:
                sample += chunk[: SAMPLE - len(sample)]
            sha.update(chunk)
            if utf8_error is None:
                held = decoder.getstate()[0]  # the start of a character cut by the last chunk
                if held or not chunk.isascii():
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as e:
                        offset = size + e.start - len(held)
                        utf8_error = (offset, _line_at(path, offset))
            if tail or b"\r" in chunk:
                data, tail = _hold_back(tail + chunk, b"\r")
                n_crlf = data.count(b"\r\n")
                lone_cr = lone_cr or data.count(b"\r") > n_crlf
                lone_lf = lone_lf or data.count(b"\n") > n_crlf
                crlf = crlf or n_crlf > 0
            else:
                lone_lf = lone_lf or b"\n" in chunk
            nul = nul or b"\x00" in chunk
            size += len(chunk)
    lone_cr = lone_cr or bool(tail)
    if utf8_error is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_error = (size, _line_at(path, size))
    return TextFileScan(
        sha256=sha.hexdigest(), bytes=size, has_bom=sample.startswith(codecs.BOM_UTF8),
        utf8_error=utf8_error, has_lone_cr=lone_cr, has_crlf=crlf, has_lone_lf=lone_lf,
        has_nul=nul, sample=sample,
    )


def _line_at(path: Path, offset: int) -> int:
    """The line (1-based) that the byte at `offset` is on: read again, only to word an error."""
    newlines = 0
    with open(path, "rb") as fh:
        while offset > 0 and (chunk := fh.read(min(CHUNK, offset))):
            newlines += chunk.count(b"\n")
            offset -= len(chunk)
    return newlines + 1


def _hold_back(data: bytes, byte: bytes) -> tuple[bytes, bytes]:
    """Split off a trailing `byte` so that a sequence cut by a chunk boundary is seen whole."""
    return (data[:-1], byte) if data.endswith(byte) else (data, b"")


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for a sample that is UTF-16 text without a byte-order mark: a NUL
    byte beside at least half of its characters (the ASCII and Latin-1 ones), always on the same
    side, never on the other, and the whole sample decodes. None for anything else."""
    low, high = sample[0::2], sample[1::2]
    pairs = min(len(low), len(high))
    for codec, nul_side, other_side in (("utf-16-le", high, low), ("utf-16-be", low, high)):
        if pairs >= 2 and nul_side.count(0) * 2 >= pairs and other_side.count(0) == 0:
            try:
                codecs.getincrementaldecoder(codec)().decode(sample[:pairs * 2])
            except UnicodeDecodeError:
                return None
            return codec
    return None


def _is_workbook(sample: bytes) -> bool:
    """An Excel workbook (xls: an OLE2 compound file; xlsx: a zip of xl/ parts and their content
    types) or an OpenDocument one (a zip whose first entry is its spreadsheet mimetype)."""
    if sample.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return True
    return sample.startswith(b"PK\x03\x04") and any(
        marker in sample for marker in (b"[Content_Types].xml", b"xl/", b"opendocument.spreadsheet"))


def choose_encoding(path: Path, scan: TextFileScan, forced: str) -> str:
    """The encoding to read with: the profile's, checked against the bytes, or detected."""
    if scan.sample.startswith(UTF16_BOMS):
        utf16 = "utf-16"
    else:
        utf16 = _utf16_without_bom(scan.sample) if scan.has_nul else None
    if utf16:   # Excel's "Unicode text": UTF-16, with its byte-order mark or (some tools) without
        if forced not in ("auto", "utf-16"):
            raise InputError.refusal("utf16-forced", str(path), forced=forced)
        return utf16
    if scan.has_nul:
        if _is_workbook(scan.sample):
            raise InputError.refusal("workbook", str(path), setting="read: {format: excel}")
        raise InputError.refusal("binary", str(path))
    if forced in ("utf-8", "utf-8-sig"):
        if scan.utf8_error:
            offset, line = scan.utf8_error
            raise InputError.refusal("utf8-forced", str(path), line=line, offset=offset, forced=forced)
        return "utf-8-sig" if scan.has_bom else "utf-8"
    if forced in ("windows-1252", "iso-8859-1"):
        if scan.utf8_error is None and not scan.sample.isascii():
            raise InputError.refusal("single-byte-forced", str(path), forced=forced)
        return forced
    # auto: valid UTF-8 over the whole file wins; otherwise let charset-normalizer choose among the
    # single-byte encodings public bodies' finance systems actually write.
    if scan.utf8_error is None:
        return "utf-8-sig" if scan.has_bom else "utf-8"
    _refuse_mixed_encodings(path, scan)
    best = charset_normalizer.from_bytes(scan.sample, cp_isolation=["cp1252", "latin_1"]).best()
    if best is None:
        offset, line = scan.utf8_error
        raise InputError.refusal("encoding-unknown", str(path), line=line, offset=offset)
    return "iso-8859-1" if best.encoding == "latin_1" else "windows-1252"


# A character of two to four bytes in UTF-8 (no overlong forms, no surrogates): a single-byte text
# holds one only by chance, such as 'Ã©' in Windows-1252, itself the sign of a UTF-8 text misread.
UTF8_SEQUENCE = re.compile(rb"[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}"
                           rb"|\xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}"
                           rb"|[\xF1-\xF3][\x80-\xBF]{3}|\xF4[\x80-\x8F][\x80-\xBF]{2}")


def _refuse_mixed_encodings(path: Path, scan: TextFileScan) -> None:
    """A file that is UTF-8 (its byte-order mark, or UTF-8 characters) except for some bytes: read
    in one single-byte encoding, every UTF-8 character would be published garbled ('CafÃ©')."""
    offset, line = scan.utf8_error
    if not scan.has_bom:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                if UTF8_SEQUENCE.search(chunk):
                    break
            else:
                return   # a single-byte text (charset-normalizer tells which)
    raise InputError.refusal("mixed-encodings-bom" if scan.has_bom else "mixed-encodings-utf8", str(path),
                             line=line, offset=offset)


def needs_working_copy(scan: TextFileScan, encoding: str) -> bool:
    mixed = scan.has_crlf and scan.has_lone_lf
    return encoding != "utf-8" or scan.has_lone_cr or mixed


def write_working_copy(path: Path, encoding: str, target: Path) -> None:
    """Transcode to UTF-8 with LF line endings, streaming; a bad byte names its line."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    pending_cr = False
    line = 1
    with open(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as e:
                bad = line + chunk.count(b"\n", 0, e.start)
                raise InputError.refusal("undecodable-byte", str(path), byte=f"0x{chunk[e.start]:02X}", line=bad,
                                         encoding=encoding) from None
            line += chunk.count(b"\n")
            if pending_cr:
                text = "\r" + text
            pending_cr = text.endswith("\r")
            if pending_cr:
                text = text[:-1]
            dst.write(text.replace("\r\n", "\n").replace("\r", "\n"))
        if pending_cr:
            dst.write("\n")


@dataclass(frozen=True)
class LineLayout:
    """Where the records of a UTF-8 file with LF or CRLF endings sit, as DuckDB will read them."""

    blank_lines: list[int]  # empty lines outside quoted cells: DuckDB skips them
    lines: int              # physical lines, a last one without a newline included
    spanning: bool          # a quoted cell spans lines: DuckDB's parallel reader cannot read it
    longest_line: int = 0   # bytes of the longest line, its newline included


def layout(path: Path, quote: str = '"', delimiter: str = ",") -> LineLayout:
    """The file's line layout, from the validator's vectorised byte scan (one pass, numpy).

    DuckDB's CSV reader skips empty lines; knowing where they were keeps every record's source
    line exact. An empty line inside a quoted multi-line cell is part of that cell, not skipped:
    it is told apart by the parity of the quote characters before it (escaped quotes come in
    pairs, so they do not change it).
    """
    scan = csvscan.scan_bytes(path, csvscan.Dialect(delimiter=delimiter, quotechar=quote))
    return LineLayout(blank_lines=scan.blank_lines, lines=scan.physical_lines,
                      spanning=scan.quoted_newlines > 0, longest_line=scan.longest_line)
