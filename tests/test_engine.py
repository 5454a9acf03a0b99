"""DuckDB connections keep rows in insertion order: no IN list becomes an order-breaking join."""

from __future__ import annotations

import duckdb

from etl import engine, pipeline
from etl.paths import PROJECT_ROOT
from tests.conftest import MINI_PROFILE

FIVE_VALUES = "x in ('a', 'b', 'c', 'd', 'e')"


def _plan(con: duckdb.DuckDBPyConnection) -> str:
    con.execute("create or replace table t as select 'a' as x")
    return con.execute(f"explain select case when {FIVE_VALUES} then x end from t").fetchall()[0][1]


def test_an_in_list_stays_an_expression():
    assert "MARK" in _plan(duckdb.connect())     # what DuckDB does by default: a hash join
    assert "MARK" not in _plan(engine.connect())


# Modules that open DuckDB themselves for queries whose row order never matters: their results are
# sets or are sorted explicitly, by an ORDER BY or in pandas (the CLI's release listings, the leak
# gate, the redaction keys, the app's read-only queries, the benchmark's release counts and its
# replay of the app's queries), and the benchmark's floor, which measures DuckDB as it comes (its
# statements hold no IN list and it sorts by an ORDER BY).
ORDER_FREE = {"etl/cli.py", "etl/leakgate.py", "etl/redact/decisions.py", "app_data/access.py",
              "bench/run.py", "bench/app_queries.py", "bench/floor.py"}
CODE = ("etl", "app_data", "app_pages", "bench")


def test_every_other_connection_keeps_order():
    """A module that opens DuckDB itself goes through engine.connect, unless it is one of ORDER_FREE:
    a new one has to choose."""
    modules = [PROJECT_ROOT / "app.py", *(p for folder in CODE for p in (PROJECT_ROOT / folder).rglob("*.py"))]
    plain = {p.relative_to(PROJECT_ROOT).as_posix() for p in modules
             if "duckdb.connect(" in p.read_text(encoding="utf-8")}
    assert plain - {"etl/engine.py"} == ORDER_FREE


def test_a_large_file_keeps_its_lines_and_order_with_a_five_key_map(mini_profile, export, home):
    """With a value map of five keys (`unmapped: empty` tests them with an IN list), every published
    row keeps its own source line, and the CSV comes in the warehouse's order."""
    rows = 200_000
    profile = mini_profile("""
        fields:
          department: {column: Department}
          supplier_name: {column: Supplier}
          payment_date: {column: Date, date_formats: ['%d/%m/%Y']}
          amount: {column: Amount}
          transaction_id: {column: Ref}
          capital_or_revenue:
            column: CapRev
            map: {C: capital, R: revenue, CAP: capital, REV: revenue, CAPITAL: capital}
            unmapped: empty
          currency: {value: GBP}
        """, base=MINI_PROFILE.split("fields:")[0])
    # long lines: a file of several of DuckDB's read buffers is read (and staged) by every thread
    department = "Parks and Countryside " + "Grounds Maintenance " * 8
    body = "".join(f"{department},Supplier {i % 97},03/05/2024,{i % 1000}.50,{i},{'CR'[i % 2]}\n"
                   for i in range(rows))
    result = pipeline.run(profile, [export("Department,Supplier,Date,Amount,Ref,CapRev\n" + body)], home)
    assert result.published
    csv = home / "site" / "testco" / "spending-2024-05" / "data" / "spending-2024-05.csv"
    wrong, unordered, count = duckdb.connect().execute(f"""
        select count(*) filter (where source_line <> cast(transaction_id as bigint) + 2),
               count(*) filter (where source_line <= previous), count(*)
        from (select transaction_id, source_line, lag(source_line) over (order by n) as previous
              from (select *, row_number() over () as n from read_csv('{csv}', parallel = false)))""").fetchone()
    assert (wrong, unordered, count) == (0, 0, rows)
