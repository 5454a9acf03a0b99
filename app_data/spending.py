"""One publisher's spending, aggregated for the charts: month by month (Over time), by function,
department and expense type (Where the money goes), and by supplier (Suppliers)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from app_data.access import _Db, _int_columns, _query
from app_data.filters import _supplier_contains
from etl.redact import REDACTED_LABEL

DEFAULT_TOP_SUPPLIERS = 10


# --------------------------------------------------------------------------- over time


@_query
def monthly(db: _Db, publisher_id: str) -> pd.DataFrame:
    """Every month of one publisher: period, year, month, currency, total (Decimal),
    payments (int); by period then currency."""
    df = db.frame(
        f"""
        SELECT period, year, month, currency, total, payments
        FROM {db.source('agg_by_month')}
        WHERE publisher_id = ?
        ORDER BY period, currency
        """,
        [publisher_id],
    )
    return _int_columns(df, "year", "month", "payments")


# --------------------------------------------------------------------------- where the money goes

# Drill-down levels of "Where the money goes": the column of agg_by_function each level groups
# by. A path is the tuple of keys chosen so far (None = "not stated").
BREAKDOWN_LEVELS: tuple[str, ...] = ("cofog_division", "department", "expense_type")


@_query
def breakdown(db: _Db, publisher_id: str, year: int, path: tuple[str | None, ...] = ()
              ) -> pd.DataFrame:
    """The children of `path` in the function > department > expense type tree.

    Columns key (None when not stated), label_en, label_fr (the COFOG labels at the first
    level, the key itself below), currency, total (Decimal), payments (int); by currency, then
    largest total first."""
    path = tuple(path)[: len(BREAKDOWN_LEVELS) - 1]
    level = BREAKDOWN_LEVELS[len(path)]
    clauses = ["publisher_id = ?", "year = ?"]
    params: list[Any] = [publisher_id, year]
    for column, key in zip(BREAKDOWN_LEVELS, path, strict=False):
        clauses.append(f"{column} IS NOT DISTINCT FROM ?")
        params.append(key)
    grouped = f"""
        SELECT {level} AS key, currency, sum(total) AS total, sum(payments) AS payments
        FROM {db.source('agg_by_function')}
        WHERE {' AND '.join(clauses)}
        GROUP BY ALL
    """
    if level == "cofog_division" and db.has("cofog", "cofog_code", "label_en", "label_fr"):
        sql = f"""
            SELECT g.key, coalesce(c.label_en, g.key) AS label_en,
                   coalesce(c.label_fr, g.key) AS label_fr, g.currency, g.total, g.payments
            FROM ({grouped}) g LEFT JOIN cofog c ON c.cofog_code = g.key
        """
    else:
        sql = f"SELECT key, key AS label_en, key AS label_fr, currency, total, payments " \
              f"FROM ({grouped})"
    df = db.frame(f"{sql} ORDER BY currency, total DESC, key NULLS LAST", params)
    return _int_columns(df, "payments")


# --------------------------------------------------------------------------- suppliers


@_query
def top_suppliers(db: _Db, publisher_id: str, year: int, n: int = DEFAULT_TOP_SUPPLIERS,
                  search: str = "") -> pd.DataFrame:
    """The `n` largest (supplier, currency) totals of one publisher's year, optionally only
    suppliers whose displayed name contains `search` (literally, any case).

    Columns supplier (REDACTED_LABEL for all redacted payments), redacted (bool), currency,
    total (Decimal), payments (int), departments (int), first_payment_date,
    last_payment_date, matching (int: how many suppliers match, before the limit)."""
    params: list[Any] = [REDACTED_LABEL, publisher_id, int(year)]
    where = "publisher_id = ? AND year = ?"
    if search.strip():
        clause, pattern = _supplier_contains(search.strip())
        where += f" AND {clause}"
        params.extend(pattern)
    df = db.frame(
        f"""
        SELECT CASE WHEN is_redacted THEN ? ELSE supplier_name END AS supplier,
               is_redacted AS redacted, currency, total, payments, departments,
               first_payment_date, last_payment_date, count(*) OVER () AS matching
        FROM {db.source('agg_by_supplier')}
        WHERE {where}
        ORDER BY total DESC, supplier NULLS LAST, currency, redacted
        LIMIT ?
        """,
        [*params, max(int(n), 0)],
    )
    df["redacted"] = df["redacted"].astype(bool)
    return _int_columns(df, "payments", "departments", "matching")


@_query
def supplier_months(db: _Db, publisher_id: str, supplier: str) -> pd.DataFrame:
    """One named supplier of one publisher, every month: period, currency, department, total
    (Decimal), payments (int)."""
    df = db.frame(
        f"""
        SELECT period, currency, department, total, payments
        FROM {db.source('agg_by_supplier_month')}
        WHERE publisher_id = ? AND supplier_name = ? AND NOT is_redacted
        ORDER BY period, currency, department NULLS LAST
        """,
        [publisher_id, supplier],
    )
    return _int_columns(df, "payments")
