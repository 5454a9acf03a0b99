"""Encodings and line endings are recognised from the bytes; a wrong forced encoding is refused."""

from __future__ import annotations

import pytest

from etl.errors import InputError
from etl.extract import encoding
from etl.validate import csvscan


def scan(tmp_path, data: bytes):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    return path, encoding.scan_file(path)


@pytest.mark.parametrize("data, expected", [
    ("Supplier,Amount\nCafé Ltd,1\n".encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + "Supplier,Amount\nCafé,1\n".encode("utf-8"), "utf-8-sig"),
    ("Supplier,Net Amount(£)\nPapakåta Ltd,1\n".encode("cp1252"), "windows-1252"),
    ("Supplier,Amount\n“Quoted” Ltd – 1,€1\n".encode("cp1252"), "windows-1252"),
    (b"Supplier,Amount\nplain ascii,1\n", "utf-8"),
])
def test_auto_detection(tmp_path, data, expected):
    path, s = scan(tmp_path, data)
    assert encoding.choose_encoding(path, s, "auto") == expected


def test_forcing_utf8_on_a_windows_1252_file_names_the_line(tmp_path):
    path, s = scan(tmp_path, "a,b\nok,1\nPapakåta,2\n".encode("cp1252"))
    with pytest.raises(InputError, match=r"not valid UTF-8 at line 3 .*forces encoding utf-8"):
        encoding.choose_encoding(path, s, "utf-8")


@pytest.mark.parametrize("data, evidence", [
    ("Café Nero Ltd,1\n".encode("utf-8") + "Crème Ltd,2\n".encode("cp1252"), "holds UTF-8 characters"),
    (b"\xef\xbb\xbf" + "Supplier,Amount\nCrème Ltd,2\n".encode("cp1252"), "starts with UTF-8's byte-order mark"),
])
def test_a_file_mixing_utf8_and_a_single_byte_encoding_is_refused(tmp_path, data, evidence):
    path, s = scan(tmp_path, data)
    with pytest.raises(InputError, match=f"mixes text encodings: it {evidence}, but line 2 .* is not UTF-8"):
        encoding.choose_encoding(path, s, "auto")


def test_forcing_a_single_byte_encoding_on_utf8_is_refused(tmp_path):
    path, s = scan(tmp_path, "a,b\nCafé,1\n".encode("utf-8"))
    with pytest.raises(InputError, match="this file is UTF-8"):
        encoding.choose_encoding(path, s, "windows-1252")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_its_byte_order_mark_is_read(tmp_path, codec, monkeypatch):
    """Excel's "Unicode text": UTF-16 with a BOM, NUL bytes in every ASCII character."""
    text = "Supplier\tAmount\r\nCafé Ltd\t1\r\nŁódź\t2\r\n"
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(codec, b"")
    path, s = scan(tmp_path, bom + text.encode(codec))
    assert encoding.choose_encoding(path, s, "auto") == encoding.choose_encoding(path, s, "utf-16") == "utf-16"
    monkeypatch.setattr(encoding, "CHUNK", 3)     # characters and CRLFs cut by the chunks
    target = tmp_path / "out.csv"
    encoding.write_working_copy(path, "utf-16", target)
    assert target.read_text(encoding="utf-8") == text.replace("\r\n", "\n")
    with pytest.raises(InputError, match="this file is UTF-16 .*forces encoding utf-8; set read.encoding to auto"):
        encoding.choose_encoding(path, s, "utf-8")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_byte_order_mark_is_read(tmp_path, codec):
    text = "Supplier\tAmount\r\nCafé Ltd\t1\r\nŁódź\t2\r\n"
    path, s = scan(tmp_path, text.encode(codec))
    assert encoding.choose_encoding(path, s, "auto") == encoding.choose_encoding(path, s, "utf-16") == codec
    target = tmp_path / "out.csv"
    encoding.write_working_copy(path, codec, target)
    assert target.read_text(encoding="utf-8") == text.replace("\r\n", "\n")
    with pytest.raises(InputError, match="this file is UTF-16"):
        encoding.choose_encoding(path, s, "windows-1252")


