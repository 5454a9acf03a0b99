"""Spending page: filters, headline figures, monthly and departmental totals, top suppliers
and the matching payments, with a CSV download of exactly the rows shown.

UI only: every figure comes from ``app_data``. Filters live in the URL query string (publisher
id, period range, departments, supplier search, amount bounds) so a view can be shared.
"""

from __future__ import annotations

from datetime import datetime

import altair as alt
import pandas as pd
import streamlit as st

import app_data
from app_data import Filters, Publisher, WarehouseError
from app_format import format_count, format_money, to_csv_bytes
from etl.schema import load_schema

# Okabe-Ito: distinguishable with the common colour-vision deficiencies. One colour per currency.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")

ALL_PUBLISHERS = ""  # selectbox option (and absent query parameter) meaning "every publisher"
NOT_STATED = "(not stated)"
CHART_DEPARTMENTS = 15  # departments drawn per currency chart; the table lists all of them

# Query-string parameter names (widget keys for bound widgets).
QP_PUBLISHER = "publisher"
QP_PERIOD = "period"
QP_DEPARTMENT = "department"
QP_SUPPLIER = "supplier"
QP_MIN = "min"
QP_MAX = "max"


def _titles() -> dict[str, str]:
    """Column headings from the Table Schema (the single source of truth for field titles)."""
    return {f.name: f.title for f in load_schema("spending").fields}


# --------------------------------------------------------------------------- filters


def _publisher_filter(publishers: list[Publisher]) -> str | None:
    """Publisher selectbox, kept in the URL as ?publisher=<publisher_id>.

    Managed by hand (not `bind=`) so the URL carries the stable id, not the display name.
    """
    ids = [p.publisher_id for p in publishers]
    names = {p.publisher_id: p.name for p in publishers}
    options = [ALL_PUBLISHERS, *ids]
    key = "publisher_select"
    if key not in st.session_state:
        wanted = st.query_params.get(QP_PUBLISHER, ALL_PUBLISHERS)
        st.session_state[key] = wanted if wanted in ids else ALL_PUBLISHERS
    elif st.session_state[key] not in options:  # publisher gone after a new publish
        st.session_state[key] = ALL_PUBLISHERS

    def label(pid: str) -> str:
        return "All publishers" if pid == ALL_PUBLISHERS else f"{names[pid]} ({pid})"

    chosen = st.sidebar.selectbox("Publisher", options, format_func=label, key=key)
    if chosen:
        st.query_params[QP_PUBLISHER] = chosen
    elif QP_PUBLISHER in st.query_params:
        del st.query_params[QP_PUBLISHER]
    return chosen or None


def sidebar_filters(publishers: list[Publisher]) -> Filters:
    st.sidebar.header("Filters")
    publisher_id = _publisher_filter(publishers)
    scope = Filters(publisher_id=publisher_id)

    periods = app_data.list_periods(scope)
    period_from = period_to = None
    if len(periods) > 1:
        period_from, period_to = st.sidebar.select_slider(
            "Period",
            options=periods,
            value=(periods[0], periods[-1]),
            key=QP_PERIOD,
            bind="query-params",
        )
    elif periods:
        st.sidebar.caption(f"Period: {periods[0]}")

    departments = app_data.list_departments(scope)
    chosen_departments = st.sidebar.multiselect(
        "Departments",
        options=departments,
        default=None,
        placeholder="All departments",
        key=QP_DEPARTMENT,
        bind="query-params",
    )

    supplier = st.sidebar.text_input(
        "Supplier contains",
        value="",
        placeholder="e.g. construction",
        help="Case-insensitive. Redacted payments are listed as "
        f"“{app_data.REDACTED_LABEL}”.",
        key=QP_SUPPLIER,
        bind="query-params",
    )

    low, high = st.sidebar.columns(2)
    amount_min = low.number_input(
        "Amount from",
        value=None,
        step=100.0,
        format="%.2f",
        placeholder="no minimum",
        key=QP_MIN,
        bind="query-params",
    )
    amount_max = high.number_input(
        "Amount to",
        value=None,
        step=100.0,
        format="%.2f",
        placeholder="no maximum",
        key=QP_MAX,
        bind="query-params",
    )
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        st.sidebar.warning("“Amount from” is above “Amount to”: no payment can match.")
    st.sidebar.caption("The address bar keeps these filters: copy it to share this view.")

    return Filters(
        publisher_id=publisher_id,
        period_from=period_from,
        period_to=period_to,
        departments=tuple(chosen_departments),
        supplier=supplier or "",
        amount_min=amount_min,
        amount_max=amount_max,
    )


# --------------------------------------------------------------------------- sections


def _release_caption(filters: Filters) -> None:
    release = app_data.latest_release(filters)
    if release is None:
        return
    when = ""
    if isinstance(release.published_at, datetime):
        when = f", published {release.published_at:%Y-%m-%d %H:%M}"
    st.caption(f"Latest release: `{release.release_id}`{when}")


def headline_metrics(filters: Filters) -> app_data.Headline:
    head = app_data.headline(filters)
    cols = st.columns(2 + max(len(head.totals), 1))
    cols[0].metric("Payments", format_count(head.payments))
    cols[1].metric(
        "Suppliers",
        format_count(head.suppliers),
        help=f"Named suppliers. {format_count(head.redacted_payments)} payment(s) are "
        f"redacted and not counted here.",
    )
    for col, (currency, total) in zip(cols[2:], head.totals.items(), strict=False):
        col.metric(f"Total spent ({currency})", format_money(total, currency))
    return head


def _colour(currency: str, currencies: list[str]) -> str:
    return OKABE_ITO[currencies.index(currency) % len(OKABE_ITO)]


