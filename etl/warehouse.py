"""The warehouse: one DuckDB file of marts under --home, replaced whole and atomically.

A publish never writes into the live file. It copies it, loads the new rows into the copy in one
transaction, and swaps the copy in with os.replace: readers (the app) see the old release or the
new one, never half of one, and a failed publish leaves the live file untouched.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from .errors import SpendpubError
from .paths import DATASETS_DIR, SQL_DIR
from .schema import load_schema
from .sqltext import quote_ident, quote_literal

WAREHOUSE_FILE = "warehouse.duckdb"
RELEASES_SQL = (SQL_DIR / "marts" / "releases.sql").read_text(encoding="utf-8")
COFOG_SQL = (SQL_DIR / "marts" / "cofog.sql").read_text(encoding="utf-8")
COFOG_CSV = DATASETS_DIR / "reference" / "cofog" / "cofog.csv"


def warehouse_path(home: Path) -> Path:
    return home / WAREHOUSE_FILE


@contextmanager
def publish_lock(home: Path) -> Iterator[None]:
    """One publish at a time per home: a second one is refused, never interleaved."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".publish.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SpendpubError("another publish is running in this home; try again when it has finished",
                                where=str(home)) from None
        yield


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StagedWarehouse:
    """A private copy of the warehouse, attached to the work connection as `wh`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, home: Path):
        self.con = con
        self.live = warehouse_path(home)
        self.path = home / f".{WAREHOUSE_FILE}.{os.getpid()}.tmp"

    def __enter__(self) -> "StagedWarehouse":
        self.path.unlink(missing_ok=True)
        if self.live.exists():
            shutil.copyfile(self.live, self.path)
        self.con.execute(f"attach {quote_literal(str(self.path))} as wh")
        self.con.execute("use wh")
        self.con.execute(RELEASES_SQL)
        self.con.execute(COFOG_SQL.format(path=quote_literal(str(COFOG_CSV))))
        self.con.execute("use memory")
        return self

    def ensure_table(self, dataset: str) -> None:
        schema = load_schema(dataset)
        exists = self.con.execute(
            "select count(*) from duckdb_tables() where database_name = 'wh' and table_name = ?",
            [dataset]).fetchone()[0]
        if not exists:
            self.con.execute(schema.create_table_sql(dataset).replace(
                f'create table "{dataset}"', f"create table wh.{quote_ident(dataset)}", 1))

    def upsert_publisher(self, profile) -> None:
        self.con.execute("insert or replace into wh.publishers values (?, ?, ?, ?, ?, ?)", [
            profile.publisher_id, profile.publisher_name, profile.country, profile.url,
            profile.population, profile.population_year])

    def refresh_aggregates(self) -> None:
        """Run every etl/sql/marts/agg_*.sql (precomputed tables the app reads), in name order."""
        self.con.execute("use wh")
        try:
            for sql in sorted((SQL_DIR / "marts").glob("agg_*.sql")):
                self.con.execute(sql.read_text(encoding="utf-8"))
        finally:
            self.con.execute("use memory")

    def detach(self) -> None:
        self.con.execute("use memory")
        self.con.execute("checkpoint wh")
        self.con.execute("detach wh")
        fsync_path(self.path)

    def swap_in(self) -> None:
        os.replace(self.path, self.live)
        fsync_path(self.live.parent)

    def __exit__(self, *exc) -> None:
        try:
            self.con.execute("use memory")
            self.con.execute("detach database if exists wh")
        finally:
            self.path.unlink(missing_ok=True)
