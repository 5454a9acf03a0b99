"""Published packages pass `frictionless validate`, and describe their files exactly."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import duckdb
import frictionless
import pytest

from etl import pipeline
from etl.demo import demo_sources


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    for profile, files in demo_sources():
        result = pipeline.run(profile, files, home)
        assert result.published
    return home


def packages(home):
    return sorted((home / "site").glob("*/*/datapackage.json"))


def test_demo_publishes_cumulative_and_period_packages(demo_home):
    assert [p.parent.relative_to(demo_home / "site").as_posix() for p in packages(demo_home)] == [
        "lambeth/spending", "lambeth/spending-2012-06", "montreuil/budget", "montreuil/budget-2022-executed",
        "montreuil/budget-vs-actual", "us-treasury/spending",
        "us-treasury/spending-2016-09"]


def test_every_package_passes_frictionless_validate(demo_home):
    for descriptor in packages(demo_home):
        report = frictionless.validate(str(descriptor))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_resources_state_rows_bytes_and_sha256(demo_home):
    con = duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True)
    for descriptor in packages(demo_home):
        doc = json.loads(descriptor.read_text())
        publisher, scope = descriptor.parent.parent.name, doc["spendpub"]
        period_filter = "" if "period" not in [r[0] for r in con.execute(f"describe {scope['dataset']}").fetchall()] \
            else " and (? is null or period = ?)"
        expected_rows = con.execute(f"select count(*) from {scope['dataset']} where publisher_id = ?{period_filter}",
                                    [publisher] + ([scope["period"]] * 2 if period_filter else [])).fetchone()[0]
        assert doc["licenses"] and doc["title"] and doc["description"]
        for res in doc["resources"]:
            data = (descriptor.parent / res["path"]).read_bytes()
            digest = res.get("hash") or res["spendpub"]["hash"]
            size = res.get("bytes") or res["spendpub"]["bytes"]
            assert digest == "sha256:" + hashlib.sha256(data).hexdigest() and size == len(data)
            if res["format"] == "csv":
                assert res["rows"] == sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")))) - 1
            if res["name"] in (descriptor.parent.name, descriptor.parent.name + "-parquet"):
                assert res["rows"] == expected_rows, res["name"]


def test_national_exports_ride_along(demo_home):
    budget = json.loads((demo_home / "site/montreuil/budget/datapackage.json").read_text())
    scdl = next(r for r in budget["resources"] if r["name"].endswith("scdl-budget"))
    assert scdl["rows"] == 1530 and scdl["schema"]["fields"][0]["name"] == "BGT_NATDEC"
    assert budget["model"]["measures"]["amount"]["currency"] == "EUR"
    spending = json.loads((demo_home / "site/lambeth/spending/datapackage.json").read_text())
    uk = next(r for r in spending["resources"] if r["name"].endswith("uk-transparency"))
    assert uk["rows"] == 3155 and spending["countryCode"] == "GB"


def test_csv_money_has_two_decimals(demo_home):
    text = (demo_home / "site/us-treasury/spending/data/spending.csv").read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    amount = first.split(",")[header.split(",").index("amount")]
    assert amount.split(".")[1].__len__() == 2


def test_zip_holds_the_package(demo_home):
    with zipfile.ZipFile(demo_home / "site/lambeth/spending.zip") as zf:
        assert sorted(zf.namelist()) == ["spending/CHANGELOG.md", "spending/changes.csv",
                                         "spending/data/spending-uk-transparency.csv",
                                         "spending/data/spending.csv", "spending/data/spending.parquet",
                                         "spending/datapackage.json"]


def test_package_sources_name_each_file_and_its_hash(demo_home):
    doc = json.loads((demo_home / "site/lambeth/spending/datapackage.json").read_text())
    files = [s for s in doc["sources"] if "sha256" in s]
    assert files == [{"title": "2012-06-payments.csv (2012-06)",
                      "sha256": hashlib.sha256((demo_sources()[0][1][0]).read_bytes()).hexdigest()}]
