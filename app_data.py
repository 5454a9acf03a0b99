"""The Streamlit app's only door to published data.

Every query here:

* opens the warehouse read-only, with DuckDB's external access disabled, and closes it again
  (connections are cheap; keeping none open lets ``spendpub publish`` swap in a new warehouse
  file with ``os.replace`` at any time);
* is parameterised with ``?`` placeholders: user input never becomes SQL text (sort orders and
  drill-down levels are chosen from fixed dictionaries of SQL fragments);
* is cached with ``st.cache_data`` under a key that includes the warehouse file's
  ``(st_mtime_ns, st_ino, st_size)``, so a newly published warehouse is picked up on the next
  call without restarting the app or clearing caches;
* keeps money exact: totals and amounts are ``decimal.Decimal`` (DataFrame columns of dtype
  ``object``), never floats. Only charts may convert to float, for drawing.

Pages read precomputed ``agg_*`` tables (``etl/sql/marts/agg_*.sql``, rebuilt by every publish)
wherever a plain query over ``spending`` would be slow on a large warehouse. A warehouse
published before an ``agg_*`` file existed still works: the same SQL is then run as a subquery.

Rows whose personal data were redacted (``is_redacted``) are shown, grouped and searched under
``REDACTED_LABEL`` whatever their stored supplier name is, and their supplier id is not shown.

Every public function is listed in ``PUBLIC_QUERIES`` and can be recorded (``record_calls``):
the latency benchmark (``bench/app_queries.py``) replays exactly the calls each page made.
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pandas as pd
import streamlit as st

from etl.paths import SQL_DIR
from etl.redact import REDACTED_LABEL
from etl.schema import dataset_names, load_schema
from etl.warehouse import WAREHOUSE_FILE

HOME_ENV = "SPENDPUB_HOME"
DEFAULT_HOME = "var"
SITE_DIR = "site"
CATALOG_FILE = "catalog.json"
SPENDING_TABLE = "spending"
RELEASES_TABLE = "releases"

DEFAULT_PAYMENTS_LIMIT = 1000
DEFAULT_TOP_SUPPLIERS = 10

# Cached results live at most this long even if the warehouse file's identity did not change
# (belt and braces: a file rewritten in place within the same nanosecond, same size and inode).
_CACHE_TTL_SECONDS = 600
_CACHE_MAX_ENTRIES = 1024

_HOW_TO_PUBLISH = "Run `make demo` (sample data) or `spendpub publish` to build it."

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
    * ``year``: one calendar year of periods.
    * ``period_from`` / ``period_to``: inclusive range of 'YYYY-MM' periods.
    * ``periods``: an explicit list of periods (combined with the range if both are given).
    * ``departments``: keep rows whose department is one of these.
    * ``supplier``: case-insensitive substring of the supplier name as displayed (redacted rows
      are displayed, and searched, as ``REDACTED_LABEL``). ``%`` and ``_`` match themselves.
    * ``supplier_exact``: one named supplier, exactly (never matches a redacted row).
    * ``text``: case-insensitive substring of the supplier as displayed, the department, the
      expense type or the purpose.
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
    year: int | None = None
    supplier_exact: str | None = None
    text: str = ""

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
        set_(self, "year", int(self.year) if self.year not in (None, "") else None)
        set_(self, "supplier_exact", self.supplier_exact or None)
        set_(self, "text", (self.text or "").strip())

    def publisher_only(self) -> Filters:
        """The same publisher, nothing else: what filter options (periods, departments) use."""
        return Filters(publisher_id=self.publisher_id)


def like_pattern(text: str) -> str:
    """An ILIKE pattern (with ESCAPE '\\') matching `text` anywhere, taking it literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(expression: str, text: str) -> tuple[str, list[Any]]:
    """`expression` contains `text` (any case, literally): SQL made of constant text, and its
    parameter. ILIKE without an ESCAPE clause is about three times faster in DuckDB, and means
    the same when the text has no wildcard (% _) nor backslash, so it is used then."""
    if any(ch in text for ch in "%_\\"):
        return f"{expression} ILIKE ? ESCAPE '\\'", [like_pattern(text)]
    return f"{expression} ILIKE ?", [f"%{text}%"]


# Supplier name as displayed: redacted rows never show what is stored. One `?` = REDACTED_LABEL.
_SUPPLIER_SHOWN = "(CASE WHEN is_redacted THEN ? ELSE supplier_name END)"


def _supplier_contains(text: str) -> tuple[str, list[Any]]:
    """The supplier as displayed contains `text`: a named supplier's name does, or, for a
    redacted row, REDACTED_LABEL does (decided here: the SQL text is one of two constants).
    Written so that DuckDB can push the test on the name down into its scan."""
    clause, pattern = _contains("supplier_name", text)
    if text.lower() in REDACTED_LABEL.lower():
        return f"(is_redacted OR {clause})", pattern
    return f"(NOT is_redacted AND {clause})", pattern


