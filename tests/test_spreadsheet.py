"""Spreadsheet safety: no published text cell can run as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from etl import pipeline, spreadsheet
from etl.errors import SpendpubError
from etl.schema import load_schema
from etl.sqltext import quote_literal

FORMULAS = ["=1+1", "+SUM(A1:A9)", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x.test","go")',
            "=cmd|' /C calc'!A0", " =1+1", "\n=1+1", "'already quoted", "-", "+", "="]
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
cell = st.one_of(text, st.sampled_from(FORMULAS), st.builds(str.__add__, st.sampled_from(FORMULAS), text))


# --------------------------------------------------------------------------- the rule

@pytest.mark.parametrize("value, safe", [
    ("=1+1", "'=1+1"), ("+44 20 7946 0000", "'+44 20 7946 0000"), ("-5", "'-5"), ("@home", "'@home"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), (" =1", "' =1"), ("'quoted", "''quoted"),
    ("Acme Ltd", "Acme Ltd"), ("a=b", "a=b"), ("", ""), (None, None),
])
def test_sql_and_python_neutralise_the_same_way(value, safe):
    con = duckdb.connect()
    spreadsheet.install(con)
    macro, inline = con.execute(f"select safe_cell($1::varchar), {spreadsheet.safe_expression('$1::varchar')}",
                                [value]).fetchone()
    assert macro == inline == spreadsheet.neutralise(value) == safe
    assert spreadsheet.restore(safe) == value


@pytest.fixture(scope="module")
def sql():
    con = duckdb.connect()
    yield con
    con.close()


@settings(max_examples=300)
@given(value=st.one_of(cell, st.builds(str.__add__, st.text(" \t\n\f\r\v\u00a0\u2003", max_size=3), cell)))
def test_the_sql_first_character_test_agrees_with_python(sql, value):
    """The SQL rule tests the first character and uses a regular expression only after blanks."""
    assert sql.execute(f"select {spreadsheet.safe_expression('$1::varchar')}", [value]).fetchone()[0] \
        == spreadsheet.neutralise(value)


def test_every_first_character_is_judged_as_python_judges_it(sql):
    """The cheap tests that rule most texts out (a byte comparison, prefix tests) let through every
    text the rule escapes: each character of the Basic Multilingual Plane, alone, before a word,
    and after a blank."""
    texts = [c + tail for i in range(1, 65536) if not 0xD800 <= i <= 0xDFFF
             for c in [chr(i)] for tail in ("", "x", "=1")] + [" " + chr(i) for i in range(1, 128)] + [""]
    got = dict(sql.execute(f"select t, {spreadsheet.safe_expression('t')} from unnest(?::varchar[]) u(t)",
                           [texts]).fetchall())
    assert got == {t: spreadsheet.neutralise(t) for t in texts}


@given(cell)
def test_neutralised_text_is_never_a_formula_and_restores_exactly(value):
    safe = spreadsheet.neutralise(value)
    assert not spreadsheet.is_formula(safe)
    assert spreadsheet.restore(safe) == value


def test_numbers_are_not_formulas():
    assert not any(spreadsheet.is_formula(v) for v in ["-12.50", "+3", "-1e5", "0", "-.5"])
    assert all(spreadsheet.is_formula(v) for v in ["-2+3", "=1", "@x", "\t1", " =1", "-"])


def test_csv_export_with_the_safe_select_list(tmp_path):
    """As publish.py will export: every string field neutralised, numbers and dates untouched."""
    schema = load_schema("spending")
    con = duckdb.connect()
    con.execute(schema.create_table_sql("spending"))
    row = {f: None for f in schema.field_names}
    row.update(publisher_id="testco", publisher_name="=Test", period="2024-05", payment_date=dt.date(2024, 5, 2),
               transaction_id="-5", department="@Housing", supplier_name='=HYPERLINK("http://x.test")',
               purpose="\tx", amount=Decimal("-12.50"), currency="GBP", is_redacted=False,
               source_file_sha256="0" * 64, source_line=2, release_id="r1")
    con.execute(f"insert into spending values ({', '.join('?' for _ in row)})", list(row.values()))
    target = tmp_path / "spending.csv"
    con.execute(f"copy (select {spreadsheet.safe_select_list(schema)} from spending) "
                f"to {quote_literal(str(target))} (format csv, header true)")
    assert spreadsheet.formula_cells(target) == []
    with open(target, newline="", encoding="utf-8") as fh:
        (published,) = list(csv.DictReader(fh))
    assert list(published) == schema.field_names
    assert published["supplier_name"] == """'=HYPERLINK("http://x.test")"""
    assert (published["transaction_id"], published["department"], published["purpose"]) == ("'-5", "'@Housing", "'\tx")
    assert (published["amount"], published["payment_date"]) == ("-12.50", "2024-05-02")
    # the same export without the select list is what the rule protects against
    raw = tmp_path / "raw.csv"
    con.execute(f"copy (select * from spending) to {quote_literal(str(raw))} (format csv, header true)")
    assert {c for _, c, _ in spreadsheet.formula_cells(raw)} == {  # '-5' is a number: harmless
        "publisher_name", "department", "supplier_name", "purpose"}


