"""The UK transparency-code spending CSV from the canonical spending table."""

from __future__ import annotations

import csv
import re
import datetime as dt
from decimal import Decimal

import duckdb
import frictionless
import pytest

from etl import pipeline
from etl.errors import SpendpubError
from etl.exports.uk_spend import uk_spend_query, uk_spend_schema, write_uk_spend
from etl.paths import DATASETS_DIR
from etl.redact import REDACTED_LABEL
from etl.schema import load_schema


def spending(con, rows):
    con.execute(load_schema("spending").create_table_sql("spending"))
    con.executemany("""insert into spending (publisher_id, publisher_name, period, payment_date, transaction_id,
        department, service, expense_type, expense_code, supplier_name, supplier_id, purpose, amount,
        vat_irrecoverable, currency, capital_or_revenue, is_redacted, redaction_reason, source_file_sha256,
        source_line, release_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)


ROWS = [
    ("leeds", "Leeds City Council", "2012-11", dt.date(2012, 11, 13), "1211-00001", "Adult Social Care",
     "Social Services Support", "Computer Software & Equipment", "214", "A & H Comms Limited", "S1", None,
     Decimal("765.00"), None, "GBP", "revenue", False, None, "a" * 64, 2, "r1"),
    ("leeds", "Leeds City Council", "2012-11", dt.date(2012, 11, 2), "1211-00002", "Childrens Services",
     None, "Foster care", "500", REDACTED_LABEL, "P77", "Allowance", Decimal("-1250.10"), Decimal("12.00"), "GBP",
     "capital", True, "source-marker", "a" * 64, 3, "r1"),
]


def test_columns_values_and_frictionless(tmp_path):
    con = duckdb.connect()
    spending(con, ROWS)
    target = tmp_path / "leeds-spend.csv"
    assert write_uk_spend(con, target, publisher_id="leeds") == 2
    with open(target, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["Body Name", "Body", "Date", "Transaction Number", "Net Amount", "Irrecoverable VAT",
                             "Department", "Service Area", "Expenditure Category", "Expense Code", "Purpose",
                             "Supplier Name", "Supplier ID", "Capital or Revenue"]
    second, first = rows  # in source order (line 2, then line 3), not by date
    assert (first["Date"], first["Net Amount"], first["Supplier Name"], first["Supplier ID"],
            first["Capital or Revenue"], first["Irrecoverable VAT"]) == \
        ("02/11/2012", "-1250.10", REDACTED_LABEL, "", "Capital", "12.00")
    assert (second["Date"], second["Net Amount"], second["Supplier ID"], second["Capital or Revenue"]) == \
        ("13/11/2012", "765.00", "S1", "Revenue")
    report = frictionless.validate(frictionless.Resource(
        path=target.name, basepath=str(tmp_path), schema=frictionless.Schema.from_descriptor(uk_spend_schema())))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_a_row_without_supplier_or_department_is_valid_as_spending_allows_it(tmp_path):
    """Leeds' July 2012 export has a payment with no supplier name: the CSV declares required only
    what the spending schema requires, so that `frictionless validate` passes what is published."""
    con = duckdb.connect()
    spending(con, [ROWS[0][:5] + (None,) + ROWS[0][6:9] + (None,) + ROWS[0][10:]])
    target = tmp_path / "leeds-spend.csv"
    assert write_uk_spend(con, target, publisher_id="leeds") == 1
    report = frictionless.validate(frictionless.Resource(
        path=target.name, basepath=str(tmp_path), schema=frictionless.Schema.from_descriptor(uk_spend_schema())))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    required = {f["name"] for f in uk_spend_schema()["fields"] if f.get("constraints", {}).get("required")}
    assert required == {"Body Name", "Body", "Date", "Net Amount"}


def test_body_is_the_official_code_when_the_profile_gives_one(tmp_path):
    con = duckdb.connect()
    spending(con, ROWS)
    for body, expected in ((None, "leeds"), ("E08000035", "E08000035")):
        target = tmp_path / f"{expected}.csv"
        write_uk_spend(con, target, publisher_id="leeds", body=body)
        with open(target, encoding="utf-8", newline="") as fh:
            assert [r["Body"] for r in csv.DictReader(fh)] == [expected, expected]


def test_other_currencies_are_refused_not_dropped(tmp_path):
    con = duckdb.connect()
    spending(con, ROWS + [ROWS[0][:4] + ("X-1",) + ROWS[0][5:14] + ("EUR",) + ROWS[0][15:19] + (9, "r1")])
    with pytest.raises(SpendpubError, match="1 rows are in EUR"):
        write_uk_spend(con, tmp_path / "x.csv")
    assert "where s.publisher_id = 'leeds'" in uk_spend_query(publisher_id="leeds")


def test_lambeth_published_then_exported(tmp_path):
    home = tmp_path / "home"
    result = pipeline.run("lambeth", [DATASETS_DIR / "lambeth/data/2012-06-payments.csv"], home)
    assert result.published
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    target = tmp_path / "lambeth-spend.csv"
    assert write_uk_spend(con, target, "spending", publisher_id="lambeth") == 3155
    with open(target, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sum(Decimal(r["Net Amount"]) for r in rows) == Decimal("40292334.84")
    with open(home / "site/lambeth/spending-2012-06/data/spending-2012-06-uk-transparency.csv", encoding="utf-8",
              newline="") as fh:
        published = list(csv.DictReader(fh))
    assert len(published) == 3155 and {r["Body"] for r in published} == {"E09000022"}   # the profile's ONS code
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4}", r["Date"]) for r in rows)  # the UK way
    report = frictionless.validate(frictionless.Resource(
        path=target.name, basepath=str(tmp_path), schema=frictionless.Schema.from_descriptor(uk_spend_schema())))
    assert report.valid
