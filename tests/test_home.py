"""The home switches whole versions: one publish at a time, no stray copies, reference lists loaded."""

from __future__ import annotations

import os
import stat

import duckdb
import pytest

from etl import pipeline
from etl.errors import SpendpubError
from etl.home import Home

GOOD = "Department,Supplier,Date,Amount\nParks,Acme Ltd,03/05/2024,10.00\n"


def test_layout_after_a_publish(home, mini_profile, export):
    result = pipeline.run(mini_profile(), [export(GOOD)], home)
    assert result.published
    assert sorted(p.name for p in home.iterdir()) == [
        ".publish.lock", "archive", "current", "site", "versions", "warehouse.duckdb"]
    assert (home / "current").resolve() == home / "versions" / result.release_id
    assert sorted(p.name for p in (home / "site").iterdir()) == ["catalog.json", "testco"]
    # the source file and the profile are archived by their sha256
    assert (home / "archive" / result.files[0].sha256[:2] / result.files[0].sha256).exists()
    assert (home / "archive" / result.profile.sha256[:2] / result.profile.sha256).exists()


def test_the_site_and_warehouse_can_be_served_by_another_account(home, mini_profile, export):
    """A web server runs under its own account: the published version follows the umask (022 here)
    while the sources, kept for replays, stay their owner's."""
    previous = os.umask(0o022)
    try:
        result = pipeline.run(mini_profile(), [export(GOOD)], home)
    finally:
        os.umask(previous)
    version = home / "versions" / result.release_id
    assert stat.S_IMODE(version.stat().st_mode) == 0o755
    published = [p for p in (version / "site").rglob("*") if p.is_file()] + [version / "warehouse.duckdb"]
    assert published and all(p.stat().st_mode & stat.S_IROTH for p in published)
    archived = home / "archive" / result.files[0].sha256[:2] / result.files[0].sha256
    assert stat.S_IMODE(archived.stat().st_mode) == 0o600


def test_old_versions_are_pruned(home, mini_profile, export):
    for amount in ("1.00", "2.00", "3.00"):
        assert pipeline.run(mini_profile(), [export(GOOD.replace("10.00", amount))], home).published
    assert len([p for p in (home / "versions").iterdir()]) == 2


def test_cofog_reference_list_is_in_the_warehouse(home, mini_profile, export):
    pipeline.run(mini_profile(), [export(GOOD)], home)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*), count(*) filter (where level = 1) from cofog").fetchone() == (188, 10)
    assert con.execute("select label_fr from cofog where cofog_code = '07'").fetchone() == ("Santé",)


def test_a_second_publish_is_refused_while_one_runs(home, mini_profile, export):
    with Home(home).lock():
        with pytest.raises(SpendpubError, match="another publish is running"):
            pipeline.run(mini_profile(), [export(GOOD)], home)
    assert not (home / "warehouse.duckdb").exists()
    assert pipeline.run(mini_profile(), [export(GOOD)], home).published
