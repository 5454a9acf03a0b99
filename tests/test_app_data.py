"""app_data: the app's only door to the warehouse.

Each function is checked against an independently written SQL query (named parameters,
contains() instead of ILIKE) over the same fixture warehouse and filters.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

import app_data
from app_data import Filters, NoWarehouse
from app_format import NBSP, NNBSP, format_money, to_csv_bytes
from tests.app_fixtures import (
    LYON,
    SECRET_NAME,
    WESTMINSTER,
    sample_releases,
    sample_rows,
    write_warehouse,
)


@pytest.fixture(scope="module")
def shared_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One warehouse for the tests that only read it (they run much faster sharing it)."""
    home = tmp_path_factory.mktemp("home")
    return write_warehouse(home / "warehouse.duckdb", releases=sample_releases())


@pytest.fixture(scope="module")
def ref_con(shared_warehouse: Path):
    """The reference queries read a copy: DuckDB refuses a second, differently configured
    connection to a file that is open, and app_data must be free to open (and the tests to
    replace) the real one."""
    copy = shared_warehouse.parent.parent / f"{shared_warehouse.parent.name}-ref.duckdb"
    shutil.copyfile(shared_warehouse, copy)
    con = duckdb.connect(str(copy), read_only=True)
    yield con
    con.close()


@pytest.fixture
def db(shared_warehouse: Path, ref_con, monkeypatch: pytest.MonkeyPatch):
    """SPENDPUB_HOME points at the shared warehouse; returns the reference connection."""
    monkeypatch.setenv("SPENDPUB_HOME", str(shared_warehouse.parent))
    return ref_con


@pytest.fixture
def fresh_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A warehouse of its own, for tests that replace it."""
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path / "home"))
    return write_warehouse(tmp_path / "home" / "warehouse.duckdb", releases=sample_releases())


# --------------------------------------------------------------------------- reference SQL

_REF_WHERE = """
WHERE ($pub IS NULL OR publisher_id = $pub)
  AND ($pfrom IS NULL OR period >= $pfrom)
  AND ($pto IS NULL OR period <= $pto)
  AND (len($periods::VARCHAR[]) = 0 OR list_contains($periods::VARCHAR[], period))
  AND (len($depts::VARCHAR[]) = 0 OR list_contains($depts::VARCHAR[], department))
  AND ($sup = '' OR contains(lower(CASE WHEN is_redacted THEN $label ELSE supplier_name END),
                             lower($sup)))
  AND ($amin IS NULL OR amount >= $amin)
  AND ($amax IS NULL OR amount <= $amax)
