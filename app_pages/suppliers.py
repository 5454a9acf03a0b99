"""Suppliers: the largest suppliers of the chosen body and year, a search, and a supplier page
(its payments, by department, over time). ``?q=`` keeps the search, ``?supplier=`` the supplier
shown."""

from __future__ import annotations

from decimal import Decimal

import altair as alt
import pandas as pd
import streamlit as st

import app_data
from app_data import Filters
from app_i18n import Translator
from app_pages import _shared as ui

TOP = 20
SEARCH_LIMIT = 100
SUPPLIER_PARAM = "supplier"
SEARCH_KEY = "q"


def render(T: Translator, scope: ui.Scope) -> None:
    pid, year = scope.publisher_id, scope.year
    st.title(T("suppliers.title"))
    st.caption(T("suppliers.intro", name=scope.publisher.name, year=year))
    left, right = st.columns(2)
    with left:
        search = st.text_input(T("suppliers.search"), placeholder=T("suppliers.search_hint"),
                               key=SEARCH_KEY, bind="query-params") or ""
    top = app_data.top_suppliers(pid, year, SEARCH_LIMIT if search.strip() else TOP, search)
    with right:
        chosen = _supplier_picker(T, scope, top)
    if chosen:
        _supplier_detail(T, scope, chosen)
        st.divider()
    if not len(top) and search.strip():
        st.info(T("suppliers.none", search=search), icon=":material/info:")
    elif not len(top):
        ui.no_payments(T, scope, T("common.no_payments_year", name=scope.publisher.name,
                                   year=year))
    else:
        matching = int(top["matching"].iloc[0])
        if search.strip():
            found = T.plural("suppliers.found", matching)
            if matching > len(top):
                found += " " + T.plural("suppliers.found_more", len(top))
            st.caption(found)
        else:
            st.subheader(T.plural("suppliers.top", len(top), year=year))
            _top_chart(T, top)
        table = ui.money_frame(top, T, [
            ("supplier", T("common.supplier")), ("currency", T("common.currency")),
            ("total", T("common.total")), ("payments", T("common.payments")),
            ("departments", T("suppliers.departments")),
        ], counts=("payments", "departments"))
        table.insert(0, "#", [str(i + 1) for i in range(len(table))])
        st.table(table, border="horizontal", hide_index=True)
        if top["redacted"].any():
            st.caption(T("suppliers.redacted_note", label=app_data.REDACTED_LABEL))


def _top_chart(T: Translator, top: pd.DataFrame) -> None:
    for i, currency in enumerate(sorted(set(top["currency"]))):
        part = top[top["currency"] == currency]  # every supplier the heading counts
        df = pd.DataFrame({
            "supplier": part["supplier"], "total": ui.as_float(part["total"]),
            "label": [T.money(t, currency) for t in part["total"]],
        })
        chart = alt.Chart(df).mark_bar(color=ui.colour(i)).encode(
            y=alt.Y("supplier:N", title=None, sort=None,
                  axis=alt.Axis(labelLimit=ui.label_limit(260))),
            x=alt.X("total:Q", title=T("common.total_in", currency=currency),
                    axis=alt.Axis(format=",.0f")),
            tooltip=[alt.Tooltip("supplier:N", title=T("common.supplier")),
                     alt.Tooltip("label:N", title=T("common.total"))],
        ).properties(height=28 * len(df) + 40)
        ui.show_chart(chart, T.plural("suppliers.chart_alt", len(df), currency=currency,
                                      name=df["supplier"].iloc[0],
                                      total=df["label"].iloc[0]), T)


def _supplier_picker(T: Translator, scope: ui.Scope, top: pd.DataFrame) -> str:
    """The supplier chosen in the picker (or in ?supplier=): kept in the URL by hand, because
    the options change with the search."""
    pid = scope.publisher_id
    named = [s for s, r in zip(top["supplier"], top["redacted"], strict=True) if not r] \
        if len(top) else []
    wanted = st.query_params.get(SUPPLIER_PARAM, "")
    options = ["", *dict.fromkeys(named)]
    if wanted and wanted not in options and len(app_data.supplier_months(pid, wanted)):
        options.append(wanted)
    state_key = f"_url_{SUPPLIER_PARAM}"  # as url_choice names it: forgotten with the parameter
    if st.session_state.get(state_key) not in options:
        st.session_state[state_key] = wanted if wanted in options else ""
    chosen = st.selectbox(T("suppliers.pick"), options, key=state_key,
                          format_func=lambda s: s or T("suppliers.pick_none"))
    if chosen:
        st.query_params[SUPPLIER_PARAM] = chosen
    elif SUPPLIER_PARAM in st.query_params:
        del st.query_params[SUPPLIER_PARAM]
    return chosen or ""


