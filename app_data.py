"""The Streamlit app's only door to published data.

Every query here:

* opens the warehouse read-only, with DuckDB's external access disabled, and closes it again
  (connections are cheap; keeping none open lets ``spendpub publish`` swap in a new warehouse
  file with ``os.replace`` at any time);
* is parameterised with ``?`` placeholders: user input never becomes SQL text;
* is cached with ``st.cache_data`` under a key that includes the warehouse file's
  ``(st_mtime_ns, st_ino, st_size)``, so a newly published warehouse is picked up on the next
  call without restarting the app or clearing caches;
* keeps money exact: totals and amounts are ``decimal.Decimal`` (DataFrame columns of dtype
  ``object``), never floats. Only charts may convert to float, for drawing.

Rows whose personal data were redacted (``is_redacted``) are shown, grouped and searched under
``REDACTED_LABEL`` whatever their stored supplier name is.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pandas as pd
import streamlit as st

from etl.redact import REDACTED_LABEL
from etl.warehouse import WAREHOUSE_FILE

HOME_ENV = "SPENDPUB_HOME"
DEFAULT_HOME = "var"
SPENDING_TABLE = "spending"
RELEASES_TABLE = "releases"

DEFAULT_PAYMENTS_LIMIT = 1000
DEFAULT_TOP_SUPPLIERS = 10

# Cached results live at most this long even if the warehouse file's identity did not change
# (belt and braces: a file rewritten in place within the same nanosecond, same size and inode).
_CACHE_TTL_SECONDS = 600
_CACHE_MAX_ENTRIES = 512

_HOW_TO_PUBLISH = "Run `make demo` (sample data) or `spendpub publish` to build it."

# Columns of the payments table, in display order. `supplier_name` is masked for redacted rows.
PAYMENT_COLUMNS: tuple[str, ...] = (
    "payment_date",
    "period",
    "publisher_id",
    "publisher_name",
    "department",
    "supplier_name",
    "expense_type",
    "purpose",
    "amount",
    "currency",
    "is_redacted",
    "release_id",
    "source_file_sha256",
    "source_line",
)


# --------------------------------------------------------------------------- errors


class WarehouseError(RuntimeError):
    """The warehouse cannot be read."""


class NoWarehouse(WarehouseError):
    """There is no published warehouse (or it holds no spending table) yet."""


# --------------------------------------------------------------------------- filters


def _to_money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        # A float comes from a UI number box: take the 2-decimal value the user sees.
        value = f"{value:.2f}"
    try:
        money = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not money.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return money


def _to_tuple(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(values)


@dataclass(frozen=True)
class Filters:
    """What the user asked to see. Empty or None fields do not filter.

    * ``publisher_id``: one publisher, or None for all.
    * ``period_from`` / ``period_to``: inclusive range of 'YYYY-MM' periods.
    * ``periods``: an explicit list of periods (combined with the range if both are given).
    * ``departments``: keep rows whose department is one of these.
    * ``supplier``: case-insensitive substring of the supplier name as displayed (redacted rows
      are displayed, and searched, as ``REDACTED_LABEL``). ``%`` and ``_`` match themselves.
    * ``amount_min`` / ``amount_max``: inclusive bounds on the amount (Decimal; str/int/float
      are converted, floats rounded to 2 decimals).
    """

    publisher_id: str | None = None
    period_from: str | None = None
    period_to: str | None = None
    periods: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    supplier: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "publisher_id", self.publisher_id or None)
        set_(self, "period_from", self.period_from or None)
        set_(self, "period_to", self.period_to or None)
        set_(self, "periods", _to_tuple(self.periods))
        set_(self, "departments", _to_tuple(self.departments))
        set_(self, "supplier", (self.supplier or "").strip())
        set_(self, "amount_min", _to_money(self.amount_min))
        set_(self, "amount_max", _to_money(self.amount_max))

    def publisher_only(self) -> Filters:
        """The same publisher, nothing else: what filter options (periods, departments) use."""
        return Filters(publisher_id=self.publisher_id)


def like_pattern(text: str) -> str:
    """An ILIKE pattern (with ESCAPE '\\') matching `text` anywhere, taking it literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Supplier name as displayed: redacted rows never show what is stored. One `?` = REDACTED_LABEL.
_SUPPLIER_SHOWN = "(CASE WHEN is_redacted THEN ? ELSE supplier_name END)"


