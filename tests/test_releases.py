"""Releases: month by month equals all at once, corrections give exact diffs, nothing published twice."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import etl
from etl import notes, pipeline, redact, releases, replay
from etl.paths import DATASETS_DIR
from etl.periods import period_from_filename
from tests.conftest import MINI_PROFILE, rebuild_report, tree_digest
from tests.test_pipeline_realdata import LEEDS_MONTHLY

LEEDS = "spending/leeds-monthly-fy2012-13"
HYNDBURN = "spending/hyndburn-monthly-fy2019-20"


def warehouse_rows(home: Path) -> list[tuple]:
    """The published rows, minus the release that published them (which differs by construction)."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    cols = [r[0] for r in con.execute("describe spending").fetchall() if r[0] != "release_id"]
    return con.execute(f"select {', '.join(cols)} from spending order by all").fetchall()


def package_rows(home: Path, publisher: str) -> list[str]:
    """Every published CSV's rows of a publisher without the release_id column."""
    out = []
    for path in sorted((home / "site" / publisher).glob("*/data/*.csv")):
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
        out += [f"{path.parent.parent.name}|" + "|".join(v for k, v in row.items() if k != "release_id")
                for row in reader]
    return sorted(out)


def hyndburn_file_total(path: Path) -> Decimal:
    """Computed without spendpub: the Windows-1252, CR-terminated file read with the csv module."""
    text = path.read_bytes().decode("cp1252").replace("\r\n", "\n").replace("\r", "\n")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return sum((Decimal(r[6]) for r in rows if any(c.strip() for c in r)), Decimal(0))


def gate_cache(home: Path, publisher: str) -> list[str]:
    """The sha256 of each file whose values the leak gate's cache holds for a publisher."""
    return [p.name.split("-")[0] for p in (home / "cache/leakgate" / publisher).rglob("*") if p.is_file()]


def published_files(home: Path, publisher: str) -> set[str]:
    """The sha256 of every file a publish of the publisher puts out: its packages, loose and zipped,
    and the site's own files (the catalogue)."""
    site = home / "site"
    out = {hashlib.sha256(p.read_bytes()).hexdigest()
           for p in [*(site / publisher).rglob("*"), *site.iterdir()] if p.is_file()}
    for package in (site / publisher).glob("*.zip"):
        with zipfile.ZipFile(package) as zf:
            out |= {hashlib.sha256(zf.read(info)).hexdigest() for info in zf.infolist()}
    return out


@pytest.mark.realdata
def test_month_by_month_equals_one_go_and_every_month_reconciles(realdata, tmp_path):
    sets = {"leeds": sorted((realdata / LEEDS).glob("*.csv")),
            "hyndburn": sorted((realdata / HYNDBURN).glob("*.csv"))}
    monthly, at_once = tmp_path / "monthly", tmp_path / "at-once"
    for profile, files in sets.items():
        for f in files:
            assert pipeline.run(profile, [f], monthly).published
        assert set(gate_cache(monthly, profile)) <= published_files(monthly, profile)
        assert pipeline.run(profile, files, at_once).published
    assert len(gate_cache(monthly, "leeds")) > 12   # Hyndburn's exports name nobody to search for
    assert warehouse_rows(monthly) == warehouse_rows(at_once)
    for publisher in sets:
        assert package_rows(monthly, publisher) == package_rows(at_once, publisher)

    con = duckdb.connect(str(monthly / "warehouse.duckdb"), read_only=True)
    totals = dict(con.execute("select publisher_id || ' ' || period, sum(amount) from spending group by 1").fetchall())
    for period, expected in LEEDS_MONTHLY.items():
        assert totals[f"leeds {period}"] == Decimal(expected)
    for f in sets["hyndburn"]:
        period = period_from_filename(f.name, pipeline.load_profile("hyndburn").period_patterns)
        assert totals[f"hyndburn {period}"] == hyndburn_file_total(f), f.name
    assert len(totals) == 24


