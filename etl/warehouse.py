"""The warehouse: one DuckDB file of marts, built inside a staged version of the home.

A publish never writes into the live file: it attaches the staged copy (see etl/home.py) as `wh`
on its work connection, loads it in one transaction, and the home switches versions afterwards.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import duckdb

from .home import WAREHOUSE_FILE
from .paths import DATASETS_DIR, SQL_DIR
from .schema import dataset_names, load_schema
from .sqltext import quote_ident, quote_literal

SETUP_MARTS = ("releases.sql", "cofog.sql")  # bookkeeping and reference tables, not derived marts
RELEASES_SQL = (SQL_DIR / "marts" / "releases.sql").read_text(encoding="utf-8")
COFOG_SQL = (SQL_DIR / "marts" / "cofog.sql").read_text(encoding="utf-8")
COFOG_CSV = DATASETS_DIR / "reference" / "cofog" / "cofog.csv"

# One row: the marts_digest of the definitions the derived marts' rows were built with.
MARTS_DIGEST_TABLE = "derived_marts_digest"
_MART_CREATE = re.compile(r"^create or replace table (\w+) as", re.MULTILINE)

__all__ = ["WAREHOUSE_FILE", "AttachedWarehouse", "derived_marts"]


def derived_marts(prefix: str = "") -> list[tuple[str, str]]:
    """(name, SQL) of the derived marts (etl/sql/marts, every file but SETUP_MARTS) whose name
    starts with prefix, in the order they are built: by name, except that a mart rolled up from
    another one (its SQL reads `from <that mart>`) comes after it."""
    scripts = {p.stem: p.read_text(encoding="utf-8") for p in sorted((SQL_DIR / "marts").glob(f"{prefix}*.sql"))
               if p.name not in SETUP_MARTS}
    ordered: list[str] = []

    def add(name: str, path: tuple[str, ...] = ()) -> None:
        if name in path:
            raise ValueError(f"marts built from each other: {' -> '.join((*path, name))}")
        if name not in ordered:
            for other in scripts:
                if other != name and re.search(rf"\bfrom {other}\b", scripts[name]):
                    add(other, (*path, name))
            ordered.append(name)
    for name in scripts:
        add(name)
    return [(name, scripts[name]) for name in ordered]


def marts_digest(marts: list[tuple[str, str]]) -> str:
    """What the derived marts' rows depend on besides the canonical tables' rows: their SQL, the
    COFOG list and the canonical schemas. When it changes, every publisher's rows are built again."""
    h = hashlib.sha256()
    for name, sql in marts:
        h.update(f"{name}\0{sql}\0".encode())
    h.update(COFOG_CSV.read_bytes())
    for dataset in dataset_names():
        h.update(repr(load_schema(dataset).descriptor).encode())
    return h.hexdigest()


def _slice_sql(name: str, sql: str) -> str:
    """A mart's SQL made to build a temporary table of the same name (which then shadows the
    warehouse's in the marts rolled up from it)."""
    found = _MART_CREATE.findall(sql)
    if found != [name]:
        raise ValueError(f"etl/sql/marts/{name}.sql must create its table once with 'create or replace table {name} as'")
    return _MART_CREATE.sub(r"create or replace temp table \1 as", sql)


