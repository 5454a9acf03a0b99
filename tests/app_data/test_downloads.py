"""app_data.downloads: releases and their sources, redactions, packages and site files (never
outside the publisher's folder), the data dictionary."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import app_data
from app_data import Filters
from tests.app_data.conftest import rows_of
from tests.app_fixtures import LYON, WESTMINSTER, write_warehouse


def test_latest_release(db) -> None:
    assert app_data.latest_release().release_id == f"r-{LYON}-2024"
    release = app_data.latest_release(Filters(publisher_id=WESTMINSTER))
    assert release.release_id == f"r-{WESTMINSTER}-2024"
    assert release.published_at.isoformat() == "2024-04-02T10:30:00"


def test_latest_release_without_releases_table(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    write_warehouse(tmp_path / "warehouse.duckdb")
    assert app_data.latest_release() is None
    assert app_data.summary(Filters()).payments == 17
    assert not len(app_data.releases(WESTMINSTER))
    assert not len(app_data.release_files(WESTMINSTER))
    assert not len(app_data.release_totals(WESTMINSTER))
    # No `publishers` table: no population, nothing breaks.
    assert app_data.overview(WESTMINSTER, 2024).per_resident("GBP") is None


def test_releases_and_sources(db) -> None:
    df = app_data.releases(WESTMINSTER)
    assert list(df["release_id"]) == [f"r-{WESTMINSTER}-2024", f"r-{WESTMINSTER}-2023",
                                      f"r-{WESTMINSTER}-0"]
    live = {r: n for r, n in zip(df["release_id"], df["rows_live"], strict=True)}
    assert live == dict(db.execute(
        "select r.release_id, count(s.release_id) from releases r left join spending s "
        "using (release_id) where r.publisher_id = ? group by 1", [WESTMINSTER]).fetchall())
    redacted = dict(zip(df["release_id"], df["redacted_published"], strict=True))
    assert redacted == {f"r-{WESTMINSTER}-2024": [{"period": "2023-02", "rows": 3}],
                        f"r-{WESTMINSTER}-2023": None, f"r-{WESTMINSTER}-0": None}
    files = app_data.release_files(WESTMINSTER)
    assert set(files["file_name"]) == {f"{WESTMINSTER}-{p}.csv" for p in
                                       ("2023-01", "2023-02", "2024-01", "2024-02", "2024-03")}
    totals = app_data.release_totals(LYON)
    assert sum(totals["total"], Decimal(0)) == db.execute(
        "select sum(amount) from spending where publisher_id = ?", [LYON]).fetchone()[0]


def test_redactions_match_direct_sql(db) -> None:
    for pid in (WESTMINSTER, LYON):
        df = app_data.redactions(pid)
        assert rows_of(df) == db.execute(
            "select redaction_reason, cast(left(period, 4) as integer), currency, count(*), "
            "sum(amount) from spending where publisher_id = ? and is_redacted group by all "
            "order by 2, 1, 3", [pid]).fetchall()


@pytest.fixture
def site(fresh_warehouse: Path) -> Path:
    root = fresh_warehouse.parent / "site"
    for name in ("spending", "spending-2024-01"):
        package = root / WESTMINSTER / name
        (package / "data").mkdir(parents=True)
        (package / "datapackage.json").write_text(json.dumps({
            "title": f"Westminster {name}",
            "licenses": [{"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0"}],
            "sources": [{"title": "a.csv", "sha256": "x"}],
            "resources": [{"path": f"data/{name}.csv", "format": "csv"},
                          {"path": f"data/{name}.parquet", "format": "parquet"},
                          {"path": "../../../outside.csv", "format": "csv"}],
        }), encoding="utf-8")
        (package / "data" / f"{name}.csv").write_text("a,b\n1,2\n", encoding="utf-8")
        (root / WESTMINSTER / f"{name}.zip").write_bytes(b"PK zip")
    (root / WESTMINSTER / "spending" / "CHANGELOG.md").write_text("# Changes\n- r1: added",
                                                                  encoding="utf-8")
    (root / WESTMINSTER / "releases").mkdir()
    (root / WESTMINSTER / "releases" / "r1.md").write_text("# Release notes", encoding="utf-8")
    (root.parent / "outside.csv").write_text("secret", encoding="utf-8")
    return root


def test_packages_and_downloads(site: Path) -> None:
    main, monthly = app_data.packages(WESTMINSTER)
    assert (main.dataset, main.title, main.licence) == (
        "spending", "Westminster spending", "Open Government Licence v3.0")
    assert monthly.dataset == "spending-2024-01"
    assert main.period is None and monthly.period is None  # no spendpub metadata: not said
    assert [(f.kind, f.name) for f in main.files] == [
        ("zip", "spending.zip"), ("csv", "data/spending.csv"), ("json", "datapackage.json"),
        ("changelog", "CHANGELOG.md")]
    assert app_data.package_bytes(WESTMINSTER, "spending", "spending.zip") == b"PK zip"
    assert app_data.package_bytes(WESTMINSTER, "spending", "data/spending.csv") == b"a,b\n1,2\n"
    for publisher, dataset, name in ((WESTMINSTER, "spending", "data/spending.parquet"),
                                     (WESTMINSTER, "spending", "../../../outside.csv"),
                                     ("..", "..", "outside.csv"),
                                     ("../..", "spending", "data/spending.csv")):
        with pytest.raises(FileNotFoundError):
            app_data.package_bytes(publisher, dataset, name)
    assert app_data.packages("../../etc") == []
    assert app_data.packages(LYON) == []


def test_changelog_notes_and_catalog_are_found(site: Path) -> None:
    assert app_data.changelog(WESTMINSTER).startswith("# Changes")
    assert app_data.changelog(LYON) is None
    assert app_data.release_notes(WESTMINSTER, "r1") == "# Release notes"
    assert app_data.release_notes(WESTMINSTER, "../../outside") is None
    assert app_data.catalog() is None
    (site / "catalog.json").write_text(json.dumps({"dataset": [{"identifier": "x"}]}),
                                       encoding="utf-8")
    assert app_data.catalog() == {"dataset": [{"identifier": "x"}]}


def test_data_dictionary_comes_from_the_schemas() -> None:
    dictionary = app_data.data_dictionary()
    assert [t.name for t in dictionary][:2] == ["spending", "budget"]
    fields = dictionary[0].fields
    assert list(fields["name"]) == app_data.load_schema("spending").field_names
    assert fields.set_index("name").loc["amount", "required"]


def test_a_package_says_which_period_it_holds(site: Path) -> None:
    descriptor = site / WESTMINSTER / "spending-2024-01" / "datapackage.json"
    meta = json.loads(descriptor.read_text(encoding="utf-8"))
    descriptor.write_text(json.dumps(meta | {"spendpub": {"period": "2024-01"}}),
                          encoding="utf-8")
    main, monthly = app_data.packages(WESTMINSTER)
    assert (main.period, monthly.period) == (None, "2024-01")