def corrected_copy(source: Path, target: Path) -> Path:
    """The month with 3 amounts changed, 2 payments removed and 1 added."""
    lines = source.read_bytes().split(b"\r\n")

    def with_amount(line: bytes, amount: bytes) -> bytes:
        cells = line.split(b",")
        cells[9] = amount
        return b",".join(cells)

    for i in (10, 20, 30):
        lines[i] = with_amount(lines[i], b"999.99")
    added = lines[60].split(b",")
    added[8] = b"1204-99999"
    del lines[51], lines[41]
    lines.insert(70, b",".join(added))
    target.write_bytes(b"\r\n".join(lines))
    return target


@pytest.mark.realdata
def test_a_corrected_month_gives_exactly_its_diff(realdata, home, tmp_path):
    original = realdata / LEEDS / "spending_2012_04.csv"
    first = pipeline.run("leeds", [original], home)
    fixed_dir = tmp_path / "fixed"
    fixed_dir.mkdir()
    second = pipeline.run("leeds", [corrected_copy(original, fixed_dir / original.name)], home)
    (change,) = second.changes
    assert (change.added, change.removed, change.changed) == (1, 2, 3)
    assert change.previous_release_id == first.release_id and change.matched_by == "transaction_id"
    assert change.rows_before == 10177 and change.rows_after == 10176
    assert change.totals_before == {"GBP": Decimal("73182739.90")}
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    assert change.totals_after == {"GBP": con.execute("select sum(amount) from spending").fetchone()[0]}
    rows = con.execute("select change, match_key, fields_changed from release_changes where release_id = ? "
                       "order by change, match_key", [second.release_id]).fetchall()
    assert rows == [("added", "1204-99999", None),
                    ("changed", "1204-00010", ["amount"]), ("changed", "1204-00020", ["amount"]),
                    ("changed", "1204-00030", ["amount"]),
                    ("removed", "1204-00041", None), ("removed", "1204-00051", None)]
    notes = (home / "site/leeds/releases" / f"{second.release_id}.md").read_text()
    assert f"2012-04 replaces {first.release_id} (matched by transaction_id): 1 added, 2 removed, 3 changed" in notes
    package = home / "site/leeds/spending-2012-04"
    assert "1 added, 2 removed, 3 changed" in (package / "CHANGELOG.md").read_text()
    changes = list(csv.DictReader(open(package / "changes.csv", encoding="utf-8")))
    assert sorted((c["change"], c["match_key"]) for c in changes if c["release_id"] == second.release_id) == \
        [(r[0], r[1]) for r in rows]


def test_publishing_the_same_file_again_changes_nothing(home, mini_profile, export):
    data = export("Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,10.00\n")
    first = pipeline.run(mini_profile(), [data], home)
    before = tree_digest(home / "site"), (home / "warehouse.duckdb").read_bytes()
    again = pipeline.run(mini_profile(), [data], home)
    assert again.unchanged_since == first.release_id and not again.published
    assert (tree_digest(home / "site"), (home / "warehouse.duckdb").read_bytes()) == before
    # after another period's release, the release named is still the one that published the file
    june = pipeline.run(mini_profile(), [export("Department,Supplier,Date,Amount\nParks,Acme,03/06/2024,10.00\n",
                                                name="spend-2024-06.csv")], home)
    assert june.published and pipeline.run(mini_profile(), [data], home).unchanged_since == first.release_id


def test_rows_without_unique_ids_are_matched_by_fingerprint(home, mini_profile, export):
    rows = "Department,Supplier,Date,Amount,Ref\nParks,Acme,03/05/2024,10.00,B1\nParks,Acme,03/05/2024,10.00,B1\n"
    pipeline.run(mini_profile(), [export(rows)], home)
    second = pipeline.run(mini_profile(), [export(rows + "Roads,Big,04/05/2024,5.00,B1\n")], home)
    (change,) = second.changes
    assert change.matched_by == "fingerprint" and (change.added, change.removed, change.changed) == (1, 0, 0)