def _where(filters: Filters) -> tuple[str, list[Any]]:
    """A WHERE clause made only of constant SQL text, and its parameters in order."""
    clauses: list[str] = []
    params: list[Any] = []
    if filters.year is not None:
        clauses.append("period >= ? AND period <= ?")
        params.extend([f"{filters.year:04d}-01", f"{filters.year:04d}-12"])
    # one bound value each; the SQL text is constant
    for value, clause in ((filters.publisher_id, "publisher_id = ?"), (filters.period_from, "period >= ?"),
                          (filters.period_to, "period <= ?"), (filters.supplier_exact, "NOT is_redacted AND supplier_name = ?"),
                          (filters.amount_min, "amount >= ?"), (filters.amount_max, "amount <= ?")):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    if filters.periods:
        clauses.append("list_contains(?::VARCHAR[], period)")
        params.append(list(filters.periods))
    if filters.departments:
        clauses.append("list_contains(?::VARCHAR[], department)")
        params.append(list(filters.departments))
    if filters.supplier:
        clause, pattern = _supplier_contains(filters.supplier)
        clauses.append(clause)
        params.extend(pattern)
    if filters.text:
        parts = [_supplier_contains(filters.text)] + [
            _contains(column, filters.text) for column in ("department", "expense_type",
                                                           "purpose")]
        clauses.append("(" + " OR ".join(clause for clause, _ in parts) + ")")
        for _, pattern in parts:
            params.extend(pattern)
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


def home_path() -> Path:
    """`$SPENDPUB_HOME` (default ./var), made absolute."""
    return Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).expanduser().absolute()


def warehouse_path() -> Path:
    """`$SPENDPUB_HOME/warehouse.duckdb` (SPENDPUB_HOME defaults to ./var), made absolute."""
    return home_path() / WAREHOUSE_FILE


def warehouse_key() -> WarehouseKey:
    """The current warehouse file's identity; NoWarehouse when there is no file."""
    path = warehouse_path()
    try:
        st_ = path.stat()
    except FileNotFoundError:
        raise _missing(path) from None
    return WarehouseKey(str(path), st_.st_mtime_ns, st_.st_ino, st_.st_size)


_anchors: dict[str, duckdb.DuckDBPyConnection] = {}
_anchors_lock = threading.Lock()


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(path, read_only=True, config={"enable_external_access": False})


def _anchor(real: str) -> None:
    """Keep one connection open to this warehouse version (and none to older ones), so that
    the next connections reuse the database DuckDB already has open instead of reading its
    catalogue again (about 15 ms a query on a large warehouse)."""
    with _anchors_lock:
        if real in _anchors:
            return
        for old in list(_anchors):
            _anchors.pop(old).close()
        _anchors[real] = _connect(real)


