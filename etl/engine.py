"""DuckDB connections for work whose row order matters.

spendpub relies on DuckDB keeping rows in insertion order (`preserve_insertion_order`, its
default) through scans, filters and projections: staging numbers each file's records by their
position, the validator numbers rows the same way, and the packages are written in the order the
warehouse stores them. DuckDB's `in_clause` optimizer rewrites an IN list of five values or more
into a hash join, which does not keep that order (DuckDB issue 24398, open in 2.0.1). At 1M rows a
profile mapping a column with five keys gave 94% of the published rows another row's source line,
and the spreadsheet-safe CSV exports came out in another order at every run. Connections that
stage, validate or write ordered rows disable the rewrite: their IN lists are evaluated as
expressions (where one runs on every cell, cheaper tests rule most rows out first, as
etl/spreadsheet.py does). The modules that keep a plain connection, because their results are sets
or ordered by an ORDER BY, are listed in tests/test_engine.py.
"""

from __future__ import annotations

import duckdb

ORDER_KEEPING = {"disabled_optimizers": "in_clause"}


def connect(database: str = ":memory:", **config) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with the optimizers that reorder rows turned off (and `config`)."""
    return duckdb.connect(database, config={**ORDER_KEEPING, **config})
