"""The warehouse: derived marts built in an order that lets one be rolled up from another, and
older warehouse files brought to the current column types."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from etl import pipeline, redact, warehouse
from tests.app_fixtures import LYON, WESTMINSTER, sample_releases, sample_rows, write_warehouse


def test_a_mart_rolled_up_from_another_is_built_after_it():
    names = [name for name, _ in warehouse.derived_marts()]
    assert names.index("agg_by_supplier_month") < names.index("agg_by_supplier")
    assert names.index("agg_by_supplier_month") < names.index("agg_by_year")
    assert names == sorted(set(names), key=names.index) and "budget_vs_actual" in names
    assert [n for n, _ in warehouse.derived_marts("agg_")] == [n for n in names if n.startswith("agg_")]


def test_marts_reading_each_other_are_refused(tmp_path, monkeypatch):
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "a.sql").write_text("create table a as select * from b")
    (tmp_path / "marts" / "b.sql").write_text("create table b as select * from a")
    monkeypatch.setattr(warehouse, "SQL_DIR", tmp_path)
    with pytest.raises(ValueError, match="a -> b -> a"):
        warehouse.derived_marts()


# What the rolled-up marts held when they were aggregated from spending itself.
FROM_SPENDING = {
    "agg_by_supplier": """
        select publisher_id, cast(left(period, 4) as integer) as year, currency,
               case when is_redacted then null else supplier_name end as supplier_name, is_redacted,
               count(*) as payments, sum(amount) as total, count(distinct department) as departments,
               min(payment_date) as first_payment_date, max(payment_date) as last_payment_date
        from spending group by all""",
    "agg_by_year": """
        select publisher_id, cast(left(period, 4) as integer) as year, currency,
               arg_max(publisher_name, period) as publisher_name, count(*) as payments,
               sum(amount) as total,
               count(distinct case when is_redacted then null else supplier_name end) as suppliers,
               count(*) filter (where is_redacted) as redacted_payments, count(distinct period) as months,
               min(period) as first_period, max(period) as last_period
        from spending
        group by grouping sets ((publisher_id, cast(left(period, 4) as integer), currency),
                                (publisher_id, cast(left(period, 4) as integer)))""",
}


@pytest.mark.parametrize("mart", sorted(FROM_SPENDING))
def test_rolled_up_marts_equal_the_aggregates_of_spending(tmp_path, mart):
    path = write_warehouse(tmp_path / "warehouse.duckdb", sample_rows())
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute(f"select count(*) from {mart}").fetchone()[0] > 3
        built = con.execute(f"select * from {mart} order by all").fetchall()
        direct = con.execute(f"select * from ({FROM_SPENDING[mart]}) order by all").fetchall()
        assert built == direct
        assert [t for _, t in con.execute(f"select column_name, data_type from duckdb_columns() "
                                          f"where table_name = '{mart}' order by column_index").fetchall()] == \
            [t for _, t in con.execute(f"select column_name, column_type from (describe {FROM_SPENDING[mart]})"
                                       ).fetchall()]


def test_a_warehouse_made_with_a_float_baseline_gets_exact_decimals(tmp_path):
    """release_outlier_baselines.usual was DOUBLE in earlier warehouses: attaching one retypes it,
    values kept, and a DECIMAL column already right is left alone."""
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute("create table release_outlier_baselines (release_id varchar not null, currency varchar not null, "
                    "usual double not null, history bigint not null)")
        old.execute("insert into release_outlier_baselines values ('r1', 'GBP', 1234.56, 40)")
    for _ in range(2):
        con = duckdb.connect()
        wh = warehouse.AttachedWarehouse(con, path)
        assert con.execute("select usual, typeof(usual) from wh.release_outlier_baselines").fetchall() == [
            (Decimal("1234.56"), "DECIMAL(18,2)")]
        wh.detach()
        con.close()


# A publish of Westminster: a payment gone, an amount corrected, a new supplier in a new month.
WESTMINSTER_REPUBLISHED = [
    f"delete from wh.spending where publisher_id = '{WESTMINSTER}' and supplier_name = 'O''Brien & Sons'",
    f"update wh.spending set amount = amount + 7 where publisher_id = '{WESTMINSTER}' and period = '2024-01'",
    f"""insert into wh.spending by name select * replace ('2024-04' as period, date '2024-04-02' as payment_date,
        'New Supplier Ltd' as supplier_name, 77 as source_line)
        from wh.spending where publisher_id = '{WESTMINSTER}' and period = '2024-03' limit 1""",
]
LYON_CHANGED_ON_THE_SIDE = f"update wh.spending set amount = amount * 2 where publisher_id = '{LYON}'"


def _marts(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {name: con.execute(f"select * from wh.{name} order by all").fetchall()
            for name, _ in warehouse.derived_marts()}


@pytest.fixture
def two_publishers(tmp_path):
    """A published warehouse of Westminster and Lyon, each with payments and a 2024 budget, attached."""
    path = write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases())
    con = duckdb.connect()
    wh = warehouse.AttachedWarehouse(con, path)
    con.execute("""insert into wh.budget (publisher_id, publisher_name, fiscal_year, phase, direction, chapter_code,
        functional_code, cofog_code, section, is_real, amount, amount_voted, currency, source_file_sha256,
        source_line, release_id)
        select p, p, 2024, 'approved', 'expenditure', '011', f, c, 'operating', true, a, a, 'GBP', repeat('b', 64),
               row_number() over (), 'r-budget'
        from (values (?, '4', '04.5.1', 1000.00), (?, '9', '09.1.1', 2500.50), (?, '4', '04.5.1', 800.00))
             t(p, f, c, a)""", [WESTMINSTER, WESTMINSTER, LYON])
    wh.refresh_aggregates(WESTMINSTER)      # no digest recorded yet: every publisher's rows built
    yield con, wh
    con.close()


def test_a_publish_rebuilds_its_publishers_rows_of_every_mart_as_a_full_build_would(two_publishers):
    con, wh = two_publishers
    for sql in WESTMINSTER_REPUBLISHED:
        con.execute(sql)
    wh.refresh_aggregates(WESTMINSTER)
    refreshed = _marts(con)
    wh._in_wh(*(sql for _, sql in warehouse.derived_marts()))
    assert refreshed == _marts(con)
    for mart in ("budget_vs_actual", "agg_by_supplier", "agg_by_year"):
        assert con.execute(f"select distinct publisher_id from wh.{mart} order by 1").fetchall() == [
            (LYON,), (WESTMINSTER,)]
    assert "New Supplier Ltd" in {r[3] for r in refreshed["agg_by_supplier"]}
    assert con.execute("select count(*) from duckdb_views() where temporary and not internal").fetchone()[0] == 0
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchone()[0] == 0


def test_only_the_publishing_body_is_rebuilt_until_the_marts_definitions_change(two_publishers):
    con, wh = two_publishers
    lyon_before = con.execute(f"select total from wh.agg_by_year where publisher_id = '{LYON}' "
                              "and currency is null").fetchall()
    con.execute(LYON_CHANGED_ON_THE_SIDE)   # not how rows change, but it shows which rows a refresh builds
    wh.refresh_aggregates(WESTMINSTER)
    assert con.execute(f"select total from wh.agg_by_year where publisher_id = '{LYON}' "
                       "and currency is null").fetchall() == lyon_before
    con.execute(f"update wh.{warehouse.MARTS_DIGEST_TABLE} set sha256 = 'made by another spendpub'")
    wh.refresh_aggregates(WESTMINSTER)
    assert con.execute(f"select total from wh.agg_by_year where publisher_id = '{LYON}' "
                       "and currency is null").fetchall() == [(t * 2,) for (t,) in lyon_before]
    assert con.execute(f"select sha256 from wh.{warehouse.MARTS_DIGEST_TABLE}").fetchall() == [
        (warehouse.marts_digest(warehouse.derived_marts()),)]


def test_a_missing_mart_is_built_for_every_publisher(two_publishers):
    con, wh = two_publishers
    con.execute("drop table wh.agg_by_month")
    con.execute(LYON_CHANGED_ON_THE_SIDE)
    wh.refresh_aggregates(WESTMINSTER)
    assert con.execute(f"select count(*) from wh.agg_by_month where publisher_id = '{LYON}'").fetchone()[0] > 0
    assert con.execute(f"select sum(total) from wh.agg_by_month where publisher_id = '{LYON}'").fetchone()[0] == \
        con.execute(f"select sum(amount) from wh.spending where publisher_id = '{LYON}'").fetchone()[0]


def test_a_mart_that_does_not_create_its_own_table_is_refused():
    with pytest.raises(ValueError, match="agg_x.sql must create its table once"):
        warehouse._slice_sql("agg_x", "create or replace table agg_y as select 1")


def test_the_marts_of_a_home_published_body_after_body_equal_a_full_build(demo_home, tmp_path):
    """The demo's bodies published one after the other (the first builds every mart, each next one
    its own rows): the marts hold what building them from the whole warehouse gives."""
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes((demo_home / "warehouse.duckdb").read_bytes())
    con = duckdb.connect()
    con.execute(f"attach '{copy}' as wh")
    published = _marts(con)
    assert len({r[0] for r in published["agg_by_year"]}) >= 2
    assert published["budget_vs_actual"]
    con.execute("use wh")
    for _, sql in warehouse.derived_marts():
        con.execute(sql)
    con.execute("use memory")
    assert published == _marts(con)
    con.close()


def test_content_fingerprints_of_an_older_warehouse_are_forgotten(tmp_path):
    """release_changes.match_key was NOT NULL and, for rows matched by content, an md5 of the row:
    a name redacted since could be tested against it. Attaching such a warehouse drops those keys
    and the constraint, and keeps transaction ids."""
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute("create table release_period_changes (release_id varchar not null, period varchar not null, "
                    "previous_release_id varchar not null, matched_by varchar not null, rows_before bigint not null, "
                    "rows_after bigint not null, added bigint not null, removed bigint not null, "
                    "changed bigint not null)")
        old.execute("create table release_changes (release_id varchar not null, period varchar not null, "
                    "change varchar not null, match_key varchar not null, line_before bigint, line_after bigint, "
                    "fields_changed varchar[], amount_before decimal(18, 2), amount_after decimal(18, 2))")
        old.execute("insert into release_period_changes values ('r2', '2024-05', 'r1', 'fingerprint', 1, 1, 1, 1, 0), "
                    "('r2', '2024-06', 'r1', 'transaction_id', 1, 1, 1, 1, 0)")
        old.execute("insert into release_changes values "
                    "('r2', '2024-05', 'removed', '4162503347fdf05130c554a9048a517b#1', 3, null, null, 200, null), "
                    "('r2', '2024-06', 'removed', 'T7', 3, null, null, 200, null)")
    con = duckdb.connect()
    wh = warehouse.AttachedWarehouse(con, path)
    assert con.execute("select period, match_key from wh.release_changes order by period").fetchall() == [
        ("2024-05", None), ("2024-06", "T7")]
    assert con.execute("select is_nullable from duckdb_columns() where database_name = 'wh' "
                       "and table_name = 'release_changes' and column_name = 'match_key'").fetchone() == (True,)
    wh.detach()
    con.close()
    assert b"4162503347fdf05130c554a9048a517b" not in path.read_bytes()   # nor in the file's free blocks


def test_a_release_that_redacts_published_rows_leaves_no_trace_of_them_in_the_file(home, mini_profile, export):
    """DuckDB does not wipe the blocks an update frees: the served file is rewritten when a release
    redacts rows already published, so that the name cannot be read back from its bytes."""
    body = "Department,Supplier,Date,Amount,Ref\nParks,Jane Wroxley,03/05/2024,10.00,T1\nRoads,Big,04/05/2024,5.00,T2\n"
    pipeline.run(mini_profile(), [export(body, name="spend-2024-05.csv")], home)
    assert b"Jane Wroxley" in (home / "warehouse.duckdb").read_bytes()   # no sign of a person yet
    redact.decide(home, "testco", ["Jane Wroxley"], "confirmed")
    pipeline.run(mini_profile(), [export(body.replace("05/2024", "06/2024"), name="spend-2024-06.csv")], home)
    assert b"Wroxley" not in (home / "warehouse.duckdb").read_bytes()
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select period, count(*), count(*) filter (where is_redacted) from spending "
                           "group by period order by period").fetchall() == [("2024-05", 2, 1), ("2024-06", 2, 1)]


def test_a_budget_published_with_a_chart_records_the_charts_functional_tree(demo_home):
    """Montreuil's profile labels its budget from the M14 chart: the warehouse keeps the chart's
    functions and their parents, for the app to name the functions whose labels repeat."""
    con = duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select publisher_id, count(*) from functional_tree group by 1").fetchall() \
        == [("montreuil", 122)]
    parents = con.execute(
        "select f.functional_code, f.functional_label, p.functional_label from functional_tree f "
        "join functional_tree p on p.publisher_id = f.publisher_id "
        "and p.functional_code = f.parent_code where f.functional_code in ('20', '110') "
        "order by 1").fetchall()
    assert parents == [("110", "Services communs", "Sécurité intérieure"),
                       ("20", "Services communs", "Enseignement - Formation")]
