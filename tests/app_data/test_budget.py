"""app_data.budget: voted, open and executed amounts, the execution rate and "Your taxes"
against direct SQL, with and without a budget table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import app_data
from tests.app_data.conftest import rows_of
from tests.app_fixtures import LYON, WESTMINSTER, sample_budget, write_warehouse


def test_budget_matches_direct_sql(db) -> None:
    assert app_data.budget_years(LYON) == [2024]
    assert app_data.budget_years(WESTMINSTER) == []
    execution = app_data.budget_execution(LYON, 2024)

    def phase(name: str, direction: str = "expenditure") -> Decimal:
        return db.execute(
            "select sum(amount) from budget where publisher_id = ? and fiscal_year = 2024 "
            "and phase = ? and direction = ? and is_real", [LYON, name, direction]).fetchone()[0]

    assert execution.voted == phase("approved") == Decimal("1000000.00")
    assert execution.open == phase("adjusted")
    assert execution.executed == phase("executed")
    assert execution.rate == phase("executed") / phase("adjusted")
    assert execution.executed_from == "budget"
    assert app_data.overview(LYON, 2024).budget == execution

    by_chapter = app_data.budget_vs_actual(LYON, 2024, "chapter")
    expected = db.execute(
        "select economic_code, min(economic_label), currency, "
        "sum(amount) filter (where phase = 'approved'), "
        "sum(amount) filter (where phase = 'adjusted'), "
        "sum(amount) filter (where phase = 'executed') from budget where publisher_id = ? "
        "and fiscal_year = 2024 and direction = 'expenditure' and is_real "
        "group by economic_code, currency order by 5 desc", [LYON]).fetchall()
    assert rows_of(by_chapter[["code", "label", "currency", "voted", "open", "executed"]]) \
        == expected
    assert list(by_chapter["rate"]) == [e / o for *_, o, e in expected]
    by_function = app_data.budget_vs_actual(LYON, 2024, "function")
    assert set(by_function["code"]) == {"0", "2", "8"}
    revenue = app_data.budget_vs_actual(LYON, 2024, "chapter", "revenue")
    assert rows_of(revenue[["code", "voted", "executed"]]) == [
        ("73", Decimal("1000000.00"), Decimal("1010000.00"))]

    used, shares = app_data.budget_by_function(LYON, 2024)
    assert used == "executed"
    total = phase("executed")
    assert sum(shares["amount"], Decimal(0)) == total
    assert list(shares["share"]) == [a / total for a in shares["amount"]]
    assert sum(shares["share"], Decimal(0)) == 1


def test_without_a_budget_table(fresh_warehouse: Path) -> None:
    assert app_data.budget_years(LYON) == []
    assert app_data.budget_execution(LYON, 2024) is None
    assert not len(app_data.budget_vs_actual(LYON, 2024))
    assert app_data.budget_by_function(LYON, 2024)[0] == ""
    assert app_data.overview(LYON, 2024).budget is None


def test_executed_falls_back_to_payments(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    voted_only = [r for r in sample_budget() if r["phase"] == "approved"]
    write_warehouse(tmp_path / "warehouse.duckdb", budget=voted_only)
    execution = app_data.budget_execution(LYON, 2024)
    assert execution.executed_from == "payments"
    assert execution.open == execution.voted == Decimal("1000000.00")
    assert execution.executed == Decimal("14292.50")  # Lyon's 2024 payments
    assert app_data.budget_by_function(LYON, 2024)[0] == "voted"


def test_your_taxes_by_cofog_division(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    crosswalk = {"2": "09.1", "8": "06.2", "0": "01.3"}
    budget = [{**r, "cofog_code": crosswalk[r["functional_code"]]} for r in sample_budget()]
    write_warehouse(tmp_path / "warehouse.duckdb", budget=budget)
    measure, df = app_data.budget_by_function(LYON, 2024, "cofog")
    assert measure == "executed"
    assert list(df["code"]) == ["09", "06", "01"]
    assert list(df["label"]) == ["Education", "Housing and community amenities",
                                 "General public services"]
    assert df["label_fr"].iloc[0] == "Enseignement"
    assert sum(df["share"], Decimal(0)) == 1
    _, national = app_data.budget_by_function(LYON, 2024)
    assert list(national["amount"]) == list(df["amount"])  # one division per function here


def test_a_measure_zero_everywhere_is_not_published(tmp_path: Path, monkeypatch) -> None:
    """A compte administratif whose voted column is 0 on every line (as Montreuil's)."""
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    zero = [{**r, "amount": Decimal(0)} if r["phase"] == "approved" else r
            for r in sample_budget()]
    write_warehouse(tmp_path / "warehouse.duckdb", budget=zero)
    execution = app_data.budget_execution(LYON, 2024)
    assert execution.voted is None and execution.open == Decimal("1050000.00")