def test_any_query_can_be_made_safe_keeping_its_columns(tmp_path):
    con = duckdb.connect()
    query = ("with c as (select '-5' as match_key, ['=x'] as fields, -1.5::decimal(18, 2) as amount) "
             "select * from c order by match_key")
    safe = spreadsheet.safe_query(con, query)
    assert [d[0] for d in con.execute(safe).description] == ["match_key", "fields", "amount"]
    assert con.execute(safe).fetchone() == ("'-5", ["=x"], Decimal("-1.50"))
    as_text = "select match_key, array_to_string(fields, ';') as fields, amount from (" + query + ")"
    target = tmp_path / "changes.csv"
    con.execute(f"copy ({spreadsheet.safe_query(con, as_text)}) to {quote_literal(str(target))} (format csv, header true)")
    assert spreadsheet.formula_cells(target) == []


# --------------------------------------------------------------------------- the property, end to end

HEADER = ["Department", "Supplier", "Date", "Amount", "Ref", "CapRev"]
may_2024 = st.dates(min_value=dt.date(2024, 5, 1), max_value=dt.date(2024, 5, 31)).map(lambda d: d.strftime("%d/%m/%Y"))
amounts = st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False).map(str)
supplier = st.one_of(cell, st.sampled_from(["Mr J Smith", "Mme Dupont", "REDACTED PERSONAL DATA"]))
# Random text goes in every field; a parseable date, amount and capital/revenue code are more
# likely than not, so that most examples get as far as a publish.
typed_row = st.tuples(cell, supplier, may_2024, amounts, cell, st.sampled_from(["C", "R", ""]))
any_row = st.tuples(cell, supplier, st.one_of(may_2024, cell), st.one_of(amounts, cell), cell,
                    st.one_of(st.sampled_from(["C", "R", ""]), cell))
rows = st.lists(st.one_of(typed_row, typed_row, typed_row, typed_row, any_row), min_size=1, max_size=4)


def published_csvs(site: Path) -> list[tuple[str, Path]]:
    """Every CSV of the site, loose or inside a zip (extracted beside)."""
    out = [(str(p.relative_to(site)), p) for p in sorted(site.rglob("*.csv"))]
    for z in sorted(site.rglob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            for i, info in enumerate(zf.infolist()):
                if info.filename.endswith(".csv"):
                    target = z.parent / f".{z.name}.{i}.csv"
                    target.write_bytes(zf.read(info))
                    out.append((f"{z.relative_to(site)}!{info.filename}", target))
    return out


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=rows)
def test_random_text_in_every_field_publishes_safely_or_is_refused(mini_profile, tmp_path, rows):
    """Either a clean publish with no formula cell in any published CSV, or a clear refusal."""
    profile = mini_profile("redaction:\n  markers: [REDACTED PERSONAL DATA]\n")
    with tempfile.TemporaryDirectory(dir=tmp_path) as work:
        source = Path(work) / "spend-2024-05.csv"
        with open(source, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(rows)
        home = Path(work) / "home"
        try:
            result = pipeline.run(profile, [source], home)
        except SpendpubError:
            event("refused with a SpendpubError")
            return  # a clear refusal: one sentence, nothing published
        if not result.published:
            assert not result.report.ok
            event("refused by validation")
            return
        event("published")
        site = (home / "site").resolve()
        csvs = published_csvs(site)
        assert any(name.endswith("spending.csv") for name, _ in csvs)
        for name, path in csvs:
            assert spreadsheet.formula_cells(path) == [], name
