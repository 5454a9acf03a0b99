"""Warehouse access: where the warehouse is, read-only connections, the per-file cache, and
the `_query` decorator that makes each query public, cached and recordable (`PUBLIC_QUERIES`,
`record_calls`); with the errors and the small helpers every query module shares."""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pandas as pd
import streamlit as st

from etl.paths import SQL_DIR
from etl.warehouse import WAREHOUSE_FILE

HOME_ENV = "SPENDPUB_HOME"
DEFAULT_HOME = "var"
SPENDING_TABLE = "spending"

# Cached results live at most this long even if the warehouse file's identity did not change
# (belt and braces: a file rewritten in place within the same nanosecond, same size and inode).
_CACHE_TTL_SECONDS = 600
_CACHE_MAX_ENTRIES = 1024

_HOW_TO_PUBLISH = "Run `make demo` (sample data) or `spendpub publish` to build it."


# --------------------------------------------------------------------------- errors


class WarehouseError(RuntimeError):
    """The warehouse cannot be read."""


class NoWarehouse(WarehouseError):
    """There is no published warehouse (or it holds no spending table) yet."""


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
    """The SELECT of etl/sql/marts/<table>.sql (its `create or replace table ... as` removed), with
    any agg it is rolled up from inlined the same way (a warehouse without one lacks the other)."""
    if not re.fullmatch(r"agg_[a-z_]+", table):
        raise ValueError(table)
    text = (SQL_DIR / "marts" / f"{table}.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    match = re.search(r"create\s+or\s+replace\s+table\s+\w+\s+as\s", body, re.IGNORECASE)
    if not match:
        raise ValueError(f"{table}.sql is not `create or replace table {table} as ...`")
    select = body[match.end():].strip().rstrip(";")
    return re.sub(r"\bfrom (agg_[a-z_]+)\b", lambda m: f"from ({_agg_select(m[1])}) as {m[1]}", select)


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
