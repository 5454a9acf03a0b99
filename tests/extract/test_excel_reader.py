"""Excel workbooks: a sheet's rows become records numbered by their row, with dates kept as dates."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import duckdb
import openpyxl
import pytest

from etl import pipeline
from etl.errors import InputError
from etl.extract import excel_reader
from tests.conftest import MINI_PROFILE

EXCEL_PROFILE = MINI_PROFILE.replace("  encoding: auto\n", "  format: excel\n  sheet: Payments\n") \
    .replace("['%d/%m/%Y', '%d/%m/%y', '%d-%b-%Y', '%d-%b-%y']", "['%Y-%m-%d', '%d/%m/%Y']")


def workbook(path, rows, sheet="Payments"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_workbook_with_preamble_dates_and_total(tmp_path, home, mini_profile):
    path = workbook(tmp_path / "spend-2024-05.xlsx", [
        ["Payments over £500, May 2024"],
        [],
        ["Department", "Supplier", "Date", "Amount"],
        ["Parks", "Acme Ltd", dt.datetime(2024, 5, 3), 1534.24],
        ["Roads", "Big Co", "04/05/2024", -12.5],
        [],
        [None, "Total", None, 1521.74],
    ])
    result = pipeline.run(mini_profile(base=EXCEL_PROFILE), [path], home)
    assert result.report.ok, result.report.to_dict()
    (f,) = result.files
    assert f.header_line == 3 and f.loaded == 2 and f.control_total == Decimal("1521.74")
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select source_line, payment_date, amount from spending order by 1").fetchall() == [
        (4, dt.date(2024, 5, 3), Decimal("1534.24")), (5, dt.date(2024, 5, 4), Decimal("-12.50"))]


def test_date_cells_are_read_whatever_text_formats_the_profile_gives(tmp_path, home, mini_profile):
    """A date cell is unambiguous: read beside dates typed as text in the profile's formats, and
    with no formats at all."""
    path = workbook(tmp_path / "spend-2024-05.xlsx", [
        ["Department", "Supplier", "Date", "Amount"],
        ["Parks", "Acme Ltd", dt.datetime(2024, 5, 3), 10],
        ["Roads", "Big Co", dt.datetime(2024, 5, 4, 14, 30), 5],
        ["Roads", "Big Co", dt.datetime(2024, 5, 5, 9, 15, 7, 250000), 5],
        ["Roads", "Big Co", "06/05/2024", 5],
    ])
    text_dates = MINI_PROFILE.replace("  encoding: auto\n", "  format: excel\n  sheet: Payments\n")
    result = pipeline.run(mini_profile(base=text_dates), [path], home)
    assert result.report.ok, result.report.to_dict()
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    assert [d for (d,) in con.execute("select payment_date from spending order by source_line").fetchall()] == [
        dt.date(2024, 5, d) for d in (3, 4, 5, 6)]
    con.close()
    no_formats = text_dates.replace(" date_formats: ['%d/%m/%Y', '%d/%m/%y', '%d-%b-%Y', '%d-%b-%y'],", "")
    result = pipeline.run(mini_profile(base=no_formats), [path], home, dry_run=True)
    assert [i.value for s in result.report.summaries for i in s.examples] == ["06/05/2024"]


def test_a_cell_with_line_breaks_keeps_every_row_on_its_sheet_row(tmp_path, home, mini_profile):
    path = workbook(tmp_path / "spend-2024-05.xlsx", [
        ["Department", "Supplier", "Date", "Amount"],
        ["Parks", "Acme Ltd\nUnit 4\r\nLeeds", "2024-05-03", 10],     # Alt+Enter in the cell
        ["Roads", "Big Co", "31/02/2024", 5],                          # a bad date on sheet row 3
    ])
    result = pipeline.run(mini_profile(base=EXCEL_PROFILE), [path], home, dry_run=True)
    (summary,) = result.report.summaries
    assert [(e.line, e.value) for e in summary.examples] == [(3, "31/02/2024")]


def test_a_sheet_row_that_ends_early_has_empty_cells_not_missing_ones(tmp_path, home, mini_profile):
    """A sheet's row ends at its last value: no amount is an empty cell, as it looks in Excel."""
    path = workbook(tmp_path / "spend-2024-05.xlsx", [
        ["Department", "Supplier", "Date", "Amount"],
        ["Parks", "Acme Ltd", "2024-05-03", 10],
        ["Roads", "Big Co", "2024-05-04"],
    ])
    result = pipeline.run(mini_profile(base=EXCEL_PROFILE), [path], home, dry_run=True)
    (summary,) = result.report.summaries
    assert [(summary.code, e.line, e.field, e.reason) for e in summary.examples] == [
        ("constraint-error", 3, "amount", "is required but empty")]


def test_missing_sheet_and_corrupt_workbook_are_both_refused_in_one_report(tmp_path, home, mini_profile):
    path = workbook(tmp_path / "spend-2024-05.xlsx", [["Department"]], sheet="Other")
    corrupt = tmp_path / "spend-2024-06.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 not really a workbook")
    result = pipeline.run(mini_profile(base=EXCEL_PROFILE), [path, corrupt], home, dry_run=True)
    (summary,) = result.report.summaries
    assert (summary.code, summary.count, result.report.blocks_publish) == ("file-refused", 2, True)
    missing, broken = summary.examples
    assert (missing.file, missing.constraint, missing.reason) == (
        "spend-2024-05.xlsx", "no-sheet", "no sheet 'Payments' (sheets: Other)")
    assert (broken.file, broken.constraint) == ("spend-2024-06.xlsx", "not-a-workbook")
    assert broken.reason.startswith("cannot be read as an Excel workbook")
    assert " ".join(missing.message("fr").split()) == "pas de feuille 'Payments' (feuilles : Other)"


def test_a_sheet_that_starts_below_and_right_of_a1_keeps_its_rows_and_columns(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for (row, column), value in {(3, 3): "Department", (3, 4): "Amount", (4, 3): "Parks", (4, 4): 12.5,
                                 (6, 4): dt.datetime(2024, 5, 3)}.items():
        ws.cell(row=row, column=column, value=value)
    wb.save(tmp_path / "offset.xlsx")
    target = tmp_path / "offset.csv"
    sha256, size = excel_reader.to_csv(tmp_path / "offset.xlsx", None, target, "offset.xlsx")
    assert target.read_text(encoding="utf-8").splitlines() == [
        ",,,", ",,,", ",,Department,Amount", ",,Parks,12.5", ",,,", ",,,2024-05-03"]
    assert (size, sha256) == (len((tmp_path / "offset.xlsx").read_bytes()),
                              hashlib.sha256((tmp_path / "offset.xlsx").read_bytes()).hexdigest())


def test_an_empty_sheet_gives_an_empty_working_copy(tmp_path):
    openpyxl.Workbook().save(tmp_path / "empty.xlsx")
    target = tmp_path / "empty.csv"
    excel_reader.to_csv(tmp_path / "empty.xlsx", None, target, "empty.xlsx")
    assert target.read_text(encoding="utf-8") == ""