def _where(filters: Filters) -> tuple[str, list[Any]]:
    """A WHERE clause made only of constant SQL text, and its parameters in order."""
    clauses: list[str] = []
    params: list[Any] = []
    if filters.publisher_id is not None:
        clauses.append("publisher_id = ?")
        params.append(filters.publisher_id)
    if filters.period_from is not None:
        clauses.append("period >= ?")
        params.append(filters.period_from)
    if filters.period_to is not None:
        clauses.append("period <= ?")
        params.append(filters.period_to)
    if filters.periods:
        clauses.append("list_contains(?::VARCHAR[], period)")
        params.append(list(filters.periods))
    if filters.departments:
        clauses.append("list_contains(?::VARCHAR[], department)")
        params.append(list(filters.departments))
    if filters.supplier:
        clauses.append(f"{_SUPPLIER_SHOWN} ILIKE ? ESCAPE '\\'")
        params.extend([REDACTED_LABEL, like_pattern(filters.supplier)])
    if filters.amount_min is not None:
        clauses.append("amount >= ?")
        params.append(filters.amount_min)
    if filters.amount_max is not None:
        clauses.append("amount <= ?")
        params.append(filters.amount_max)
    if not clauses:
        return "", params
    return "WHERE " + " AND ".join(clauses), params


# --------------------------------------------------------------------------- warehouse access


class WarehouseKey(NamedTuple):
    """Identity of one warehouse file version: part of every cache key."""

    path: str
    mtime_ns: int
    inode: int
    size: int


def _missing(path: Path) -> NoWarehouse:
    return NoWarehouse(
        f"No published data yet: the warehouse {path} does not exist. {_HOW_TO_PUBLISH}"
    )


def warehouse_path() -> Path:
    """`$SPENDPUB_HOME/warehouse.duckdb` (SPENDPUB_HOME defaults to ./var), made absolute."""
    home = os.environ.get(HOME_ENV) or DEFAULT_HOME
    return (Path(home).expanduser() / WAREHOUSE_FILE).absolute()


def warehouse_key() -> WarehouseKey:
    """The current warehouse file's identity; NoWarehouse when there is no file."""
    path = warehouse_path()
    try:
        st_ = path.stat()
    except FileNotFoundError:
        raise _missing(path) from None
    return WarehouseKey(str(path), st_.st_mtime_ns, st_.st_ino, st_.st_size)


