"""The Fiscal Data Package model: every column of a table is a measure or a dimension attribute,
classifications say their type, and a package carrying the model still passes frictionless."""

from __future__ import annotations

import json

import duckdb
import frictionless

from etl.exports.fdp import fdp_model, package_properties
from etl.schema import load_schema


def sources(model):
    out = [m["source"] for m in model["measures"].values()]
    for dim in model["dimensions"].values():
        out += [a["source"] for a in dim["attributes"].values()]
        assert set(dim["primaryKey"]) <= set(dim["attributes"])
        for attr in dim["attributes"].values():
            assert attr.get("labelfor", next(iter(dim["attributes"]))) in dim["attributes"]
            assert attr.get("parent", next(iter(dim["attributes"]))) in dim["attributes"]
    return out


def test_budget_model_from_the_schema_hints():
    schema = load_schema("budget")
    model = fdp_model(schema, currency="EUR", phase="executed", direction=None)
    assert sorted(sources(model)) == sorted(schema.field_names)  # each column once
    m = model["measures"]
    assert m["amount"] == {"source": "amount", "title": "Amount", "currency": "EUR", "phase": "executed"}
    assert (m["amount_voted"]["phase"], m["amount_open"]["phase"], m["amount_executed"]["phase"]) == \
        ("approved", "adjusted", "executed")
    d = model["dimensions"]
    assert (d["economic"]["dimensionType"], d["economic"]["classificationType"]) == ("classification", "economic")
    assert d["economic"]["attributes"]["code"] == {"source": "economic_code", "title": "Economic classification code",
                                                   "parent": "chapter_code"}
    assert d["economic"]["primaryKey"] == ["code"]
    assert d["functional"]["classificationType"] == d["cofog"]["classificationType"] == "functional"
    assert d["administrative"]["classificationType"] == "administrative"
    assert d["date"]["dimensionType"] == "datetime" and d["date"]["primaryKey"] == ["fiscal_year", "fiscal_period"]
    assert d["provenance"]["primaryKey"] == ["source_file_sha256", "source_line", "source_column"]


def test_spending_model_by_naming_convention():
    schema = load_schema("spending")
    model = fdp_model(schema, currency="GBP")
    assert sorted(sources(model)) == sorted(schema.field_names)
    assert set(model["measures"]) == {"amount", "vat_irrecoverable"}
    d = model["dimensions"]
    assert d["payment_date"]["dimensionType"] == "datetime"
    assert d["supplier"]["dimensionType"] == "entity" and d["supplier"]["primaryKey"] == ["id"]
    assert d["supplier"]["attributes"]["name"]["labelfor"] == "id"
    assert d["expense"]["classificationType"] == "economic"
    assert d["expense"]["attributes"]["type"]["labelfor"] == "code"
    assert d["cofog"]["classificationType"] == "functional"
    assert d["department"]["classificationType"] == "administrative"


def budget_rows(con, start_month, years, phases=("executed",)):
    schema = load_schema("budget")
    con.execute(schema.create_table_sql("budget"))
    for n, (year, phase) in enumerate([(y, p) for y in years for p in phases], start=1):
        con.execute("insert into budget (publisher_id, publisher_name, period, fiscal_year, fiscal_year_start_month, "
                    "phase, direction, economic_code, amount, currency, source_file_sha256, source_line, release_id, "
                    "is_real) values ('b', 'Body', ?, ?, ?, ?, 'expenditure', '6042', 10.50, 'EUR', ?, ?, 'r', true)",
                    [f"{year}-{phase}", year, start_month, phase, "c" * 64, n])
    return schema


def test_package_properties_from_the_rows():
    con = duckdb.connect()
    schema = budget_rows(con, 1, [2021, 2022])
    props = package_properties(con, "budget", schema, publisher_id="b", country_code="FR")
    assert props["fiscalPeriod"] == {"start": "2021-01-01", "end": "2022-12-31"}
    assert (props["countryCode"], props["granularity"]) == ("FR", "aggregated")
    assert props["model"]["measures"]["amount"]["phase"] == "executed"
    assert props["model"]["measures"]["amount"]["currency"] == "EUR"

    con = duckdb.connect()
    schema = budget_rows(con, 10, [1976, 2022], phases=("approved", "proposed"))
    props = package_properties(con, "budget", schema)
    assert props["fiscalPeriod"] == {"start": "1975-10-01", "end": "2022-09-30"}
    assert "phase" not in props["model"]["measures"]["amount"]  # two phases: the phase column says


def test_a_package_with_the_model_passes_frictionless(tmp_path):
    con = duckdb.connect()
    schema = budget_rows(con, 1, [2022])
    (tmp_path / "data").mkdir()
    columns = ", ".join(f'"{f}"' for f in schema.field_names)
    con.execute(f"copy (select {columns} from budget) to '{tmp_path / 'data' / 'budget.csv'}' (format csv, header true)")
    package = {
        "profile": "tabular-data-package",
        "name": "b-budget",
        "resources": [{"name": "budget", "path": "data/budget.csv", "profile": "tabular-data-resource",
                       "format": "csv", "encoding": "utf-8", "schema": schema.frictionless_descriptor()}],
        **package_properties(con, "budget", schema, publisher_id="b", country_code="FR"),
    }
    (tmp_path / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert json.loads((tmp_path / "datapackage.json").read_text())["model"]["dimensions"]["economic"]


def test_a_monthly_spending_package_covers_its_months_not_its_payment_dates():
    """Lambeth's June 2012 file holds invoices dated back to 2010: the package still covers June
    (as its temporal key and title say), and two months cover both."""
    con = duckdb.connect()
    schema = load_schema("spending")
    con.execute(schema.create_table_sql("spending"))
    for n, (period, day) in enumerate([("2012-06", "2010-10-20"), ("2012-06", "2012-06-29"),
                                       ("2012-07", "2012-08-02")], start=1):
        con.execute("insert into spending (publisher_id, publisher_name, period, payment_date, amount, currency, "
                    "is_redacted, source_file_sha256, source_line, release_id) "
                    "values ('b', 'Body', ?, ?, 10.50, 'GBP', false, ?, ?, 'r')", [period, day, "c" * 64, n])
    con.execute("create view june as select * from spending where period = '2012-06'")
    june = package_properties(con, "june", schema)
    assert june["fiscalPeriod"] == {"start": "2012-06-01", "end": "2012-06-30"}
    assert package_properties(con, "spending", schema)["fiscalPeriod"] == {"start": "2012-06-01", "end": "2012-07-31"}
