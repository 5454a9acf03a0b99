"""Fixtures and reference SQL for app_data's tests.

Each function is checked against an independently written SQL query over `spending` (named
parameters, contains() instead of ILIKE): so the precomputed agg_* tables are checked too.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

import app_data
from app_data import Filters
from tests.app_fixtures import sample_budget, sample_releases, write_warehouse


@pytest.fixture(scope="module")
def shared_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One warehouse for the tests that only read it (they run much faster sharing it)."""
    home = tmp_path_factory.mktemp("home")
    return write_warehouse(home / "warehouse.duckdb", releases=sample_releases(),
                           budget=sample_budget())


@pytest.fixture(scope="module")
def ref_con(shared_warehouse: Path):
    """The reference queries read a copy: DuckDB refuses a second, differently configured
    connection to a file that is open, and app_data must be free to open (and the tests to
    replace) the real one."""
    copy = shared_warehouse.parent.parent / f"{shared_warehouse.parent.name}-ref.duckdb"
    shutil.copyfile(shared_warehouse, copy)
    con = duckdb.connect(str(copy), read_only=True)
    yield con
    con.close()


@pytest.fixture
def db(shared_warehouse: Path, ref_con, monkeypatch: pytest.MonkeyPatch):
    """SPENDPUB_HOME points at the shared warehouse; returns the reference connection."""
    monkeypatch.setenv("SPENDPUB_HOME", str(shared_warehouse.parent))
    return ref_con


@pytest.fixture
def fresh_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A warehouse of its own, for tests that replace it."""
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path / "home"))
    return write_warehouse(tmp_path / "home" / "warehouse.duckdb", releases=sample_releases())


# --------------------------------------------------------------------------- reference SQL

_REF_WHERE = """
WHERE ($pub IS NULL OR publisher_id = $pub)
  AND ($year IS NULL OR year(strptime(period || '-01', '%Y-%m-%d')) = $year)
  AND ($pfrom IS NULL OR period >= $pfrom)
  AND ($pto IS NULL OR period <= $pto)
  AND (len($periods::VARCHAR[]) = 0 OR list_contains($periods::VARCHAR[], period))
  AND (len($depts::VARCHAR[]) = 0 OR list_contains($depts::VARCHAR[], department))
  AND ($sup = '' OR contains(lower(CASE WHEN is_redacted THEN $label ELSE supplier_name END),
                             lower($sup)))
  AND ($exact IS NULL OR (NOT is_redacted AND supplier_name = $exact))
  AND ($text = '' OR contains(lower(CASE WHEN is_redacted THEN $label ELSE supplier_name END),
                              lower($text))
       OR contains(lower(department), lower($text)) OR contains(lower(expense_type), lower($text))
       OR contains(lower(purpose), lower($text)))
  AND ($amin IS NULL OR amount >= $amin)
  AND ($amax IS NULL OR amount <= $amax)
"""


def ref(
    con: duckdb.DuckDBPyConnection, select: str, f: Filters, tail: str = "", **extra: Any
) -> list[tuple]:
    params = {
        "pub": f.publisher_id,
        "year": f.year,
        "pfrom": f.period_from,
        "pto": f.period_to,
        "periods": list(f.periods),
        "depts": list(f.departments),
        "sup": f.supplier,
        "exact": f.supplier_exact,
        "text": f.text,
        "label": app_data.REDACTED_LABEL,
        "amin": f.amount_min,
        "amax": f.amount_max,
        **extra,
    }
    sql = f"{select} FROM spending {_REF_WHERE} {tail}"
    # DuckDB rejects named parameters the statement does not use: pass only those it names.
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return con.execute(sql, used).fetchall()


def rows_of(df) -> list[tuple]:
    return [tuple(r) for r in df.itertuples(index=False)]