def _money_table(df: pd.DataFrame, first: str, first_title: str) -> pd.DataFrame:
    """Display copy of a totals frame: formatted money with its currency, counts."""
    return pd.DataFrame(
        {
            first_title: df[first].fillna(NOT_STATED).astype(str),
            "Currency": df["currency"],
            "Total": [format_money(t, c) for t, c in zip(df["total"], df["currency"], strict=True)],
            "Payments": df["payments"].astype("int64"),
        }
    )


def monthly_section(filters: Filters) -> None:
    st.subheader("Spending by month")
    month = app_data.totals_by_month(filters)
    currencies = sorted(month["currency"].unique())
    for currency in currencies:
        part = month[month["currency"] == currency]
        chart_df = pd.DataFrame(
            {
                "period": part["period"],
                "total": part["total"].map(float),  # drawing only
                "label": [format_money(t, currency) for t in part["total"]],
                "payments": part["payments"],
            }
        )
        chart = (
            alt.Chart(chart_df, title=f"Total paid per month ({currency})")
            .mark_bar(color=_colour(currency, currencies))
            .encode(
                x=alt.X("period:O", title="Month", sort=None),
                y=alt.Y("total:Q", title=f"Total ({currency})", axis=alt.Axis(format=",.0f")),
                tooltip=[
                    alt.Tooltip("period:O", title="Month"),
                    alt.Tooltip("label:N", title="Total"),
                    alt.Tooltip("payments:Q", title="Payments", format=","),
                ],
            )
        )
        st.altair_chart(
            chart,
            width="stretch",
            alt=f"Bar chart of total payments in {currency} for each month; "
            "the same figures are in the table below.",
        )
    with st.expander("Monthly totals as a table"):
        st.dataframe(_money_table(month, "period", "Month"), hide_index=True, width="stretch")


def department_section(filters: Filters) -> None:
    st.subheader("Spending by department")
    dept = app_data.totals_by_department(filters)
    currencies = sorted(dept["currency"].unique())
    for currency in currencies:
        part = dept[dept["currency"] == currency].head(CHART_DEPARTMENTS)
        chart_df = pd.DataFrame(
            {
                "department": part["department"].fillna(NOT_STATED),
                "total": part["total"].map(float),  # drawing only
                "label": [format_money(t, currency) for t in part["total"]],
                "payments": part["payments"],
            }
        )
        shown = len(part)
        of = len(dept[dept["currency"] == currency])
        title = f"Total paid per department ({currency})"
        if of > shown:
            title += f", largest {shown} of {of}"
        chart = (
            alt.Chart(chart_df, title=title)
            .mark_bar(color=_colour(currency, currencies))
            .encode(
                y=alt.Y("department:N", title=None, sort="-x"),
                x=alt.X("total:Q", title=f"Total ({currency})", axis=alt.Axis(format=",.0f")),
                tooltip=[
                    alt.Tooltip("department:N", title="Department"),
                    alt.Tooltip("label:N", title="Total"),
                    alt.Tooltip("payments:Q", title="Payments", format=","),
                ],
            )
        )
        st.altair_chart(
            chart,
            width="stretch",
            alt=f"Horizontal bar chart of total payments in {currency} per department; "
            "the same figures are in the table below.",
        )
    with st.expander("Department totals as a table"):
        st.dataframe(
            _money_table(dept, "department", "Department"), hide_index=True, width="stretch"
        )


def suppliers_section(filters: Filters) -> None:
    st.subheader(f"Top {app_data.DEFAULT_TOP_SUPPLIERS} suppliers")
    top = app_data.top_suppliers(filters, app_data.DEFAULT_TOP_SUPPLIERS)
    table = _money_table(top, "supplier", "Supplier")
    st.dataframe(table, hide_index=True, width="stretch")
    if top["redacted"].any():
        st.caption(
            f"“{app_data.REDACTED_LABEL}” groups every payment whose beneficiary was redacted "
            "(for example a private individual)."
        )


def payments_section(filters: Filters) -> None:
    st.subheader("Payments")
    page = app_data.payments(filters, app_data.DEFAULT_PAYMENTS_LIMIT)
    note = page.caption
    if page.total > page.shown:
        note += " (newest first). Narrow the filters to see the others."
    st.caption(note)

    titles = _titles()
    display = page.rows.copy()
    display["supplier_name"] = display["supplier_name"].fillna("")
    st.dataframe(
        display,
        hide_index=True,
        width="stretch",
        column_config={
            name: st.column_config.Column(titles.get(name, name)) for name in display.columns
        }
        | {
            "amount": st.column_config.NumberColumn(titles.get("amount", "Amount"), format="%.2f"),
            "payment_date": st.column_config.DateColumn(
                titles.get("payment_date", "Payment date"), format="YYYY-MM-DD"
            ),
            "is_redacted": st.column_config.CheckboxColumn(titles.get("is_redacted", "Redacted")),
        },
    )
    name = f"spendpub-payments-{filters.publisher_id or 'all'}.csv"
    st.download_button(
        f"Download these {format_count(page.shown)} rows as CSV",
        data=to_csv_bytes(page.rows),
        file_name=name,
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="download_payments",
    )


# --------------------------------------------------------------------------- page


def render() -> None:
    st.title("Public spending")
    publishers = app_data.list_publishers()
    if not publishers:
        st.info("The warehouse holds no payments yet. Run `spendpub publish` to add some.")
        return
    filters = sidebar_filters(publishers)
    _release_caption(filters)

    head = headline_metrics(filters)
    if head.payments == 0:
        st.info("No payments match these filters.")
        return
    monthly_section(filters)
    department_section(filters)
    suppliers_section(filters)
    payments_section(filters)


try:
    render()
except WarehouseError as exc:
    st.error(str(exc), icon=":material/database_off:")
    st.stop()