@contextmanager
def open_warehouse(path: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh read-only connection, without external access, closed on exit.

    In a versioned home, `warehouse.duckdb` is a symlink to `versions/<release>/...`, a file a
    publish never rewrites: that file is opened by its own path, and an anchor connection is
    kept to it until another version is current (`_anchor`). A plain file, which a publish may
    replace in place, is opened afresh each time, so a new file is never mistaken for the
    database DuckDB still has open under the same name."""
    target = Path(path) if path is not None else warehouse_path()
    if not target.exists():
        raise _missing(target)
    real = os.path.realpath(target)
    versioned = real != os.path.abspath(target)
    try:
        if versioned:
            _anchor(real)
        con = _connect(real if versioned else str(target))
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


def _frame(columns: list[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Rows as a DataFrame built from Python values (DECIMAL stays Decimal, never float)."""
    data = {name: pd.Series([r[i] for r in rows], dtype=object) for i, name in enumerate(columns)}
    return pd.DataFrame(data, columns=columns)


def _int_columns(df: pd.DataFrame, *names: str) -> pd.DataFrame:
    for name in names:
        df[name] = df[name].astype("int64")
    return df


class _Db:
    """One open connection plus what the warehouse holds (tables and their columns)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tables: dict[str, frozenset[str]]):
        self.con = con
        self.tables = tables

    def has(self, table: str, *columns: str) -> bool:
        return table in self.tables and set(columns) <= self.tables[table]

    def source(self, table: str) -> str:
        """`agg_x`, or the agg's own SQL as a subquery when the warehouse predates it."""
        if table in self.tables:
            return table
        return f"({_agg_select(table)}) AS {table}"

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return _frame(*_fetch(self.con, sql, params))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return _fetch(self.con, sql, params)[1]


@functools.lru_cache(maxsize=None)
def _agg_select(table: str) -> str:
    """The SELECT of etl/sql/marts/<table>.sql (its `create or replace table ... as` removed)."""
    if not re.fullmatch(r"agg_[a-z_]+", table):
        raise ValueError(table)
    text = (SQL_DIR / "marts" / f"{table}.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    match = re.search(r"create\s+or\s+replace\s+table\s+\w+\s+as\s", body, re.IGNORECASE)
    if not match:
        raise ValueError(f"{table}.sql is not `create or replace table {table} as ...`")
    return body[match.end():].strip().rstrip(";")


_catalogs: dict[WarehouseKey, dict[str, frozenset[str]]] = {}


@contextmanager
def _db(key: WarehouseKey) -> Iterator[_Db]:
    with open_warehouse(key.path) as con:
        tables = _catalogs.get(key)
        if tables is None:  # once per warehouse file: its tables and their columns
            _, rows = _fetch(
                con,
                "SELECT table_name, list(column_name) FROM duckdb_columns() "
                "WHERE database_name = current_database() AND schema_name = current_schema() "
                "GROUP BY table_name",
            )
            tables = {name: frozenset(cols) for name, cols in rows}
            if len(_catalogs) > 16:
                _catalogs.clear()
            _catalogs[key] = tables
        yield _Db(con, tables)


_cache = st.cache_data(ttl=_CACHE_TTL_SECONDS, max_entries=_CACHE_MAX_ENTRIES, show_spinner=False)

# Calls recorded by `record_calls()`: (function name, args, kwargs).
_recorded: list[tuple[str, tuple[Any, ...], dict[str, Any]]] | None = None
PUBLIC_QUERIES: dict[str, Callable[..., Any]] = {}


@contextmanager
def record_calls() -> Iterator[list[tuple[str, tuple[Any, ...], dict[str, Any]]]]:
    """Record every public query the app makes inside the block (for the benchmark)."""
    global _recorded
    previous, _recorded = _recorded, []
    try:
        yield _recorded
    finally:
        _recorded = previous


def _query(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Make `fn(db, *args)` a public, cached query `name(*args)` over the current warehouse.

    The uncached form stays reachable as `name.uncached(*args)` (for the benchmark)."""
    @_cache
    def cached(key: WarehouseKey, name: str, *args: Any, **kwargs: Any) -> Any:
        with _db(key) as db:
            return fn(db, *args, **kwargs)

    @functools.wraps(fn)
    def public(*args: Any, **kwargs: Any) -> Any:
        if _recorded is not None:
            _recorded.append((fn.__name__, args, kwargs))
        return cached(warehouse_key(), fn.__name__, *args, **kwargs)

    def uncached(*args: Any, **kwargs: Any) -> Any:
        with _db(warehouse_key()) as db:
            return fn(db, *args, **kwargs)

    public.uncached = uncached  # type: ignore[attr-defined]
    PUBLIC_QUERIES[fn.__name__] = public
    return public


def _q2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _ratio(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or whole is None or whole == 0:
        return None
    return Decimal(part) / Decimal(whole)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Publisher:
    publisher_id: str
    name: str
    currencies: tuple[str, ...]
    years: tuple[int, ...] = ()
    country: str | None = None
    url: str | None = None
    population: int | None = None
    population_year: int | None = None


@dataclass(frozen=True)
class YearFigures:
    """One publisher's year: exact totals per currency and counts over all currencies."""

    year: int
    payments: int
    suppliers: int  # distinct named (non-redacted) suppliers
    redacted_payments: int
    totals: dict[str, Decimal]  # currency -> total, ordered by currency
    months: int
    first_period: str
    last_period: str


@dataclass(frozen=True)
class Overview:
    publisher: Publisher
    current: YearFigures | None
    previous: YearFigures | None
    budget: BudgetExecution | None

    def change(self, currency: str) -> Decimal | None:
        """Change of the total on the previous year (0.1 = +10%), None without one."""
        if self.current is None or self.previous is None:
            return None
        before = self.previous.totals.get(currency)
        return _ratio(self.current.totals.get(currency, Decimal(0)) - before, before) \
            if before else None

    def per_resident(self, currency: str) -> Decimal | None:
        population = self.publisher.population
        if self.current is None or not population or currency not in self.current.totals:
            return None
        return _q2(self.current.totals[currency] / Decimal(population))


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


@dataclass(frozen=True)
class Release:
    release_id: str
    published_at: datetime | None


@dataclass(frozen=True)
class PackageFile:
    kind: str  # "zip", "csv", "parquet", "json", "changelog", "changes"
    name: str  # path inside the package folder (the zip: its file name beside the folder)
    size: int


@dataclass(frozen=True)
class Package:
    publisher_id: str
    dataset: str  # the package's folder: "spending", "spending-2012-06"...
    title: str
    licence: str
    files: tuple[PackageFile, ...]
    sources: tuple[dict[str, Any], ...]
    descriptor: dict[str, Any] = field(repr=False, default_factory=dict)


# --------------------------------------------------------------------------- publishers, years


@_query
def list_publishers(db: _Db) -> list[Publisher]:
    """Every publisher with payments or a budget: id, latest name, currencies, years with
    payments, and its profile's country, web site and population (when the warehouse records
    them); by name."""
    return _all_publishers(db)


def _all_publishers(db: _Db) -> list[Publisher]:
    df = db.frame(
        f"""
        SELECT publisher_id,
               arg_max(publisher_name, year) AS publisher_name,
               list(DISTINCT currency ORDER BY currency) AS currencies,
               list(DISTINCT year ORDER BY year) AS years
        FROM {db.source('agg_by_year')}
        WHERE currency IS NOT NULL
        GROUP BY publisher_id
        """
    )
    found = {r.publisher_id: (r.publisher_name, tuple(r.currencies),
                              tuple(int(y) for y in r.years))
             for r in df.itertuples(index=False)}
    if _has_budget(db):
        for pid, name, currency in db.rows(
            f"SELECT publisher_id, arg_max(publisher_name, fiscal_year), min(currency) "
            f"FROM {BUDGET_TABLE} GROUP BY publisher_id"
        ):
            found.setdefault(pid, (name or pid, (currency,), ()))
    profile: dict[str, tuple[Any, ...]] = {}
    wanted = ("publisher_name", "country", "url", "population", "population_year")
    if db.has("publishers", "publisher_id", *wanted):
        for row in db.rows(f"SELECT publisher_id, {', '.join(wanted)} FROM publishers"):
            profile[row[0]] = row[1:]
    out = []
    for pid, (name, currencies, years) in found.items():
        _, country, url, population, population_year = profile.get(pid, (None,) * 5)
        out.append(Publisher(
            pid, name, currencies, years, country, url,
            int(population) if population is not None else None,
            int(population_year) if population_year is not None else None,
        ))
    return sorted(out, key=lambda p: (p.name, p.publisher_id))


@_query
def list_periods(db: _Db, filters: Filters | None = None) -> list[str]:
    """'YYYY-MM' periods with data, ascending, for the filters' publisher and year only."""
    f = filters or Filters()
    clauses, params = [], []
    if f.publisher_id is not None:
        clauses.append("publisher_id = ?")
        params.append(f.publisher_id)
    if f.year is not None:
        clauses.append("year = ?")
        params.append(f.year)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    df = db.frame(
        f"SELECT DISTINCT period FROM {db.source('agg_by_month')} {where} ORDER BY period",
        params,
    )
    return list(df["period"])


@_query
def list_departments(db: _Db, filters: Filters | None = None) -> list[str]:
    """Named departments with data, sorted, for the filters' publisher and year only."""
    f = filters or Filters()
    clauses, params = ["department IS NOT NULL"], []
    if f.publisher_id is not None:
        clauses.append("publisher_id = ?")
        params.append(f.publisher_id)
    if f.year is not None:
        clauses.append("year = ?")
        params.append(f.year)
    df = db.frame(
        f"SELECT DISTINCT department FROM {db.source('agg_by_function')} "
        f"WHERE {' AND '.join(clauses)} ORDER BY department",
        params,
    )
    return list(df["department"])


# --------------------------------------------------------------------------- overview


def _year_figures(df: pd.DataFrame, year: int) -> YearFigures | None:
    part = df[df["year"] == year]
    overall = part[part["currency"].isna()]
    if not len(overall):
        return None
    o = overall.iloc[0]
    per_currency = part[part["currency"].notna()].sort_values("currency")
    return YearFigures(
        year=year,
        payments=int(o["payments"]),
        suppliers=int(o["suppliers"]),
        redacted_payments=int(o["redacted_payments"]),
        totals={r.currency: r.total for r in per_currency.itertuples(index=False)},
        months=int(o["months"]),
        first_period=str(o["first_period"]),
        last_period=str(o["last_period"]),
    )


@_query
def overview(db: _Db, publisher_id: str, year: int) -> Overview | None:
    """The Overview page's figures for one publisher and year (and the year before).

    None when the publisher has no payments at all."""
    publisher = _publisher(db, publisher_id)
    if publisher is None:
        return None
    df = db.frame(
        f"""
        SELECT year, currency, payments, total, suppliers, redacted_payments, months,
               first_period, last_period
        FROM {db.source('agg_by_year')}
        WHERE publisher_id = ? AND (year = ? OR year = ?)
        """,
        [publisher_id, year, year - 1],
    )
    return Overview(
        publisher=publisher,
        current=_year_figures(df, year),
        previous=_year_figures(df, year - 1),
        budget=_budget_execution(db, publisher_id, year),
    )


def _publisher(db: _Db, publisher_id: str) -> Publisher | None:
    return next((p for p in _all_publishers(db) if p.publisher_id == publisher_id), None)


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


@_query
def latest_release(db: _Db, filters: Filters | None = None) -> Release | None:
    """The latest release that published rows of the filters' publisher (or any publisher).

    None when the warehouse has no usable `releases` table."""
    if not db.has(RELEASES_TABLE, "release_id", "published_at"):
        return None
    f = filters or Filters()
    where, params = "", []
    if f.publisher_id is not None and db.has(RELEASES_TABLE, "publisher_id"):
        where, params = "WHERE publisher_id = ?", [f.publisher_id]
    rows = db.rows(
        f"""
        SELECT release_id, published_at FROM {RELEASES_TABLE} {where}
        ORDER BY published_at DESC NULLS LAST, release_id DESC
        """,
        params,
    )
    if not rows:
        return None
    # Only a release whose rows are still published counts (a period published again
    # replaces the rows of the earlier release).
    live = {r[0] for r in db.rows(
        f"SELECT DISTINCT release_id FROM {db.source('agg_by_release')} {where}", params)}
    for release_id, published_at in rows:
        if release_id in live:
            return Release(release_id=str(release_id), published_at=published_at)
    return None


# --------------------------------------------------------------------------- data and downloads


@_query
def releases(db: _Db, publisher_id: str) -> pd.DataFrame:
    """Every release of one publisher, newest first, with every column the warehouse records
    (changelog columns included when the publish writes them), and `rows_live`: how many of
    its rows are still published."""
    if not db.has(RELEASES_TABLE, "release_id", "publisher_id"):
        return pd.DataFrame()
    order = "published_at DESC NULLS LAST, " if db.has(RELEASES_TABLE, "published_at") else ""
    df = db.frame(
        f"""
        SELECT r.*, coalesce(live.n, 0) AS rows_live
        FROM {RELEASES_TABLE} r
        LEFT JOIN (SELECT release_id, sum(payments) AS n FROM {db.source('agg_by_release')}
                   WHERE publisher_id = ? GROUP BY release_id) live USING (release_id)
        WHERE r.publisher_id = ?
        ORDER BY {order}release_id DESC
        """,
        [publisher_id, publisher_id],
    )
    return _int_columns(df, "rows_live")


@_query
def release_files(db: _Db, publisher_id: str) -> pd.DataFrame:
    """The source files behind one publisher's releases: release_id, published_at, file_name,
    sha256, bytes, encoding, period, header_line, rows_read, rows_loaded, control_total."""
    if not (db.has("release_sources", "release_id", "sha256")
            and db.has(RELEASES_TABLE, "release_id", "publisher_id", "published_at")):
        return pd.DataFrame()
    return db.frame(
        f"""
        SELECT s.release_id, r.published_at, s.* EXCLUDE (release_id)
        FROM release_sources s JOIN {RELEASES_TABLE} r USING (release_id)
        WHERE r.publisher_id = ?
        ORDER BY r.published_at DESC, s.period, s.file_name
        """,
        [publisher_id],
    )


@_query
def release_totals(db: _Db, publisher_id: str) -> pd.DataFrame:
    """Totals each release loaded, per period and currency."""
    if not (db.has("release_totals", "release_id") and db.has(RELEASES_TABLE, "publisher_id")):
        return pd.DataFrame()
    return db.frame(
        f"""
        SELECT t.* FROM release_totals t JOIN {RELEASES_TABLE} r USING (release_id)
        WHERE r.publisher_id = ?
        ORDER BY r.published_at DESC, t.period, t.currency
        """,
        [publisher_id],
    )


@_query
def redactions(db: _Db, publisher_id: str) -> pd.DataFrame:
    """Redacted payments now published for one publisher, by reason and year: reason, year,
    currency, payments (int), total (Decimal)."""
    df = db.frame(
        f"""
        SELECT redaction_reason AS reason, year, currency, payments, total
        FROM {db.source('agg_by_redaction')}
        WHERE publisher_id = ?
        ORDER BY year, reason, currency
        """,
        [publisher_id],
    )
    return _int_columns(df, "year", "payments")


def site_path() -> Path:
    return home_path() / SITE_DIR


def _safe_child(root: Path, *parts: str) -> Path | None:
    """root/parts, only if it stays inside root (ids come from the warehouse, but still)."""
    try:
        path = root.joinpath(*parts).resolve()
        path.relative_to(root.resolve())
    except (ValueError, OSError):
        return None
    return path


def packages(publisher_id: str) -> list[Package]:
    """The data packages published for one publisher under site/<publisher>/ (the cumulative
    one and one per period), read from their datapackage.json; the cumulative one first."""
    root = _safe_child(site_path(), publisher_id)
    if root is None or not root.is_dir():
        return []
    found = []
    for descriptor_path in sorted(root.glob("*/datapackage.json")):
        folder = descriptor_path.parent
        try:
            descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        files = []
        zipped = root / f"{folder.name}.zip"
        if zipped.is_file():
            files.append(PackageFile("zip", zipped.name, zipped.stat().st_size))
        for resource in descriptor.get("resources", ()):
            path = _safe_child(folder, str(resource.get("path", "")))
            if path is not None and path.is_file():
                kind = str(resource.get("format") or path.suffix.lstrip(".")).lower()
                files.append(PackageFile(kind, path.relative_to(folder.resolve()).as_posix(),
                                         path.stat().st_size))
        for name, kind in (("datapackage.json", "json"), ("CHANGELOG.md", "changelog"),
                           ("changes.csv", "changes")):
            if (folder / name).is_file():
                files.append(PackageFile(kind, name, (folder / name).stat().st_size))
        licences = descriptor.get("licenses") or [{}]
        found.append(Package(
            publisher_id=publisher_id,
            dataset=folder.name,
            title=str(descriptor.get("title", folder.name)),
            licence=str(licences[0].get("title") or licences[0].get("name") or ""),
            files=tuple(files),
            sources=tuple(descriptor.get("sources", ())),
            descriptor=descriptor,
        ))
    return sorted(found, key=lambda p: (len(p.dataset), p.dataset))


def package_bytes(publisher_id: str, dataset: str, name: str) -> bytes:
    """The bytes of one file of a published package (`name` as in `Package.files`), for a
    download button. Only files inside the publisher's own folder of the site are served."""
    root = _safe_child(site_path(), publisher_id)
    if root is None:
        raise FileNotFoundError(publisher_id)
    path = _safe_child(root, f"{dataset}.zip") if name == f"{dataset}.zip" \
        else _safe_child(root, dataset, name)
    if path is None or not path.is_file():
        raise FileNotFoundError(f"{publisher_id}/{dataset} has no file {name}")
    return path.read_bytes()


def catalog() -> dict[str, Any] | None:
    """site/catalog.json, the DCAT catalogue of every published package."""
    path = site_path() / CATALOG_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def changelog(publisher_id: str, dataset: str = "spending") -> str | None:
    """The package's CHANGELOG.md (Markdown), None when it has none."""
    path = _safe_child(site_path(), publisher_id, dataset, "CHANGELOG.md")
    if path is None or not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


def release_notes(publisher_id: str, release_id: str) -> str | None:
    """site/<publisher>/releases/<release>.md, the notes of one release, when published."""
    path = _safe_child(site_path(), publisher_id, "releases", f"{release_id}.md")
    if path is None or not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


@_query
def release_changes(db: _Db, publisher_id: str) -> pd.DataFrame:
    """What each release of a publisher changed in the periods it published again: release_id,
    period, previous_release_id, matched_by, rows_before, rows_after, added, removed, changed
    (empty when the warehouse does not record it)."""
    if not (db.has("release_period_changes", "release_id", "period")
            and db.has(RELEASES_TABLE, "release_id", "publisher_id")):
        return pd.DataFrame()
    return db.frame(
        f"""
        SELECT c.* FROM release_period_changes c JOIN {RELEASES_TABLE} r USING (release_id)
        WHERE r.publisher_id = ?
        ORDER BY r.published_at DESC, c.period
        """,
        [publisher_id],
    )


@dataclass(frozen=True)
class SchemaTable:
    name: str
    title: str
    title_fr: str
    description: str
    fields: pd.DataFrame = field(repr=False)


def data_dictionary() -> list[SchemaTable]:
    """Every published table's fields, from its Table Schema in schemas/ (spending first, then
    budget, then the standards' exports): name, title, type, required, description,
    constraints."""
    order = {"spending": 0, "budget": 1}
    out = []
    for name in sorted(dataset_names(), key=lambda n: (order.get(n, 2), n)):
        schema = load_schema(name)
        fields = pd.DataFrame(
            [
                {
                    "name": f.name,
                    "title": f.title,
                    "type": f.type,
                    "required": f.required,
                    "description": f.description,
                    "constraints": ", ".join(
                        f"{k}: {v}" for k, v in f.constraints.items() if k != "required"
                    ),
                }
                for f in schema.fields
            ]
        )
        d = schema.descriptor
        out.append(SchemaTable(name, str(d.get("title", name)),
                               str(d.get("title_fr", d.get("title", name))),
                               str(d.get("description", "")), fields))
    return out


# ============================================================================================
# BUDGET: every query on the `budget` table (schemas/budget.schema.json) is in this section.
#
# A budget line gives one amount for its document's phase (`phase`, `amount`), and may also give
# the voted, open and executed amounts of the same line (`amount_voted`, `amount_open`,
# `amount_executed`, as the French budget XML does). For each measure the app takes, for the
# year, the lines of the most final phase that carries it (executed > adjusted > approved >
# proposed), so that two documents of one year (a budget primitif and a compte administratif)
# are never added together:
#   voted    = amount_voted, or the amount of an 'approved' line
#   open     = amount_open, or the amount of an 'adjusted' line; the voted amount when the year
#              has neither (no amendment)
#   executed = amount_executed, or the amount of an 'executed' line
# Only real operations count (is_real not false: accounting-order operations move money inside
# the budget), and only whole-year amounts (fiscal_period empty) inside the budget totals
# (is_off_budget not true). Chapters are `chapter_code` (else `economic_code`, else the
# administrative unit, as for a federal budget by agency), functions are `functional_code` (else
# `cofog_code`). Optional columns missing from the table read as NULL.
# Without a `budget` table, or without rows for the body, the functions return nothing and the
# pages say that no budget is published for this body.
# ============================================================================================

BUDGET_TABLE = "budget"
BUDGET_REQUIRED = ("publisher_id", "fiscal_year", "phase", "direction", "amount", "currency")
BUDGET_OPTIONAL = ("publisher_name", "amount_voted", "amount_open", "amount_executed",
                   "chapter_code", "chapter_label", "economic_code", "economic_label",
                   "administrative_code", "administrative_label",
                   "functional_code", "functional_label", "cofog_code", "is_real",
                   "fiscal_period", "is_off_budget", "fiscal_year_start_month")
BUDGET_AXES = ("chapter", "function")
MEASURES = ("voted", "open", "executed", "proposed")
_STAGE = ("CASE phase WHEN 'executed' THEN 4 WHEN 'adjusted' THEN 3 WHEN 'approved' THEN 2 "
          "ELSE 1 END")


@dataclass(frozen=True)
class BudgetExecution:
    """One publisher's expenditure budget for a fiscal year: totals in its currency."""

    year: int
    currency: str
    voted: Decimal | None
    open: Decimal | None
    executed: Decimal | None
    executed_from: str  # "budget" (published executed amounts) or "payments" (the spending)

    @property
    def rate(self) -> Decimal | None:
        return _ratio(self.executed, self.open)


def _has_budget(db: _Db) -> bool:
    return db.has(BUDGET_TABLE, *BUDGET_REQUIRED)


def _b(db: _Db, column: str) -> str:
    """An optional budget column, or NULL when this warehouse's table lacks it."""
    return column if db.has(BUDGET_TABLE, column) else "NULL"


def _budget_filter(db: _Db) -> str:
    return (f"publisher_id = ? AND fiscal_year = ? AND direction = ? "
            f"AND coalesce({_b(db, 'is_real')}, true) "
            f"AND {_b(db, 'fiscal_period')} IS NULL "
            f"AND NOT coalesce({_b(db, 'is_off_budget')}, false)")


def _budget_lines(db: _Db, publisher_id: str, year: int, direction: str, axis: str | None
                  ) -> pd.DataFrame:
    """Voted, open, executed and proposed amounts per code of `axis` (one row when None) and
    currency, each measure from the most final phase that carries it."""
    if axis == "chapter":
        chapter, economic = _b(db, "chapter_code"), _b(db, "economic_code")
        administrative = _b(db, "administrative_code")
        code = f"coalesce({chapter}, {economic}, {administrative})"
        label = (f"CASE WHEN {chapter} IS NOT NULL THEN {_b(db, 'chapter_label')} "
                 f"WHEN {economic} IS NOT NULL THEN {_b(db, 'economic_label')} "
                 f"ELSE {_b(db, 'administrative_label')} END")
    elif axis == "function":
        functional, cofog = _b(db, "functional_code"), _b(db, "cofog_code")
        code = f"coalesce({functional}, {cofog})"
        label = f"CASE WHEN {functional} IS NOT NULL THEN {_b(db, 'functional_label')} END"
    elif axis == "cofog":
        code = f"left({_b(db, 'cofog_code')}, 2)"
        label = "NULL"
    else:
        code = label = "NULL"
    df = db.frame(
        f"""
        WITH lines AS (
            SELECT {code} AS code, {label} AS label, currency, {_STAGE} AS stage,
                   coalesce({_b(db, 'amount_voted')},
                            CASE WHEN phase = 'approved' THEN amount END) AS voted,
                   coalesce({_b(db, 'amount_open')},
                            CASE WHEN phase = 'adjusted' THEN amount END) AS open,
                   coalesce({_b(db, 'amount_executed')},
                            CASE WHEN phase = 'executed' THEN amount END) AS executed,
                   CASE WHEN phase = 'proposed' THEN amount END AS proposed
            FROM {BUDGET_TABLE}
            WHERE {_budget_filter(db)}
        ), best AS (
            SELECT max(stage) FILTER (WHERE voted IS NOT NULL) AS s_voted,
                   max(stage) FILTER (WHERE open IS NOT NULL) AS s_open,
                   max(stage) FILTER (WHERE executed IS NOT NULL) AS s_executed
            FROM lines
        )
        SELECT code, min(label) AS label, currency,
               sum(voted) FILTER (WHERE stage = s_voted) AS voted,
               sum(open) FILTER (WHERE stage = s_open) AS open,
               sum(executed) FILTER (WHERE stage = s_executed) AS executed,
               sum(proposed) AS proposed
        FROM lines, best
        GROUP BY code, currency
        """,
        [publisher_id, int(year), direction],
    )
    for measure in ("voted", "open", "executed"):  # zero on every line: not published
        if len(df) and all(v is None or _isnan(v) or v == 0 for v in df[measure]):
            df[measure] = None
    df["open_is_voted"] = bool(len(df)) and bool(df["open"].isna().all())
    if len(df) and df["open_is_voted"].all():  # no amendment: the credits open are those voted
        df["open"] = df["voted"]
    return df


@_query
def budget_years(db: _Db, publisher_id: str) -> list[int]:
    """Fiscal years with a published budget for this publisher (empty: no budget)."""
    if not _has_budget(db):
        return []
    rows = db.rows(
        f"SELECT DISTINCT fiscal_year FROM {BUDGET_TABLE} WHERE publisher_id = ? "
        "ORDER BY fiscal_year",
        [publisher_id],
    )
    return [int(r[0]) for r in rows]


def _budget_execution(db: _Db, publisher_id: str, year: int) -> BudgetExecution | None:
    """Share of the expenditure budget executed (Overview). Executed comes from the budget's
    executed amounts when published, else from the payments of the fiscal year in the same
    currency."""
    if not _has_budget(db):
        return None
    df = _budget_lines(db, publisher_id, year, "expenditure", None)
    if not len(df):
        return None
    row = df.sort_values("currency").iloc[0]
    currency = str(row["currency"])
    executed, source = row["executed"], "budget"
    if executed is None or _isnan(executed):
        start = db.rows(
            f"SELECT min({_b(db, 'fiscal_year_start_month')}) FROM {BUDGET_TABLE} "
            "WHERE publisher_id = ? AND fiscal_year = ?", [publisher_id, int(year)])[0][0]
        first, last = _fiscal_periods(int(year), int(start or 1))
        paid = db.rows(
            f"SELECT sum(total) FROM {db.source('agg_by_month')} "
            "WHERE publisher_id = ? AND currency = ? AND period >= ? AND period <= ?",
            [publisher_id, currency, first, last])
        executed, source = paid[0][0], "payments"
    return BudgetExecution(int(year), currency, _none(row["voted"]), _none(row["open"]),
                           _none(executed), source)


def _fiscal_periods(year: int, start_month: int) -> tuple[str, str]:
    """First and last 'YYYY-MM' of a fiscal year named by the calendar year it ends in."""
    if start_month <= 1:
        return f"{year:04d}-01", f"{year:04d}-12"
    return f"{year - 1:04d}-{start_month:02d}", f"{year:04d}-{start_month - 1:02d}"


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def _none(value: Any) -> Any:
    return None if value is None or _isnan(value) else value


@_query
def budget_execution(db: _Db, publisher_id: str, year: int) -> BudgetExecution | None:
    """Voted, open and executed expenditure for the fiscal year, with the execution rate."""
    return _budget_execution(db, publisher_id, year)


@_query
def budget_vs_actual(db: _Db, publisher_id: str, year: int, axis: str = "chapter",
                     direction: str = "expenditure") -> pd.DataFrame:
    """Voted, open and executed amounts by chapter or by function, with the execution rate.

    Columns code, label, currency, voted, open, executed (Decimal or None), rate (Decimal or
    None: executed / open); by currency, then largest open amount first."""
    columns = ["code", "label", "currency", "voted", "open", "executed", "rate"]
    if not _has_budget(db) or axis not in BUDGET_AXES:
        return pd.DataFrame(columns=columns)
    df = _budget_lines(db, publisher_id, year, direction, axis)
    for name in ("voted", "open", "executed"):
        df[name] = df[name].map(_none).astype(object)
    df["rate"] = pd.Series([_ratio(e, o) for e, o in zip(df["executed"], df["open"],
                                                         strict=True)], dtype=object)
    df["_key"] = [o if o is not None else (v if v is not None else Decimal(0))
                  for o, v in zip(df["open"], df["voted"], strict=True)]
    df = df.sort_values(["currency", "_key", "code"], ascending=[True, False, True],
                        na_position="last", kind="stable")
    return df[columns].reset_index(drop=True)


@_query
def budget_by_function(db: _Db, publisher_id: str, year: int, level: str = "function"
                       ) -> tuple[str, pd.DataFrame]:
    """Expenditure by function for "Your taxes", from the most final measure published for the
    year: executed, else open, else voted, else proposed. `level`: "function" (the body's own
    functional codes) or "cofog" (COFOG divisions, with their English and French labels).

    Returns (measure, frame of code, label, label_fr, currency, amount (Decimal), share
    (Decimal, of the currency's positive total)), largest first; ("", empty frame) without a
    budget."""
    empty = pd.DataFrame(columns=["code", "label", "label_fr", "currency", "amount", "share"])
    if not _has_budget(db):
        return "", empty
    df = _budget_lines(db, publisher_id, year, "expenditure",
                       "cofog" if level == "cofog" else "function")
    df["label_fr"] = df["label"]
    if level == "cofog" and db.has("cofog", "cofog_code", "label_en", "label_fr"):
        labels = {c: (en, fr) for c, en, fr in db.rows(
            "SELECT cofog_code, label_en, label_fr FROM cofog WHERE level = 1")}
        df["label"] = [labels.get(c, (None, None))[0] for c in df["code"]]
        df["label_fr"] = [labels.get(c, (None, None))[1] for c in df["code"]]
    measures = ["executed", "open", "voted", "proposed"]
    if len(df) and df["open_is_voted"].all():
        measures.remove("open")
    for measure in measures:
        amounts = df[measure].map(_none)
        part = df[amounts.notna() & amounts.map(lambda a: a is not None and a > 0)]
        if not len(part):
            continue
        out = pd.DataFrame({"code": part["code"], "label": part["label"],
                            "label_fr": part["label_fr"], "currency": part["currency"],
                            "amount": part[measure]})
        totals = out.groupby("currency")["amount"].agg(lambda s: sum(s, Decimal(0)))
        out["share"] = pd.Series([a / totals[c] for a, c in zip(out["amount"], out["currency"],
                                                                 strict=True)],
                                 dtype=object, index=out.index)
        out = out.sort_values(["currency", "amount"], ascending=[True, False], kind="stable")
        return measure, out.reset_index(drop=True)
    return "", empty
