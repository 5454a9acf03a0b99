"""The warehouse is replaced whole: one publish at a time, no stray copies, reference lists loaded."""

from __future__ import annotations

import duckdb
import pytest

from etl import pipeline
from etl.errors import SpendpubError
from etl.warehouse import publish_lock

GOOD = "Department,Supplier,Date,Amount\nParks,Acme Ltd,03/05/2024,10.00\n"


def test_publish_leaves_only_the_live_file(home, mini_profile, export):
    assert pipeline.run(mini_profile(), [export(GOOD)], home).published
    assert sorted(p.name for p in home.iterdir()) == [".publish.lock", "site", "warehouse.duckdb"]
    assert sorted(p.name for p in (home / "site").iterdir()) == ["testco"]


def test_cofog_reference_list_is_in_the_warehouse(home, mini_profile, export):
    pipeline.run(mini_profile(), [export(GOOD)], home)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*), count(*) filter (where level = 1) from cofog").fetchone() == (188, 10)
    assert con.execute("select label_fr from cofog where cofog_code = '07'").fetchone() == ("Santé",)


def test_a_second_publish_in_the_same_home_is_refused_while_one_runs(home, mini_profile, export):
    with publish_lock(home):
        with pytest.raises(SpendpubError, match="another publish is running"):
            pipeline.run(mini_profile(), [export(GOOD)], home)
    assert not (home / "warehouse.duckdb").exists()
    assert pipeline.run(mini_profile(), [export(GOOD)], home).published
