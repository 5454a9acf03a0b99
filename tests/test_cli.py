"""The spendpub command as a user runs it: exit codes, one clear sentence, nothing half-written."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from decimal import Decimal

from tests.conftest import MINI_PROFILE, tree_digest

GOOD = "Department,Supplier,Date,Amount\nParks,Acme Ltd,03/05/2024,10.00\nRoads,Big Co,04/05/2024,5.50\n"
# the same payments dated in another month, for a file named for that month
APRIL, JUNE = (GOOD.replace("/05/2024", f"/{m}/2024") for m in ("04", "06"))


def spendpub(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=120, env={"COLUMNS": "200", "PATH": ""})


@pytest.fixture
def published_home(home, mini_profile, export):
    """A home with one good release already published."""
    done = spendpub(home, "publish", "--profile", str(mini_profile()), str(export(APRIL, name="spend-2024-04.csv")))
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


def _unclosed_quote(mini_profile, export):   # DuckDB would drop the rows from line 3 on
    return ["--profile", str(mini_profile()),
            str(export(GOOD.replace("Big Co", '"Big Co') + "Parks,Acme,05/05/2024,1.00\n"))]


def _amount_twice(mini_profile, export):     # which Amount is the amount?
    return ["--profile", str(mini_profile()),
            str(export("Department,Supplier,Date,Amount,amount\nParks,Acme,03/05/2024,10.00,12.00\n"))]


def _shifted_cells(mini_profile, export):    # an unquoted thousands separator: the amount would be 1.00
    return ["--profile", str(mini_profile()), str(export(GOOD + "Parks,Acme,05/05/2024,1,234.56\n"))]


@pytest.mark.parametrize("case, message", [
    (_unknown_key_profile, "unknown key 'colour'"),
    (_forced_wrong_encoding, "not valid UTF-8 at line 2"),
    (_missing_column, "the closest, line 1, lacks amount"),
    (_binary, "binary file"),
    (_empty, "the file is empty"),
    (_bad_rows, "31/02/2024"),
    (_unclosed_quote, "a quoted cell is never closed: its quote (\") on line 3 or before"),
    (_shifted_cells, "spend-2024-05.csv:4  '234.56': is beyond the last column"),
    (_amount_twice, "names 'Amount' in columns 4, 5: which one holds amount is not known"),
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
    assert "spend-2024-05.csv  the file is empty" in done.stdout


def test_usage_errors_exit_2(home, mini_profile, export):
    no_period = export(GOOD, name="spend.csv")
    assert spendpub(home, "publish", str(no_period)).returncode == 2  # no --profile
    assert spendpub(home, "publish", "--profile", str(mini_profile()), "--period", "2024-13",
                    str(no_period)).returncode == 2
    misspelt = spendpub(home, "publish", "--profile", "lambth", str(no_period))
    assert misspelt.returncode == 2 and "lambth: no such profile" in misspelt.stderr and "lambeth" in misspelt.stderr
    folder = spendpub(home, "publish", "--profile", str(mini_profile()), str(no_period.parent))
    assert folder.returncode == 2 and "is a folder: give the files in it" in folder.stderr
    missing = spendpub(home, "publish", "--profile", str(mini_profile()), str(no_period.parent / "nowhere.csv"))
    assert missing.returncode == 2 and "nowhere.csv: no such file" in missing.stderr
    assert not (home / "warehouse.duckdb").exists()


def test_period_option_when_the_name_does_not_say(home, mini_profile, export, tmp_path):
    unnamed = export(GOOD, name="export.csv")
    report = tmp_path / "rapport.md"
    refused = spendpub(home, "publish", "--lang", "fr", "--report", str(report), "--profile", str(mini_profile()),
                       str(unnamed), str(export(GOOD, name="spend-2024-05.csv")),
                       str(export(GOOD, name="more-2024-05.csv")))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
    written = " ".join(report.read_text(encoding="utf-8").split())
    assert "| export.csv | | | impossible de savoir quel mois couvre ce fichier : son nom ne correspond à aucun des " \
           "motifs period.from_filename du profil ; indiquez --period AAAA-MM |" in written
    # the other files are read on: the month the other two share is said too
    assert "| more-2024-05.csv | | | ce fichier couvre 2024-05, comme spend-2024-05.csv : publiez un seul fichier " \
           "par période |" in written and not (home / "warehouse.duckdb").exists()
    done = spendpub(home, "publish", "--profile", str(mini_profile()), "--period", "2024-05", str(unnamed))
    assert done.returncode == 0, done.stderr


def test_validate_is_a_dry_run(home, mini_profile, export):
    done = spendpub(home, "validate", "--profile", str(mini_profile()), str(export(GOOD)))
    assert done.returncode == 0 and "valid" in done.stdout and "dry run" in done.stdout
    assert not home.exists() or tree_digest(home) == {}
    bad = spendpub(home, "validate", "--json", "--profile", str(mini_profile()),
                   str(export(JUNE + "Parks,Acme,31/02/2024,1\n", name="spend-2024-06.csv")))
    assert bad.returncode == 1 and '"valid": false' in bad.stdout
    refused = spendpub(home, "validate", "--profile", str(mini_profile()),
                       str(export(JUNE + "Parks,Acme,31/02/2024,1\n", name="spend-2024-06.csv")))
    assert "rows read 3 · with errors 1 ·" in refused.stdout and "· loaded" not in refused.stdout
    # refused, nothing would load: the files table counts records, not rows "to load"
    assert "Totals read" in refused.stdout and "to load" not in refused.stdout


def test_files_refused_as_a_whole_are_reported_together_in_the_reports_language(home, mini_profile, export, tmp_path):
    """Finance staff get every refused file at once, in the report, the issue list and the report
    file they forward, in French when asked."""
    files = [str(export("", name="spend-2024-05.csv")),
             str(export("Department;Supplier;Date;Amount\nParks;Acme;03/06/2024;1.00\n", name="spend-2024-06.csv"))]
    report, issues = tmp_path / "out" / "rapport.md", tmp_path / "out" / "issues.csv"
    done = spendpub(home, "validate", "--lang", "fr", "--report", str(report), "--issues", str(issues),
                    "--profile", str(mini_profile()), *files)
    assert done.returncode == 1, done.stderr
    shown = " ".join(done.stdout.split())
    assert "spend-2024-05.csv le fichier est vide (0 octet)" in shown
    assert "spend-2024-06.csv aucune ligne d'en-tête ne nomme" in shown and "Fichiers" not in shown
    written = " ".join(report.read_text(encoding="utf-8").split())
    assert "| spend-2024-06.csv | | | aucune ligne d'en-tête ne nomme toutes les colonnes requises quand les lignes " \
           "sont découpées à ',', mais la ligne 1 les nomme toutes découpée à ';' : le fichier est séparé par ';'." \
           in written
    with issues.open(encoding="utf-8", newline="") as fh:
        listed = [(r["source_file"], r["code"], " ".join(r["reason"].split())) for r in csv.DictReader(fh)]
    assert listed[0] == ("spend-2024-05.csv", "file-refused", "le fichier est vide (0 octet)")
    assert listed[1][:2] == ("spend-2024-06.csv", "file-refused") and listed[1][2].endswith(
        "Indiquez ';' dans read.delimiter du profil")


def test_the_files_beside_a_refused_one_are_validated_too(home, mini_profile, export):
    """Finance staff fix every problem after one run, not one file per run."""
    files = [export("", name="spend-2024-04.csv"),
             export(GOOD.replace("03/05/2024", "31/02/2024"), name="spend-2024-05.csv")]
    done = spendpub(home, "publish", "--profile", str(mini_profile()), "--control-total", "spend-2024-04.csv=1",
                    "--control-total", "2024-05=15.50", *map(str, files))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    shown = " ".join(done.stdout.split())
    assert "spend-2024-04.csv the file is empty (0 bytes)" in shown
    assert "spend-2024-05.csv:2 payment_date [Date] '31/02/2024'" in shown   # the other file's row error
    assert "total-mismatch" not in shown                                     # its control total was checked
    assert "refused: 2 errors; nothing was published" in done.stderr and not (home / "warehouse.duckdb").exists()
    forwarded = home.parent / "report.md"
    checked = spendpub(home, "validate", "--profile", str(mini_profile()), "--report", str(forwarded), *map(str, files))
    assert forwarded.read_text(encoding="utf-8").startswith(
        "# Validation report – Test Borough Council (spend-2024-05.csv, spend-2024-04.csv)")
    figures = " ".join(checked.stdout.split("Validation report")[-1].split())
    assert "│ spend-2024-05.csv │ 2024-05 │" in figures and "spend-2024-04.csv │" not in figures
    assert "│ GBP │ 2 │ 15.50 │" in figures and "rows read 2 · with errors 1 ·" in figures


def test_validate_json_says_when_a_file_is_refused_as_a_whole(home, mini_profile, export):
    """A script reading --json gets a document for a refused file too, not empty input."""
    import json

    empty = export("")
    done = spendpub(home, "validate", "--json", "--profile", str(mini_profile()), str(empty))
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    (issue,) = doc["issues"]
    (example,) = issue["examples"]
    assert (doc["valid"], doc["blocks_publish"], issue["code"], example["file"]) == (
        False, True, "file-refused", "spend-2024-05.csv")
    assert example["reason"] == "the file is empty (0 bytes)" and example["constraint"] == "empty-bytes"
    usage = spendpub(home, "validate", "--json", "--profile", str(mini_profile()), str(home / "missing.csv"))
    assert usage.returncode == 2 and usage.stdout == ""     # a command used wrongly is no report


def test_validate_reports_a_file_where_no_amount_can_be_read(home, mini_profile, export):
    unreadable = export("Department,Supplier,Date,Amount\nParks,Acme Ltd,03/05/2024,TBC\n")
    for json_flag in ([], ["--json"]):
        done = spendpub(home, "validate", *json_flag, "--profile", str(mini_profile()), str(unreadable))
        assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout, done.stderr
        assert "TBC" in done.stdout


def test_second_publish_of_a_period_replaces_its_rows(published_home, mini_profile, export):
    import duckdb
    spendpub(published_home, "publish", "--profile", str(mini_profile()),
             str(export(APRIL.replace("10.00", "11.00"), name="spend-2024-04.csv")))
    con = duckdb.connect(str(published_home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*), sum(amount) from spending").fetchone() == (2, Decimal("16.50"))


def test_a_file_published_as_one_period_is_refused_as_another(published_home, mini_profile, export):
    """The same bytes under another month's name (or --period) would count their payments twice.
    (A payment run over the month's end: as many dates in either month, so both periods validate.)"""
    month_end = GOOD.replace("03/05/2024", "30/04/2024")
    assert spendpub(published_home, "publish", "--profile", str(mini_profile()),
                    str(export(month_end, name="spend-2024-04.csv"))).returncode == 0
    before = tree_digest(published_home / "site")
    again = spendpub(published_home, "publish", "--profile", str(mini_profile()),
                     str(export(month_end, name="spend-2024-05.csv")))
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert "spend-2024-05.csv this file is already published as the period 2024-04" in " ".join(again.stdout.split())
    assert tree_digest(published_home / "site") == before
    # a dry run says so too, as an issue of its report: validate exits 1 exactly when a publish would be refused
    dry = spendpub(published_home, "validate", "--json", "--lang", "fr", "--profile", str(mini_profile()),
                   str(export(month_end, name="spend-2024-05.csv")))
    assert dry.returncode == 1
    [issue] = json.loads(dry.stdout)["issues"]
    [example] = issue["examples"]
    assert (issue["code"], example["constraint"], example["file"]) == ("already-published", "same-file",
                                                                        "spend-2024-05.csv")
    assert " ".join(example["reason"].split()).startswith(
        "ce fichier est déjà publié comme période 2024-04 (publication ")
    # the same file for its own period again is not refused: nothing to publish
    same = spendpub(published_home, "publish", "--profile", str(mini_profile()),
                    str(export(month_end, name="spend-2024-04.csv")))
    assert same.returncode == 0 and "nothing to publish" in same.stdout


@pytest.mark.parametrize("given, message", [
    ("2024-05", "write FILE_OR_PERIOD=AMOUNT"),
    ("=12.00", "write FILE_OR_PERIOD=AMOUNT"),
    ("2024-05=twelve", "write FILE_OR_PERIOD=AMOUNT"),
    ("2024-05=1.234", "write FILE_OR_PERIOD=AMOUNT"),
    ("2024-05=1,5", "write FILE_OR_PERIOD=AMOUNT"),
])
def test_a_malformed_control_total_is_a_usage_error(home, mini_profile, export, given, message):
    for command in ("publish", "validate"):
        done = spendpub(home, command, "--profile", str(mini_profile()), "--control-total", given, str(export(GOOD)))
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not home.exists()


def test_control_totals_name_a_file_or_a_period(home, mini_profile, export):
    args = ["validate", "--profile", str(mini_profile()), str(export(GOOD))]
    unknown = spendpub(home, *args, "--control-total", "2024-06=15.50")
    assert unknown.returncode == 2 and "control total given for 2024-06, which names no file and no period" \
        in unknown.stderr and "Traceback" not in unknown.stderr
    twice = spendpub(home, *args, "--control-total", "2024-05=1", "--control-total", "2024-05=2")
    assert twice.returncode == 2 and "'2024-05' is given twice" in twice.stderr
    checked = spendpub(home, *args, "--control-total", "2024-05=15.50")
    assert checked.returncode == 0 and "15.50 given" in checked.stdout    # the Files table shows what was checked
    assert spendpub(home, *args, "--control-total", "spend-2024-05.csv=1,015.50").returncode == 1
    assert spendpub(home, *args, "--control-total", "2024-05=15.5000").returncode == 0     # zeros after the cents
    done = spendpub(home, "publish", *args[1:], "--control-total", "spend-2024-05.csv=+15.5")
    assert done.returncode == 0 and "15.50 given" in done.stdout, done.stderr


@pytest.mark.parametrize("suffix, starts, inside", [
    (".md", "# Validation report – Test Borough Council (spend-2024-06.csv)", "| spend-2024-06.csv:4 | payment_date [Date] | 31/02/2024 |"),
    (".html", "<!doctype html>", "<td>spend-2024-06.csv:4</td><td>payment_date [Date]</td><td>31/02/2024</td>"),
    (".json", "{", '"line": 4'),
])
def test_report_files_in_three_formats(home, mini_profile, export, tmp_path, suffix, starts, inside):
    report = tmp_path / "reports" / f"june{suffix}"
    bad = export(JUNE + "Parks,Acme,31/02/2024,1\n", name="spend-2024-06.csv")
    done = spendpub(home, "validate", "--profile", str(mini_profile()), "--report", str(report), str(bad))
    assert done.returncode == 1 and f"report written to {report}" in done.stdout
    text = report.read_text(encoding="utf-8")
    assert text.startswith(starts) and inside in text, text
    assert sorted(p.name for p in report.parent.iterdir()) == [report.name]      # written whole, then renamed
    assert report.stat().st_mode & 0o777 == 0o600   # its examples quote the source's cells
    if suffix == ".json":
        doc = json.loads(text)
        assert doc["valid"] is False and doc["errors"] == 1 and doc["blocks_publish"] is True


def test_a_report_shows_the_files_and_totals_it_checked(home, mini_profile, export, tmp_path):
    """A report forwarded alone shows what was read and that it adds up: the Files and Totals
    tables of the terminal, as tables (Markdown, HTML) or raw values (JSON)."""
    data = export(GOOD + ",Total,,15.50\n")
    args = ["validate", "--profile", str(mini_profile()), "--control-total", "2024-05=15.5", str(data)]
    md, page, doc = (tmp_path / f"report.{s}" for s in ("md", "html", "json"))
    for report in (md, page, doc):
        assert spendpub(home, *args, "--report", str(report)).returncode == 0
    text = md.read_text(encoding="utf-8")
    assert "| spend-2024-05.csv | 2024-05 | utf-8 | 1 | 2 | 2 | 1 total | 15.50 · 15.50 given |" in text, text
    assert "## Totals to load" in text and "| GBP | 2 | 15.50 |" in text     # a dry run loads nothing
    assert "| file | period | encoding | header line | rows read | to load |" in text
    assert '<td class="n">2</td><td>1 total</td><td>15.50 · 15.50 given</td>' in page.read_text(encoding="utf-8")
    files = json.loads(doc.read_text(encoding="utf-8"))["files"]
    assert [(f["file"], f["rows_read"], f["skipped"]["total"], f["control_total"], f["control_total_given"])
            for f in files] == [("spend-2024-05.csv", 2, 1, "15.50", "15.50")]
    stdout = json.loads(spendpub(home, *args, "--json").stdout)
    assert stdout["totals_loaded"] == [{"currency": "GBP", "rows": 2, "total": "15.50"}]
    french = tmp_path / "rapport.md"
    spendpub(home, *args, "--lang", "fr", "--report", str(french))
    assert "## Fichiers" in french.read_text(encoding="utf-8") and "| GBP | 2 | 15,50 |" in french.read_text(encoding="utf-8")


def test_report_in_french(home, mini_profile, export, tmp_path):
    report = tmp_path / "rapport.md"
    bad = export(GOOD + "Parks,Acme,31/02/2024,1\n")
    done = spendpub(home, "validate", "--lang", "fr", "--profile", str(mini_profile()), "--report", str(report), str(bad))
    assert done.returncode == 1
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Rapport de validation") and "n'est pas une date au format" in text
    assert "Rapport de validation" in done.stdout and "motif" in done.stdout


@pytest.mark.parametrize("option, value, message", [
    ("--report", "report.pdf", "name the file with one of .md, .html, .json"),
    ("--report", "{not_a_folder}/report.md", "cannot be written"),
    ("--lang", "de", "'de' is not one of 'en', 'fr'"),
    ("--issues", "issues.json", "name the file with one of .csv"),
    ("--issues", "{not_a_folder}/issues.csv", "cannot be written"),
])
def test_bad_report_options_are_usage_errors(home, mini_profile, export, tmp_path, option, value, message):
    (tmp_path / "file").write_text("a file, not a folder", encoding="utf-8")
    value = value.format(not_a_folder=tmp_path / "file")
    done = spendpub(home, "publish", "--profile", str(mini_profile()), option, value, str(export(GOOD)))
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not home.exists()


def test_the_issue_list_beside_a_json_report(home, mini_profile, export, tmp_path):
    """--issues lists every issue; with --json, stdout carries the JSON alone (the notices go to stderr)."""
    issues, report = tmp_path / "lists" / "issues.csv", tmp_path / "report.md"
    bad = export(JUNE + "Parks,Acme,31/02/2024,1\nParks,Big Co,30/02/2024,two\n", name="spend-2024-06.csv")
    done = spendpub(home, "validate", "--json", "--profile", str(mini_profile()), "--report", str(report),
                    "--issues", str(issues), str(bad))
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    assert f"3 issues listed in {issues}" in done.stderr and f"report written to {report}" in done.stderr
    lines = issues.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + doc["errors"] + doc["warnings"] == 4
    dates = "is not a date in the format %d/%m/%Y | %d/%m/%y | %d-%b-%Y | %d-%b-%y | Excel serial day number"
    assert lines[1:4:2] == [f"spend-2024-06.csv,4,type-error,error,payment_date,Date,31/02/2024,{dates}",
                            f"spend-2024-06.csv,5,type-error,error,payment_date,Date,30/02/2024,{dates}"]
    assert lines[2].startswith("spend-2024-06.csv,5,type-error,error,amount,Amount,two,")


def test_a_refused_publish_still_lists_its_issues(home, mini_profile, export, tmp_path):
    issues = tmp_path / "issues.csv"
    done = spendpub(home, "publish", "--profile", str(mini_profile()), "--issues", str(issues),
                    str(export(GOOD + "Parks,Acme,31/02/2024,1\n")))
    assert done.returncode == 1 and "1 issue listed in" in done.stdout and "nothing was published" in done.stderr
    assert len(issues.read_text(encoding="utf-8").splitlines()) == 2 and not (home / "site").exists()


def test_a_publish_in_french_speaks_french_throughout(home, mini_profile, export):
    done = spendpub(home, "publish", "--lang", "fr", "--profile", str(mini_profile()), "--control-total",
                    "2024-05=15.50", str(export(GOOD)))
    assert done.returncode == 0, done.stderr
    for french in ("Fichiers", "période", "15,50 donné", "Totaux chargés", "lignes lues 2 · chargées 2 · rejetées 0",
                   "publiée\u00a0: version"):
        assert french in done.stdout, french
    for english in ("Files", "Totals loaded", "rows read", "published release"):
        assert english not in done.stdout, english
    refused = spendpub(home, "validate", "--lang", "fr", "--profile", str(mini_profile()),
                       str(export(JUNE + "Parks,Acme,31/02/2024,1\n", name="spend-2024-06.csv")))
    assert "une publication serait refusée : 1 erreur. Rien n'a été écrit" in " ".join(refused.stdout.split())
    assert "Totaux lus" in refused.stdout and "Totaux chargés" not in refused.stdout   # refused: nothing to load
    corrected = spendpub(home, "publish", "--lang", "fr", "--profile", str(mini_profile()),
                         str(export(GOOD.replace("10.00", "11.00"))))
    assert corrected.returncode == 0, corrected.stderr
    assert "empreinte (les champs de la ligne)" in corrected.stdout and "fingerprint" not in corrected.stdout


def test_output_to_a_file_follows_columns(home, mini_profile, export):
    """Piped or redirected, the tables are 160 columns wide unless COLUMNS says otherwise; a narrow
    table folds its cells rather than cutting a figure."""
    done = subprocess.run([sys.executable, "-m", "etl", "--home", str(home), "validate", "--profile",
                           str(mini_profile()), str(export(GOOD))], capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "70", "PATH": ""})
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and max(len(line) for line in lines) == 70
    assert "15.50" in done.stdout.replace("│", "").replace(" ", "")


