"""app_data.spending: months, the function > department > expense type breakdown, and suppliers
against direct SQL."""

from __future__ import annotations

import pytest

import app_data
from app_data import Filters
from tests.app_data.conftest import ref, rows_of
from tests.app_fixtures import LYON, SECRET_NAME, WESTMINSTER


def test_monthly_matches_direct_sql(db) -> None:
    for pid in (WESTMINSTER, LYON):
        df = app_data.monthly(pid)
        expected = ref(db, "SELECT period, currency, sum(amount), count(*)",
                       Filters(publisher_id=pid), "GROUP BY 1, 2 ORDER BY 1, 2")
        assert rows_of(df[["period", "currency", "total", "payments"]]) == expected
        assert list(df["year"]) == [int(p[:4]) for p, *_ in expected]
        assert list(df["month"]) == [int(p[5:]) for p, *_ in expected]


@pytest.mark.parametrize("path", [(), ("09",), ("04", "Highways"), (None,), (None, None),
                                  ("10", "Adult Social Care")])
def test_breakdown_matches_direct_sql(db, path) -> None:
    levels = ["left(cofog_code, 2)", "department", "expense_type"]
    clauses = "".join(f" AND {levels[i]} IS NOT DISTINCT FROM $k{i}" for i in range(len(path)))
    extra = {f"k{i}": k for i, k in enumerate(path)}
    for pid in (WESTMINSTER, LYON):
        f = Filters(publisher_id=pid, year=2024)
        expected = ref(db, f"SELECT {levels[len(path)]} AS k, currency, sum(amount) AS t, count(*)",
                       f, f"{clauses} GROUP BY 1, 2 ORDER BY 2, 3 DESC, 1 NULLS LAST", **extra)
        df = app_data.breakdown(pid, 2024, path)
        assert rows_of(df[["key", "currency", "total", "payments"]]) == expected
    top = app_data.breakdown(WESTMINSTER, 2024, ())
    labels = dict(zip(top["key"], top["label_fr"], strict=True))
    assert labels["09"] == "Enseignement"
    assert labels[None] is None


@pytest.mark.parametrize("search", ["", "acme", "ACME", "redacted", "%", "_", "'", "zzz"])
def test_top_suppliers_match_direct_sql(db, search: str) -> None:
    for pid in (WESTMINSTER, LYON):
        f = Filters(publisher_id=pid, year=2024)
        expected = ref(
            db,
            "SELECT CASE WHEN is_redacted THEN $label ELSE supplier_name END AS s, is_redacted, "
            "currency, sum(amount) AS t, count(*), count(DISTINCT department)",
            f,
            "AND ($q = '' OR contains(lower(CASE WHEN is_redacted THEN $label ELSE supplier_name "
            "END), lower($q))) GROUP BY 1, 2, 3 ORDER BY t DESC, s, currency, is_redacted",
            q=search,
        )
        df = app_data.top_suppliers(pid, 2024, 3, search)
        got = df[["supplier", "redacted", "currency", "total", "payments", "departments"]]
        assert rows_of(got) == expected[:3]
        if len(df):
            assert set(df["matching"]) == {len(expected)}


def test_supplier_months_match_direct_sql(db) -> None:
    name = "Acme Construction Ltd"
    df = app_data.supplier_months(WESTMINSTER, name)
    expected = ref(db, "SELECT period, currency, department, sum(amount), count(*)",
                   Filters(publisher_id=WESTMINSTER, supplier_exact=name),
                   "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 NULLS LAST")
    assert rows_of(df) == expected
    assert len(expected) == 3
    assert not len(app_data.supplier_months(WESTMINSTER, SECRET_NAME))
    assert not len(app_data.supplier_months(WESTMINSTER, app_data.REDACTED_LABEL))
