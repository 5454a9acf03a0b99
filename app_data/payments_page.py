"""The Payments page: the payments matching some filters, one page of them in a chosen order,
how many match and their exact totals per currency."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from app_data.access import SPENDING_TABLE, _Db, _query
from app_data.filters import _SUPPLIER_SHOWN, Filters, _where
from etl.redact import REDACTED_LABEL

DEFAULT_PAYMENTS_LIMIT = 1000

# Columns of the payments table, in display order. `supplier_name` shows REDACTED_LABEL and
# `supplier_id` nothing for redacted rows. `source_file` is the source file's name (from
# release_sources), next to its sha256 and line.
PAYMENT_COLUMNS: tuple[str, ...] = (
    "payment_date",
    "supplier_name",
    "amount",
    "currency",
    "department",
    "expense_type",
    "purpose",
    "source_file",
    "source_line",
    "release_id",
    "period",
    "is_redacted",
    "supplier_id",
    "publisher_id",
    "publisher_name",
    "source_file_sha256",
)

# Sort orders of the payments table: key -> constant SQL. The user picks a key, never SQL.
PAYMENT_SORTS: dict[str, str] = {
    "date_desc": "payment_date DESC, source_file_sha256, source_line",
    "date_asc": "payment_date ASC, source_file_sha256, source_line",
    "amount_desc": "amount DESC, payment_date DESC, source_file_sha256, source_line",
    "amount_asc": "amount ASC, payment_date DESC, source_file_sha256, source_line",
    "supplier": "supplier_shown ASC NULLS LAST, payment_date DESC, source_file_sha256, "
                "source_line",
}
DEFAULT_SORT = "date_desc"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Summary:
    """The payments matching some filters: how many and their exact totals per currency."""

    payments: int
    totals: dict[str, Decimal]


@dataclass(frozen=True)
class PaymentsPage:
    rows: pd.DataFrame  # PAYMENT_COLUMNS, at most `limit` rows
    total: int  # rows matching the filters
    limit: int
    totals: dict[str, Decimal] = field(default_factory=dict)  # their total per currency

    @property
    def shown(self) -> int:
        return len(self.rows)

    @property
    def caption(self) -> str:
        noun = "payment" if self.total == 1 else "payments"
        return f"Showing {self.shown:,} of {self.total:,} {noun}"


# --------------------------------------------------------------------------- payments


@_query
def summary(db: _Db, filters: Filters) -> Summary:
    """How many payments match the filters, and their exact total per currency."""
    where, params = _where(filters)
    rows = db.rows(
        f"SELECT currency, count(*), sum(amount) FROM {SPENDING_TABLE} {where} "
        "GROUP BY currency ORDER BY currency",
        params,
    )
    return Summary(payments=sum(int(n) for _, n, _ in rows),
                   totals={c: t for c, _, t in rows})


# The spending columns a payments page reads (only these are decoded for the rows shown).
_PAGE_SOURCE_COLUMNS = tuple(c for c in PAYMENT_COLUMNS if c != "source_file")


def _expensive(filters: Filters) -> bool:
    """Filters that test every row's text (zone maps cannot skip them)."""
    return bool(filters.supplier or filters.text or filters.supplier_exact)


def _prunable(filters: Filters) -> Filters:
    """The filters zone maps answer (rows are stored publisher by publisher, month by month)."""
    return Filters(publisher_id=filters.publisher_id, year=filters.year,
                   period_from=filters.period_from, period_to=filters.period_to,
                   periods=filters.periods)


@_query
def payments(db: _Db, filters: Filters, limit: int = DEFAULT_PAYMENTS_LIMIT,
             sort: str = DEFAULT_SORT) -> PaymentsPage:
    """The matching payments in the chosen order, at most `limit` of them, how many match and
    their exact totals per currency.

    Each row carries its source file (name and sha256), line and release. Three steps, so that
    only the rows shown are read whole: the totals (with text filters, in the same pass as the
    next step), the row ids of the page (a top-N over the sort columns only), then those rows
    (row ids are stable within one read-only connection; their range lets DuckDB skip the
    row groups that hold none of them)."""
    where, params = _where(filters)
    order = PAYMENT_SORTS.get(sort, PAYMENT_SORTS[DEFAULT_SORT])
    limit = max(int(limit), 0)
    keys = (f"rowid AS rid, payment_date, amount, currency, source_file_sha256, source_line, "
            f"{_SUPPLIER_SHOWN} AS supplier_shown")
    if _expensive(filters):
        [(found, rids)] = db.rows(
            f"""
            WITH matching AS MATERIALIZED (SELECT {keys} FROM {SPENDING_TABLE} {where})
            SELECT (SELECT list({{'currency': currency, 'payments': n, 'total': t}}
                                ORDER BY currency)
                    FROM (SELECT currency, count(*) AS n, sum(amount) AS t
                          FROM matching GROUP BY currency)),
                   (SELECT list(rid) FROM (SELECT rid FROM matching ORDER BY {order} LIMIT ?))
            """,
            [REDACTED_LABEL, *params, limit],
        )
        found = found or []
        totals = {t["currency"]: t["total"] for t in found}
        total = sum(int(t["payments"]) for t in found)
    else:
        rows = db.rows(
            f"SELECT currency, count(*), sum(amount) FROM {SPENDING_TABLE} {where} "
            "GROUP BY currency ORDER BY currency",
            params,
        )
        totals = {c: t for c, _, t in rows}
        total = sum(int(n) for _, n, _ in rows)
        [(rids,)] = db.rows(
            f"SELECT list(rid) FROM (SELECT {keys} FROM {SPENDING_TABLE} {where} "
            f"ORDER BY {order} LIMIT ?)",
            [REDACTED_LABEL, *params, limit],
        )
    named = db.has("release_sources", "sha256", "file_name")
    files = ("LEFT JOIN (SELECT sha256, min(file_name) AS file_name FROM release_sources "
             "GROUP BY sha256) f ON f.sha256 = page.source_file_sha256") if named else ""
    columns = ", ".join(
        "page.supplier_shown AS supplier_name" if c == "supplier_name"
        else "CASE WHEN page.is_redacted THEN NULL ELSE page.supplier_id END AS supplier_id"
        if c == "supplier_id"
        else ("f.file_name" if named else "NULL::VARCHAR") + " AS source_file"
        if c == "source_file"
        else f"page.{c}"
        for c in PAYMENT_COLUMNS
    )
    pruning, pruning_params = _where(_prunable(filters))
    pruning = pruning.replace("WHERE ", "AND ", 1)
    df = db.frame(
        f"""
        WITH page AS (
            SELECT {", ".join(_PAGE_SOURCE_COLUMNS)}, {_SUPPLIER_SHOWN} AS supplier_shown
            FROM {SPENDING_TABLE}
            WHERE rowid BETWEEN ? AND ? AND rowid IN (SELECT unnest(?::BIGINT[])) {pruning}
        )
        SELECT {columns}
        FROM page {files}
        ORDER BY {", ".join(f"page.{term}" for term in order.split(", "))}
        """,
        [REDACTED_LABEL, min(rids or [0]), max(rids or [-1]), list(rids or []),
         *pruning_params],
    )
    df["is_redacted"] = df["is_redacted"].astype(bool)
    df["source_line"] = df["source_line"].astype("int64")
    return PaymentsPage(rows=df.reset_index(drop=True), total=total, limit=limit,
                        totals=totals)