def _command_paths(command, path=()):
    """Every command and subcommand of the CLI, as the words that call it."""
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*path, name))


def test_help_pages_show_no_value_on_flags():
    """Every --help page: a flag (--json, --dry-run, --help) shows no value placeholder, since it takes none."""
    import typer.main
    from typer.testing import CliRunner

    from etl.cli import app

    group = typer.main.get_command(app)
    paths = list(_command_paths(group))
    assert ("publish",) in paths and ("redactions", "review") in paths
    for path in paths:
        shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert shown.exit_code == 0, (path, shown.output)
        flags = [line for line in shown.output.splitlines() if "--help" in line or "--json" in line]
        assert flags and not any("<" in line or "BOOL" in line or "BOOLEAN" in line for line in flags), (path, flags)


def test_rebuild_says_identical_or_lists_what_differs(published_home):
    with duckdb.connect(str(published_home / "warehouse.duckdb"), read_only=True) as con:
        (release,) = con.execute("select release_id from releases").fetchone()
    same = spendpub(published_home, "rebuild", release)
    assert same.returncode == 0 and f"files of {release} rebuilt byte for byte" in same.stdout, same.stderr
    # the packages as they were may hold names redacted since: only the home's owner can open them
    for folder in (published_home / "rebuild", published_home / "rebuild" / release):
        assert folder.stat().st_mode & 0o777 == 0o700
    unknown = spendpub(published_home, "rebuild", "no-such-release")
    assert unknown.returncode == 2 and "no release 'no-such-release'" in unknown.stderr
    # what the release recorded no longer matches one file: the rebuild names it and exits 1
    with duckdb.connect(str(published_home / "warehouse.duckdb")) as con:
        con.execute("update release_packages set sha256 = repeat('0', 64) where path like '%.parquet' "
                    "and path like 'spending/%'")
    differs = spendpub(published_home, "rebuild", release)
    assert differs.returncode == 1 and "differs: spending/data/spending.parquet" in differs.stderr
    assert "not identical" in differs.stderr and "Traceback" not in differs.stderr


