"""app_data.publishers: publishers, filter options and the Overview against direct SQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

import app_data
from app_data import Filters
from tests.app_data.conftest import ref
from tests.app_fixtures import LYON, WESTMINSTER, WESTMINSTER_POPULATION


def test_publishers(db) -> None:
    pubs = app_data.list_publishers()
    assert [(p.publisher_id, p.name, p.currencies, p.years) for p in pubs] == [
        (LYON, "Ville de Lyon", ("EUR",), (2024,)),
        (WESTMINSTER, "Westminster City Council", ("GBP",), (2023, 2024)),
    ]
    westminster = pubs[1]
    assert (westminster.population, westminster.population_year) == (WESTMINSTER_POPULATION, 2021)
    assert pubs[0].population is None


@pytest.mark.parametrize(("pid", "year"), [(WESTMINSTER, 2024), (WESTMINSTER, 2023), (LYON, 2024),
                                           (LYON, 2023)])
def test_overview_matches_direct_sql(db, pid: str, year: int) -> None:
    o = app_data.overview(pid, year)
    for figures, y in ((o.current, year), (o.previous, year - 1)):
        f = Filters(publisher_id=pid, year=y)
        [(count, suppliers, redacted, months)] = ref(
            db, "SELECT count(*), count(DISTINCT supplier_name) FILTER (WHERE NOT is_redacted), "
                "count(*) FILTER (WHERE is_redacted), count(DISTINCT period)", f)
        if count == 0:
            assert figures is None
            continue
        assert (figures.payments, figures.suppliers, figures.redacted_payments,
                figures.months) == (count, suppliers, redacted, months)
        assert list(figures.totals.items()) == ref(db, "SELECT currency, sum(amount)", f,
                                                   "GROUP BY 1 ORDER BY 1")
    if pid == WESTMINSTER and year == 2024:
        [(now,)] = ref(db, "SELECT sum(amount)", Filters(publisher_id=pid, year=2024))
        [(before,)] = ref(db, "SELECT sum(amount)", Filters(publisher_id=pid, year=2023))
        assert o.change("GBP") == (now - before) / before
        assert o.per_resident("GBP") == (now / WESTMINSTER_POPULATION).quantize(Decimal("0.01"))
        assert o.budget is None
    if pid == LYON:
        assert o.per_resident("EUR") is None


def test_filter_options(db) -> None:
    for f in (Filters(publisher_id=WESTMINSTER), Filters(publisher_id=LYON, year=2024),
              Filters(publisher_id=WESTMINSTER, year=2023)):
        assert app_data.list_periods(f) == [
            r[0] for r in ref(db, "SELECT DISTINCT period",
                              Filters(publisher_id=f.publisher_id, year=f.year), "ORDER BY 1")]
        assert app_data.list_departments(f) == [
            r[0] for r in ref(db, "SELECT DISTINCT department",
                              Filters(publisher_id=f.publisher_id, year=f.year),
                              "AND department IS NOT NULL ORDER BY 1")]
    # Options depend on the publisher and year only, so other filters cannot empty the pickers.
    assert app_data.list_periods(Filters(publisher_id=WESTMINSTER, supplier="zzz",
                                         period_from="2024-03")) == [
        "2023-01", "2023-02", "2024-01", "2024-02", "2024-03"]
