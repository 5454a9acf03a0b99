"""Budget against actual: the amounts voted, open (after amendments) and executed, by chapter
(economic nature) and by function, with the execution rate. Says so plainly when the body has
published no budget."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

import app_data
from app_i18n import Translator
from app_pages import _shared as ui

CHART_ROWS = 15


def render(T: Translator, scope: ui.Scope) -> None:
    st.title(T("budget.title"))
    years = app_data.budget_years(scope.publisher_id)
    if not years:
        st.info(T("budget.none", name=scope.publisher.name), icon=":material/info:")
        return
    year = ui.budget_year(T, scope, years, "budget")
    if year is None:
        return
    direction = ui.url_choice(st.radio, T("budget.direction"), ["expenditure", "revenue"],
                              param="direction", horizontal=True,
                              format_func=lambda d: T(f"budget.directions.{d}"))
    execution = app_data.budget_execution(scope.publisher_id, year)
    if execution is not None and direction == "expenditure":
        top_row, bottom_row = st.columns(2), st.columns(2)
        c = execution.currency
        top_row[0].metric(T("budget.voted"), T.money(execution.voted, c) or "—")
        top_row[1].metric(T("budget.open"), T.money(execution.open, c) or "—")
        bottom_row[0].metric(T("budget.executed"), T.money(execution.executed, c) or "—",
                             help=T(f"overview.executed_from_{execution.executed_from}"))
        bottom_row[1].metric(T("budget.rate"), T.percent(execution.rate) or "—")
    st.caption(T("budget.method"))
    tabs = st.tabs([T("budget.by_chapter"), T("budget.by_function")])
    for tab, axis in zip(tabs, ("chapter", "function"), strict=True):
        with tab:
            _axis(T, scope, year, axis, direction)


def _axis(T: Translator, scope: ui.Scope, year: int, axis: str, direction: str) -> None:
    df = app_data.budget_vs_actual(scope.publisher_id, year, axis, direction)
    if not len(df):
        st.info(T("budget.no_lines"), icon=":material/info:")
        return
    for currency in sorted(set(df["currency"])):
        part = df[df["currency"] == currency].reset_index(drop=True)
        names = [_name(code, label, T) for code, label in zip(part["code"], part["label"],
                                                              strict=True)]
        _chart(T, part.head(CHART_ROWS), names[:CHART_ROWS], currency, axis)
        table = pd.DataFrame({
            T(f"budget.column.{axis}"): names,
            T("budget.voted"): [T.money(v, currency) if v is not None else "—"
                                for v in part["voted"]],
            T("budget.open"): [T.money(v, currency) if v is not None else "—"
                               for v in part["open"]],
            T("budget.executed"): [T.money(v, currency) if v is not None else "—"
                                   for v in part["executed"]],
            T("budget.rate"): [T.percent(r) if r is not None else "—" for r in part["rate"]],
        })
        st.table(table, border="horizontal", hide_index=True)


def _name(code: str | None, label: str | None, T: Translator) -> str:
    if code is None and label is None:
        return T("common.not_stated")
    return " ".join(str(x) for x in (code, label) if x)


def _chart(T: Translator, part: pd.DataFrame, names: list[str], currency: str,
           axis: str) -> None:
    phases = [("voted", T("budget.voted")), ("open", T("budget.open")),
              ("executed", T("budget.executed"))]
    # no amendment (every line's open credits are those voted): one bar says both
    if any(v is not None for v in part["voted"]) and part["open"].tolist() == part["voted"].tolist():
        phases[:2] = [("voted", T("budget.voted_is_open")), ("open", None)]
    rows = []
    for name, (_, r) in zip(names, part.iterrows(), strict=True):
        for column, title in phases:
            if r[column] is not None and title is not None:
                rows.append({"name": name, "phase": title, "amount": float(r[column]),
                             "label": T.money(r[column], currency)})
    if not rows:
        return
    df = pd.DataFrame(rows)
    # only the measures published (Montreuil's voted amounts are all zero), each in its own colour
    shown = [(t, ui.colour(i)) for i, (_, t) in enumerate(phases) if t in set(df["phase"])]
    chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y("name:N", title=None, sort=None, axis=alt.Axis(labelLimit=ui.label_limit(280))),
        yOffset=alt.YOffset("phase:N", sort=[t for t, _ in shown]),
        x=alt.X("amount:Q", title=T("common.total_in", currency=currency),
                axis=alt.Axis(format=",.0f")),
        color=alt.Color("phase:N", title=None, sort=[t for t, _ in shown],
                        scale=alt.Scale(domain=[t for t, _ in shown],
                                        range=[c for _, c in shown]),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("name:N", title=T(f"budget.column.{axis}")),
                 alt.Tooltip("phase:N", title=T("budget.phase")),
                 alt.Tooltip("label:N", title=T("common.total"))],
    ).properties(height=max(160, 54 * len(names)))
    ui.show_chart(chart, T.plural("budget.chart_alt", len(names),
                                  axis=T(f"budget.column.{axis}").lower(), currency=currency),
                  T)


ui.page(render)