def test_rows_matched_by_content_publish_no_hash_of_the_row(home, mini_profile, export):
    """A key derived from a row's content would let anyone test a guess for a name redacted since:
    rows matched by content are told apart by their lines alone."""
    rows = "Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,10.00\nRoads,Big,04/05/2024,5.00\n"
    pipeline.run(mini_profile(), [export(rows)], home)
    second = pipeline.run(mini_profile(), [export(rows.replace("5.00", "6.00"))], home)
    (change,) = second.changes
    assert change.matched_by == "fingerprint" and (change.added, change.removed, change.changed) == (1, 1, 0)
    changes = list(csv.DictReader(open(home / "site/testco/spending-2024-05/changes.csv", encoding="utf-8")))
    assert sorted((c["change"], c["match_key"], c["line_before"], c["line_after"]) for c in changes) == [
        ("added", "", "", "3"), ("removed", "", "3", "")]


def test_a_name_redacted_since_is_not_a_row_removed_and_another_added(home, mini_profile, export):
    """Publishing a period again after a name was confirmed as a person compares redacted rows
    with redacted rows: the redaction is not a change of the row."""
    rows = "Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,10.00\nRoads,Jane Walker,04/05/2024,5.00\n"
    pipeline.run(mini_profile(), [export(rows)], home)
    redact.decide(home, "testco", ["Jane Walker"], "confirmed")
    again = pipeline.run(mini_profile(), [export(rows)], home)
    (change,) = again.changes
    assert (change.added, change.removed, change.changed) == (0, 0, 0)
    assert "Jane Walker" not in (home / "site/testco/spending-2024-05/data/spending-2024-05.csv").read_text()


def test_rebuild_reproduces_every_release_byte_for_byte_and_rollback(home, mini_profile, export):
    body = "Department,Supplier,Date,Amount,Ref\nParks,Acme,03/05/2024,10.00,T1\nRoads,Big,04/05/2024,5.00,T2\n"
    r1 = pipeline.run(mini_profile(), [export(body, name="spend-2024-05.csv")], home)
    r2 = pipeline.run(mini_profile(), [export(body.replace("05/2024", "06/2024"), name="spend-2024-06.csv")], home)
    r3 = pipeline.run(mini_profile(), [export(body.replace("10.00", "12.00"), name="spend-2024-05.csv")], home)
    for r in (r1, r2, r3):
        rebuilt = replay.rebuild(home, r.release_id, home.parent / "rebuilt" / r.release_id)
        assert rebuilt.identical and rebuilt.files > 10, rebuild_report(home, rebuilt)
    back = replay.rollback(home, r1.release_id)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    # the state right after r1: May as first published (rows keep r1 as their release), June gone
    assert con.execute("select period, sum(amount), min(release_id), max(release_id) from spending group by 1"
                       ).fetchall() == [("2024-05", Decimal("15.00"), r1.release_id, r1.release_id)]
    assert con.execute("select kind, rolls_back_to, periods from releases where release_id = ?",
                       [back.release_id]).fetchone() == ("rollback", r1.release_id, ["2024-05", "2024-06"])
    assert not (home / "site/testco/spending-2024-06").exists()
    assert replay.rebuild(home, back.release_id, home.parent / "rebuilt-back").identical
    # June's withdrawal is said, with what it held: in the release notes and the cumulative changelog
    assert releases.withdrawn_periods(con, back.release_id, db="main") == [
        releases.PeriodRows("2024-06", r2.release_id, {"GBP": (2, Decimal("15.00"))})]
    assert releases.withdrawn_periods(con, r3.release_id, db="main") == []
    said = f"- 2024-06 withdrawn (it held the rows of {r2.release_id}: 2 payments, GBP 15.00)"
    assert said in (home / f"site/testco/releases/{back.release_id}.md").read_text()
    assert said in (home / "site/testco/spending/CHANGELOG.md").read_text()
    con.close()
    # rolled forward to r3, June comes back: said too
    forth = replay.rollback(home, r3.release_id)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    assert releases.restored_periods(con, forth.release_id, db="main") == [
        releases.PeriodRows("2024-06", r2.release_id, {"GBP": (2, Decimal("15.00"))})]
    assert releases.restored_periods(con, back.release_id, db="main") == []
    assert releases.restored_periods(con, r2.release_id, db="main") == []   # a publish adds, restores nothing
    said = f"- 2024-06 restored (the rows of {r2.release_id}: 2 payments, GBP 15.00)"
    assert said in (home / f"site/testco/releases/{forth.release_id}.md").read_text()
    assert said in (home / "site/testco/spending/CHANGELOG.md").read_text()
    assert replay.rebuild(home, forth.release_id, home.parent / "rebuilt-forth").identical


