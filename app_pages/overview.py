"""Overview: for the chosen body and year, the total spent, the number of payments and of
suppliers, the change on the previous year, the share of the budget executed (where a budget is
published) and the amount per resident (where the profile gives the population)."""

from __future__ import annotations

import streamlit as st

import app_data
from app_i18n import Translator
from app_pages import _shared as ui


def render(T: Translator, scope: ui.Scope) -> None:
    publisher, year = scope.publisher, scope.year
    st.title(T("overview.title", name=publisher.name, year=year))
    data = app_data.overview(publisher.publisher_id, year)
    current = data.current if data else None
    if current is None:
        ui.no_payments(T, scope, T("overview.no_payments", name=publisher.name, year=year))
    else:
        months = T.plural("overview.months", current.months)
        if current.first_period == current.last_period:
            span = T.period(current.first_period)
        else:
            span = T("overview.span", start=T.period(current.first_period),
                     end=T.period(current.last_period))
        st.caption(T("overview.covers", span=span, months=months))
        release = app_data.latest_release(app_data.Filters(publisher_id=publisher.publisher_id))
        if release is not None:
            st.caption(T("overview.latest_release", release=release.release_id,
                         when=T.datetime(release.published_at)))

        currencies = list(current.totals)
        cols = st.columns(len(currencies) + 2)
        for col, currency in zip(cols, currencies, strict=False):
            col.metric(
                T("overview.total", currency=currency),
                T.money(current.totals[currency], currency),
                help=T("overview.total_help"),
            )
        cols[-2].metric(T("overview.payments"), T.count(current.payments))
        cols[-1].metric(
            T("overview.suppliers"), T.count(current.suppliers),
            help=T.plural("overview.suppliers_help", current.redacted_payments),
        )

        cols = st.columns(3)
        with cols[0]:
            _change(T, data, year, currencies)
        with cols[1]:
            _per_resident(T, data, currencies)
        with cols[2]:
            _budget(T, data)

        st.markdown(T("overview.sentence", name=publisher.name, year=year,
                      payments=T.plural("overview.n_payments", current.payments),
                      suppliers=T.plural("overview.n_suppliers", current.suppliers),
                      total=T("common.and").join(
                          T.money(current.totals[c], c) for c in currencies)))
    if data is not None and current is None and data.budget is not None:
        _budget(T, data)

    st.divider()
    st.markdown(f"**{T('overview.explore')}**")
    # one row that wraps: the links stay in menu order on a narrow screen, where columns
    # would be stacked one after the other
    with st.container(horizontal=True, gap="medium"):
        for slug in list(ui.PAGES)[1:]:
            ui.link(slug, T(f"nav.{slug}"), year=year)


def _change(T: Translator, data: app_data.Overview, year: int, currencies: list[str]) -> None:
    changes = [(c, data.change(c)) for c in currencies]
    if all(ch is None for _, ch in changes):
        st.metric(T("overview.change", year=year - 1), "—",
                  help=T("overview.change_none", year=year - 1))
        return
    for currency, ch in changes:
        if ch is None:
            continue
        before = data.previous.totals[currency]
        st.metric(T("overview.change", year=year - 1), T.change(ch),
                  help=T.plural("overview.change_help", data.previous.months, year=year - 1,
                                total=T.money(before, currency),
                                months=T.plural("overview.months", data.previous.months)))


def _per_resident(T: Translator, data: app_data.Overview, currencies: list[str]) -> None:
    publisher = data.publisher
    shown = False
    for currency in currencies:
        value = data.per_resident(currency)
        if value is None:
            continue
        shown = True
        st.metric(T("overview.per_resident", currency=currency), T.money(value, currency),
                  help=T("overview.per_resident_help", population=T.count(publisher.population),
                         year=publisher.population_year or "—"))
    if not shown:
        st.metric(T("overview.per_resident_plain"), "—", help=T("overview.no_population"))


def _budget(T: Translator, data: app_data.Overview) -> None:
    budget = data.budget
    if budget is None or budget.rate is None:
        st.metric(T("overview.budget_executed"), "—",
                  help=T("overview.no_budget", name=data.publisher.name))
        return
    source = T(f"overview.executed_from_{budget.executed_from}")
    st.metric(
        T("overview.budget_executed"), T.percent(budget.rate),
        help=T("overview.budget_help", executed=T.money(budget.executed, budget.currency),
               open=T.money(budget.open, budget.currency), source=source),
    )


ui.page(render)
