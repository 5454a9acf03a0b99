"""The Streamlit app, run headless with AppTest over fixture warehouses."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import app_data
from app_format import format_money
from tests.app_fixtures import LYON, WESTMINSTER, sample_releases, write_warehouse

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT = 30  # the first run imports pandas, altair, duckdb...


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("apphome")
    write_warehouse(home / "warehouse.duckdb", releases=sample_releases())
    return home


@pytest.fixture
def app_home(shared_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPENDPUB_HOME", str(shared_home))
    return shared_home


def sql(home: Path, query: str, params: list | None = None) -> list[tuple]:
    """A direct query, opened like the app opens it (DuckDB refuses two differently
    configured connections to one file at the same time)."""
    with app_data.open_warehouse(home / "warehouse.duckdb") as con:
        return con.execute(query, params or []).fetchall()


def run_app(query_params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_runs_and_headline_totals_equal_sql(app_home: Path) -> None:
    at = run_app()
    assert not at.exception
    assert not at.error
    shown = metrics(at)
    totals = sql(app_home, "select currency, sum(amount), count(*) from spending group by 1 order by 1")
    assert {c for c, _, _ in totals} == {"EUR", "GBP"}
    for currency, total, _ in totals:
        assert isinstance(total, Decimal)
        assert shown[f"Total spent ({currency})"] == format_money(total, currency)
    assert shown["Total spent (GBP)"] == "£105,225.54"
    [(count,)] = sql(app_home, "select count(*) from spending")
    assert shown["Payments"] == f"{count:,}"
    assert any("Showing 14 of 14 payments" in c.value for c in at.caption)
    assert any("r-216901231-1" in c.value for c in at.caption)  # latest release
    # Chart figures are also available as tables (accessible alternative).
    assert [e.label for e in at.expander] == [
        "Monthly totals as a table",
        "Department totals as a table",
    ]
    assert len(at.get("download_button")) == 1


def test_filters_come_from_the_url(app_home: Path) -> None:
    at = run_app(
        {
            "publisher": WESTMINSTER,
            "supplier": "ACME",
            "department": ["Highways", "Not a department"],
        }
    )
    assert not at.exception
    assert at.sidebar.selectbox[0].value == WESTMINSTER
    assert at.sidebar.text_input[0].value == "ACME"
    assert at.sidebar.multiselect[0].value == ["Highways"]
    [(total, count)] = sql(
        app_home,
        "select sum(amount), count(*) from spending where publisher_id = ? "
        "and department = ? and supplier_name ilike ?",
        [WESTMINSTER, "Highways", "%acme%"],
    )
    shown = metrics(at)
    assert shown["Total spent (GBP)"] == format_money(total, "GBP") == "£98,765.44"
    assert shown["Payments"] == str(count)
    assert "Total spent (EUR)" not in shown


def test_choosing_a_publisher_updates_the_url(app_home: Path) -> None:
    at = run_app()
    at.sidebar.selectbox[0].select(LYON).run()
    assert not at.exception
    assert at.query_params["publisher"] == LYON
    [(total,)] = sql(app_home, "select sum(amount) from spending where publisher_id = ?", [LYON])
    assert metrics(at)["Total spent (EUR)"] == format_money(total, "EUR")
    at.sidebar.selectbox[0].select("").run()
    assert "publisher" not in at.query_params
    assert set(metrics(at)) >= {"Total spent (EUR)", "Total spent (GBP)"}


def test_unknown_publisher_in_url_falls_back_to_all(app_home: Path) -> None:
    at = run_app({"publisher": "'; drop table spending; --"})
    assert not at.exception
    assert metrics(at)["Payments"] == "14"


def test_nothing_matches(app_home: Path) -> None:
    at = run_app({"supplier": "no such supplier"})
    assert not at.exception
    assert metrics(at)["Payments"] == "0"
    assert any("No payments match" in i.value for i in at.info)


def test_no_warehouse_shows_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path / "empty"))
    at = run_app()
    assert not at.exception
    [error] = at.error
    assert "make demo" in error.value and "spendpub publish" in error.value
    assert not at.metric


def test_warehouse_without_payments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    write_warehouse(tmp_path / "warehouse.duckdb", [])
    at = run_app()
    assert not at.exception
    assert not at.error
    assert any("no payments" in i.value for i in at.info)


def test_fixture_warehouse_is_untouched(app_home: Path) -> None:
    at = run_app({"supplier": "' or 1=1 --"})
    assert not at.exception
    assert metrics(at)["Payments"] == "0"
    assert sql(app_home, "select count(*) from spending") == [(14,)]
