"""Your taxes: enter the local tax you paid (or your income and the share of it that goes to
this body) and see what it pays for, function by function, per year and per day, from the
body's own budget (the "daily bread" idea, applied locally)."""

from __future__ import annotations

import calendar
from decimal import ROUND_HALF_UP, Decimal

import altair as alt
import pandas as pd
import streamlit as st

import app_data
from app_format import apportion
from app_i18n import Translator
from app_pages import _shared as ui

DEFAULT_TAX = 1000
CENT = Decimal("0.01")


def contribution(T: Translator) -> Decimal | None:
    mode = ui.url_choice(st.radio, T("taxes.mode"), ["tax", "income"], param="mode",
                         format_func=lambda m: T(f"taxes.modes.{m}"), horizontal=True)
    if mode == "income":
        cols = st.columns(2)
        # whole units: a number box writes its value with a printf format, which has no
        # decimal comma; a whole amount reads the same in every language. The rate has decimals:
        # a text box, read the same way in every language ('2,5' is not 25)
        income = cols[0].number_input(T("taxes.income"), min_value=0, value=None, step=1000,
                                      format="%d", key="income", bind="query-params")
        with cols[1]:
            rate = ui.amount_box(T, T("taxes.rate"), key="rate", help=T("taxes.rate_help"))
        if rate is not None and not 0 <= rate <= 100:
            st.error(T("taxes.rate_range"), icon=":material/error:")
            rate = None
        if income is None or rate is None:
            st.info(T("taxes.need_income"), icon=":material/info:")
            return None
        return (Decimal(income) * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    paid = st.number_input(T("taxes.paid"), min_value=0, value=DEFAULT_TAX, step=50,
                           format="%d", key="amount", bind="query-params")
    return Decimal(paid) if paid is not None else None


def render(T: Translator, scope: ui.Scope) -> None:
    st.title(T("taxes.title"))
    st.caption(T("taxes.intro", name=scope.publisher.name))
    years = app_data.budget_years(scope.publisher_id)
    if not years:
        st.info(T("budget.none", name=scope.publisher.name), icon=":material/info:")
        return
    year = ui.budget_year(T, scope, years, "your_taxes")
    if year is None:
        return
    amount = contribution(T)
    phase, by_function = app_data.budget_by_function(scope.publisher_id, year)
    if not len(by_function):
        st.info(T("taxes.no_functions", year=year), icon=":material/info:")
        return
    if amount is None:
        return
    if amount == 0:  # nothing to share out: a chart of zeros has no scale to draw
        st.info(T("taxes.zero"), icon=":material/info:")
        return
    _, by_cofog = app_data.budget_by_function(scope.publisher_id, year, "cofog")
    classified = len(by_cofog) and by_cofog["code"].notna().any()
    currency = sorted(set(by_function["currency"]))[0]
    days = 366 if calendar.isleap(year) else 365
    st.subheader(T("taxes.result", amount=T.money(amount, currency), year=year))
    st.caption(T("taxes.method", phase=T(f"taxes.phases.{phase}"), days=days))
    daily = (amount / days).quantize(CENT, rounding=ROUND_HALF_UP)
    cols = st.columns(2)
    cols[0].metric(T("taxes.per_year"), T.money(amount, currency))
    cols[1].metric(T("taxes.per_day"), T.money(daily, currency))
    if classified:
        st.markdown(f"**{T('taxes.by_cofog')}**")
        _shares(T, by_cofog, currency, amount, daily, "cofog", chart=True)
        with st.expander(T("taxes.detail", name=scope.publisher.name)):
            _shares(T, by_function, currency, amount, daily, "function", chart=False)
    else:
        _shares(T, by_function, currency, amount, daily, "function", chart=True)


def _shares(T: Translator, df: pd.DataFrame, currency: str, amount: Decimal, daily: Decimal,
            level: str, chart: bool) -> None:
    part = df[df["currency"] == currency].reset_index(drop=True)
    labels = part["label_fr"] if T.lang == "fr" else part["label"]
    names = [" ".join(str(x) for x in (c, lab) if x and x == x) or T("common.not_stated")
             for c, lab in zip(part["code"], labels, strict=True)]
    # each column adds up to the amount above it, to the cent
    per_year = apportion(amount, list(part["amount"]))
    per_day = apportion(daily, list(part["amount"]))
    column = T(f"taxes.column.{level}")
    chart_df = pd.DataFrame({
        "name": names, "value": [float(v) for v in per_year],
        "label": [T.money(v, currency) for v in per_year],
        "share": [T.percent(s) for s in part["share"]],
    })
    if chart:
        shown = chart_df.head(15)
        bars = alt.Chart(shown).mark_bar(color=ui.colour(2)).encode(
            y=alt.Y("name:N", title=None, sort=None,
                  axis=alt.Axis(labelLimit=ui.label_limit(320))),
            x=alt.X("value:Q", title=T("taxes.per_year_in", currency=currency)),
            tooltip=[alt.Tooltip("name:N", title=column),
                     alt.Tooltip("label:N", title=T("taxes.per_year")),
                     alt.Tooltip("share:N", title=T("common.share"))],
        ).properties(height=28 * len(shown) + 40)
        ui.show_chart(bars, T("taxes.chart_alt", name=names[0],
                              value=chart_df["label"].iloc[0]), T)
    table = pd.DataFrame({
        column: names,
        T("common.share"): chart_df["share"],
        T("taxes.per_year"): chart_df["label"],
        T("taxes.per_day"): [T.money(v, currency) for v in per_day],
    })
    if chart:
        ui.table(table, T, column.lower(), hide_index=True)
    else:  # already inside the detail's expander
        st.table(table, border="horizontal", hide_index=True)


ui.page(render)
