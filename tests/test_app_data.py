"""app_data: the app's only door to the warehouse.

Each function is checked against an independently written SQL query over `spending` (named
parameters, contains() instead of ILIKE): so the precomputed agg_* tables are checked too.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

import app_data
from app_data import Filters, NoWarehouse
from app_format import to_csv_bytes
from tests.app_fixtures import (
    LYON,
    SECRET_NAME,
    WESTMINSTER,
    WESTMINSTER_POPULATION,
    sample_budget,
    sample_releases,
    sample_rows,
    source_sha,
    write_warehouse,
)


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


CASES = [
    Filters(),
    Filters(publisher_id=WESTMINSTER),
    Filters(publisher_id=LYON, year=2024),
    Filters(publisher_id=WESTMINSTER, year=2023),
    Filters(period_from="2024-02"),
    Filters(period_from="2024-01", period_to="2024-02"),
    Filters(periods=["2024-01", "2024-03"]),
    Filters(departments=["Children's Services"]),
    Filters(departments=["Children's Services", "Voirie"], period_to="2024-02"),
    Filters(supplier="acme"),
    Filters(supplier="  ACME construction "),
    Filters(supplier="redacted"),
    Filters(supplier="é"),
    Filters(supplier_exact="Acme Construction Ltd"),
    Filters(supplier_exact=SECRET_NAME),
    Filters(text="roof"),
    Filters(text="VOIRIE"),
    Filters(text="personal"),
    Filters(text="services", year=2024, publisher_id=WESTMINSTER),
    Filters(amount_min="100"),
    Filters(amount_min=0, amount_max=Decimal("1500.00")),
    Filters(amount_max=-1.0),
    Filters(publisher_id=WESTMINSTER, departments=["Highways"], supplier="ltd", amount_min="0.05"),
    Filters(supplier="nothing like this"),
    Filters(publisher_id="no-such-publisher"),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize("f", CASES, ids=IDS)
def test_summary_matches_direct_sql(db, f: Filters) -> None:
    summary = app_data.summary(f)
    [(count,)] = ref(db, "SELECT count(*)", f)
    assert summary.payments == count
    totals = ref(db, "SELECT currency, sum(amount)", f, "GROUP BY 1 ORDER BY 1")
    assert list(summary.totals.items()) == totals
    assert all(isinstance(t, Decimal) for t in summary.totals.values())


SORT_SQL = {
    "date_desc": "payment_date DESC, source_file_sha256, source_line",
    "date_asc": "payment_date, source_file_sha256, source_line",
    "amount_desc": "amount DESC, payment_date DESC, source_file_sha256, source_line",
    "amount_asc": "amount, payment_date DESC, source_file_sha256, source_line",
    "supplier": "2, payment_date DESC, source_file_sha256, source_line",
}


@pytest.mark.parametrize("f", CASES, ids=IDS)
@pytest.mark.parametrize("sort", list(SORT_SQL))
def test_payments_match_direct_sql(db, f: Filters, sort: str) -> None:
    page = app_data.payments(f, limit=4, sort=sort)
    expected = ref(
        db,
        "SELECT payment_date, CASE WHEN is_redacted THEN $label ELSE supplier_name END, "
        "CASE WHEN is_redacted THEN NULL ELSE supplier_id END, amount, currency, release_id, "
        "source_file_sha256, source_line",
        f, f"ORDER BY {SORT_SQL[sort]}",
    )
    assert list(page.rows.columns) == list(app_data.PAYMENT_COLUMNS)
    assert page.total == len(expected)
    assert list(page.totals.items()) == ref(db, "SELECT currency, sum(amount)", f,
                                            "GROUP BY 1 ORDER BY 1")
    assert page.shown == min(4, len(expected))
    shown = page.rows[["payment_date", "supplier_name", "supplier_id", "amount", "currency",
                       "release_id", "source_file_sha256", "source_line"]]
    assert rows_of(shown) == expected[:4]
    assert all(isinstance(a, Decimal) for a in page.rows["amount"])


def test_payments_name_their_source_file(db) -> None:
    page = app_data.payments(Filters(publisher_id=LYON))
    for row in page.rows.itertuples(index=False):
        assert row.source_file == f"{LYON}-{row.period}.csv"
        assert row.source_file_sha256 == source_sha(LYON, row.period)
        assert row.release_id == f"r-{LYON}-2024"


def test_payments_limit_and_count(db) -> None:
    everything = app_data.payments(Filters(), limit=1000)
    assert (everything.shown, everything.total) == (17, 17)
    assert everything.caption == "Showing 17 of 17 payments"
    none_shown = app_data.payments(Filters(), limit=0)
    assert (none_shown.shown, none_shown.total) == (0, 17)
    assert app_data.payments(Filters(), sort="'; drop table spending").total == 17


# --------------------------------------------------------------------------- precomputed pages


def test_publishers(db) -> None:
    pubs = app_data.list_publishers()
    assert [(p.publisher_id, p.name, p.currencies, p.years) for p in pubs] == [
        (LYON, "Ville de Lyon", ("EUR",), (2024,)),
        (WESTMINSTER, "Westminster City Council", ("GBP",), (2023, 2024)),
    ]
    westminster = pubs[1]
    assert (westminster.population, westminster.population_year) == (WESTMINSTER_POPULATION, 2021)
    assert pubs[0].population is None


@pytest.mark.parametrize(("pid", "year"), [(WESTMINSTER, 2024), (WESTMINSTER, 2023), (LYON, 2024),
                                           (LYON, 2023)])
def test_overview_matches_direct_sql(db, pid: str, year: int) -> None:
    o = app_data.overview(pid, year)
    for figures, y in ((o.current, year), (o.previous, year - 1)):
        f = Filters(publisher_id=pid, year=y)
        [(count, suppliers, redacted, months)] = ref(
            db, "SELECT count(*), count(DISTINCT supplier_name) FILTER (WHERE NOT is_redacted), "
                "count(*) FILTER (WHERE is_redacted), count(DISTINCT period)", f)
        if count == 0:
            assert figures is None
            continue
        assert (figures.payments, figures.suppliers, figures.redacted_payments,
                figures.months) == (count, suppliers, redacted, months)
        assert list(figures.totals.items()) == ref(db, "SELECT currency, sum(amount)", f,
                                                   "GROUP BY 1 ORDER BY 1")
    if pid == WESTMINSTER and year == 2024:
        [(now,)] = ref(db, "SELECT sum(amount)", Filters(publisher_id=pid, year=2024))
        [(before,)] = ref(db, "SELECT sum(amount)", Filters(publisher_id=pid, year=2023))
        assert o.change("GBP") == (now - before) / before
        assert o.per_resident("GBP") == (now / WESTMINSTER_POPULATION).quantize(Decimal("0.01"))
        assert o.budget is None
    if pid == LYON:
        assert o.per_resident("EUR") is None


def test_monthly_matches_direct_sql(db) -> None:
    for pid in (WESTMINSTER, LYON):
        df = app_data.monthly(pid)
        expected = ref(db, "SELECT period, currency, sum(amount), count(*)",
                       Filters(publisher_id=pid), "GROUP BY 1, 2 ORDER BY 1, 2")
        assert rows_of(df[["period", "currency", "total", "payments"]]) == expected
        assert list(df["year"]) == [int(p[:4]) for p, *_ in expected]
        assert list(df["month"]) == [int(p[5:]) for p, *_ in expected]


@pytest.mark.parametrize("path", [(), ("09",), ("04", "Highways"), (None,), (None, None),
                                  ("10", "Adult Social Care")])
def test_breakdown_matches_direct_sql(db, path) -> None:
    levels = ["left(cofog_code, 2)", "department", "expense_type"]
    clauses = "".join(f" AND {levels[i]} IS NOT DISTINCT FROM $k{i}" for i in range(len(path)))
    extra = {f"k{i}": k for i, k in enumerate(path)}
    for pid in (WESTMINSTER, LYON):
        f = Filters(publisher_id=pid, year=2024)
        expected = ref(db, f"SELECT {levels[len(path)]} AS k, currency, sum(amount) AS t, count(*)",
                       f, f"{clauses} GROUP BY 1, 2 ORDER BY 2, 3 DESC, 1 NULLS LAST", **extra)
        df = app_data.breakdown(pid, 2024, path)
        assert rows_of(df[["key", "currency", "total", "payments"]]) == expected
    top = app_data.breakdown(WESTMINSTER, 2024, ())
    labels = dict(zip(top["key"], top["label_fr"], strict=True))
    assert labels["09"] == "Enseignement"
    assert labels[None] is None


@pytest.mark.parametrize("search", ["", "acme", "ACME", "redacted", "%", "_", "'", "zzz"])
def test_top_suppliers_match_direct_sql(db, search: str) -> None:
    for pid in (WESTMINSTER, LYON):
        f = Filters(publisher_id=pid, year=2024)
        expected = ref(
            db,
            "SELECT CASE WHEN is_redacted THEN $label ELSE supplier_name END AS s, is_redacted, "
            "currency, sum(amount) AS t, count(*), count(DISTINCT department)",
            f,
            "AND ($q = '' OR contains(lower(CASE WHEN is_redacted THEN $label ELSE supplier_name "
            "END), lower($q))) GROUP BY 1, 2, 3 ORDER BY t DESC, s, currency, is_redacted",
            q=search,
        )
        df = app_data.top_suppliers(pid, 2024, 3, search)
        got = df[["supplier", "redacted", "currency", "total", "payments", "departments"]]
        assert rows_of(got) == expected[:3]
        if len(df):
            assert set(df["matching"]) == {len(expected)}


def test_supplier_months_match_direct_sql(db) -> None:
    name = "Acme Construction Ltd"
    df = app_data.supplier_months(WESTMINSTER, name)
    expected = ref(db, "SELECT period, currency, department, sum(amount), count(*)",
                   Filters(publisher_id=WESTMINSTER, supplier_exact=name),
                   "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 NULLS LAST")
    assert rows_of(df) == expected
    assert len(expected) == 3
    assert not len(app_data.supplier_months(WESTMINSTER, SECRET_NAME))
    assert not len(app_data.supplier_months(WESTMINSTER, app_data.REDACTED_LABEL))


def test_filter_options(db) -> None:
    for f in (Filters(publisher_id=WESTMINSTER), Filters(publisher_id=LYON, year=2024),
              Filters(publisher_id=WESTMINSTER, year=2023)):
        assert app_data.list_periods(f) == [
            r[0] for r in ref(db, "SELECT DISTINCT period",
                              Filters(publisher_id=f.publisher_id, year=f.year), "ORDER BY 1")]
        assert app_data.list_departments(f) == [
            r[0] for r in ref(db, "SELECT DISTINCT department",
                              Filters(publisher_id=f.publisher_id, year=f.year),
                              "AND department IS NOT NULL ORDER BY 1")]
    # Options depend on the publisher and year only, so other filters cannot empty the pickers.
    assert app_data.list_periods(Filters(publisher_id=WESTMINSTER, supplier="zzz",
                                         period_from="2024-03")) == [
        "2023-01", "2023-02", "2024-01", "2024-02", "2024-03"]


def test_a_warehouse_without_aggregates_gives_the_same_answers(
    db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = [
        (app_data.list_publishers, ()),
        (app_data.overview, (WESTMINSTER, 2024)),
        (app_data.monthly, (WESTMINSTER,)),
        (app_data.breakdown, (WESTMINSTER, 2024, ("09",))),
        (app_data.top_suppliers, (WESTMINSTER, 2024, 5, "")),
        (app_data.supplier_months, (WESTMINSTER, "Acme Construction Ltd")),
        (app_data.list_periods, (Filters(publisher_id=LYON),)),
        (app_data.list_departments, (Filters(publisher_id=LYON),)),
    ]
    with_aggs = [repr(fn(*args)) for fn, args in calls]
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases(), aggregates=False)
    with app_data.open_warehouse() as con:
        assert not con.execute("select count(*) from duckdb_tables() "
                               "where table_name like 'agg_%'").fetchone()[0]
    assert [repr(fn(*args)) for fn, args in calls] == with_aggs


# --------------------------------------------------------------------------- releases, packages


def test_latest_release(db) -> None:
    assert app_data.latest_release().release_id == f"r-{LYON}-2024"
    release = app_data.latest_release(Filters(publisher_id=WESTMINSTER))
    assert release.release_id == f"r-{WESTMINSTER}-2024"
    assert release.published_at.isoformat() == "2024-04-02T10:30:00"


def test_latest_release_without_releases_table(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    write_warehouse(tmp_path / "warehouse.duckdb")
    assert app_data.latest_release() is None
    assert app_data.summary(Filters()).payments == 17
    assert not len(app_data.releases(WESTMINSTER))
    assert not len(app_data.release_files(WESTMINSTER))
    assert not len(app_data.release_totals(WESTMINSTER))
    # No `publishers` table: no population, nothing breaks.
    assert app_data.overview(WESTMINSTER, 2024).per_resident("GBP") is None


def test_releases_and_sources(db) -> None:
    df = app_data.releases(WESTMINSTER)
    assert list(df["release_id"]) == [f"r-{WESTMINSTER}-2024", f"r-{WESTMINSTER}-2023",
                                      f"r-{WESTMINSTER}-0"]
    live = {r: n for r, n in zip(df["release_id"], df["rows_live"], strict=True)}
    assert live == dict(db.execute(
        "select r.release_id, count(s.release_id) from releases r left join spending s "
        "using (release_id) where r.publisher_id = ? group by 1", [WESTMINSTER]).fetchall())
    files = app_data.release_files(WESTMINSTER)
    assert set(files["file_name"]) == {f"{WESTMINSTER}-{p}.csv" for p in
                                       ("2023-01", "2023-02", "2024-01", "2024-02", "2024-03")}
    totals = app_data.release_totals(LYON)
    assert sum(totals["total"], Decimal(0)) == db.execute(
        "select sum(amount) from spending where publisher_id = ?", [LYON]).fetchone()[0]


def test_redactions_match_direct_sql(db) -> None:
    for pid in (WESTMINSTER, LYON):
        df = app_data.redactions(pid)
        assert rows_of(df) == db.execute(
            "select redaction_reason, cast(left(period, 4) as integer), currency, count(*), "
            "sum(amount) from spending where publisher_id = ? and is_redacted group by all "
            "order by 2, 1, 3", [pid]).fetchall()


@pytest.fixture
def site(fresh_warehouse: Path) -> Path:
    root = fresh_warehouse.parent / "site"
    for name in ("spending", "spending-2024-01"):
        package = root / WESTMINSTER / name
        (package / "data").mkdir(parents=True)
        (package / "datapackage.json").write_text(json.dumps({
            "title": f"Westminster {name}",
            "licenses": [{"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0"}],
            "sources": [{"title": "a.csv", "sha256": "x"}],
            "resources": [{"path": f"data/{name}.csv", "format": "csv"},
                          {"path": f"data/{name}.parquet", "format": "parquet"},
                          {"path": "../../../outside.csv", "format": "csv"}],
        }), encoding="utf-8")
        (package / "data" / f"{name}.csv").write_text("a,b\n1,2\n", encoding="utf-8")
        (root / WESTMINSTER / f"{name}.zip").write_bytes(b"PK zip")
    (root / WESTMINSTER / "spending" / "CHANGELOG.md").write_text("# Changes\n- r1: added",
                                                                  encoding="utf-8")
    (root / WESTMINSTER / "releases").mkdir()
    (root / WESTMINSTER / "releases" / "r1.md").write_text("# Release notes", encoding="utf-8")
    (root.parent / "outside.csv").write_text("secret", encoding="utf-8")
    return root


def test_packages_and_downloads(site: Path) -> None:
    main, monthly = app_data.packages(WESTMINSTER)
    assert (main.dataset, main.title, main.licence) == (
        "spending", "Westminster spending", "Open Government Licence v3.0")
    assert monthly.dataset == "spending-2024-01"
    assert [(f.kind, f.name) for f in main.files] == [
        ("zip", "spending.zip"), ("csv", "data/spending.csv"), ("json", "datapackage.json"),
        ("changelog", "CHANGELOG.md")]
    assert app_data.package_bytes(WESTMINSTER, "spending", "spending.zip") == b"PK zip"
    assert app_data.package_bytes(WESTMINSTER, "spending", "data/spending.csv") == b"a,b\n1,2\n"
    for publisher, dataset, name in ((WESTMINSTER, "spending", "data/spending.parquet"),
                                     (WESTMINSTER, "spending", "../../../outside.csv"),
                                     ("..", "..", "outside.csv"),
                                     ("../..", "spending", "data/spending.csv")):
        with pytest.raises(FileNotFoundError):
            app_data.package_bytes(publisher, dataset, name)
    assert app_data.packages("../../etc") == []
    assert app_data.packages(LYON) == []


def test_changelog_notes_and_catalog_are_found(site: Path) -> None:
    assert app_data.changelog(WESTMINSTER).startswith("# Changes")
    assert app_data.changelog(LYON) is None
    assert app_data.release_notes(WESTMINSTER, "r1") == "# Release notes"
    assert app_data.release_notes(WESTMINSTER, "../../outside") is None
    assert app_data.catalog() is None
    (site / "catalog.json").write_text(json.dumps({"dataset": [{"identifier": "x"}]}),
                                       encoding="utf-8")
    assert app_data.catalog() == {"dataset": [{"identifier": "x"}]}


def test_data_dictionary_comes_from_the_schemas() -> None:
    dictionary = app_data.data_dictionary()
    assert [t.name for t in dictionary][:2] == ["spending", "budget"]
    fields = dictionary[0].fields
    assert list(fields["name"]) == app_data.load_schema("spending").field_names
    assert fields.set_index("name").loc["amount", "required"]


# --------------------------------------------------------------------------- budget


def test_budget_matches_direct_sql(db) -> None:
    assert app_data.budget_years(LYON) == [2024]
    assert app_data.budget_years(WESTMINSTER) == []
    execution = app_data.budget_execution(LYON, 2024)

    def phase(name: str, direction: str = "expenditure") -> Decimal:
        return db.execute(
            "select sum(amount) from budget where publisher_id = ? and fiscal_year = 2024 "
            "and phase = ? and direction = ? and is_real", [LYON, name, direction]).fetchone()[0]

    assert execution.voted == phase("approved") == Decimal("1000000.00")
    assert execution.open == phase("adjusted")
    assert execution.executed == phase("executed")
    assert execution.rate == phase("executed") / phase("adjusted")
    assert execution.executed_from == "budget"
    assert app_data.overview(LYON, 2024).budget == execution

    by_chapter = app_data.budget_vs_actual(LYON, 2024, "chapter")
    expected = db.execute(
        "select economic_code, min(economic_label), currency, "
        "sum(amount) filter (where phase = 'approved'), "
        "sum(amount) filter (where phase = 'adjusted'), "
        "sum(amount) filter (where phase = 'executed') from budget where publisher_id = ? "
        "and fiscal_year = 2024 and direction = 'expenditure' and is_real "
        "group by economic_code, currency order by 5 desc", [LYON]).fetchall()
    assert rows_of(by_chapter[["code", "label", "currency", "voted", "open", "executed"]]) \
        == expected
    assert list(by_chapter["rate"]) == [e / o for *_, o, e in expected]
    by_function = app_data.budget_vs_actual(LYON, 2024, "function")
    assert set(by_function["code"]) == {"0", "2", "8"}
    revenue = app_data.budget_vs_actual(LYON, 2024, "chapter", "revenue")
    assert rows_of(revenue[["code", "voted", "executed"]]) == [
        ("73", Decimal("1000000.00"), Decimal("1010000.00"))]

    used, shares = app_data.budget_by_function(LYON, 2024)
    assert used == "executed"
    total = phase("executed")
    assert sum(shares["amount"], Decimal(0)) == total
    assert list(shares["share"]) == [a / total for a in shares["amount"]]
    assert sum(shares["share"], Decimal(0)) == 1


def test_without_a_budget_table(fresh_warehouse: Path) -> None:
    assert app_data.budget_years(LYON) == []
    assert app_data.budget_execution(LYON, 2024) is None
    assert not len(app_data.budget_vs_actual(LYON, 2024))
    assert app_data.budget_by_function(LYON, 2024)[0] == ""
    assert app_data.overview(LYON, 2024).budget is None


def test_executed_falls_back_to_payments(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    voted_only = [r for r in sample_budget() if r["phase"] == "approved"]
    write_warehouse(tmp_path / "warehouse.duckdb", budget=voted_only)
    execution = app_data.budget_execution(LYON, 2024)
    assert execution.executed_from == "payments"
    assert execution.open == execution.voted == Decimal("1000000.00")
    assert execution.executed == Decimal("14292.50")  # Lyon's 2024 payments
    assert app_data.budget_by_function(LYON, 2024)[0] == "voted"


# --------------------------------------------------------------------------- redaction


def test_redacted_rows_never_show_stored_names(db) -> None:
    for pid in (WESTMINSTER, LYON):
        top = app_data.top_suppliers(pid, 2024, 100)
        assert SECRET_NAME not in set(top["supplier"])
        assert set(top[top["redacted"]]["supplier"]) == {app_data.REDACTED_LABEL}
    assert app_data.payments(Filters(supplier="citizen")).total == 0
    assert app_data.payments(Filters(text="jane")).total == 0
    assert app_data.summary(Filters(supplier="jane")).payments == 0
    shown = app_data.payments(Filters()).rows
    assert SECRET_NAME not in set(shown["supplier_name"])
    redacted = shown[shown["is_redacted"]]
    assert set(redacted["supplier_name"]) == {app_data.REDACTED_LABEL}
    assert set(redacted["supplier_id"]) == {None}
    assert SECRET_NAME.encode() not in to_csv_bytes(shown)
    with app_data.open_warehouse() as con:
        for table in ("agg_by_supplier", "agg_by_supplier_month"):
            assert not con.execute(f"select count(*) from {table} where supplier_name = ?",
                                   [SECRET_NAME]).fetchone()[0]


# --------------------------------------------------------------------------- injection

HOSTILE = [
    "'; drop table spending; --",
    "' or 1=1 --",
    "') or ('1'='1",
    '" or ""="',
    "%",
    "_",
    "%%",
    "\\",
    "\\%",
    "'",
    "?",
    "$1",
    "a_b",
    "100%",
    "*",
    "[a-z]",
    "\x00",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_supplier_search_is_literal(db, text: str) -> None:
    page = app_data.payments(Filters(supplier=text), limit=1000)
    needle = text.strip().lower()
    for name in page.rows["supplier_name"]:
        assert needle in name.lower()
    expected = [
        r for r in sample_rows()
        if needle in (app_data.REDACTED_LABEL if r["is_redacted"] else r["supplier_name"] or "")
        .lower()
    ]
    assert page.total == len(expected)
    app_data.summary(Filters(text=text))
    app_data.top_suppliers(WESTMINSTER, 2024, 10, text)
    app_data.supplier_months(WESTMINSTER, text)
    app_data.breakdown(WESTMINSTER, 2024, (text, text))
    # Nothing was dropped or changed.
    assert app_data.summary(Filters()).payments == len(sample_rows())
    with app_data.open_warehouse() as con:
        assert con.execute("select count(*) from spending").fetchone()[0] == len(sample_rows())


def test_wildcards_match_themselves(db) -> None:
    def names(text: str) -> set[str]:
        return set(app_data.payments(Filters(supplier=text)).rows["supplier_name"])

    assert names("%") == {"100% Recycling Ltd"}
    assert names("_") == {"A_B Consulting", "a_b consulting"}
    assert names("'") == {"O'Brien & Sons"}
    assert names("' or 1=1 --") == set()


def test_hostile_values_in_other_filters(db) -> None:
    bad = "x' OR '1'='1"
    f = Filters(publisher_id=bad, departments=[bad, "Children's Services"], period_from=bad)
    assert app_data.payments(f).total == 0
    assert app_data.list_periods(Filters(publisher_id=bad)) == []
    assert app_data.overview(bad, 2024) is None
    assert app_data.summary(Filters(departments=["Children's Services"])).payments == 4


# --------------------------------------------------------------------------- safety, freshness


def test_connection_is_read_only_without_external_access(db) -> None:
    with app_data.open_warehouse() as con:
        with pytest.raises(duckdb.Error):
            con.execute("delete from spending")
        with pytest.raises(duckdb.Error):
            con.execute("create table x (a int)")
        with pytest.raises(duckdb.Error):
            con.execute("select * from read_csv(?)", [str(Path(__file__))])
        with pytest.raises(duckdb.Error):
            con.execute("set enable_external_access = true")
    with app_data.open_warehouse() as con:  # still intact
        assert con.execute("select count(*) from spending").fetchone()[0] == 17


def test_no_warehouse(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path / "nowhere"))
    calls = [
        app_data.list_publishers,
        app_data.list_periods,
        app_data.list_departments,
        app_data.latest_release,
        lambda: app_data.overview(WESTMINSTER, 2024),
        lambda: app_data.monthly(WESTMINSTER),
        lambda: app_data.breakdown(WESTMINSTER, 2024),
        lambda: app_data.top_suppliers(WESTMINSTER, 2024),
        lambda: app_data.summary(Filters()),
        lambda: app_data.payments(Filters()),
        lambda: app_data.budget_years(LYON),
    ]
    for call in calls:
        with pytest.raises(NoWarehouse) as info:
            call()
        message = str(info.value)
        assert "make demo" in message and "spendpub publish" in message
        assert str(tmp_path / "nowhere" / "warehouse.duckdb") in message


def test_warehouse_without_spending_table(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    write_warehouse(tmp_path / "warehouse.duckdb", with_spending=False)
    with pytest.raises(NoWarehouse, match="spendpub publish"):
        app_data.summary(Filters())
    with pytest.raises(NoWarehouse, match="spendpub publish"):
        app_data.list_publishers()


def test_unreadable_warehouse(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    (tmp_path / "warehouse.duckdb").write_bytes(b"not a database" * 1000)
    with pytest.raises(app_data.WarehouseError, match="Cannot open the warehouse"):
        app_data.summary(Filters())


def test_default_home_is_var_in_current_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SPENDPUB_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert app_data.warehouse_path() == tmp_path / "var" / "warehouse.duckdb"


def test_results_are_cached_per_warehouse_file(fresh_warehouse: Path, monkeypatch) -> None:
    opened: list[str] = []
    real_connect = duckdb.connect

    def counting_connect(*args, **kwargs):
        opened.append(args[0])
        assert kwargs == {"read_only": True, "config": {"enable_external_access": False}}
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(app_data.duckdb, "connect", counting_connect)
    f = Filters(publisher_id=WESTMINSTER, supplier="cached?")
    app_data.summary(f)
    app_data.summary(f)
    assert len(opened) == 1
    app_data.payments(f)  # another query: its own cache entry
    assert len(opened) == 2


def test_replaced_warehouse_is_seen_without_clearing_caches(fresh_warehouse: Path) -> None:
    warehouse = fresh_warehouse
    f = Filters()
    assert app_data.summary(f).payments == 17
    assert len(app_data.list_publishers()) == 2
    old_inode = warehouse.stat().st_ino

    fewer = [r for r in sample_rows() if r["publisher_id"] == WESTMINSTER][3:6]
    fewer[0] = {**fewer[0], "amount": Decimal("7.77")}
    write_warehouse(warehouse, fewer)  # new file under a temp name, then os.replace
    assert warehouse.stat().st_ino != old_inode

    after = app_data.summary(f)
    assert after.payments == 3
    assert after.totals == {"GBP": Decimal("7.77") + Decimal("0.10") + Decimal("0.20")}
    assert [p.publisher_id for p in app_data.list_publishers()] == [WESTMINSTER]
    assert app_data.overview(WESTMINSTER, 2024).current.payments == 3


def test_a_symlinked_warehouse_is_followed(tmp_path: Path, monkeypatch) -> None:
    """A home whose warehouse.duckdb is a symlink to current/ (the versioned home layout): the
    app keeps one connection to the current version, and lets it go when a publish switches."""
    version = write_warehouse(tmp_path / "v1" / "warehouse.duckdb", releases=sample_releases())
    home = tmp_path / "home"
    home.mkdir()
    (home / "warehouse.duckdb").symlink_to(version)
    monkeypatch.setenv("SPENDPUB_HOME", str(home))
    assert app_data.summary(Filters()).payments == 17
    assert list(app_data._anchors) == [str(version.resolve())]
    other = write_warehouse(tmp_path / "v2" / "warehouse.duckdb", sample_rows()[:2])
    link = home / "next"
    link.symlink_to(other)
    os.replace(link, home / "warehouse.duckdb")
    assert app_data.summary(Filters()).payments == 2
    assert app_data.payments(Filters(), limit=1).total == 2
    assert list(app_data._anchors) == [str(other.resolve())]
    shutil.rmtree(tmp_path / "v1")  # the old version can go: nothing holds it
    assert app_data.summary(Filters(publisher_id=WESTMINSTER)).payments == 2


def test_replace_while_no_connection_is_held(fresh_warehouse: Path) -> None:
    """The app holds no connection between queries, so a publish can always replace the file."""
    warehouse = fresh_warehouse
    app_data.payments(Filters())
    other = warehouse.with_name("other.duckdb")
    write_warehouse(other, [])
    os.replace(other, warehouse)
    assert app_data.payments(Filters()).total == 0
    assert app_data.list_publishers() == []


def test_calls_can_be_recorded_and_replayed_uncached(db) -> None:
    with app_data.record_calls() as calls:
        app_data.overview(WESTMINSTER, 2024)
        app_data.payments(Filters(publisher_id=LYON), 10, "amount_desc")
    assert [c[0] for c in calls] == ["overview", "payments"]
    assert calls[1][1:] == ((Filters(publisher_id=LYON), 10, "amount_desc"), {})
    name, args, kwargs = calls[0]
    assert app_data.PUBLIC_QUERIES[name].uncached(*args, **kwargs) == \
        app_data.overview(WESTMINSTER, 2024)


# --------------------------------------------------------------------------- filters, CSV


def test_filters_normalise_inputs() -> None:
    f = Filters(publisher_id="", departments=["A"], periods="2024-01", supplier="  x ",
                amount_min=0.1 + 0.2, amount_max="12.5", year="2024", text=" t ")
    assert f.publisher_id is None
    assert f.departments == ("A",) and f.periods == ("2024-01",)
    assert f.supplier == "x" and f.text == "t" and f.year == 2024
    assert f.amount_min == Decimal("0.30") and f.amount_max == Decimal("12.5")
    assert hash(f) == hash(Filters(departments=("A",), periods=("2024-01",), supplier="x",
                                   amount_min="0.30", amount_max="12.5", year=2024, text="t"))
    with pytest.raises(ValueError):
        Filters(amount_min="lots")
    with pytest.raises(ValueError):
        Filters(amount_max=float("nan"))


def test_like_pattern_escapes_wildcards() -> None:
    assert app_data.like_pattern("100%_a\\b") == "%100\\%\\_a\\\\b%"


def test_csv_download_is_exactly_the_rows_shown(db) -> None:
    page = app_data.payments(Filters(publisher_id=WESTMINSTER), limit=5)
    data = to_csv_bytes(page.rows)
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert len(records) == page.shown == 5
    assert list(records[0]) == list(app_data.PAYMENT_COLUMNS)
    for record, (_, row) in zip(records, page.rows.iterrows(), strict=True):
        assert record["amount"] == f"{row['amount']:.2f}"
        assert Decimal(record["amount"]) == row["amount"]
        assert record["payment_date"] == row["payment_date"].isoformat()
        assert record["is_redacted"] == ("true" if row["is_redacted"] else "false")
        assert record["source_line"] == str(row["source_line"])
        assert record["source_file"] == row["source_file"]
    amounts = {r["amount"] for r in records}
    assert all(len(a.split(".")[1]) == 2 for a in amounts)


def test_your_taxes_by_cofog_division(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    crosswalk = {"2": "09.1", "8": "06.2", "0": "01.3"}
    budget = [{**r, "cofog_code": crosswalk[r["functional_code"]]} for r in sample_budget()]
    write_warehouse(tmp_path / "warehouse.duckdb", budget=budget)
    measure, df = app_data.budget_by_function(LYON, 2024, "cofog")
    assert measure == "executed"
    assert list(df["code"]) == ["09", "06", "01"]
    assert list(df["label"]) == ["Education", "Housing and community amenities",
                                 "General public services"]
    assert df["label_fr"].iloc[0] == "Enseignement"
    assert sum(df["share"], Decimal(0)) == 1
    _, national = app_data.budget_by_function(LYON, 2024)
    assert list(national["amount"]) == list(df["amount"])  # one division per function here


def test_a_measure_zero_everywhere_is_not_published(tmp_path: Path, monkeypatch) -> None:
    """A compte administratif whose voted column is 0 on every line (as Montreuil's)."""
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    zero = [{**r, "amount": Decimal(0)} if r["phase"] == "approved" else r
            for r in sample_budget()]
    write_warehouse(tmp_path / "warehouse.duckdb", budget=zero)
    execution = app_data.budget_execution(LYON, 2024)
    assert execution.voted is None and execution.open == Decimal("1050000.00")
