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

from etl import pipeline, spreadsheet
from etl.demo import demo_sources
from etl.exports.uk_spend import uk_spend_query
from etl.schema import load_schema


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
        for info in zf.infolist():
            assert zf.read(info) == (demo_home / "site/lambeth" / info.filename).read_bytes(), info.filename
            # Parquet is compressed already: stored as it is
            assert info.compress_type == (zipfile.ZIP_STORED if info.filename.endswith(".parquet")
                                          else zipfile.ZIP_DEFLATED)


def test_package_sources_name_each_file_and_its_hash(demo_home):
    doc = json.loads((demo_home / "site/lambeth/spending/datapackage.json").read_text())
    files = [s for s in doc["sources"] if "sha256" in s]
    assert files == [{"title": "2012-06-payments.csv (2012-06)",
                      "sha256": hashlib.sha256((demo_sources()[0][1][0]).read_bytes()).hexdigest()}]


def test_packages_keep_the_warehouse_order_however_periods_were_loaded(home, mini_profile, export):
    """Period files are exported without sorting (a period's rows are stored in row order) and the
    cumulative ones are put together from them: both must equal a sorted export of the warehouse,
    even when an earlier period is published again after a later one, and their digests (taken
    as they are concatenated, or from the period's descriptor) must be the files'."""
    body = "Department,Supplier,Date,Amount,Ref\nRoads,Big,04/05/2024,5.00,T2\nParks,=Acme,03/05/2024,10.00,T1\n"
    pipeline.run(mini_profile(), [export(body, name="spend-2024-05.csv")], home)
    pipeline.run(mini_profile(), [export(body.replace("05/2024", "06/2024"), name="spend-2024-06.csv")], home)
    pipeline.run(mini_profile(), [export(body.replace("5.00", "7.00"), name="spend-2024-05.csv")], home)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    schema = load_schema("spending")
    site = home / "site" / "testco"
    for period, name in (("2024-05", "spending-2024-05"), ("2024-06", "spending-2024-06"), (None, "spending")):
        where = "true" if period is None else f"period = '{period}'"
        expected = site.parent / f"{name}.expected.csv"
        con.execute(f"copy (select {spreadsheet.safe_select_list(schema)} from spending where {where} "
                    f"order by period, source_file_sha256, source_line) to '{expected}' (format csv, header true)")
        assert (site / name / "data" / f"{name}.csv").read_bytes() == expected.read_bytes(), name
        # the UK transparency-code CSV too: every package has one, in the same order
        query = uk_spend_query(period=period)
        if period is not None:  # a period's file is written unsorted, in stored order: compare with a sort
            query += "order by s.period, s.source_file_sha256, s.source_line"
        con.execute(f"copy ({spreadsheet.safe_query(con, query)}) to '{expected}' (format csv, header true)")
        assert (site / name / "data" / f"{name}-uk-transparency.csv").read_bytes() == expected.read_bytes(), name
        rows = con.execute(f"select * from spending where {where} order by period, source_file_sha256, "
                           "source_line").fetchall()
        assert duckdb.sql(f"select * from '{site / name / 'data' / f'{name}.parquet'}'").fetchall() == rows, name
        for res in json.loads((site / name / "datapackage.json").read_text())["resources"]:
            data = (site / name / res["path"]).read_bytes()
            recorded = res.get("spendpub", res)   # Parquet keeps its digest under spendpub
            assert (recorded["bytes"], recorded["hash"]) == (len(data), "sha256:" + hashlib.sha256(data).hexdigest())


def test_parquet_files_of_periods_have_the_table_schemas_nullability(home, mini_profile, export):
    """Every row has a supplier and a transaction id: DuckDB alone would then write those columns
    REQUIRED in one period's file and OPTIONAL in another (it decides from its statistics, which
    depend on history). A period's Parquet file has REQUIRED columns for the required fields only,
    so that every period reads alike and a rebuild writes the same bytes."""
    body = "Department,Supplier,Date,Amount,Ref\nRoads,Big,04/05/2024,5.00,T2\nParks,Acme,03/05/2024,10.00,T1\n"
    pipeline.run(mini_profile(), [export(body, name="spend-2024-05.csv")], home)
    pipeline.run(mini_profile(), [export(body.replace("05/2024", "06/2024"), name="spend-2024-06.csv")], home)
    schema = load_schema("spending")
    required = [(f.name, "REQUIRED" if f.constraints.get("required") else "OPTIONAL") for f in schema.fields]
    assert ("supplier_name", "OPTIONAL") in required and ("amount", "REQUIRED") in required
    for name, expected in (("spending-2024-05", required), ("spending-2024-06", required),
                           ("spending", [(f, "OPTIONAL") for f in schema.field_names])):  # read from two files
        path = home / "site/testco" / name / "data" / f"{name}.parquet"
        assert duckdb.sql(f"select name, repetition_type from parquet_schema('{path}') where name <> 'duckdb_schema'"
                          ).fetchall() == expected, name