def test_diff_of_a_rollback_says_which_periods_it_withdrew_or_restored(published_home, mini_profile, export):
    with duckdb.connect(str(published_home / "warehouse.duckdb"), read_only=True) as con:
        (first,) = con.execute("select release_id from releases").fetchone()
    assert spendpub(published_home, "publish", "--profile", str(mini_profile()),
                    str(export(JUNE, name="spend-2024-06.csv"))).returncode == 0
    with duckdb.connect(str(published_home / "warehouse.duckdb"), read_only=True) as con:
        (june,) = con.execute("select release_id from releases order by seq desc limit 1").fetchone()
    back = spendpub(published_home, "rollback", first)
    assert back.returncode == 0, back.stderr
    withdrawal = f"2024-06 withdrawn: it held the rows of {june} (2 payments, GBP 15.50)"
    assert withdrawal in " ".join(back.stdout.split())    # the rollback says so as it does it
    said = spendpub(published_home, "diff")
    assert said.returncode == 0, said.stderr
    assert withdrawal in " ".join(said.stdout.split())
    assert "only added new ones" not in said.stdout
    forth = spendpub(published_home, "rollback", june)   # and back to June's release: June comes back
    assert forth.returncode == 0, forth.stderr
    restored = f"2024-06 restored: the rows of {june} (2 payments, GBP 15.50)"
    assert restored in " ".join(forth.stdout.split()) and restored in " ".join(spendpub(published_home, "diff").stdout.split())


def test_a_publish_says_how_many_names_it_adds_to_the_private_register(home, mini_profile, export):
    """A name withheld as a precaution is hidden in every month from then on: the publish says so
    (counts only; the names are private), and where to see them."""
    from tests.test_cli_redaction import EXTRA_FIELDS

    profile = str(mini_profile(EXTRA_FIELDS))
    may = export("Department,Supplier,Purpose,Expense,Date,Amount\n"
                 "Housing,Acme Ltd,Repairs,Stationery,03/05/2024,99.00\n"
                 "Children,Action For Children,,Adoptions - Allowances,04/05/2024,10.00\n")
    done = spendpub(home, "publish", "--profile", profile, str(may))
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert ("1 name added to the private register, hidden in every month from now on (1 as a precaution: paid "
            "under a sensitive expense type); spendpub redactions list --profile testco shows it and why") in said
    assert "Action For Children" not in done.stdout
    again = spendpub(home, "publish", "--profile", profile, str(export(may.read_text().replace("99.00", "98.00"))))
    assert again.returncode == 0 and "private register" not in again.stdout   # nothing new
