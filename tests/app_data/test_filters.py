"""app_data.filters: Filters normalise their inputs, and user text is only ever a parameter,
matched literally (wildcards, quotes, SQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import app_data
from app_data import Filters
from tests.app_fixtures import WESTMINSTER, sample_rows


def test_filters_normalise_inputs() -> None:
    f = Filters(publisher_id="", departments=["A"], periods="2024-01", supplier="  x ",
                amount_min=0.1 + 0.2, amount_max="12.5", year="2024", text=" t ")
    assert f.publisher_id is None
    assert f.departments == ("A",) and f.periods == ("2024-01",)
    assert f.supplier == "x" and f.text == "t" and f.year == 2024
    assert f.amount_min == Decimal("0.30") and f.amount_max == Decimal("12.5")
    assert hash(f) == hash(Filters(departments=("A",), periods=("2024-01",), supplier="x",
                                   amount_min="0.30", amount_max="12.5", year=2024, text="t"))
    with pytest.raises(ValueError):
        Filters(amount_min="lots")
    with pytest.raises(ValueError):
        Filters(amount_max=float("nan"))


def test_like_pattern_escapes_wildcards() -> None:
    assert app_data.like_pattern("100%_a\\b") == "%100\\%\\_a\\\\b%"


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
    app_data.summary(Filters(text=text))
    app_data.top_suppliers(WESTMINSTER, 2024, 10, text)
    app_data.supplier_months(WESTMINSTER, text)
    app_data.breakdown(WESTMINSTER, 2024, (text, text))
    # Nothing was dropped or changed.
    assert app_data.summary(Filters()).payments == len(sample_rows())
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
    assert app_data.overview(bad, 2024) is None
    assert app_data.summary(Filters(departments=["Children's Services"])).payments == 4
