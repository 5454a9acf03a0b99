"""app_data.access: read-only connections, missing and unreadable warehouses, the per-file
cache, versioned (symlinked) homes, recorded calls, and warehouses without the agg_* tables."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import app_data
import app_data.access
from app_data import Filters, NoWarehouse
from tests.app_fixtures import LYON, WESTMINSTER, sample_releases, sample_rows, write_warehouse


def test_a_warehouse_without_aggregates_gives_the_same_answers(
    db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = [
        (app_data.list_publishers, ()),
        (app_data.overview, (WESTMINSTER, 2024)),
        (app_data.monthly, (WESTMINSTER,)),
        (app_data.breakdown, (WESTMINSTER, 2024, ("09",))),
        (app_data.top_suppliers, (WESTMINSTER, 2024, 5, "")),
        (app_data.supplier_months, (WESTMINSTER, "Acme Construction Ltd")),
        (app_data.list_periods, (Filters(publisher_id=LYON),)),
        (app_data.list_departments, (Filters(publisher_id=LYON),)),
    ]
    with_aggs = [repr(fn(*args)) for fn, args in calls]
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases(), aggregates=False)
    with app_data.open_warehouse() as con:
        assert not con.execute("select count(*) from duckdb_tables() "
                               "where table_name like 'agg_%'").fetchone()[0]
    assert [repr(fn(*args)) for fn, args in calls] == with_aggs


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
        assert con.execute("select count(*) from spending").fetchone()[0] == 17


def test_no_warehouse(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path / "nowhere"))
    calls = [
        app_data.list_publishers,
        app_data.list_periods,
        app_data.list_departments,
        app_data.latest_release,
        lambda: app_data.overview(WESTMINSTER, 2024),
        lambda: app_data.monthly(WESTMINSTER),
        lambda: app_data.breakdown(WESTMINSTER, 2024),
        lambda: app_data.top_suppliers(WESTMINSTER, 2024),
        lambda: app_data.summary(Filters()),
        lambda: app_data.payments(Filters()),
        lambda: app_data.budget_years(LYON),
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
        app_data.summary(Filters())
    with pytest.raises(NoWarehouse, match="spendpub publish"):
        app_data.list_publishers()


def test_unreadable_warehouse(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    (tmp_path / "warehouse.duckdb").write_bytes(b"not a database" * 1000)
    with pytest.raises(app_data.WarehouseError, match="Cannot open the warehouse"):
        app_data.summary(Filters())


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

    monkeypatch.setattr(app_data.access.duckdb, "connect", counting_connect)
    f = Filters(publisher_id=WESTMINSTER, supplier="cached?")
    app_data.summary(f)
    app_data.summary(f)
    assert len(opened) == 1
    app_data.payments(f)  # another query: its own cache entry
    assert len(opened) == 2


def test_replaced_warehouse_is_seen_without_clearing_caches(fresh_warehouse: Path) -> None:
    warehouse = fresh_warehouse
    f = Filters()
    assert app_data.summary(f).payments == 17
    assert len(app_data.list_publishers()) == 2
    old_inode = warehouse.stat().st_ino

    fewer = [r for r in sample_rows() if r["publisher_id"] == WESTMINSTER][3:6]
    fewer[0] = {**fewer[0], "amount": Decimal("7.77")}
    write_warehouse(warehouse, fewer)  # new file under a temp name, then os.replace
    assert warehouse.stat().st_ino != old_inode

    after = app_data.summary(f)
    assert after.payments == 3
    assert after.totals == {"GBP": Decimal("7.77") + Decimal("0.10") + Decimal("0.20")}
    assert [p.publisher_id for p in app_data.list_publishers()] == [WESTMINSTER]
    assert app_data.overview(WESTMINSTER, 2024).current.payments == 3


def test_a_symlinked_warehouse_is_followed(tmp_path: Path, monkeypatch) -> None:
    """A home whose warehouse.duckdb is a symlink to current/ (the versioned home layout): the
    app keeps one connection to the current version, and lets it go when a publish switches."""
    version = write_warehouse(tmp_path / "v1" / "warehouse.duckdb", releases=sample_releases())
    home = tmp_path / "home"
    home.mkdir()
    (home / "warehouse.duckdb").symlink_to(version)
    monkeypatch.setenv("SPENDPUB_HOME", str(home))
    assert app_data.summary(Filters()).payments == 17
    assert list(app_data.access._anchors) == [str(version.resolve())]
    other = write_warehouse(tmp_path / "v2" / "warehouse.duckdb", sample_rows()[:2])
    link = home / "next"
    link.symlink_to(other)
    os.replace(link, home / "warehouse.duckdb")
    assert app_data.summary(Filters()).payments == 2
    assert app_data.payments(Filters(), limit=1).total == 2
    assert list(app_data.access._anchors) == [str(other.resolve())]
    shutil.rmtree(tmp_path / "v1")  # the old version can go: nothing holds it
    assert app_data.summary(Filters(publisher_id=WESTMINSTER)).payments == 2


def test_replace_while_no_connection_is_held(fresh_warehouse: Path) -> None:
    """The app holds no connection between queries, so a publish can always replace the file."""
    warehouse = fresh_warehouse
    app_data.payments(Filters())
    other = warehouse.with_name("other.duckdb")
    write_warehouse(other, [])
    os.replace(other, warehouse)
    assert app_data.payments(Filters()).total == 0
    assert app_data.list_publishers() == []


def test_calls_can_be_recorded_and_replayed_uncached(db) -> None:
    with app_data.record_calls() as calls:
        app_data.overview(WESTMINSTER, 2024)
        app_data.payments(Filters(publisher_id=LYON), 10, "amount_desc")
    assert [c[0] for c in calls] == ["overview", "payments"]
    assert calls[1][1:] == ((Filters(publisher_id=LYON), 10, "amount_desc"), {})
    name, args, kwargs = calls[0]
    assert app_data.PUBLIC_QUERIES[name].uncached(*args, **kwargs) == \
        app_data.overview(WESTMINSTER, 2024)
