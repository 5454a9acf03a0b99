"""Payments: every payment line of the chosen body and year, filtered by month, department,
supplier, amount and free text, in a sortable table whose rows link to their source file, line
and release; the rows shown download as CSV, exactly. Every filter is kept in the URL."""

from __future__ import annotations

import streamlit as st

import app_data
from app_data import Filters
from app_format import to_csv_bytes
from app_i18n import Translator
from app_pages import _shared as ui

LIMIT = app_data.DEFAULT_PAYMENTS_LIMIT
MONTHS_PARAM = "months"


def _months(T: Translator, periods: list[str]) -> tuple[str, str]:
    """The range of months, kept in the URL as ?months=2024-02..2024-05 (all months: absent)."""
    key, last_key = "_url_months", "_url_months_written"
    in_url = st.query_params.get(MONTHS_PARAM)
    whole = (periods[0], periods[-1])
    parts = tuple((in_url or "").split(".."))
    valid = len(parts) == 2 and set(parts) <= set(periods) and parts[0] <= parts[1]
    if key not in st.session_state or not set(st.session_state[key]) <= set(periods):
        st.session_state[key] = parts if valid else whole
    elif valid and in_url != st.session_state.get(last_key):
        st.session_state[key] = parts
    chosen = st.select_slider(T("payments.months"), options=periods, key=key,
                              format_func=lambda p: T.period(p, short=True))
    if tuple(chosen) == whole:
        if MONTHS_PARAM in st.query_params:
            del st.query_params[MONTHS_PARAM]
    else:
        st.query_params[MONTHS_PARAM] = "..".join(chosen)
    st.session_state[last_key] = st.query_params.get(MONTHS_PARAM)
    return chosen[0], chosen[1]


def filters_from_widgets(T: Translator, scope: ui.Scope) -> tuple[Filters, str]:
    pid, year = scope.publisher_id, scope.year
    scoped = Filters(publisher_id=pid, year=year)
    periods = app_data.list_periods(scoped)
    departments = app_data.list_departments(scoped)
    top = st.columns([2, 2, 2])
    period_from = period_to = None
    with top[0]:
        if len(periods) > 1:
            period_from, period_to = _months(T, periods)
        elif periods:
            st.markdown(f"**{T('payments.months')}**  \n{T.period(periods[0])}")
    with top[1]:
        chosen_departments = st.multiselect(
            T("payments.departments"), departments, default=None,
            placeholder=T("payments.all_departments"), key="department", bind="query-params",
        )
    with top[2]:
        text = st.text_input(T("payments.text"), placeholder=T("payments.text_hint"),
                             key="q", bind="query-params") or ""
    row = st.columns([2, 1, 1, 2])
    with row[0]:
        supplier = st.text_input(T("payments.supplier"), placeholder=T("payments.supplier_hint"),
                                 help=T("payments.supplier_help",
                                        label=app_data.REDACTED_LABEL),
                                 key="supplier", bind="query-params") or ""
    with row[1]:
        amount_min = ui.amount_box(T, T("payments.min"), placeholder=T("payments.no_min"), key="min")
    with row[2]:
        amount_max = ui.amount_box(T, T("payments.max"), placeholder=T("payments.no_max"), key="max")
    with row[3]:
        sort = ui.url_choice(st.selectbox, T("payments.sort"), list(app_data.PAYMENT_SORTS),
                             param="sort", format_func=lambda k: T(f"payments.sorts.{k}"))
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        st.warning(T("payments.min_above_max"))
    filters = Filters(
        publisher_id=pid, year=year, period_from=period_from, period_to=period_to,
        departments=tuple(chosen_departments), supplier=supplier, text=text,
        amount_min=amount_min, amount_max=amount_max,
    )
    return filters, sort or app_data.DEFAULT_SORT


def render(T: Translator, scope: ui.Scope) -> None:
    st.title(T("payments.title"))
    st.caption(T("payments.intro", name=scope.publisher.name, year=scope.year))
    if not app_data.list_periods(Filters(publisher_id=scope.publisher_id, year=scope.year)):
        ui.no_payments(T, scope, T("common.no_payments_year", name=scope.publisher.name,
                                   year=scope.year))
        return
    filters, sort = filters_from_widgets(T, scope)
    page = app_data.payments(filters, LIMIT, sort)
    cols = st.columns(len(page.totals) + 1)
    cols[0].metric(T("payments.matching"), T.count(page.total))
    for col, (currency, total) in zip(cols[1:], page.totals.items(), strict=False):
        col.metric(T("payments.matching_total", currency=currency), T.money(total, currency))
    if page.total == 0:
        st.info(T("payments.none"), icon=":material/info:")
        return

    note = T.plural("payments.showing", page.shown, total=T.plural("payments.n", page.total))
    if page.total > page.shown:
        note += " " + T("payments.narrow")
    st.caption(note)

    shown = page.rows.copy()
    shown["release_id"] = [
        ui.page_url("data", release=r) for r in page.rows["release_id"]
    ]
    titles = {f.name: f.title for f in app_data.load_schema("spending").fields}
    titles["source_file"] = T("payments.source_file")
    config = {
        name: st.column_config.Column(T(f"fields.{name}") if T.has(f"fields.{name}")
                                      else titles.get(name, name))
        for name in shown.columns
    }
    config |= {
        "amount": st.column_config.NumberColumn(T("fields.amount"),
                                                help=T("payments.amount_help")),
        "payment_date": st.column_config.DateColumn(T("fields.payment_date"),
                                                    format=T("payments.date_format")),
        "is_redacted": st.column_config.CheckboxColumn(T("fields.is_redacted")),
        "release_id": st.column_config.LinkColumn(
            T("fields.release_id"), display_text=r"release=([^&#]+)",
            help=T("payments.release_help")),
        "source_line": st.column_config.NumberColumn(T("fields.source_line"), format="%d",
                                                     help=T("payments.line_help")),
    }
    st.dataframe(ui.amounts_styled(shown, T), hide_index=True, width="stretch", column_config=config,
                 alt=T.plural("payments.table_alt", page.shown))
    name = f"spendpub-payments-{scope.publisher_id}-{scope.year}.csv"
    st.download_button(
        T.plural("payments.download", page.shown),
        data=to_csv_bytes(page.rows),
        file_name=name,
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="download_payments",
    )
    st.caption(T("payments.download_note"))
    if page.rows["is_redacted"].any():
        # The label stays as published (the search and the CSV use it); the note says what it means
        st.caption(T("payments.redacted_note", label=app_data.REDACTED_LABEL))


ui.page(render)