def test_binary_file_is_refused(tmp_path):
    path, s = scan(tmp_path, b"PK\x03\x04\x00\x00binary")
    with pytest.raises(InputError, match="binary file"):
        encoding.choose_encoding(path, s, "auto")


def test_a_workbook_given_as_a_text_export_is_told_for_what_it_is(tmp_path):
    """An Excel export given to a CSV profile: not 'a binary file', but how to read it."""
    import io

    import openpyxl

    book, data = openpyxl.Workbook(), io.BytesIO()
    book.active.append(["Department", "Supplier", "Date", "Amount"])
    book.save(data)
    path, s = scan(tmp_path, data.getvalue())
    with pytest.raises(InputError, match=r"spreadsheet workbook .* read: \{format: excel\}, or save the sheet as CSV"):
        encoding.choose_encoding(path, s, "auto")


@pytest.mark.parametrize("data, lone_cr, crlf, lone_lf", [
    (b"a\rb\rc", True, False, False),
    (b"a\r\nb\r\n", False, True, False),
    (b"a\nb\r\nc\rd", True, True, True),
    (b"a\nb\n", False, False, True),
])
def test_line_endings(tmp_path, data, lone_cr, crlf, lone_lf, monkeypatch):
    for chunk in (1 << 24, 1, 2):  # chunk boundaries inside a CRLF must not change the answer
        monkeypatch.setattr(encoding, "CHUNK", chunk)
        _, s = scan(tmp_path, data)
        assert (s.has_lone_cr, s.has_crlf, s.has_lone_lf) == (lone_cr, crlf, lone_lf)


def test_working_copy_is_utf8_with_lf(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "CHUNK", 3)
    src = tmp_path / "src.csv"
    src.write_bytes("h£\rx\r\ny\r".encode("cp1252"))
    target = tmp_path / "out.csv"
    encoding.write_working_copy(src, "windows-1252", target)
    assert target.read_bytes() == "h£\nx\ny\n".encode("utf-8")


@pytest.mark.parametrize("data, blanks, lines", [
    (b"a\n\nb\n", [2], 3),
    (b"\na\r\n\r\nb\r\n\r\n", [1, 3, 5], 5),
    (b"a\nb\n\n\n", [3, 4], 4),
    (b"a,b\nc,d", [], 2),
    (b"a\r\n", [], 1),
])
def test_blank_lines_and_line_count(tmp_path, data, blanks, lines, monkeypatch):
    for chunk in (1 << 24, 3, 4, 5):  # the scan keeps 2 bytes back: chunks of 3 bytes or more
        monkeypatch.setattr(csvscan, "CHUNK", chunk)  # the validator's byte scan, which extract shares
        path = tmp_path / "b.csv"
        path.write_bytes(data)
        found = encoding.layout(path)
        assert (found.blank_lines, found.lines) == (blanks, lines), chunk


def test_empty_line_inside_a_quoted_cell_is_not_blank(tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(b'a,b\n"x\n\ny",1\n\n"He said ""hi""",2\n')
    found = encoding.layout(path)
    assert (found.blank_lines, found.lines) == ([5], 6)


@pytest.mark.parametrize("data, error", [
    (b"ab\n\xc3\xffxyz\n", (3, 2)),                 # a character cut short: the error is where it starts
    (b"ab\ncd\xc3\xa9\n\xff\n", (8, 3)),
    (b"ab\n\xc3", (4, 2)),                          # the file ends inside a character
])
def test_invalid_utf8_is_located_whatever_the_chunks(tmp_path, data, error, monkeypatch):
    for chunk in (1 << 22, 1, 2, 3, 4):
        monkeypatch.setattr(encoding, "CHUNK", chunk)
        assert scan(tmp_path, data)[1].utf8_error == error, chunk


def test_scan_keeps_the_first_mebibyte_as_the_encoding_sample(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "CHUNK", 3)
    data = b"\xef\xbb\xbfa,b\n" * 10
    _, s = scan(tmp_path, data)
    assert s.sample == data and s.has_bom
