"""app_data.payments_page: summary and payments against direct SQL, every filter and sort; the
CSV download; redacted rows never show a stored name."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

import app_data
from app_data import Filters
from app_format import to_csv_bytes
from tests.app_data.conftest import ref, rows_of
from tests.app_fixtures import LYON, SECRET_NAME, WESTMINSTER, source_sha


CASES = [
    Filters(),
    Filters(publisher_id=WESTMINSTER),
    Filters(publisher_id=LYON, year=2024),
    Filters(publisher_id=WESTMINSTER, year=2023),
    Filters(period_from="2024-02"),
    Filters(period_from="2024-01", period_to="2024-02"),
    Filters(periods=["2024-01", "2024-03"]),
    Filters(departments=["Children's Services"]),
    Filters(departments=["Children's Services", "Voirie"], period_to="2024-02"),
    Filters(supplier="acme"),
    Filters(supplier="  ACME construction "),
    Filters(supplier="redacted"),
    Filters(supplier="é"),
    Filters(supplier_exact="Acme Construction Ltd"),
    Filters(supplier_exact=SECRET_NAME),
    Filters(text="roof"),
    Filters(text="VOIRIE"),
    Filters(text="personal"),
    Filters(text="services", year=2024, publisher_id=WESTMINSTER),
    Filters(amount_min="100"),
    Filters(amount_min=0, amount_max=Decimal("1500.00")),
    Filters(amount_max=-1.0),
    Filters(publisher_id=WESTMINSTER, departments=["Highways"], supplier="ltd", amount_min="0.05"),
    Filters(supplier="nothing like this"),
    Filters(publisher_id="no-such-publisher"),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize("f", CASES, ids=IDS)
def test_summary_matches_direct_sql(db, f: Filters) -> None:
    summary = app_data.summary(f)
    [(count,)] = ref(db, "SELECT count(*)", f)
    assert summary.payments == count
    totals = ref(db, "SELECT currency, sum(amount)", f, "GROUP BY 1 ORDER BY 1")
    assert list(summary.totals.items()) == totals
    assert all(isinstance(t, Decimal) for t in summary.totals.values())


SORT_SQL = {
    "date_desc": "payment_date DESC, source_file_sha256, source_line",
    "date_asc": "payment_date, source_file_sha256, source_line",
    "amount_desc": "amount DESC, payment_date DESC, source_file_sha256, source_line",
    "amount_asc": "amount, payment_date DESC, source_file_sha256, source_line",
    "supplier": "2, payment_date DESC, source_file_sha256, source_line",
}


@pytest.mark.parametrize("f", CASES, ids=IDS)
@pytest.mark.parametrize("sort", list(SORT_SQL))
def test_payments_match_direct_sql(db, f: Filters, sort: str) -> None:
    page = app_data.payments(f, limit=4, sort=sort)
    expected = ref(
        db,
        "SELECT payment_date, CASE WHEN is_redacted THEN $label ELSE supplier_name END, "
        "CASE WHEN is_redacted THEN NULL ELSE supplier_id END, amount, currency, release_id, "
        "source_file_sha256, source_line",
        f, f"ORDER BY {SORT_SQL[sort]}",
    )
    assert list(page.rows.columns) == list(app_data.PAYMENT_COLUMNS)
    assert page.total == len(expected)
    assert list(page.totals.items()) == ref(db, "SELECT currency, sum(amount)", f,
                                            "GROUP BY 1 ORDER BY 1")
    assert page.shown == min(4, len(expected))
    shown = page.rows[["payment_date", "supplier_name", "supplier_id", "amount", "currency",
                       "release_id", "source_file_sha256", "source_line"]]
    assert rows_of(shown) == expected[:4]
    assert all(isinstance(a, Decimal) for a in page.rows["amount"])


def test_payments_name_their_source_file(db) -> None:
    page = app_data.payments(Filters(publisher_id=LYON))
    for row in page.rows.itertuples(index=False):
        assert row.source_file == f"{LYON}-{row.period}.csv"
        assert row.source_file_sha256 == source_sha(LYON, row.period)
        assert row.release_id == f"r-{LYON}-2024"


def test_payments_limit_and_count(db) -> None:
    everything = app_data.payments(Filters(), limit=1000)
    assert (everything.shown, everything.total) == (17, 17)
    assert everything.caption == "Showing 17 of 17 payments"
    none_shown = app_data.payments(Filters(), limit=0)
    assert (none_shown.shown, none_shown.total) == (0, 17)
    assert app_data.payments(Filters(), sort="'; drop table spending").total == 17


def test_csv_download_is_exactly_the_rows_shown(db) -> None:
    page = app_data.payments(Filters(publisher_id=WESTMINSTER), limit=5)
    data = to_csv_bytes(page.rows)
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert len(records) == page.shown == 5
    assert list(records[0]) == list(app_data.PAYMENT_COLUMNS)
    for record, (_, row) in zip(records, page.rows.iterrows(), strict=True):
        assert record["amount"] == f"{row['amount']:.2f}"
        assert Decimal(record["amount"]) == row["amount"]
        assert record["payment_date"] == row["payment_date"].isoformat()
        assert record["is_redacted"] == ("true" if row["is_redacted"] else "false")
        assert record["source_line"] == str(row["source_line"])
        assert record["source_file"] == row["source_file"]
    amounts = {r["amount"] for r in records}
    assert all(len(a.split(".")[1]) == 2 for a in amounts)


# --------------------------------------------------------------------------- redaction


def test_redacted_rows_never_show_stored_names(db) -> None:
    for pid in (WESTMINSTER, LYON):
        top = app_data.top_suppliers(pid, 2024, 100)
        assert SECRET_NAME not in set(top["supplier"])
        assert set(top[top["redacted"]]["supplier"]) == {app_data.REDACTED_LABEL}
    assert app_data.payments(Filters(supplier="citizen")).total == 0
    assert app_data.payments(Filters(text="jane")).total == 0
    assert app_data.summary(Filters(supplier="jane")).payments == 0
    shown = app_data.payments(Filters()).rows
    assert SECRET_NAME not in set(shown["supplier_name"])
    redacted = shown[shown["is_redacted"]]
    assert set(redacted["supplier_name"]) == {app_data.REDACTED_LABEL}
    assert set(redacted["supplier_id"]) == {None}
    assert SECRET_NAME.encode() not in to_csv_bytes(shown)
    with app_data.open_warehouse() as con:
        for table in ("agg_by_supplier", "agg_by_supplier_month"):
            assert not con.execute(f"select count(*) from {table} where supplier_name = ?",
                                   [SECRET_NAME]).fetchone()[0]
