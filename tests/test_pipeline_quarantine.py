"""Quarantine end to end: with `validation: {quarantine: true}` the rows with errors are set aside in a
private file (never under site/) with their reasons, the rest is published, and the release counts
them. Without quarantine, or with an error about a whole file, the publish is refused and nothing
changes."""

from __future__ import annotations

import csv
import json
import os
import signal
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

from etl import pipeline, replay
from etl.home import Home
from etl.validate import quarantine
from tests.conftest import rebuild_report, tree_digest

GOOD = "Department,Supplier,Date,Amount\nParks,Acme Ltd,03/05/2024,10.00\nRoads,Big Co,04/05/2024,5.50\n"
# the same payments dated in April, for a file named for April
APRIL = GOOD.replace("/05/2024", "/04/2024")
BAD = GOOD + "Parks,Bad Date Ltd,31/02/2024,1.00\nRoads,Bad Amount Ltd,05/05/2024,twelve\n"   # lines 4 and 5
QUARANTINE = "validation: {quarantine: true}\n"


def spendpub(home: Path, *args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    env = {"COLUMNS": "200", "PATH": "", **({"SPENDPUB_FAULT_AT": fault} if fault else {})}
    return subprocess.run([sys.executable, "-m", "etl", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=120, env=env)


def quarantine_files(home: Path) -> list[Path]:
    return sorted((home / "quarantine").rglob("*")) if (home / "quarantine").exists() else []


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def published_text(home: Path) -> str:
    """Every published CSV and datapackage.json, and the warehouse's spending rows, as one text."""
    texts = [p.read_text(encoding="utf-8") for p in (home / "site").rglob("*") if p.suffix in (".csv", ".json")]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    texts += [str(r) for r in con.execute("select * from spending").fetchall()]
    con.close()
    return "\n".join(texts)


def test_rows_with_errors_are_set_aside_and_the_rest_is_published(home, mini_profile, export):
    result = pipeline.run(mini_profile(QUARANTINE), [export(BAD)], home)
    assert result.published and result.report.error_count == 2 and not result.report.blocks_publish
    assert (result.rejected_rows, result.quarantined, result.loaded, result.records) == (2, 2, 2, 4)
    assert result.files[0].quarantined == 2 and result.files[0].loaded == 2
    assert result.totals_by_currency() == {"GBP": Decimal("15.50")}

    kept = result.quarantine_file
    assert kept == home / "quarantine" / "testco" / f"{result.release_id}.csv" and kept.is_file()
    assert quarantine_files(home) == [kept.parent, kept]          # nothing staged or half-written left
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert (home / "site").resolve() not in kept.resolve().parents
    rows = rows_of(kept)
    assert [(r["source_file"], r["source_line"], r["codes"], r["Supplier"]) for r in rows] == [
        ("spend-2024-05.csv", "4", "type-error", "Bad Date Ltd"),
        ("spend-2024-05.csv", "5", "type-error", "Bad Amount Ltd")]
    assert rows[0]["reasons"] == "payment_date: is not a date in the format " \
                                 "%d/%m/%Y | %d/%m/%y | %d-%b-%Y | %d-%b-%y | Excel serial day number"
    assert rows[1]["reasons"].startswith("amount: is not an amount") and rows[1]["Amount"] == "twelve"

    text = published_text(home)
    assert "Acme Ltd" in text and "Bad Date Ltd" not in text and "Bad Amount Ltd" not in text
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*), sum(amount) from spending").fetchone() == (2, Decimal("15.50"))
    assert con.execute("select rows_read, rows_loaded, rows_rejected from releases").fetchone() == (4, 2, 2)
    assert con.execute("select rows_read, rows_loaded from release_sources").fetchone() == (4, 2)


def test_the_release_notes_and_a_rebuild_agree(home, mini_profile, export):
    result = pipeline.run(mini_profile(QUARANTINE), [export(BAD)], home)
    notes = (home / "site" / "testco" / "releases" / f"{result.release_id}.md").read_text(encoding="utf-8")
    assert "2 rows rejected" in notes
    rebuilt = replay.rebuild(home, result.release_id)
    assert rebuilt.identical, (rebuilt.mismatched, rebuilt.missing, rebuilt.extra)


def test_a_rebuild_and_a_rollback_use_the_code_list_the_release_was_validated_with(home, mini_profile, export):
    """A profile's code lists are archived with it: a rebuild sets aside the same rows after the
    list was edited, and a rollback still works after it was deleted."""
    profile = mini_profile("validation: {quarantine: true, code_lists: {department: departments.csv}}\n")
    departments = profile.parent / "departments.csv"
    departments.write_text("code\nParks\n", encoding="utf-8")
    first = pipeline.run(profile, [export(GOOD)], home)
    assert first.published and first.quarantined == 1 and first.files[0].loaded == 1   # Roads is not listed
    departments.write_text("code\nRoads\n", encoding="utf-8")
    rebuilt = replay.rebuild(home, first.release_id)
    assert rebuilt.identical, (rebuilt.mismatched, rebuilt.missing, rebuilt.extra)
    second = pipeline.run(profile, [export(GOOD.replace("5.50", "6.50"))], home)
    assert second.published and second.files[0].loaded == 1
    departments.unlink()
    back = replay.rollback(home, first.release_id)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select department from spending").fetchall() == [("Parks",)]
    assert replay.rebuild(home, back.release_id, home.parent / "rebuilt-back").identical


def test_without_quarantine_the_same_file_is_refused_and_nothing_changes(home, mini_profile, export):
    assert spendpub(home, "publish", "--profile", str(mini_profile()), str(export(APRIL, name="spend-2024-04.csv"))
                    ).returncode == 0
    before = tree_digest(home)
    done = spendpub(home, "publish", "--profile", str(mini_profile()), str(export(BAD)))
    assert done.returncode == 1 and "refused: 2 errors; nothing was published" in done.stderr
    assert "31/02/2024" in done.stdout and "Traceback" not in done.stdout + done.stderr
    assert tree_digest(home) == before and not quarantine_files(home)


def test_a_total_that_does_not_match_refuses_even_with_quarantine(home, mini_profile, export):
    assert spendpub(home, "publish", "--profile", str(mini_profile()), str(export(APRIL, name="spend-2024-04.csv"))
                    ).returncode == 0
    before = tree_digest(home)
    profile = str(mini_profile(QUARANTINE))
    report = home.parent / "report.json"
    done = spendpub(home, "publish", "--profile", profile, "--control-total", "2024-05=99.00", "--report", str(report),
                    str(export(BAD)))
    assert done.returncode == 1, done.stdout
    assert "total-mismatch" in done.stdout and "about a whole file" in done.stderr
    assert "nothing was published" in done.stderr
    [total] = [i for i in json.loads(report.read_text(encoding="utf-8"))["issues"] if i["code"] == "total-mismatch"]
    # line 5's amount ('twelve') is in no sum: often the whole difference, so it is said
    assert total["examples"][0]["reason"] == ("the rows add up to 16.50, not to 99.00 (the control total given for "
                                              "2024-05); records with no amount that can be read, in no sum: 1 "
                                              "(the first on line 5)")
    assert tree_digest(home) == before and not quarantine_files(home)
    listed, forwarded = home.parent / "problemes.csv", home.parent / "rapport.md"
    spendpub(home, "validate", "--profile", profile, "--lang", "fr", "--issues", str(listed), "--report",
             str(forwarded), "--control-total", "2024-05=99.00", str(export(BAD)))
    with listed.open(encoding="utf-8", newline="") as fh:
        [reason] = [" ".join(r["reason"].split()) for r in csv.DictReader(fh) if r["code"] == "total-mismatch"]
    assert reason == ("les lignes totalisent 16,50 et non 99,00 (le total de contrôle donné pour 2024-05) ; "
                      "enregistrements sans montant lisible, comptés dans aucune somme : 1 (le premier à la ligne 5)")
    assert reason in " ".join(forwarded.read_text(encoding="utf-8").split())   # rendered apart, the same
    # The control total is the file's: rows set aside count in it (their amounts are in the quarantine file).
    done = spendpub(home, "publish", "--profile", profile, "--control-total", "spend-2024-05.csv=16.50",
                    str(export(BAD)))
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_file_whose_every_row_has_an_error_is_refused(home, mini_profile, export):
    done = spendpub(home, "publish", "--profile", str(mini_profile(QUARANTINE)),
                    str(export("Department,Supplier,Date,Amount\nParks,A,31/02/2024,1.00\n")))
    assert done.returncode == 1 and "every row has one" in done.stderr
    assert not quarantine_files(home) and not (home / "warehouse.duckdb").exists()


def test_the_command_says_how_many_and_where_in_french_too(home, mini_profile, export):
    done = spendpub(home, "publish", "--profile", str(mini_profile(QUARANTINE)), "--lang", "fr", str(export(BAD)))
    assert done.returncode == 0, done.stdout + done.stderr
    [kept] = [p for p in quarantine_files(home) if p.is_file()]
    assert "lignes lues 4 · chargées 2 · rejetées 2" in done.stdout       # the whole output, in French
    assert "mises en quarantaine\u00a0: 2 lignes avec erreurs, non publiées" in done.stdout and str(kept) in done.stdout
    assert "2 lignes ont été mises en quarantaine" in done.stdout
    reasons = [r["reasons"] for r in rows_of(kept)]
    assert reasons[0].startswith("payment_date\u00a0: n'est pas une date au format %d/%m/%Y")
    assert reasons[1].startswith("amount\u00a0: n'est pas un montant")


def test_the_profile_can_ask_for_french(home, mini_profile, export):
    result = pipeline.run(mini_profile("validation: {quarantine: true, lang: fr}\n"), [export(BAD)], home)
    assert result.lang == "fr"
    assert rows_of(result.quarantine_file)[0]["reasons"].startswith("payment_date\u00a0: n'est pas une date")
    again = pipeline.run(mini_profile("validation: {quarantine: true, lang: fr}\n"),
                         [export(BAD.replace("/05/2024", "/06/2024").replace("10.00", "11.00"), name="spend-2024-06.csv")], home, lang="en")
    assert rows_of(again.quarantine_file)[0]["reasons"].startswith("payment_date: is not a date")


def test_validate_reports_what_would_be_quarantined_and_writes_nothing(home, mini_profile, export):
    done = spendpub(home, "validate", "--profile", str(mini_profile(QUARANTINE)), str(export(BAD)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "a publish would set aside 2 rows with errors" in done.stdout
    assert "publishable with quarantine (2 errors): nothing was written (dry run)" in done.stdout
    assert not home.exists()


def test_warnings_never_block_and_the_outlier_check_reads_the_warehouse(home, mini_profile, export):
    profile = mini_profile("validation: {outliers: {min_history: 2}}\n")
    first = pipeline.run(profile, [export(APRIL, name="spend-2024-04.csv")], home)
    assert first.published and not first.report.summaries       # no history before the first publish
    big = GOOD.replace("10.00", "\"1,000,000.00\"")
    result = pipeline.run(profile, [export(big)], home)
    assert result.published and result.report.ok and result.report.warning_count == 1
    [outlier] = [e for s in result.report.summaries for e in s.examples]
    assert (outlier.code, outlier.line, outlier.severity) == ("amount-outlier", 2, "warning")
    assert "from 2 past payments" in outlier.reason


def test_a_rebuild_compares_amounts_with_the_baseline_the_release_was_checked_against(home, mini_profile, export):
    """An outlier raised to an error is set aside; a rebuild made after later releases changed the
    publisher's history sets aside the same row, from the baseline the release recorded."""
    profile = mini_profile("validation: {quarantine: true, severity: {amount-outlier: error}, "
                           "outliers: {min_history: 2}}\n")
    assert pipeline.run(profile, [export(APRIL, name="spend-2024-04.csv")], home).published
    checked = pipeline.run(profile, [export(GOOD.replace("10.00", "\"1,000,000.00\""))], home)
    assert checked.published and checked.quarantined == 1 and checked.files[0].loaded == 1
    assert [(c, n) for c, _, n in checked.report.outlier_baseline] == [("GBP", 2)]
    # a later release with the check back to a warning makes millions the publisher's usual amounts
    lenient = mini_profile("validation: {outliers: {min_history: 2}}\n")
    huge = GOOD.replace("10.00", "\"2,000,000.00\"").replace("5.50", "\"3,000,000.00\"").replace("/05/", "/03/")
    assert pipeline.run(lenient, [export(huge, name="spend-2024-03.csv")], home).published
    rebuilt = replay.rebuild(home, checked.release_id)
    assert rebuilt.identical, rebuild_report(home, rebuilt)


def test_a_publish_killed_before_its_switch_leaves_no_quarantine_file(home, mini_profile, export):
    profile = str(mini_profile(QUARANTINE))
    assert spendpub(home, "publish", "--profile", profile, str(export(APRIL, name="spend-2024-04.csv"))
                    ).returncode == 0
    before = tree_digest(home / "site")
    killed = spendpub(home, "publish", "--profile", profile, str(export(BAD)), fault="swap")
    assert killed.returncode == -signal.SIGKILL
    assert tree_digest(home / "site") == before
    [staged] = [p for p in quarantine_files(home) if p.is_file()]
    assert staged.name.startswith(".") and staged.name.endswith(".csv.new")   # never a release's name
    done = spendpub(home, "publish", "--profile", profile, str(export(BAD)))
    assert done.returncode == 0, done.stdout + done.stderr
    files = [p for p in quarantine_files(home) if p.is_file()]
    assert len(files) == 1 and not files[0].name.startswith(".") and len(rows_of(files[0])) == 2
    assert os.access(files[0], os.R_OK)


def test_a_quarantine_file_left_staged_is_kept_only_if_its_release_went_live(tmp_path):
    home = Home(tmp_path)
    folder = tmp_path / "quarantine" / "testco"
    folder.mkdir(parents=True)
    (tmp_path / "versions" / "testco-live").mkdir(parents=True)
    for name in (".testco-live.csv.new", ".testco-dead.csv.new", ".x.csv.new.123.tmp"):
        (folder / name).write_text("source_file\n", encoding="utf-8")
    quarantine.settle_leftovers(home)
    assert sorted(p.name for p in folder.iterdir()) == ["testco-live.csv"]