@contextmanager
def open_warehouse(path: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh read-only connection, without external access, closed on exit."""
    target = Path(path) if path is not None else warehouse_path()
    if not target.exists():
        raise _missing(target)
    try:
        con = duckdb.connect(
            str(target), read_only=True, config={"enable_external_access": False}
        )
    except duckdb.Error as exc:
        if not target.exists():  # removed between the check and the open
            raise _missing(target) from exc
        raise WarehouseError(f"Cannot open the warehouse {target}: {exc}") from exc
    try:
        yield con
    finally:
        con.close()


def _fetch(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> tuple[list[str], list[tuple[Any, ...]]]:
    try:
        cur = con.execute(sql, list(params))
    except duckdb.CatalogException as exc:
        raise NoWarehouse(
            f"The warehouse does not hold the published `{SPENDING_TABLE}` table the app "
            f"expects ({exc}). {_HOW_TO_PUBLISH}"
        ) from exc
    columns = [d[0] for d in cur.description]
    return columns, cur.fetchall()


def _query(key: WarehouseKey, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Rows as a DataFrame built from Python values (DECIMAL stays Decimal, never float)."""
    with open_warehouse(key.path) as con:
        columns, rows = _fetch(con, sql, params)
    return _frame(columns, rows)


def _frame(columns: list[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    data = {name: pd.Series([r[i] for r in rows], dtype=object) for i, name in enumerate(columns)}
    return pd.DataFrame(data, columns=columns)


def _int_columns(df: pd.DataFrame, *names: str) -> pd.DataFrame:
    for name in names:
        df[name] = df[name].astype("int64")
    return df


_cache = st.cache_data(ttl=_CACHE_TTL_SECONDS, max_entries=_CACHE_MAX_ENTRIES, show_spinner=False)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Publisher:
    publisher_id: str
    name: str
    currencies: tuple[str, ...]


@dataclass(frozen=True)
class Headline:
    payments: int
    totals: dict[str, Decimal]  # currency -> exact total, ordered by currency
    suppliers: int  # distinct named (non-redacted) suppliers
    redacted_payments: int


@dataclass(frozen=True)
class PaymentsPage:
    rows: pd.DataFrame  # PAYMENT_COLUMNS, at most `limit` rows
    total: int  # rows matching the filters
    limit: int

    @property
    def shown(self) -> int:
        return len(self.rows)

    @property
    def caption(self) -> str:
        noun = "payment" if self.total == 1 else "payments"
        return f"Showing {self.shown:,} of {self.total:,} {noun}"


@dataclass(frozen=True)
class Release:
    release_id: str
    published_at: datetime | None


# --------------------------------------------------------------------------- cached queries


@_cache
def _publishers(key: WarehouseKey) -> list[Publisher]:
    df = _query(
        key,
        f"""
        SELECT publisher_id,
               arg_max(publisher_name, period) AS publisher_name,
               list(DISTINCT currency ORDER BY currency) AS currencies
        FROM {SPENDING_TABLE}
        GROUP BY publisher_id
        ORDER BY publisher_name, publisher_id
        """,
    )
    return [
        Publisher(r.publisher_id, r.publisher_name, tuple(r.currencies))
        for r in df.itertuples(index=False)
    ]


@_cache
def _periods(key: WarehouseKey, filters: Filters) -> list[str]:
    where, params = _where(filters)
    df = _query(
        key, f"SELECT DISTINCT period FROM {SPENDING_TABLE} {where} ORDER BY period", params
    )
    return list(df["period"])


@_cache
def _departments(key: WarehouseKey, filters: Filters) -> list[str]:
    where, params = _where(filters)
    extra = "department IS NOT NULL"
    where = f"{where} AND {extra}" if where else f"WHERE {extra}"
    df = _query(
        key,
        f"SELECT DISTINCT department FROM {SPENDING_TABLE} {where} ORDER BY department",
        params,
    )
    return list(df["department"])


@_cache
def _totals_by_month(key: WarehouseKey, filters: Filters) -> pd.DataFrame:
    where, params = _where(filters)
    df = _query(
        key,
        f"""
        SELECT period, currency, sum(amount) AS total, count(*) AS payments
        FROM {SPENDING_TABLE} {where}
        GROUP BY period, currency
        ORDER BY period, currency
        """,
        params,
    )
    return _int_columns(df, "payments")


@_cache
def _totals_by_department(key: WarehouseKey, filters: Filters) -> pd.DataFrame:
    where, params = _where(filters)
    df = _query(
        key,
        f"""
        SELECT department, currency, sum(amount) AS total, count(*) AS payments
        FROM {SPENDING_TABLE} {where}
        GROUP BY department, currency
        ORDER BY currency, total DESC, department NULLS LAST
        """,
        params,
    )
    return _int_columns(df, "payments")


@_cache
def _top_suppliers(key: WarehouseKey, filters: Filters, n: int) -> pd.DataFrame:
    where, params = _where(filters)
    df = _query(
        key,
        f"""
        SELECT {_SUPPLIER_SHOWN} AS supplier,
               is_redacted AS redacted,
               currency,
               sum(amount) AS total,
               count(*) AS payments
        FROM {SPENDING_TABLE} {where}
        GROUP BY ALL
        ORDER BY total DESC, supplier NULLS LAST, currency, redacted
        LIMIT ?
        """,
        [REDACTED_LABEL, *params, n],
    )
    df["redacted"] = df["redacted"].astype(bool)
    return _int_columns(df, "payments")


@_cache
def _payments(key: WarehouseKey, filters: Filters, limit: int) -> PaymentsPage:
    where, params = _where(filters)
    select = ", ".join(
        f"{_SUPPLIER_SHOWN} AS supplier_name" if c == "supplier_name" else c
        for c in PAYMENT_COLUMNS
    )
    df = _query(
        key,
        f"""
        SELECT {select}, count(*) OVER () AS _matching
        FROM {SPENDING_TABLE} {where}
        ORDER BY payment_date DESC, publisher_id, source_file_sha256, source_line
        LIMIT ?
        """,
        [REDACTED_LABEL, *params, limit],
    )
    total = int(df["_matching"].iloc[0]) if len(df) else 0
    if not len(df) and limit <= 0:
        total = int(
            _query(key, f"SELECT count(*) AS n FROM {SPENDING_TABLE} {where}", params)["n"].iloc[0]
        )
    rows = df.drop(columns="_matching")
    rows["is_redacted"] = rows["is_redacted"].astype(bool)
    rows["source_line"] = rows["source_line"].astype("int64")
    return PaymentsPage(rows=rows.reset_index(drop=True), total=total, limit=limit)


@_cache
def _headline(key: WarehouseKey, filters: Filters) -> Headline:
    where, params = _where(filters)
    df = _query(
        key,
        f"""
        SELECT currency,
               grouping(currency) AS is_all,
               count(*) AS payments,
               sum(amount) AS total,
               count(DISTINCT CASE WHEN NOT is_redacted THEN supplier_name END) AS suppliers,
               count(*) FILTER (WHERE is_redacted) AS redacted_payments
        FROM {SPENDING_TABLE} {where}
        GROUP BY GROUPING SETS ((currency), ())
        ORDER BY is_all, currency
        """,
        params,
    )
    overall = df[df["is_all"] == 1].iloc[0]
    per_currency = df[df["is_all"] == 0]
    return Headline(
        payments=int(overall["payments"]),
        totals={r.currency: r.total for r in per_currency.itertuples(index=False)},
        suppliers=int(overall["suppliers"]),
        redacted_payments=int(overall["redacted_payments"]),
    )


@_cache
def _latest_release(key: WarehouseKey, filters: Filters) -> Release | None:
    with open_warehouse(key.path) as con:
        _, cols = _fetch(
            con,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ?",
            [RELEASES_TABLE],
        )
        names = {c[0] for c in cols}
        if not {"release_id", "published_at"} <= names:
            return None
        where, params = _where(filters.publisher_only())
        columns, rows = _fetch(
            con,
            f"""
            SELECT release_id, published_at
            FROM {RELEASES_TABLE}
            WHERE release_id IN (SELECT DISTINCT release_id FROM {SPENDING_TABLE} {where})
            ORDER BY published_at DESC NULLS LAST, release_id DESC
            LIMIT 1
            """,
            params,
        )
    if not rows:
        return None
    release_id, published_at = rows[0]
    return Release(release_id=str(release_id), published_at=published_at)


# --------------------------------------------------------------------------- public API


def list_publishers() -> list[Publisher]:
    """Every publisher in the warehouse: id, (latest) name and the currencies it pays in."""
    return _publishers(warehouse_key())


def list_periods(filters: Filters | None = None) -> list[str]:
    """'YYYY-MM' periods with data, ascending. Only the filters' publisher is applied."""
    return _periods(warehouse_key(), (filters or Filters()).publisher_only())


def list_departments(filters: Filters | None = None) -> list[str]:
    """Named departments with data, sorted. Only the filters' publisher is applied."""
    return _departments(warehouse_key(), (filters or Filters()).publisher_only())


def totals_by_month(filters: Filters) -> pd.DataFrame:
    """Columns period, currency, total (Decimal), payments (int); by period then currency."""
    return _totals_by_month(warehouse_key(), filters)


def totals_by_department(filters: Filters) -> pd.DataFrame:
    """Columns department (None when not stated), currency, total (Decimal), payments (int).

    Ordered by currency, then largest total first.
    """
    return _totals_by_department(warehouse_key(), filters)


def top_suppliers(filters: Filters, n: int = DEFAULT_TOP_SUPPLIERS) -> pd.DataFrame:
    """The `n` largest (supplier, currency) totals.

    Columns supplier (REDACTED_LABEL for all redacted rows), redacted (bool), currency,
    total (Decimal), payments (int).
    """
    return _top_suppliers(warehouse_key(), filters, int(n))


def payments(filters: Filters, limit: int = DEFAULT_PAYMENTS_LIMIT) -> PaymentsPage:
    """The matching payments, newest first, at most `limit` of them, and how many match."""
    return _payments(warehouse_key(), filters, max(int(limit), 0))


def headline(filters: Filters) -> Headline:
    """Payments count, exact total per currency, distinct named suppliers, redacted payments."""
    return _headline(warehouse_key(), filters)


def latest_release(filters: Filters | None = None) -> Release | None:
    """The latest release that published rows of the filters' publisher (or any publisher).

    None when the warehouse has no usable `releases` table.
    """
    return _latest_release(warehouse_key(), filters or Filters())
