"""Parsing as the profile says: dates, amounts, value maps, extracts, constants, skipped rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from etl import pipeline
from tests.conftest import MINI_PROFILE

HEADER = "Department,Supplier,Date,Amount,CapRev,Ref\n"


def staged(mini_profile, export, home, body, profile_text=MINI_PROFILE, name="spend-2024-05.csv"):
    """Dry-run the pipeline: the run's summary and report."""
    return pipeline.run(mini_profile(base=profile_text), [export(HEADER + body, name=name)], home,
                        dry_run=True)


def published_rows(mini_profile, export, home, body, profile_text=MINI_PROFILE):
    result = pipeline.run(mini_profile(base=profile_text), [export(HEADER + body)], home)
    assert result.report.ok, result.report.to_dict()
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    return con.execute("select source_line, payment_date, amount, capital_or_revenue, department, "
                       "supplier_name, currency, period from spending order by source_line").fetchall()


@pytest.mark.parametrize("text, expected", [
    ("03/05/2024", dt.date(2024, 5, 3)),
    ("03/05/24", dt.date(2024, 5, 3)),
    ("03-May-2024", dt.date(2024, 5, 3)),
    ("3-may-24", dt.date(2024, 5, 3)),
    ("45415", dt.date(2024, 5, 3)),   # Excel serial
    (" 03/05/2024 ", dt.date(2024, 5, 3)),
])
def test_dates(mini_profile, export, home, text, expected):
    (row,) = published_rows(mini_profile, export, home, f"Parks,Acme,{text},1,,\n")
    assert row[1] == expected


def test_month_first_dates(mini_profile, export, home):
    profile = MINI_PROFILE.replace("['%d/%m/%Y', '%d/%m/%y', '%d-%b-%Y', '%d-%b-%y']", "['%m/%d/%Y']")
    (row,) = published_rows(mini_profile, export, home, "Parks,Acme,9/8/2016,1,,\n", profile)
    assert row[1] == dt.date(2016, 9, 8)


@pytest.mark.parametrize("text, expected", [
    ('"1,534.24"', "1534.24"),
    ("900", "900.00"),
    ('" 2,525.18 "', "2525.18"),
    ('"£1,000.5"', "1000.50"),
    ("125.00-", "-125.00"),
    ("(42.10)", "-42.10"),
    ("-0.0000", "0.00"),
    ("4537.8500", "4537.85"),
])
def test_amounts(mini_profile, export, home, text, expected):
    (row,) = published_rows(mini_profile, export, home, f"Parks,Acme,03/05/2024,{text},,\n")
    assert row[2] == Decimal(expected)


def test_decimal_comma_and_space_thousands(mini_profile, export, home):
    profile = MINI_PROFILE.replace('thousands: ","}', 'decimal: ",", thousands: " ", currency_symbols: ["€"]}') \
                          .replace("{value: GBP}", "{value: EUR}")
    (row,) = published_rows(mini_profile, export, home, 'Parks,Acme,03/05/2024,"1 234,56 €",,\n', profile)
    assert row[2] == Decimal("1234.56") and row[6] == "EUR"


def test_value_map_constants_and_text_cleaning(mini_profile, export, home):
    (row,) = published_rows(mini_profile, export, home, "  Parks   and\u00a0Gardens ,Acme,03/05/2024,1,r,\n")
    assert row[3] == "revenue" and row[4] == "Parks and Gardens" and row[6] == "GBP" and row[7] == "2024-05"


def test_total_and_blank_rows_are_not_payments(mini_profile, export, home):
    body = "Parks,Acme,03/05/2024,10.50,,\n,,,,,\nRoads,Big Co,04/05/2024,4.50,,\n,Total,,15.00,,\n,,,,,\n"
    result = staged(mini_profile, export, home, body)
    assert result.report.ok and result.loaded == 2
    (f,) = result.files
    assert f.blank == 2 and f.skipped["total"] == 1 and f.control_total == Decimal("15.00")


def test_extract_keeps_the_label_of_code_colon_label(mini_profile, export, home):
    profile = MINI_PROFILE.replace("department: {column: [Department, Directorate]}",
                                   "department: {column: Department, extract: '^[^:]*:\\s*(.*)$'}")
    rows = published_rows(mini_profile, export, home,
                          "2050: INTERNAL REVENUE SERVICE,A,03/05/2024,1,,\nNo code here,B,03/05/2024,1,,\n", profile)
    assert [r[4] for r in rows] == ["INTERNAL REVENUE SERVICE", "No code here"]


def test_renamed_header_alternative(mini_profile, export, home):
    result = pipeline.run(mini_profile(), [export("Directorate,Supplier,Date,Net Amount\nParks,A,03/05/2024,2\n")],
                          home, dry_run=True)
    assert result.report.ok and result.totals_by_currency() == {"GBP": Decimal("2.00")}