class AttachedWarehouse:
    """The staged warehouse file, attached to the work connection as `wh` while a publish runs."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path):
        self.con = con
        self.path = path
        con.execute(f"attach {quote_literal(str(path))} as wh")
        self._in_wh(RELEASES_SQL, COFOG_SQL.format(path=quote_literal(str(COFOG_CSV))),
                    f"create table if not exists {MARTS_DIGEST_TABLE} (sha256 varchar not null)")
        self._retype_old_columns()
        self._rewrite_on_detach = self._forget_content_fingerprints()   # their bytes must go too
        for dataset in dataset_names():  # every canonical table exists, so marts can join them
            self.ensure_table(dataset)

    def _retype_old_columns(self) -> None:
        """A column an earlier spendpub created with another type than releases.sql now declares
        (release_outlier_baselines.usual was DOUBLE: money is exact) takes the declared type, its
        values kept; one it created NOT NULL that may now be null (release_changes.match_key) loses
        the constraint. The declarations are read from the script run in an empty database."""
        self.con.execute("attach ':memory:' as wh_declared")
        try:
            self._in_wh(RELEASES_SQL, database="wh_declared")
            changed = self.con.execute("""
                select d.table_name, d.column_name, d.data_type,
                       d.data_type <> w.data_type, d.is_nullable and not w.is_nullable
                from duckdb_columns() d join duckdb_columns() w using (table_name, column_name)
                where d.database_name = 'wh_declared' and w.database_name = 'wh'
                  and (d.data_type <> w.data_type or d.is_nullable and not w.is_nullable)
                order by all""").fetchall()
        finally:
            self.con.execute("detach wh_declared")
        for table, column, type_, retype, nullable in changed:
            alter = f"alter table wh.{quote_ident(table)} alter {quote_ident(column)}"
            if retype:
                self.con.execute(f"{alter} set data type {type_}")
            if nullable:
                self.con.execute(f"{alter} drop not null")

    def _forget_content_fingerprints(self) -> bool:
        """Rows matched by content were once keyed by an md5 of the row as it was then: with a name
        redacted since, anyone could test a guess against it. Such keys are dropped; True if any was."""
        return self.con.execute("""
            update wh.release_changes c set match_key = null
            from wh.release_period_changes p
            where p.release_id = c.release_id and p.period = c.period and p.matched_by = 'fingerprint'
              and c.match_key is not null""").fetchone()[0] > 0

    def _in_wh(self, *statements: str, database: str = "wh") -> None:
        self.con.execute(f"use {quote_ident(database)}")
        try:
            for sql in statements:
                self.con.execute(sql)
        finally:
            self.con.execute("use memory")

    def ensure_table(self, dataset: str) -> None:
        self._in_wh(load_schema(dataset).create_table_sql(dataset).replace(
            "create table", "create table if not exists", 1))

    def upsert_publisher(self, profile) -> None:
        self.con.execute("insert or replace into wh.publishers values (?, ?, ?, ?, ?, ?)", [
            profile.publisher_id, profile.publisher_name, profile.country, profile.url,
            profile.population, profile.population_year])

    def replace_functional_tree(self, publisher_id: str, functions: str) -> None:
        """The publisher's functional tree from a chart's `functions` table (see load_m14)."""
        self.con.execute("delete from wh.functional_tree where publisher_id = ?", [publisher_id])
        self.con.execute("insert into wh.functional_tree select ?, function_code, function_label, "
                         f"parent_code from {quote_ident(functions)}", [publisher_id])

    def refresh_aggregates(self, publisher_id: str) -> None:
        """Bring the derived marts (budget_vs_actual, the agg_* tables the app reads) up to date
        after a change to one publisher's rows.

        Every mart groups by publisher and joins only on it (or on the COFOG list), so only that
        publisher's rows are built again: a small monthly publish into a home of many bodies does
        not pay for all of them. Every row is built again when the marts' definitions changed
        (marts_digest) or a mart is missing."""
        marts = derived_marts()
        digest = marts_digest(marts)
        built = self.con.execute(f"select sha256 from wh.{MARTS_DIGEST_TABLE}").fetchall()
        if built != [(digest,)] or not all(table_exists(self.con, name, "wh") for name, _ in marts):
            self.build_marts(marts)
            self.con.execute(f"delete from wh.{MARTS_DIGEST_TABLE}")
            self.con.execute(f"insert into wh.{MARTS_DIGEST_TABLE} values (?)", [digest])
            return
        self._refresh_publisher(marts, publisher_id)

    def build_marts(self, marts: list[tuple[str, str]]) -> None:
        """Build marts (derived_marts: name and SQL, in order) over every row of the warehouse."""
        self._in_wh(*(sql for _, sql in marts))

    def _refresh_publisher(self, marts: list[tuple[str, str]], publisher_id: str) -> None:
        """Each mart's rows of one publisher built into a temporary table from temporary views of
        the publisher's rows (they shadow the warehouse's tables), then swapped in."""
        names = [name for name, _ in marts]
        sources = [t for (t,) in self.con.execute(
            "select distinct table_name from duckdb_columns() where database_name = 'wh' and "
            "column_name = 'publisher_id' and not list_contains(?, table_name) order by 1", [names]).fetchall()]
        who = quote_literal(publisher_id)
        try:
            for table in sources:
                self.con.execute(f"create or replace temp view {quote_ident(table)} as "
                                 f"select * from wh.{quote_ident(table)} where publisher_id = {who}")
            self._in_wh(*(_slice_sql(name, sql) for name, sql in marts))
            for name in names:
                self.con.execute(f"delete from wh.{quote_ident(name)} where publisher_id = {who}")
                self.con.execute(f"insert into wh.{quote_ident(name)} select * from temp.{quote_ident(name)}")
        finally:
            drop_temp(self.con, *sources, *names)

    def next_seq(self) -> int:
        return self.con.execute("select coalesce(max(seq), 0) + 1 from wh.releases").fetchone()[0]

    def detach(self, rewrite: bool = False) -> None:
        """Checkpoint and detach. `rewrite` (and after keys were forgotten): copy what the file
        holds into a new file that replaces it. DuckDB does not wipe the blocks an update frees, so
        after redacting rows already published the old names are still in the file's bytes, for
        anyone given it to read. (At 1M rows, a 30 MB file, the copy takes about 1.4 s.)"""
        self.con.execute("use memory")
        self.con.execute("checkpoint wh")
        self.con.execute("detach wh")
        if rewrite or self._rewrite_on_detach:
            fresh = self.path.with_name(f".{self.path.name}.rewrite")
            fresh.unlink(missing_ok=True)
            self.con.execute(f"attach {quote_literal(str(self.path))} as wh_old (read_only)")
            self.con.execute(f"attach {quote_literal(str(fresh))} as wh_new")
            try:
                self.con.execute("copy from database wh_old to wh_new")
            finally:
                self.con.execute("detach wh_new")
                self.con.execute("detach wh_old")
            os.replace(fresh, self.path)


def table_exists(con: duckdb.DuckDBPyConnection, name: str, database: str | None = None) -> bool:
    q = "select count(*) from duckdb_tables() where table_name = ?"
    params = [name]
    if database:
        q += " and database_name = ?"
        params.append(database)
    return con.execute(q, params).fetchone()[0] > 0


def qualified(dataset: str) -> str:
    return f"wh.{quote_ident(dataset)}"


def temp_objects(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, str]:
    """The temporary views and tables among `names`, each with its kind ('view' or 'table')."""
    return dict(con.execute("""
        select view_name, 'view' from duckdb_views() where temporary and not internal and list_contains(?, view_name)
        union all
        select table_name, 'table' from duckdb_tables() where temporary and list_contains(?, table_name)
        """, [names, names]).fetchall())


def drop_temp(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Drop the temporary views and tables of these names that exist (a view and a table need
    different statements, and DuckDB refuses the wrong one even with IF EXISTS)."""
    for name, kind in temp_objects(con, list(names)).items():
        con.execute(f"drop {kind} {quote_ident(name)}")
