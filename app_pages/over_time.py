"""Over time: the chosen body's spending month by month, and year on year (each year's months
side by side, and each year's total against the year before)."""

from __future__ import annotations

from decimal import Decimal

import altair as alt
import pandas as pd
import streamlit as st

import app_data
from app_i18n import Translator
from app_pages import _shared as ui


def render(T: Translator, scope: ui.Scope) -> None:
    st.title(T("time.title"))
    st.caption(T("time.intro", name=scope.publisher.name))
    months = app_data.monthly(scope.publisher_id)
    if not len(months):
        ui.no_payments(T, scope, T("common.no_payments", name=scope.publisher.name))
        return
    for currency in sorted(set(months["currency"])):
        part = months[months["currency"] == currency].reset_index(drop=True)
        _monthly(T, part, currency, scope.year)
        _year_on_year(T, part, currency)


def _gaps(every: list[str], published: set[str]) -> list[tuple[str, str]]:
    """The months of `every` (consecutive, in order) not in `published`, as (first, last) runs."""
    runs: list[tuple[str, str]] = []
    for i, period in enumerate(every):
        if period in published:
            continue
        if runs and runs[-1][1] == every[i - 1]:
            runs[-1] = (runs[-1][0], period)
        else:
            runs.append((period, period))
    return runs


def _monthly(T: Translator, part: pd.DataFrame, currency: str, year: int) -> None:
    st.subheader(T("time.monthly", currency=currency))
    # Every month of the range is on the axis: a month with nothing published shows as a
    # gap (no bar, not a zero), instead of vanishing from a categorical axis.
    every = list(pd.period_range(part["period"].min(), part["period"].max(), freq="M").strftime("%Y-%m"))
    published = set(part["period"])
    gaps = _gaps(every, published)
    df = pd.DataFrame({
        "month": [T.period(p, short=True) for p in part["period"]],
        "period": part["period"],
        "total": ui.as_float(part["total"]),  # drawing only
        "label": [T.money(t, currency) for t in part["total"]],
        "payments": [T.count(n) for n in part["payments"]],
        "chosen": [T("time.chosen_year", year=year) if y == year else T("time.other_years")
                   for y in part["year"]],
    })
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("period:O", title=None, scale=alt.Scale(domain=every),
                axis=alt.Axis(labelExpr=ui.month_labels(T, every), labelAngle=-45)),
        y=alt.Y("total:Q", title=T("common.total_in", currency=currency),
                axis=alt.Axis(format=",.0f")),
        color=alt.Color("chosen:N", title=None,
                        scale=alt.Scale(range=[ui.colour(0), ui.colour(4)]),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("month:N", title=T("common.month")),
                 alt.Tooltip("label:N", title=T("common.total")),
                 alt.Tooltip("payments:N", title=T("common.payments"))],
    ).properties(height=320)
    largest = part.loc[part["total"].idxmax()] if len(part) else None
    ui.show_chart(chart, T.plural("time.monthly_alt", len(df), currency=currency,
                                  month=T.period(largest["period"]) if largest is not None
                                  else "",
                                  total=T.money(largest["total"], currency)
                                  if largest is not None else ""), T)
    if gaps:
        spans = [T.period(a) if a == b else T("overview.span", start=T.period(a), end=T.period(b))
                 for a, b in gaps]
        listed = ", ".join(spans[:-1]) + T("common.and") + spans[-1] if len(spans) > 1 \
            else spans[0]
        st.caption(T.plural("time.missing", len(every) - len(published), months=listed))
    with st.expander(T("time.monthly_table"), expanded=len(df) <= 3):
        st.table(pd.DataFrame({
            T("common.month"): [T.period(p) for p in part["period"]],
            T("common.total"): df["label"],
            T("common.payments"): df["payments"],
        }), border="horizontal")


def _year_on_year(T: Translator, part: pd.DataFrame, currency: str) -> None:
    st.subheader(T("time.yoy", currency=currency))
    years = sorted(set(part["year"]))
    yearly = []
    previous: Decimal | None = None
    for year in years:
        rows = part[part["year"] == year]
        total = sum(rows["total"], Decimal(0))
        change = (total - previous) / previous if previous else None
        yearly.append((year, total, int(rows["payments"].sum()), len(rows), change))
        previous = total
    if len(years) < 2:
        st.caption(T("time.one_year", year=years[0]))
    else:
        df = pd.DataFrame({
            "month": part["month"],
            "month_name": [T.month(m) for m in part["month"]],
            "year": part["year"].astype(str),
            "total": ui.as_float(part["total"]),
            "label": [T.money(t, currency) for t in part["total"]],
        })
        chart = alt.Chart(df).mark_line(point=True).encode(
            x=alt.X("month:O", title=T("common.month"),
                    axis=alt.Axis(labelExpr=_month_expr(T))),
            y=alt.Y("total:Q", title=T("common.total_in", currency=currency),
                    axis=alt.Axis(format=",.0f")),
            color=alt.Color("year:N", title=T("common.year"),
                            scale=alt.Scale(range=ui.palette(len(years)))),
            strokeDash=alt.StrokeDash("year:N", legend=None),
            tooltip=[alt.Tooltip("year:N", title=T("common.year")),
                     alt.Tooltip("month_name:N", title=T("common.month")),
                     alt.Tooltip("label:N", title=T("common.total"))],
        ).properties(height=320)
        ui.show_chart(chart, T("time.yoy_alt", years=", ".join(map(str, years)),
                               currency=currency), T)
    st.table(pd.DataFrame({
        T("common.year"): [str(y) for y, *_ in yearly],
        T("common.total"): [T.money(t, currency) for _, t, *_ in yearly],
        T("common.payments"): [T.count(n) for _, _, n, *_ in yearly],
        T("time.months_published"): [str(m) for *_, m, _ in yearly],
        T("time.change"): [T.change(c) if c is not None else "—" for *_, c in yearly],
    }), border="horizontal")
    st.caption(T("time.change_note"))


def _month_expr(T: Translator) -> str:
    names = ", ".join(f"'{T.month(m)}'" for m in range(1, 13))
    return f"[{names}][datum.value - 1]"


ui.page(render)
