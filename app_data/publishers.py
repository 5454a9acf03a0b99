"""Publishers, their years, periods and departments (the pickers and filter options), and the
Overview page's figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from app_data.access import _Db, _q2, _query, _ratio
from app_data.budget import BUDGET_TABLE, BudgetExecution, _budget_execution, _has_budget
from app_data.filters import Filters


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Publisher:
    publisher_id: str
    name: str
    currencies: tuple[str, ...]
    years: tuple[int, ...] = ()
    country: str | None = None
    url: str | None = None
    population: int | None = None
    population_year: int | None = None


@dataclass(frozen=True)
class YearFigures:
    """One publisher's year: exact totals per currency and counts over all currencies."""

    year: int
    payments: int
    suppliers: int  # distinct named (non-redacted) suppliers
    redacted_payments: int
    totals: dict[str, Decimal]  # currency -> total, ordered by currency
    months: int
    first_period: str
    last_period: str


@dataclass(frozen=True)
class Overview:
    publisher: Publisher
    current: YearFigures | None
    previous: YearFigures | None
    budget: BudgetExecution | None

    def change(self, currency: str) -> Decimal | None:
        """Change of the total on the previous year (0.1 = +10%), None without one."""
        if self.current is None or self.previous is None:
            return None
        before = self.previous.totals.get(currency)
        return _ratio(self.current.totals.get(currency, Decimal(0)) - before, before) \
            if before else None

    def per_resident(self, currency: str) -> Decimal | None:
        population = self.publisher.population
        if self.current is None or not population or currency not in self.current.totals:
            return None
        return _q2(self.current.totals[currency] / Decimal(population))


# --------------------------------------------------------------------------- publishers, years


@_query
def list_publishers(db: _Db) -> list[Publisher]:
    """Every publisher with payments or a budget: id, latest name, currencies, years with
    payments, and its profile's country, web site and population (when the warehouse records
    them); by name."""
    return _all_publishers(db)


def _all_publishers(db: _Db) -> list[Publisher]:
    df = db.frame(
        f"""
        SELECT publisher_id,
               arg_max(publisher_name, year) AS publisher_name,
               list(DISTINCT currency ORDER BY currency) AS currencies,
               list(DISTINCT year ORDER BY year) AS years
        FROM {db.source('agg_by_year')}
        WHERE currency IS NOT NULL
        GROUP BY publisher_id
        """
    )
    found = {r.publisher_id: (r.publisher_name, tuple(r.currencies),
                              tuple(int(y) for y in r.years))
             for r in df.itertuples(index=False)}
    if _has_budget(db):
        for pid, name, currency in db.rows(
            f"SELECT publisher_id, arg_max(publisher_name, fiscal_year), min(currency) "
            f"FROM {BUDGET_TABLE} GROUP BY publisher_id"
        ):
            found.setdefault(pid, (name or pid, (currency,), ()))
    profile: dict[str, tuple[Any, ...]] = {}
    wanted = ("publisher_name", "country", "url", "population", "population_year")
    if db.has("publishers", "publisher_id", *wanted):
        for row in db.rows(f"SELECT publisher_id, {', '.join(wanted)} FROM publishers"):
            profile[row[0]] = row[1:]
    out = []
    for pid, (name, currencies, years) in found.items():
        _, country, url, population, population_year = profile.get(pid, (None,) * 5)
        out.append(Publisher(
            pid, name, currencies, years, country, url,
            int(population) if population is not None else None,
            int(population_year) if population_year is not None else None,
        ))
    return sorted(out, key=lambda p: (p.name, p.publisher_id))


def _publisher_and_year(filters: Filters | None, *clauses: str) -> tuple[str, list[Any]]:
    """WHERE clause and parameters for `clauses` and the filters' publisher and year, not their
    other filters: the options a filter offers do not narrow as other filters are set."""
    f = filters or Filters()
    where, params = list(clauses), []
    for column, value in (("publisher_id", f.publisher_id), ("year", f.year)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return (f"WHERE {' AND '.join(where)}" if where else ""), params


@_query
def list_periods(db: _Db, filters: Filters | None = None) -> list[str]:
    """'YYYY-MM' periods with data, ascending, for the filters' publisher and year only."""
    where, params = _publisher_and_year(filters)
    df = db.frame(
        f"SELECT DISTINCT period FROM {db.source('agg_by_month')} {where} ORDER BY period",
        params,
    )
    return list(df["period"])


@_query
def list_departments(db: _Db, filters: Filters | None = None) -> list[str]:
    """Named departments with data, sorted, for the filters' publisher and year only."""
    where, params = _publisher_and_year(filters, "department IS NOT NULL")
    df = db.frame(
        f"SELECT DISTINCT department FROM {db.source('agg_by_function')} {where} "
        "ORDER BY department",
        params,
    )
    return list(df["department"])


# --------------------------------------------------------------------------- overview


def _year_figures(df: pd.DataFrame, year: int) -> YearFigures | None:
    part = df[df["year"] == year]
    overall = part[part["currency"].isna()]
    if not len(overall):
        return None
    o = overall.iloc[0]
    per_currency = part[part["currency"].notna()].sort_values("currency")
    return YearFigures(
        year=year,
        payments=int(o["payments"]),
        suppliers=int(o["suppliers"]),
        redacted_payments=int(o["redacted_payments"]),
        totals={r.currency: r.total for r in per_currency.itertuples(index=False)},
        months=int(o["months"]),
        first_period=str(o["first_period"]),
        last_period=str(o["last_period"]),
    )


@_query
def overview(db: _Db, publisher_id: str, year: int) -> Overview | None:
    """The Overview page's figures for one publisher and year (and the year before).

    None when the publisher has no payments at all."""
    publisher = _publisher(db, publisher_id)
    if publisher is None:
        return None
    df = db.frame(
        f"""
        SELECT year, currency, payments, total, suppliers, redacted_payments, months,
               first_period, last_period
        FROM {db.source('agg_by_year')}
        WHERE publisher_id = ? AND (year = ? OR year = ?)
        """,
        [publisher_id, year, year - 1],
    )
    return Overview(
        publisher=publisher,
        current=_year_figures(df, year),
        previous=_year_figures(df, year - 1),
        budget=_budget_execution(db, publisher_id, year),
    )


def _publisher(db: _Db, publisher_id: str) -> Publisher | None:
    return next((p for p in _all_publishers(db) if p.publisher_id == publisher_id), None)