def test_a_rollback_counts_the_redacted_rows_it_publishes_again(home, mini_profile, export):
    may = "Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,10.00\nCare,REDACTED PERSONAL DATA,04/05/2024,5.00\n"
    first = pipeline.run(mini_profile(), [export(may)], home)
    pipeline.run(mini_profile(), [export(may.replace("REDACTED PERSONAL DATA", "Big Co"))], home)
    back = replay.rollback(home, first.release_id)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        counted = dict(con.execute("select kind, rows_redacted from releases where release_id in (?, ?)",
                                   [first.release_id, back.release_id]).fetchall())
    assert first.redacted_rows == back.redacted_rows == 1 and counted == {"publish": 1, "rollback": 1}


def test_every_run_works_in_the_home_and_leaves_no_work_folder(home, mini_profile, export, tmp_path, monkeypatch):
    """Publish, validation, rebuild, rollback and the redaction review spill and unpack in a private
    folder of the home, never in the system's temporary folder (made unusable here), and remove it
    when they end."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    spilled_in = []
    connect = pipeline.engine.connect

    def recording(*args, **config):
        if "temp_directory" in config:   # a run's own connection (work_connection)
            spilled_in.append(Path(config["temp_directory"]).parent)
        return connect(*args, **config)

    monkeypatch.setattr(pipeline.engine, "connect", recording)
    body = "Department,Supplier,Date,Amount,Ref\nParks,Acme,03/05/2024,10.00,T1\n"
    first = pipeline.run(mini_profile(), [export(body, name="spend-2024-05.csv")], home)
    june = export(body.replace("05/2024", "06/2024"), name="spend-2024-06.csv")
    assert pipeline.run(mini_profile(), [june], home, dry_run=True).report.ok
    assert pipeline.run(mini_profile(), [june], home).published
    assert replay.rebuild(home, first.release_id, tmp_path / "rebuilt").identical
    assert replay.rollback(home, first.release_id).release.kind == "rollback"
    redact.review(mini_profile(), [june], home)   # the detector reads rows not yet redacted
    assert len(spilled_in) == 6
    assert all(folder.parent == home / "work" and not folder.exists() for folder in spilled_in)
    assert list((home / "work").iterdir()) == []


def test_rebuild_writes_each_package_with_the_profile_of_the_release_that_made_it(home, mini_profile, export):
    """A profile edited between releases (a new title, the body's ONS code): a release keeps the
    period packages earlier releases wrote with the profile of their time, and so must its rebuild,
    the release notes of earlier releases included."""
    body = "Department,Supplier,Date,Amount,Ref\nParks,Acme,03/05/2024,10.00,T1\nRoads,Big,04/05/2024,5.00,T2\n"
    r1 = pipeline.run(mini_profile("title: Spending of Test Borough\n"), [export(body, name="spend-2024-05.csv")], home)
    coded = MINI_PROFILE.replace("country: GB}", "country: GB, identifier: E09000022}")
    r2 = pipeline.run(mini_profile("title: Payments of Test Borough\n", base=coded),
                      [export(body.replace("05/2024", "06/2024"), name="spend-2024-06.csv")], home)
    site = home / "site/testco"
    may, june = (json.loads((site / f"spending-2024-{m}/datapackage.json").read_text()) for m in ("05", "06"))
    assert may["title"].startswith("Spending of") and june["title"].startswith("Payments of")
    uk = list(csv.DictReader(io.StringIO((site / "spending/data/spending-uk-transparency.csv").read_text())))
    assert [row["Body"] for row in uk] == ["testco", "testco", "E09000022", "E09000022"]
    assert (site / f"releases/{r1.release_id}.md").read_text().startswith("# Release notes: Spending of")
    for r in (r1, r2):
        rebuilt = replay.rebuild(home, r.release_id, home.parent / "rebuilt" / r.release_id)
        assert rebuilt.identical and rebuilt.files > 10, rebuild_report(home, rebuilt)


def test_rebuild_gives_every_dataset_of_the_body_and_the_mart_that_joins_them(home, mini_profile, export):
    """A body publishing its budget and its payments: each release's site holds both datasets and
    the budget_vs_actual package built from them, and a rebuild writes them all as they were."""
    budget = pipeline.run(DATASETS_DIR / "montreuil/profile.yaml", [DATASETS_DIR / "montreuil/data/CA_2022.xml"], home)
    payments_profile = MINI_PROFILE.replace("{id: testco, name: Test Borough Council, country: GB}",
                                            "{id: montreuil, name: Ville de Montreuil, country: FR}")
    payments_profile = payments_profile.replace("currency: {value: GBP}", "currency: {value: EUR}\n"
                                                "  cofog_code: {column: COFOG}")
    body = "Department,Supplier,Date,Amount,Ref,COFOG\nEcoles,Acme,03/05/2022,1000.00,T1,09.1\n"
    payments = pipeline.run(mini_profile(base=payments_profile), [export(body, name="spend-2022-05.csv")], home)
    site = home / "site/montreuil"
    assert {p.name for p in site.iterdir()} >= {"budget", "spending", "budget-vs-actual", "budget-vs-actual.zip"}
    mart = list(csv.DictReader(io.StringIO((site / "budget-vs-actual/data/budget-vs-actual.csv").read_text())))
    education = [r for r in mart if r["view"] == "cofog" and r["cofog_code"] == "09"]
    assert [(r["payments"], r["payments_amount"]) for r in education] == [("1", "1000.00")]
    for r in (budget, payments):
        rebuilt = replay.rebuild(home, r.release_id, home.parent / "rebuilt" / r.release_id)
        assert rebuilt.identical and rebuilt.files > 10, rebuild_report(home, rebuilt)
    assert {p.name for p in (rebuilt.out / "site/montreuil").iterdir()} == {p.name for p in site.iterdir()}


def test_rebuild_uses_the_redaction_decisions_of_its_time(home, mini_profile, export):
    """A name confirmed as a person after a release is redacted in the rows it published, from the
    next release on; rebuilding the earlier release still gives what it published then."""
    body = "Department,Supplier,Date,Amount,Ref\nParks,Jane Walker,03/05/2024,10.00,T1\nRoads,Big,04/05/2024,5.00,T2\n"
    r1 = pipeline.run(mini_profile(), [export(body, name="spend-2024-05.csv")], home)
    redact.decide(home, "testco", ["Jane Walker"], "confirmed")
    r2 = pipeline.run(mini_profile(), [export(body.replace("05/2024", "06/2024"), name="spend-2024-06.csv")], home)
    redact.decide(home, "testco", ["Big"], "confirmed")
    r3 = pipeline.run(mini_profile(), [export(body.replace("05/2024", "07/2024"), name="spend-2024-07.csv")], home)
    back = replay.rollback(home, r1.release_id)
    may = home / "site/testco/spending-2024-05/data/spending-2024-05.csv"
    assert "Jane Walker" not in may.read_text() and ",Big," not in may.read_text()  # rolled back, still redacted
    for r in (r1, r2, r3, back):
        rebuilt = replay.rebuild(home, r.release_id, home.parent / "rebuilt" / r.release_id)
        assert rebuilt.identical, rebuild_report(home, rebuilt)
    first_may = home.parent / "rebuilt" / r1.release_id / "site/testco/spending-2024-05/data/spending-2024-05.csv"
    assert "Jane Walker" in first_may.read_text()   # as r1 published it
    # the redaction state is archived privately; the warehouse keeps only its sha256
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        (sha256,) = con.execute("select sha256 from release_decisions where release_id = ?",
                                [r3.release_id]).fetchone()
    kept = home / "archive" / sha256[:2] / sha256
    assert "Jane Walker" in kept.read_text(encoding="utf-8") and kept.stat().st_mode & 0o777 == 0o600


def test_a_package_redacted_by_a_later_release_says_so_and_carries_its_version(home, mini_profile, export):
    """A period's package that a later release redacts changes: its changelog, version and the
    catalog name that release, and its release notes say which period and how many rows."""
    body = ("Department,Supplier,Date,Amount,Ref\nParks,Jane Walker,03/05/2024,10.00,T1\n"
            "Roads,Big,04/05/2024,5.00,T2\nParks,Jane Walker,05/05/2024,7.00,T3\n")
    profile = mini_profile()
    r1 = pipeline.run(profile, [export(body, name="spend-2024-05.csv")], home)
    redact.decide(home, "testco", ["Jane Walker"], "confirmed")
    r2 = pipeline.run(profile, [export(body.replace("05/2024", "06/2024"), name="spend-2024-06.csv")], home)
    r3 = pipeline.run(profile, [export(body.replace("05/2024", "07/2024"), name="spend-2024-07.csv")], home)
    site = home / "site/testco"
    may = json.loads((site / "spending-2024-05/datapackage.json").read_text(encoding="utf-8"))
    assert may["version"] == r2.release_id and may["spendpub"]["redactions"]["confirmed-person"] == 2
    changelog = (site / "spending-2024-05/CHANGELOG.md").read_text(encoding="utf-8")
    assert [line.removeprefix("## ") for line in changelog.splitlines() if line.startswith("## ")] == \
        [r2.release_id, r1.release_id]
    assert "Periods: 2024-06." in changelog and "- 2024-05: 2 rows published earlier now redacted" in changelog
    notes_r2 = (site / "releases" / f"{r2.release_id}.md").read_text(encoding="utf-8")
    assert "- 2024-05: 2 rows published earlier now redacted" in notes_r2
    assert "published earlier now redacted" not in (site / "releases" / f"{r3.release_id}.md").read_text(encoding="utf-8")
    june = json.loads((site / "spending-2024-06/datapackage.json").read_text(encoding="utf-8"))
    assert june["version"] == r2.release_id
    catalog = json.loads((home / "site/catalog.json").read_text(encoding="utf-8"))
    (entry,) = [d for d in catalog["dataset"] if d["identifier"] == "testco-spending-2024-05"]
    assert [r["identifier"] for r in entry["releases"]] == [r1.release_id, r2.release_id]
    assert entry["version"] == r2.release_id and entry["modified"] != entry["issued"]
    for r in (r1, r2, r3):
        rebuilt = replay.rebuild(home, r.release_id, home.parent / "rebuilt" / r.release_id)
        assert rebuilt.identical, rebuild_report(home, rebuilt)


def test_a_home_made_before_a_release_table_existed_still_rebuilds(home, mini_profile, export):
    r1 = pipeline.run(mini_profile(), [export("Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,1.00\n")], home)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:   # as an earlier spendpub left it
        con.execute("drop table release_redacted_published")
    assert replay.rebuild(home, r1.release_id, home.parent / "rebuilt").identical


def test_a_rebuild_is_identical_beside_other_publishers(home, mini_profile, export):
    """The warehouse holds every publisher; a rebuild, only the release's own. Another publisher
    with no transaction ids must not change how this one's files are written (DuckDB chose a
    Parquet column's nullability from the whole table's statistics)."""
    other = MINI_PROFILE.replace("id: testco, name: Test Borough Council", "id: otherco, name: Other Council")
    pipeline.run(mini_profile(base=other), [export("Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,1.00\n")],
                 home)
    ours = pipeline.run(mini_profile(), [export("Department,Supplier,Date,Amount,Ref\nParks,Acme,03/05/2024,1.00,T1\n")],
                        home)
    assert replay.rebuild(home, ours.release_id, home.parent / "rebuilt").identical


def test_a_release_keeps_the_version_of_spendpub_that_made_it(home, mini_profile, export, monkeypatch):
    """Packages name the spendpub that made their release; a rebuild by another version names the
    same one, so that upgrading spendpub does not make every earlier release differ."""
    body = "Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,10.00\n"
    r1 = pipeline.run(mini_profile(), [export(body)], home)
    with monkeypatch.context() as later:
        for module in [m for name, m in sys.modules.items() if name.split(".")[0] == "etl"]:
            if hasattr(module, "__version__"):
                later.setattr(module, "__version__", "9.9.9")
        r2 = pipeline.run(mini_profile(), [export(body.replace("05/2024", "06/2024"), name="spend-2024-06.csv")], home)
    site = home / "site/testco"
    version = {name: json.loads((site / name / "datapackage.json").read_text())["spendpub"]["version"]
               for name in ("spending-2024-05", "spending-2024-06", "spending")}
    assert version == {"spending-2024-05": etl.__version__, "spending-2024-06": "9.9.9", "spending": "9.9.9"}
    for r in (r1, r2):
        assert replay.rebuild(home, r.release_id, home.parent / "rebuilt" / r.release_id).identical


@pytest.mark.realdata
def test_leeds_months_rebuild_identically_after_later_months_redact_more(realdata, tmp_path):
    """Each Leeds month redacts names that earlier months published too (they are redacted there
    from then on): every release still rebuilds as it was published."""
    home = tmp_path / "home"
    published = [pipeline.run("leeds", [f], home) for f in sorted((realdata / LEEDS).glob("*.csv"))[:4]]
    assert all(r.published for r in published)
    for r in published:
        rebuilt = replay.rebuild(home, r.release_id, tmp_path / "rebuilt" / r.release_id)
        assert rebuilt.identical, (r.release_id, rebuilt.mismatched)


def test_catalog_lists_every_package_with_checksums(home, mini_profile, export):
    pipeline.run(mini_profile(), [export("Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,10.00\n")], home)
    catalog = json.loads((home / "site/catalog.json").read_text())
    ids = sorted(d["identifier"] for d in catalog["dataset"])
    assert ids == ["testco-spending", "testco-spending-2024-05"]
    for dataset in catalog["dataset"]:
        assert dataset["publisher"]["name"] == "Test Borough Council" and dataset["license"]
        assert dataset["temporal"] == {"startDate": "2024-05-01", "endDate": "2024-05-31"}
        assert len(dataset["releases"]) == 1 and dataset["issued"].endswith("Z")
        for dist in dataset["distribution"]:
            data = (home / "site" / dist["downloadURL"]).read_bytes()
            assert dist["byteSize"] == len(data)
            assert dist["checksum"]["value"] == hashlib.sha256(data).hexdigest()


def test_catalog_takes_the_digests_recorded_at_publish(home, mini_profile, export, monkeypatch):
    """Files already published are not read again to be hashed for the catalog (the zips of every
    package of every publisher, at every publish): the release's inventory has their digests."""
    pipeline.run(mini_profile(), [export("Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,10.00\n")], home)

    def no_reading(path):
        raise AssertionError(f"{path} read again for the catalog")
    monkeypatch.setattr(notes, "file_digest", no_reading)
    pipeline.run(mini_profile(), [export("Department,Supplier,Date,Amount\nParks,Acme,03/06/2024,12.00\n",
                                         name="spend-2024-06.csv")], home)
    catalog = json.loads((home / "site/catalog.json").read_text())
    assert len(catalog["dataset"]) == 3
    for dist in (d for dataset in catalog["dataset"] for d in dataset["distribution"]):
        data = (home / "site" / dist["downloadURL"]).read_bytes()
        assert (dist["byteSize"], dist["checksum"]["value"]) == (len(data), hashlib.sha256(data).hexdigest())
