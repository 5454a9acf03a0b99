"""The spendpub command as a user runs it: exit codes, one clear sentence, nothing half-written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from decimal import Decimal

from tests.conftest import MINI_PROFILE, tree_digest

GOOD = "Department,Supplier,Date,Amount\nParks,Acme Ltd,03/05/2024,10.00\nRoads,Big Co,04/05/2024,5.50\n"


def spendpub(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=120, env={"COLUMNS": "200", "PATH": ""})


@pytest.fixture
def published_home(home, mini_profile, export):
    """A home with one good release already published."""
    done = spendpub(home, "publish", "--profile", str(mini_profile()), str(export(GOOD, name="spend-2024-04.csv")))
    assert done.returncode == 0, done.stderr
    return home


def test_publish_prints_a_summary(published_home):
    site = published_home / "site/testco/spending"
    assert (site / "datapackage.json").exists() and (published_home / "warehouse.duckdb").exists()


def test_publish_summary_figures(home, mini_profile, export):
    done = spendpub(home, "publish", "--profile", str(mini_profile()), str(export(GOOD)))
    assert done.returncode == 0
    assert "rows read 2 · loaded 2 · rejected 0" in done.stdout
    assert "15.50" in done.stdout and "GBP" in done.stdout and "published" in done.stdout


def _unknown_key_profile(mini_profile, export):
    return ["--profile", str(mini_profile("colour: blue\n")), str(export(GOOD))]


def _forced_wrong_encoding(mini_profile, export):
    profile = mini_profile(base=MINI_PROFILE.replace("encoding: auto", "encoding: utf-8"))
    data = GOOD.replace("Acme Ltd", "Papakåta Ltd").encode("cp1252")
    return ["--profile", str(profile), str(export(data))]


def _missing_column(mini_profile, export):
    return ["--profile", str(mini_profile()), str(export("Department,Supplier,Date\nParks,A,03/05/2024\n"))]


def _binary(mini_profile, export):
    return ["--profile", str(mini_profile()), str(export(bytes(range(256)) * 4))]


def _empty(mini_profile, export):
    return ["--profile", str(mini_profile()), str(export(b""))]


def _bad_rows(mini_profile, export):
    return ["--profile", str(mini_profile()), str(export(GOOD + "Parks,Acme,31/02/2024,1\n"))]


@pytest.mark.parametrize("case, message", [
    (_unknown_key_profile, "unknown key 'colour'"),
    (_forced_wrong_encoding, "not valid UTF-8 at line 2"),
    (_missing_column, "amount (column 'Amount' or 'Net Amount')"),
    (_binary, "binary file"),
    (_empty, "the file is empty"),
    (_bad_rows, "31/02/2024"),
])
def test_refused_input_changes_nothing(published_home, mini_profile, export, case, message):
    before = tree_digest(published_home)
    done = spendpub(published_home, "publish", *case(mini_profile, export))
    assert done.returncode == 1, (done.stdout, done.stderr)
    output = done.stdout + done.stderr
    assert message in output and "Traceback" not in output
    assert tree_digest(published_home) == before


def test_file_name_is_named_in_the_refusal(published_home, mini_profile, export):
    done = spendpub(published_home, "publish", *_empty(mini_profile, export))
    assert "spend-2024-05.csv" in done.stderr


def test_usage_errors_exit_2(home, mini_profile, export):
    no_period = export(GOOD, name="spend.csv")
    done = spendpub(home, "publish", "--profile", str(mini_profile()), str(no_period))
    assert done.returncode == 2 and "--period" in done.stderr and "Traceback" not in done.stderr
    assert spendpub(home, "publish", str(no_period)).returncode == 2  # no --profile
    assert spendpub(home, "publish", "--profile", str(mini_profile()), "--period", "2024-13",
                    str(no_period)).returncode == 2
    assert not (home / "warehouse.duckdb").exists()


def test_period_option_when_the_name_does_not_say(home, mini_profile, export):
    done = spendpub(home, "publish", "--profile", str(mini_profile()), "--period", "2024-05",
                    str(export(GOOD, name="export.csv")))
    assert done.returncode == 0, done.stderr


def test_validate_is_a_dry_run(home, mini_profile, export):
    done = spendpub(home, "validate", "--profile", str(mini_profile()), str(export(GOOD)))
    assert done.returncode == 0 and "valid" in done.stdout and "dry run" in done.stdout
    assert not home.exists() or tree_digest(home) == {}
    bad = spendpub(home, "validate", "--json", "--profile", str(mini_profile()),
                   str(export(GOOD + "Parks,Acme,31/02/2024,1\n", name="spend-2024-06.csv")))
    assert bad.returncode == 1 and '"valid": false' in bad.stdout


def test_second_publish_of_a_period_replaces_its_rows(published_home, mini_profile, export):
    import duckdb
    spendpub(published_home, "publish", "--profile", str(mini_profile()),
             str(export(GOOD.replace("10.00", "11.00"), name="spend-2024-04.csv")))
    con = duckdb.connect(str(published_home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*), sum(amount) from spending").fetchone() == (2, Decimal("16.50"))
