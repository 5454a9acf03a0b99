"""Extraction keeps every record with the line it starts on, and finds the header by its names."""

from __future__ import annotations

import duckdb
import pytest

from etl.errors import InputError
from etl.extract import extract, normalise_name
from etl.profile import load_profile


def rows(con, ex):
    return con.execute(f"select source_line, c001, c002, c003, c004 from {ex.raw_table} order by 1").fetchall()


def run_extract(tmp_path, mini_profile, export, content, **kw):
    con = duckdb.connect()
    ex = extract(con, export(content, **kw), load_profile(mini_profile()), 0, tmp_path)
    return con, ex


def test_header_found_below_a_preamble(tmp_path, mini_profile, export):
    content = ("Council report,,,\n,,,\nRun on 01/06/2024,,,\n"
               "Department,Supplier,Date,Amount\nParks,Acme Ltd,03/05/2024,10.00\n")
    con, ex = run_extract(tmp_path, mini_profile, export, content)
    assert ex.header_line == 4 and ex.header[:4] == ("Department", "Supplier", "Date", "Amount")
    assert rows(con, ex) == [(5, "Parks", "Acme Ltd", "03/05/2024", "10.00")]


def test_lines_count_multiline_cells_blank_lines_and_cr_only_endings(tmp_path, mini_profile, export):
    content = ('Department,Supplier,Date,Amount\r"Parks\rand gardens",Acme,03/05/2024,1\r\r'
               'Roads,"Big\r\rCo",04/05/2024,2\rLibraries,Books Ltd,05/05/2024,3\r')
    con, ex = run_extract(tmp_path, mini_profile, export, content.encode("cp1252"))
    got = [(line, dept, sup) for line, dept, sup, *_ in rows(con, ex)]
    assert got == [(2, "Parks\nand gardens", "Acme"), (5, "Roads", "Big\n\nCo"), (8, "Libraries", "Books Ltd")]
    assert ex.encoding == "utf-8"  # pure ASCII bytes


def test_blank_lines_do_not_shift_line_numbers(tmp_path, mini_profile, export):
    content = "Department,Supplier,Date,Amount\n\nParks,A,01/05/2024,1\n\n\nRoads,B,02/05/2024,2\n"
    con, ex = run_extract(tmp_path, mini_profile, export, content)
    assert [r[0] for r in rows(con, ex)] == [3, 6]


def test_stray_extra_field_and_spacer_columns(tmp_path, mini_profile, export):
    content = "Department,,Supplier,Date,Amount\nParks,,A,01/05/2024,1,\nRoads,,B,02/05/2024,2\n"
    con, ex = run_extract(tmp_path, mini_profile, export, content)
    assert ex.header[:5] == ("Department", "", "Supplier", "Date", "Amount")
    assert ex.records == 2


def test_missing_required_column_is_named(tmp_path, mini_profile, export):
    with pytest.raises(InputError, match=r"no header row names every required column.*amount \(column 'Amount' or 'Net Amount'\)"):
        run_extract(tmp_path, mini_profile, export, "Department,Supplier,Date\nParks,A,01/05/2024\n")


def test_empty_file_is_refused(tmp_path, mini_profile, export):
    with pytest.raises(InputError, match="empty"):
        run_extract(tmp_path, mini_profile, export, b"")


def test_header_names_match_ignoring_case_space_and_punctuation():
    assert normalise_name(" NetAmount ") == normalise_name("Net amount") == "netamount"
    assert normalise_name("Net Amount(£)") == "netamount"