def _supplier_detail(T: Translator, scope: ui.Scope, supplier: str) -> None:
    pid, year = scope.publisher_id, scope.year
    st.header(supplier)
    months = app_data.supplier_months(pid, supplier)
    this_year = months[months["period"].str.startswith(f"{year:04d}-")]
    filters = Filters(publisher_id=pid, year=year, supplier_exact=supplier)
    page = app_data.payments(filters, limit=app_data.DEFAULT_PAYMENTS_LIMIT)
    cols = st.columns(len(page.totals) + 2)
    for col, (currency, total) in zip(cols, page.totals.items(), strict=False):
        col.metric(T("suppliers.paid_in", year=year, currency=currency), T.money(total, currency))
    cols[-2].metric(T("common.payments"), T.count(page.total))
    cols[-1].metric(T("suppliers.departments"),
                    T.count(this_year["department"].nunique(dropna=False)))

    left, right = st.columns(2)
    with left:
        st.subheader(T("suppliers.by_department", year=year))
        by_dept = (this_year.assign(department=this_year["department"].map(
            lambda d: ui.not_stated(d, T)))
            .groupby(["department", "currency"], as_index=False, dropna=False)
            .agg(total=("total", lambda s: sum(s, Decimal(0))), payments=("payments", "sum"))
            .sort_values("total", ascending=False))
        st.table(ui.money_frame(by_dept, T, [
            ("department", T("common.department")), ("total", T("common.total")),
            ("payments", T("common.payments"))]), border="horizontal", hide_index=True)
    with right:
        st.subheader(T("suppliers.over_time"))
        per_month = (months.groupby(["period", "currency"], as_index=False)
                     .agg(total=("total", lambda s: sum(s, Decimal(0))),
                          payments=("payments", "sum")))
        df = pd.DataFrame({
            "period": per_month["period"], "currency": per_month["currency"],
            "total": ui.as_float(per_month["total"]),
            "month": [T.period(p) for p in per_month["period"]],
            "label": [T.money(t, c) for t, c in zip(per_month["total"], per_month["currency"],
                                                     strict=True)],
        })
        for i, currency in enumerate(sorted(set(df["currency"]))):
            part = df[df["currency"] == currency]
            # every month of the range on the axis: a month without payments is a gap
            every = list(pd.period_range(part["period"].min(), part["period"].max(), freq="M")
                         .strftime("%Y-%m"))
            chart = alt.Chart(part).mark_bar(color=ui.colour(i)).encode(
                x=alt.X("period:O", title=T("common.month"), scale=alt.Scale(domain=every),
                        axis=alt.Axis(labelExpr=ui.month_labels(T, every), labelAngle=-45)),
                y=alt.Y("total:Q", title=T("common.total_in", currency=currency),
                        axis=alt.Axis(format=",.0f")),
                tooltip=[alt.Tooltip("month:N", title=T("common.month")),
                         alt.Tooltip("label:N", title=T("common.total"))],
            ).properties(height=240)
            ui.show_chart(chart, T.plural("suppliers.time_alt", len(part), name=supplier), T)
        with st.expander(T("suppliers.time_table")):
            st.table(pd.DataFrame({T("common.month"): df["month"], T("common.total"): df["label"],
                                   T("common.payments"): [T.count(n) for n in
                                                          per_month["payments"]]}),
                     border="horizontal", hide_index=True)

    st.subheader(T("suppliers.payments", year=year))
    st.caption(T.plural("payments.showing", page.shown,
                        total=T.plural("payments.n", page.total)))
    st.dataframe(ui.amounts_styled(page.rows[["payment_date", "department", "expense_type",
                                              "purpose", "amount", "currency", "source_file",
                                              "source_line", "release_id"]], T),
                 hide_index=True, width="stretch",
                 column_config={
                     name: st.column_config.Column(T(f"fields.{name}")) for name in
                     ("department", "expense_type", "purpose", "currency", "source_file",
                      "release_id")
                 } | {
                     "amount": st.column_config.NumberColumn(T("fields.amount")),
                     "payment_date": st.column_config.DateColumn(
                         T("fields.payment_date"), format=T("payments.date_format")),
                     "source_line": st.column_config.NumberColumn(T("fields.source_line"),
                                                                  format="%d"),
                 })
    ui.link("payments", T("suppliers.open_in_payments"), year=year, supplier=supplier)


ui.page(render)