"""


def ref(
    con: duckdb.DuckDBPyConnection, select: str, f: Filters, tail: str = "", **extra: Any
) -> list[tuple]:
    params = {
        "pub": f.publisher_id,
        "pfrom": f.period_from,
        "pto": f.period_to,
        "periods": list(f.periods),
        "depts": list(f.departments),
        "sup": f.supplier,
        "label": app_data.REDACTED_LABEL,
        "amin": f.amount_min,
        "amax": f.amount_max,
        **extra,
    }
    sql = f"{select} FROM spending {_REF_WHERE} {tail}"
    # DuckDB rejects named parameters the statement does not use: pass only those it names.
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return con.execute(sql, used).fetchall()


def rows_of(df) -> list[tuple]:
    return [tuple(r) for r in df.itertuples(index=False)]


CASES = [
    Filters(),
    Filters(publisher_id=WESTMINSTER),
    Filters(publisher_id=LYON),
    Filters(period_from="2024-02"),
    Filters(period_from="2024-01", period_to="2024-02"),
    Filters(periods=["2024-01", "2024-03"]),
    Filters(departments=["Children's Services"]),
    Filters(departments=["Children's Services", "Voirie"], period_to="2024-02"),
    Filters(supplier="acme"),
    Filters(supplier="  ACME construction "),
    Filters(supplier="redacted"),
    Filters(supplier="é"),
    Filters(amount_min="100"),
    Filters(amount_min=0, amount_max=Decimal("1500.00")),
    Filters(amount_max=-1.0),
    Filters(publisher_id=WESTMINSTER, departments=["Highways"], supplier="ltd", amount_min="0.05"),
    Filters(supplier="nothing like this"),
    Filters(publisher_id="no-such-publisher"),
]


@pytest.mark.parametrize("f", CASES, ids=[str(i) for i in range(len(CASES))])
def test_aggregates_match_direct_sql(db, f: Filters) -> None:
    month = app_data.totals_by_month(f)
    assert list(month.columns) == ["period", "currency", "total", "payments"]
    assert rows_of(month) == ref(
        db, "SELECT period, currency, sum(amount), count(*)", f,
        "GROUP BY period, currency ORDER BY period, currency",
    )
    assert all(isinstance(t, Decimal) for t in month["total"])

    dept = app_data.totals_by_department(f)
    assert list(dept.columns) == ["department", "currency", "total", "payments"]
    assert sorted(rows_of(dept), key=repr) == sorted(
        ref(db, "SELECT department, currency, sum(amount), count(*)", f,
            "GROUP BY department, currency"),
        key=repr,
    )
    for currency in set(dept["currency"]):  # largest first within each currency
        totals = list(dept[dept["currency"] == currency]["total"])
        assert totals == sorted(totals, reverse=True)

    top = app_data.top_suppliers(f, 3)
    assert list(top.columns) == ["supplier", "redacted", "currency", "total", "payments"]
    expected = ref(
        db,
        "SELECT CASE WHEN is_redacted THEN $label ELSE supplier_name END AS s, is_redacted, "
        "currency, sum(amount) AS t, count(*)",
        f,
        "GROUP BY ALL ORDER BY t DESC, s, currency, is_redacted LIMIT 3",
    )
    assert rows_of(top) == expected

    head = app_data.headline(f)
    [(count, suppliers, redacted)] = ref(
        db,
        "SELECT count(*), count(DISTINCT supplier_name) FILTER (WHERE NOT is_redacted), "
        "count(*) FILTER (WHERE is_redacted)",
        f,
    )
    assert (head.payments, head.suppliers, head.redacted_payments) == (count, suppliers, redacted)
    totals = ref(db, "SELECT currency, sum(amount)", f, "GROUP BY 1 ORDER BY 1")
    assert list(head.totals.items()) == totals
    assert all(isinstance(t, Decimal) for t in head.totals.values())


@pytest.mark.parametrize("f", CASES, ids=[str(i) for i in range(len(CASES))])
def test_payments_match_direct_sql(db, f: Filters) -> None:
    page = app_data.payments(f, limit=4)
    cols = ", ".join(
        "CASE WHEN is_redacted THEN $label ELSE supplier_name END" if c == "supplier_name" else c
        for c in app_data.PAYMENT_COLUMNS
    )
    expected = ref(
        db, f"SELECT {cols}", f,
        "ORDER BY payment_date DESC, publisher_id, source_file_sha256, source_line",
    )
    assert list(page.rows.columns) == list(app_data.PAYMENT_COLUMNS)
    assert page.total == len(expected)
    assert page.shown == min(4, len(expected))
    assert rows_of(page.rows) == expected[:4]
    assert page.caption == f"Showing {page.shown} of {page.total} payment" + (
        "" if page.total == 1 else "s"
    )
    assert all(isinstance(a, Decimal) for a in page.rows["amount"])


def test_payments_limit_and_count(db) -> None:
    everything = app_data.payments(Filters(), limit=1000)
    assert (everything.shown, everything.total) == (14, 14)
    assert everything.caption == "Showing 14 of 14 payments"
    none_shown = app_data.payments(Filters(), limit=0)
    assert (none_shown.shown, none_shown.total) == (0, 14)


def test_filter_options(db) -> None:
    pubs = app_data.list_publishers()
    assert [(p.publisher_id, p.name, p.currencies) for p in pubs] == [
        (LYON, "Ville de Lyon", ("EUR",)),
        (WESTMINSTER, "Westminster City Council", ("GBP",)),
    ]
    for f in (Filters(), Filters(publisher_id=WESTMINSTER), Filters(publisher_id=LYON)):
        assert app_data.list_periods(f) == [
            r[0] for r in ref(db, "SELECT DISTINCT period", f.publisher_only(), "ORDER BY 1")
        ]
        assert app_data.list_departments(f) == [
            r[0]
            for r in ref(db, "SELECT DISTINCT department", f.publisher_only(),
                         "AND department IS NOT NULL ORDER BY 1")
        ]
    assert "Children's Services" in app_data.list_departments()
    # Options depend on the publisher only, so other filters cannot empty the pickers.
    assert app_data.list_periods(Filters(supplier="zzz", period_from="2024-03")) == [
        "2024-01", "2024-02", "2024-03",
    ]


def test_latest_release(db) -> None:
    assert app_data.latest_release().release_id == f"r-{LYON}-1"
    release = app_data.latest_release(Filters(publisher_id=WESTMINSTER))
    # r-E09000033-0 exists in `releases` but published no row still in `spending`.
    assert release.release_id == f"r-{WESTMINSTER}-1"
    assert release.published_at.isoformat() == "2024-04-02T10:30:00"


def test_latest_release_without_releases_table(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    write_warehouse(tmp_path / "warehouse.duckdb")
    assert app_data.latest_release() is None
    assert app_data.headline(Filters()).payments == 14


# --------------------------------------------------------------------------- redaction


def test_redacted_rows_never_show_stored_names(db) -> None:
    f = Filters()
    top = app_data.top_suppliers(f, 100)
    assert SECRET_NAME not in set(top["supplier"])
    redacted = top[top["redacted"]]
    assert sorted(redacted["currency"]) == ["EUR", "GBP"]  # one group per currency
    assert set(redacted["supplier"]) == {app_data.REDACTED_LABEL}
    assert app_data.payments(Filters(supplier="citizen")).total == 0
    assert app_data.headline(Filters(supplier="jane")).payments == 0
    shown = app_data.payments(f).rows
    assert SECRET_NAME not in set(shown["supplier_name"])
    assert set(shown[shown["is_redacted"]]["supplier_name"]) == {app_data.REDACTED_LABEL}
    assert SECRET_NAME.encode() not in to_csv_bytes(shown)


# --------------------------------------------------------------------------- injection

HOSTILE = [
    "'; drop table spending; --",
    "' or 1=1 --",
    "') or ('1'='1",
    '" or ""="',
    "%",
    "_",
    "%%",
    "\\",
    "\\%",
    "'",
    "?",
    "$1",
    "a_b",
    "100%",
    "*",
    "[a-z]",
    "\x00",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_supplier_search_is_literal(db, text: str) -> None:
    page = app_data.payments(Filters(supplier=text), limit=1000)
    needle = text.strip().lower()
    for name in page.rows["supplier_name"]:
        assert needle in name.lower()
    expected = [
        r for r in sample_rows()
        if needle in (app_data.REDACTED_LABEL if r["is_redacted"] else r["supplier_name"] or "")
        .lower()
    ]
    assert page.total == len(expected)
    app_data.headline(Filters(supplier=text))
    app_data.top_suppliers(Filters(supplier=text))
    # Nothing was dropped or changed.
    assert app_data.headline(Filters()).payments == len(sample_rows())
    with app_data.open_warehouse() as con:
        assert con.execute("select count(*) from spending").fetchone()[0] == len(sample_rows())


def test_wildcards_match_themselves(db) -> None:
    def names(text: str) -> set[str]:
        return set(app_data.payments(Filters(supplier=text)).rows["supplier_name"])

    assert names("%") == {"100% Recycling Ltd"}
    assert names("_") == {"A_B Consulting", "a_b consulting"}
    assert names("'") == {"O'Brien & Sons"}
    assert names("' or 1=1 --") == set()


def test_hostile_values_in_other_filters(db) -> None:
    bad = "x' OR '1'='1"
    f = Filters(publisher_id=bad, departments=[bad, "Children's Services"], period_from=bad)
    assert app_data.payments(f).total == 0
    assert app_data.list_periods(Filters(publisher_id=bad)) == []
    assert app_data.totals_by_month(Filters(departments=["Children's Services"]))[
        "payments"
    ].sum() == 3


# --------------------------------------------------------------------------- safety, freshness


def test_connection_is_read_only_without_external_access(db) -> None:
    with app_data.open_warehouse() as con:
        with pytest.raises(duckdb.Error):
            con.execute("delete from spending")
        with pytest.raises(duckdb.Error):
            con.execute("create table x (a int)")
        with pytest.raises(duckdb.Error):
            con.execute("select * from read_csv(?)", [str(Path(__file__))])
        with pytest.raises(duckdb.Error):
            con.execute("set enable_external_access = true")
    with app_data.open_warehouse() as con:  # still intact
        assert con.execute("select count(*) from spending").fetchone()[0] == 14


def test_no_warehouse(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path / "nowhere"))
    calls = [
        app_data.list_publishers,
        app_data.list_periods,
        app_data.list_departments,
        app_data.latest_release,
        lambda: app_data.headline(Filters()),
        lambda: app_data.totals_by_month(Filters()),
        lambda: app_data.totals_by_department(Filters()),
        lambda: app_data.top_suppliers(Filters()),
        lambda: app_data.payments(Filters()),
    ]
    for call in calls:
        with pytest.raises(NoWarehouse) as info:
            call()
        message = str(info.value)
        assert "make demo" in message and "spendpub publish" in message
        assert str(tmp_path / "nowhere" / "warehouse.duckdb") in message


def test_warehouse_without_spending_table(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    write_warehouse(tmp_path / "warehouse.duckdb", with_spending=False)
    with pytest.raises(NoWarehouse, match="spendpub publish"):
        app_data.headline(Filters())


def test_unreadable_warehouse(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    (tmp_path / "warehouse.duckdb").write_bytes(b"not a database" * 1000)
    with pytest.raises(app_data.WarehouseError, match="Cannot open the warehouse"):
        app_data.headline(Filters())


def test_default_home_is_var_in_current_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SPENDPUB_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert app_data.warehouse_path() == tmp_path / "var" / "warehouse.duckdb"


def test_results_are_cached_per_warehouse_file(fresh_warehouse: Path, monkeypatch) -> None:
    opened: list[str] = []
    real_connect = duckdb.connect

    def counting_connect(*args, **kwargs):
        opened.append(args[0])
        assert kwargs == {"read_only": True, "config": {"enable_external_access": False}}
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(app_data.duckdb, "connect", counting_connect)
    f = Filters(publisher_id=WESTMINSTER, supplier="cached?")
    app_data.headline(f)
    app_data.headline(f)
    assert len(opened) == 1


def test_replaced_warehouse_is_seen_without_clearing_caches(fresh_warehouse: Path) -> None:
    warehouse = fresh_warehouse
    f = Filters()
    before = app_data.headline(f)
    assert before.payments == 14
    assert len(app_data.list_publishers()) == 2
    old_inode = warehouse.stat().st_ino

    fewer = [r for r in sample_rows() if r["publisher_id"] == WESTMINSTER][:3]
    fewer[0] = {**fewer[0], "amount": Decimal("7.77")}
    write_warehouse(warehouse, fewer)  # new file under a temp name, then os.replace
    assert warehouse.stat().st_ino != old_inode

    after = app_data.headline(f)
    assert after.payments == 3
    assert after.totals == {"GBP": Decimal("7.77") + Decimal("0.10") + Decimal("0.20")}
    assert [p.publisher_id for p in app_data.list_publishers()] == [WESTMINSTER]
    assert app_data.payments(f).total == 3


def test_replace_while_no_connection_is_held(fresh_warehouse: Path) -> None:
    """The app holds no connection between queries, so a publish can always replace the file."""
    warehouse = fresh_warehouse
    app_data.payments(Filters())
    other = warehouse.with_name("other.duckdb")
    write_warehouse(other, [])
    os.replace(other, warehouse)
    assert app_data.payments(Filters()).total == 0
    assert app_data.list_publishers() == []


# --------------------------------------------------------------------------- filters, format


def test_filters_normalise_inputs() -> None:
    f = Filters(publisher_id="", departments=["A"], periods="2024-01", supplier="  x ",
                amount_min=0.1 + 0.2, amount_max="12.5")
    assert f.publisher_id is None
    assert f.departments == ("A",) and f.periods == ("2024-01",)
    assert f.supplier == "x"
    assert f.amount_min == Decimal("0.30") and f.amount_max == Decimal("12.5")
    assert hash(f) == hash(Filters(departments=("A",), periods=("2024-01",), supplier="x",
                                   amount_min="0.30", amount_max="12.5"))
    with pytest.raises(ValueError):
        Filters(amount_min="lots")
    with pytest.raises(ValueError):
        Filters(amount_max=float("nan"))


def test_like_pattern_escapes_wildcards() -> None:
    assert app_data.like_pattern("100%_a\\b") == "%100\\%\\_a\\\\b%"


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (Decimal("1234.56"), "GBP", "£1,234.56"),
        (Decimal("1234.56"), "USD", "$1,234.56"),
        (Decimal("1234.56"), "EUR", f"1{NNBSP}234,56{NBSP}€"),
        (Decimal("-1234567.5"), "EUR", f"-1{NNBSP}234{NNBSP}567,50{NBSP}€"),
        (Decimal("-120"), "GBP", "-£120.00"),
        (Decimal("0.1") + Decimal("0.2"), "GBP", "£0.30"),
        (Decimal("99999999999999.99"), "USD", "$99,999,999,999,999.99"),
        (Decimal("5"), "CHF", "CHF 5.00"),
        (None, "GBP", ""),
    ],
)
def test_format_money(amount, currency, text) -> None:
    assert format_money(amount, currency) == text


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
    amounts = {r["amount"] for r in records}
    assert all(len(a.split(".")[1]) == 2 for a in amounts)
