"""budget_vs_actual: voted, open and executed amounts by chapter and function with execution
rates; payments laid onto the budget's COFOG axis with the remainder shown, never hidden."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import duckdb
import pytest

from etl.paths import SQL_DIR
from etl.schema import load_schema
from etl.sqltext import quote_literal
from etl.warehouse import COFOG_CSV, COFOG_SQL, RELEASES_SQL
from tests.extract.budget_helpers import load_budget_table, stage_budget_xml

MART_SQL = (SQL_DIR / "marts" / "budget_vs_actual.sql").read_text(encoding="utf-8")
D = Decimal


def warehouse(path) -> duckdb.DuckDBPyConnection:
    """A small warehouse file as a publish leaves it: reference lists, bookkeeping, empty datasets."""
    con = duckdb.connect(str(path))
    con.execute(RELEASES_SQL)
    con.execute(COFOG_SQL.format(path=quote_literal(str(COFOG_CSV))))
    for dataset in ("budget", "spending"):
        con.execute(load_schema(dataset).create_table_sql(dataset))
    return con


def add_budget(con, publisher, year, start_month, lines):
    """lines: (direction, is_real, chapter, function, cofog, voted, open, executed)."""
    n = con.execute("select count(*) from budget").fetchone()[0]
    for i, (direction, is_real, chapter, function, cofog, voted, open_, executed) in enumerate(lines, start=n + 1):
        con.execute("""insert into budget (publisher_id, publisher_name, fiscal_year, fiscal_year_start_month,
            phase, direction, chapter_code, chapter_label, functional_code, functional_label, cofog_code, section,
            is_real, amount, amount_voted, amount_open, amount_executed, currency, source_file_sha256, source_line,
            release_id) values (?, ?, ?, ?, 'executed', ?, ?, 'Chapter ' || ?, ?, 'Function ' || ?, ?, 'operating',
            ?, ?, ?, ?, ?, 'EUR', ?, ?, 'r')""",
                    [publisher, publisher.title(), year, start_month, direction, chapter, chapter, function, function,
                     cofog, is_real, executed, voted, open_, executed, "b" * 64, i])


def add_payments(con, publisher, payments):
    """payments: (date, cofog, amount)."""
    n = con.execute("select count(*) from spending").fetchone()[0]
    for i, (date, cofog, amount) in enumerate(payments, start=n + 1):
        con.execute("""insert into spending (publisher_id, publisher_name, period, payment_date, cofog_code, amount,
            currency, is_redacted, source_file_sha256, source_line, release_id)
            values (?, ?, strftime(?, '%Y-%m'), ?, ?, ?, 'EUR', false, ?, ?, 'r')""",
                    [publisher, publisher.title(), date, date, cofog, amount, "s" * 64, i])


def mart(con, where="true"):
    con.execute(MART_SQL)
    cur = con.execute(f"select * from budget_vs_actual where {where}")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def test_mart_on_a_small_warehouse(tmp_path):
    con = warehouse(tmp_path / "warehouse.duckdb")
    add_budget(con, "town", 2022, 1, [
        ("expenditure", True, "011", "212", "09.1", D("100.00"), D("120.00"), D("90.00")),
        ("expenditure", True, "011", "212", "09.1", D("0.00"), D("30.00"), D("30.00")),
        ("expenditure", True, "012", "020", "01.3", D("500.00"), D("500.00"), D("480.50")),
        ("expenditure", True, "65", "999", None, D("10.00"), D("0.00"), D("4.00")),        # no COFOG code
        ("expenditure", False, "042", "01", "01", D("60.00"), D("60.00"), D("60.00")),     # order: not paid out
        ("revenue", True, "73", "01", "01", D("700.00"), D("700.00"), D("710.00")),
    ])
    add_budget(con, "town", 2023, 1, [("expenditure", True, "011", "212", "09.1", D("1"), D("1"), D("1"))])
    add_payments(con, "town", [
        (dt.date(2022, 3, 1), "09", D("70.00")),
        (dt.date(2022, 12, 31), "09.1", D("15.25")),
        (dt.date(2022, 6, 1), "01", D("400.00")),
        (dt.date(2022, 6, 2), None, D("12.00")),          # a payment without a function
        (dt.date(2022, 7, 1), "04", D("3.00")),           # in a division the budget does not have
        (dt.date(2021, 7, 1), "09", D("999.00")),         # a year without a budget: not compared
    ])
    add_budget(con, "shire", 2013, 4, [("expenditure", True, None, "x", "10", D("0"), D("0"), D("50.00"))])
    add_payments(con, "shire", [(dt.date(2012, 4, 1), "10", D("20.00")),   # UK year 2012-13 is fiscal 2013
                                (dt.date(2013, 3, 31), "10.4", D("5.00")),
                                (dt.date(2013, 4, 1), "10", D("700.00"))])  # fiscal 2014: no budget

    rows = mart(con, "view = 'chapter_function' and publisher_id = 'town' and fiscal_year = 2022")
    by_key = {(r["direction"], r["chapter_code"], r["functional_code"]): r for r in rows}
    schools = by_key[("expenditure", "011", "212")]
    assert (schools["budget_lines"], schools["amount_voted"], schools["amount_open"], schools["amount_executed"]) == \
        (2, D("100.00"), D("150.00"), D("120.00"))
    assert (schools["execution_rate"], schools["execution_rate_voted"]) == (D("0.8000"), D("1.2000"))
    assert schools["chapter_label"] == "Chapter 011" and schools["cofog_label"] == "Pre-primary and primary education"
    assert by_key[("expenditure", "65", "999")]["execution_rate"] is None  # nothing open: no rate
    assert by_key[("revenue", "73", "01")]["amount_executed"] == D("710.00")
    assert len(rows) == 5 and all(r["payments"] is None for r in rows)

    cofog = {(r["publisher_id"], r["fiscal_year"], r["cofog_code"]): r for r in mart(con, "view = 'cofog'")}
    assert set(cofog) == {("town", 2022, "09"), ("town", 2022, "01"), ("town", 2022, None), ("town", 2022, "04"),
                          ("shire", 2013, "10")}
    education = cofog[("town", 2022, "09")]
    assert (education["budget_amount"], education["payments"], education["payments_amount"],
            education["remainder_amount"], education["paid_rate"]) == \
        (D("120.00"), 2, D("85.25"), D("34.75"), D("0.7104"))
    assert education["cofog_label"] == "Education" and education["direction"] == "expenditure"
    general = cofog[("town", 2022, "01")]
    assert (general["budget_amount"], general["payments_amount"], general["remainder_amount"]) == \
        (D("480.50"), D("400.00"), D("80.50"))  # the order operation (042) is not real expenditure
    unclassified = cofog[("town", 2022, None)]
    assert (unclassified["budget_lines"], unclassified["budget_amount"], unclassified["payments"],
            unclassified["payments_amount"], unclassified["remainder_amount"]) == (1, D("4.00"), 1, D("12.00"), D("-8.00"))
    stray = cofog[("town", 2022, "04")]
    assert (stray["budget_lines"], stray["budget_amount"], stray["payments_amount"], stray["remainder_amount"]) == \
        (0, None, D("3.00"), D("-3.00"))
    shire = cofog[("shire", 2013, "10")]
    assert (shire["payments"], shire["payments_amount"], shire["remainder_amount"]) == (2, D("25.00"), D("25.00"))

    # Nothing hidden: the year's payments and real expenditure are all in the cofog rows.
    town = [r for k, r in cofog.items() if k[:2] == ("town", 2022)]
    assert sum(r["payments_amount"] or 0 for r in town) == D("500.25")
    assert sum(r["budget_amount"] or 0 for r in town) == D("604.50")
    assert sum(r["remainder_amount"] for r in town) == D("604.50") - D("500.25")
    con.close()
    ro = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    assert ro.execute("select count(*) from budget_vs_actual").fetchone()[0] == len(rows) + 2 + 5  # + town 2023, shire 2013; 5 cofog rows


def test_mart_with_no_payments_at_all(tmp_path):
    con = warehouse(tmp_path / "w.duckdb")
    add_budget(con, "town", 2022, 1, [("expenditure", True, "011", "212", "09.1", D("1"), D("2"), D("1"))])
    rows = mart(con)
    assert [r["view"] for r in rows] == ["chapter_function"] and rows[0]["execution_rate"] == D("0.5000")


@pytest.mark.realdata
def test_montreuil_budget_against_actual(realdata):
    con = duckdb.connect()
    stage_budget_xml(con, realdata / "budget/montreuil-ca-2022-m14/CA_2022.xml")
    con.execute(RELEASES_SQL)
    con.execute(COFOG_SQL.format(path=quote_literal(str(COFOG_CSV))))
    con.execute(load_schema("spending").create_table_sql("spending"))
    assert load_budget_table(con) == 1530
    rows = mart(con, "view = 'chapter_function'")
    assert sum(r["budget_lines"] for r in rows) == 1530
    executed = defaultdict(Decimal)
    for r in rows:
        executed[(r["direction"], r["is_real"])] += r["amount_executed"]
    assert executed == {("expenditure", True): D("272420548.03"), ("expenditure", False): D("20717206.11"),
                        ("revenue", True): D("284228460.08"), ("revenue", False): D("20717206.11")}
    staff = [r for r in rows if r["chapter_code"] == "012"]
    assert {r["chapter_label"] for r in staff} == {"Charges de personnel et frais assimilés"}
    total_open = sum(r["amount_open"] for r in staff)
    total_executed = sum(r["amount_executed"] for r in staff)
    assert 0 < total_executed <= total_open
    assert all(r["cofog_code"] and r["cofog_label"] for r in rows)
