"""The warehouse: derived marts built in an order that lets one be rolled up from another, and
older warehouse files brought to the current column types."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from etl import warehouse
from tests.app_fixtures import sample_rows, write_warehouse


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
