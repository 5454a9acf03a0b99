"""Parsing as the profile says: dates, amounts, value maps, extracts, constants, skipped rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from etl import pipeline, transform
from etl.errors import InputError
from etl.profile import FieldSpec
from tests.conftest import MINI_PROFILE

HEADER = "Department,Supplier,Date,Amount,CapRev,Ref\n"


def staged(mini_profile, export, home, body, profile_text=MINI_PROFILE, name="spend-2024-05.csv"):
    """Dry-run the pipeline: the run's summary and report."""
    return pipeline.run(mini_profile(base=profile_text), [export(HEADER + body, name=name)], home,
                        dry_run=True)


def published_rows(mini_profile, export, home, body, profile_text=MINI_PROFILE):
    result = pipeline.run(mini_profile(base=profile_text), [export(HEADER + body)], home)
    assert result.report.ok, result.report.to_dict()
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    return con.execute("select source_line, payment_date, amount, capital_or_revenue, department, "
                       "supplier_name, currency, period from spending order by source_line").fetchall()


@pytest.mark.parametrize("text, expected", [
    ("03/05/2024", dt.date(2024, 5, 3)),
    ("03/05/24", dt.date(2024, 5, 3)),
    ("03-May-2024", dt.date(2024, 5, 3)),
    ("3-may-24", dt.date(2024, 5, 3)),
    ("45415", dt.date(2024, 5, 3)),   # Excel serial
    (" 03/05/2024 ", dt.date(2024, 5, 3)),
])
def test_dates(mini_profile, export, home, text, expected):
    (row,) = published_rows(mini_profile, export, home, f"Parks,Acme,{text},1,,\n")
    assert row[1] == expected


def test_month_first_dates(mini_profile, export, home):
    profile = MINI_PROFILE.replace("['%d/%m/%Y', '%d/%m/%y', '%d-%b-%Y', '%d-%b-%y']", "['%m/%d/%Y']")
    (row,) = published_rows(mini_profile, export, home, "Parks,Acme,5/8/2024,1,,\n", profile)
    assert row[1] == dt.date(2024, 5, 8)


@pytest.mark.parametrize("text, expected", [
    ('"1,534.24"', "1534.24"),
    ("900", "900.00"),
    ('" 2,525.18 "', "2525.18"),
    ('"£1,000.5"', "1000.50"),
    ("125.00-", "-125.00"),
    ("(42.10)", "-42.10"),
    ("-0.0000", "0.00"),
    ("4537.8500", "4537.85"),
])
def test_amounts(mini_profile, export, home, text, expected):
    (row,) = published_rows(mini_profile, export, home, f"Parks,Acme,03/05/2024,{text},,\n")
    assert row[2] == Decimal(expected)


def test_an_amount_too_large_for_money_is_a_type_error_not_a_crash(mini_profile, export, home):
    body = ("Parks,Acme,03/05/2024,99999999999999999.99,,\n"           # beyond DECIMAL(18, 2)
            "Roads,Acme,03/05/2024,123456789012345678901234567890,,\n"  # beyond DECIMAL(38, 10)
            "Libraries,Acme,03/05/2024,9999999999999999.99,,\n")
    result = staged(mini_profile, export, home, body)
    issues = [e for s in result.report.to_dict()["issues"] for e in s["examples"]]
    assert {(e["code"], e["line"], e["field"]) for e in issues} == {("type-error", 2, "amount"), ("type-error", 3, "amount")}


def test_decimal_comma_and_space_thousands(mini_profile, export, home):
    profile = MINI_PROFILE.replace('thousands: ","}', 'decimal: ",", thousands: " ", currency_symbols: ["€"]}') \
                          .replace("{value: GBP}", "{value: EUR}")
    (row,) = published_rows(mini_profile, export, home, 'Parks,Acme,03/05/2024,"1 234,56 €",,\n', profile)
    assert row[2] == Decimal("1234.56") and row[6] == "EUR"


def test_value_map_constants_and_text_cleaning(mini_profile, export, home):
    (row,) = published_rows(mini_profile, export, home, "  Parks   and\u00a0Gardens ,Acme,03/05/2024,1,r,\n")
    assert row[3] == "revenue" and row[4] == "Parks and Gardens" and row[6] == "GBP" and row[7] == "2024-05"


def test_total_and_blank_rows_are_not_payments(mini_profile, export, home):
    body = "Parks,Acme,03/05/2024,10.50,,\n,,,,,\nRoads,Big Co,04/05/2024,4.50,,\n,Total,,15.00,,\n,,,,,\n"
    result = staged(mini_profile, export, home, body)
    assert result.report.ok and result.loaded == 2
    (f,) = result.files
    assert f.blank == 2 and f.skipped["total"] == 1 and f.control_total == Decimal("15.00")


def test_extract_keeps_the_label_of_code_colon_label(mini_profile, export, home):
    profile = MINI_PROFILE.replace("department: {column: [Department, Directorate]}",
                                   "department: {column: Department, extract: '^[^:]*:\\s*(.*)$'}")
    rows = published_rows(mini_profile, export, home,
                          "2050: INTERNAL REVENUE SERVICE,A,03/05/2024,1,,\nNo code here,B,03/05/2024,1,,\n", profile)
    assert [r[4] for r in rows] == ["INTERNAL REVENUE SERVICE", "No code here"]


def test_renamed_header_alternative(mini_profile, export, home):
    result = pipeline.run(mini_profile(), [export("Directorate,Supplier,Date,Net Amount\nParks,A,03/05/2024,2\n")],
                          home, dry_run=True)
    assert result.report.ok and result.totals_by_currency() == {"GBP": Decimal("2.00")}


# --------------------------------------------------------------------------- fast paths

# What clean_text computed before it had a fast path: every cell rewritten.
CLEAN_TEXT_REWRITE = r"nullif(trim(regexp_replace(x, '[\s\x{00A0}\x{2007}\x{202F}]+', ' ', 'g')), '')"


def test_clean_text_fast_path_equals_the_full_rewrite_for_every_character():
    """A cell the fast path keeps as it is would come out of the rewrite unchanged: checked with
    every character of the Basic Multilingual Plane (every space and separator is there) and a
    sample of the others, alone, at either end, inside a word, doubled and beside a space."""
    con = duckdb.connect()
    transform.install_macros(con)
    shapes = ["c", "'a' || c", "c || 'a'", "'a' || c || 'b'", "'a' || c || c || 'b'", "'a ' || c || 'b'",
              "'a' || c || ' b'", "' ' || c", "c || ' '", "'ab cd' || c"]
    texts = " union all ".join(f"select {shape} as x from chars" for shape in shapes)
    wrong = con.execute(f"""
        with chars as (select chr(i::integer) as c from range(1, 1114112) t(i)
                       where (i < 55296 or i > 57343) and (i < 65536 or i % 101 = 0)),
        texts as ({texts} union all select unnest(['', ' ', 'a', 'a b', 'a  b', ' a', 'a ', null]))
        select x from texts where clean_text(x) is distinct from {CLEAN_TEXT_REWRITE} limit 5""").fetchall()
    assert wrong == []


def test_row_wide_search_sends_every_cell_clean_text_would_change_to_it():
    """clean_cell with the row's search (row_may_need_cleaning over the cells joined) gives what
    the full rewrite gives, for every character of the Basic Multilingual Plane in each of those
    shapes, as a row's only, first, middle or last cell, beside an empty one and next to cells
    ending or starting with a space."""
    con = duckdb.connect()
    transform.install_macros(con)
    shapes = ["c", "'a' || c", "c || 'a'", "'a' || c || 'b'", "'a' || c || c || 'b'", "' ' || c", "c || ' '"]
    texts = " union all ".join(f"select {shape} as x from chars" for shape in shapes)
    rows = [["x"], ["'a'", "x"], ["x", "'b'"], ["'a'", "x", "'b'"], ["null", "x"], ["x", "null"],
            ["'a '", "x"], ["x", "' b'"], ["''", "x"]]
    judged = " union all ".join(  # joined as staging joins them (concat_ws skips NULLs)
        f"select x, [{', '.join(cells)}] as cells, row_may_need_cleaning(concat_ws(chr(31), {', '.join(cells)})) "
        "as flag from texts" for cells in rows)
    wrong = con.execute(f"""
        with chars as (select chr(i::integer) as c from range(1, 65536) t(i) where i < 55296 or i > 57343),
        texts as ({texts} union all select unnest(['', ' ', 'a', 'a b', 'a  b', ' a', 'a ', null])),
        judged as ({judged})
        select x, cells from judged, unnest(cells) u(cell)
        where clean_cell(cell, flag) is distinct from {CLEAN_TEXT_REWRITE.replace("(x,", "(cell,")}
        limit 5""").fetchall()
    assert wrong == []


AMOUNT_TEXTS = ["12.50", "-12.50", "0", "-0", "007.5", "1234567890123456", "12345678901234.99",
                "0000000000000000012.5", "1.234", "1,234.56", "-1,234", "12,345,678,901,234.5", "1,23,456",
                "1,2345", ",123", "1.234,56", "1 234,56", "1'234.5", "1 234", "12,5", "12,50", "-12,5", "1.234.567",
                "(12.50)", "12.50-", "-12.50-", "+7", ".25", "10.", "£12", "12 GBP", "€1.234,5", "abc", "", "-",
                "1e3", "12.5.1", "--1", "١٢", "99999999999999999.99", "12345678901234567", "1,234,567,890,123,456.78"]


@pytest.mark.parametrize("read", [
    {},
    {"thousands": ","},
    {"thousands": "."},
    {"decimal": ",", "thousands": " "},
    {"decimal": ",", "thousands": "."},
    {"currency_symbols": ["1"]},
    {"currency_symbols": ["-"]},
    {"currency_symbols": ["EUR", "€"], "thousands": "'"},
    {"decimal": ",", "thousands": " ", "currency_symbols": ["1,5"]},
    {"decimal": ",", "currency_symbols": ["€"]},
    {"thousands": " "},
    {"factor": 0.5},
])
def test_plain_amount_fast_path_equals_the_full_rewrite(read):
    """The fast paths for plain and grouped decimals give exactly what the symbol, separator and
    sign rewriting gives, whatever the profile's separators and symbols, or are not taken."""
    spec = FieldSpec(name="amount", columns=("Amount",), **{k: tuple(v) if isinstance(v, list) else v
                                                            for k, v in read.items()})
    con = duckdb.connect()
    transform.install_macros(con)
    fast, full = transform._amount("x", spec), transform._amount_rewritten("x", spec)
    rows = con.execute(f"select x, {fast}, {full} from unnest(?::varchar[]) t(x)", [AMOUNT_TEXTS]).fetchall()
    assert [(x, a) for x, a, b in rows if a != b] == []


@pytest.mark.parametrize("text", ["12,34", "1,2,3", "5,", "1 000 000,00", ",123", "1,2345", "£ 12,34"])
def test_a_thousands_separator_outside_groups_of_three_is_no_amount(text):
    spec = FieldSpec(name="amount", columns=("Amount",), thousands=",")
    con = duckdb.connect()
    transform.install_macros(con)
    assert con.execute(f"select {transform._amount('x', spec)} from (select ?::varchar as x)", [text]).fetchone() == (None,)


def test_an_amount_in_another_currency_is_a_type_error(mini_profile, export, home):
    result = pipeline.run(mini_profile(), [export("Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,€ 40.00\n"
                                                  "Parks,Acme,04/05/2024,£ 40.00\n")], home, dry_run=True)
    (summary,) = result.report.summaries
    assert [(e.line, e.value) for e in summary.examples] == [(2, "€ 40.00")] and "1,234.56" in summary.examples[0].reason


@pytest.mark.parametrize("factor, text, expected", [
    (1000, "12.5", Decimal("12500.00")),
    (1000, "1234567890123456789012345678", None),    # beyond DECIMAL(38) once scaled: a type error
    (1000000, "99999999999999999999999999", None),
    (0.01, "1.5", None),                              # 0.015: more than cents, refused not rounded
])
def test_a_scaled_amount_out_of_range_is_null_not_a_crash(factor, text, expected):
    spec = FieldSpec(name="amount", columns=("Amount",), factor=factor)
    con = duckdb.connect()
    transform.install_macros(con)
    assert con.execute(f"select {transform._amount('x', spec)} from (select ? as x)", [text]).fetchone()[0] == expected


@pytest.mark.parametrize("read, shapes", [
    ({"thousands": ","}, 2), ({"decimal": ",", "thousands": " "}, 2), ({"decimal": ",", "thousands": "."}, 2),
    ({}, 1), ({"currency_symbols": ["1"]}, 0), ({"thousands": "."}, 0), ({"factor": 1000}, 0),
])
def test_which_profiles_get_the_amount_fast_paths(read, shapes):
    spec = FieldSpec(name="amount", columns=("Amount",), **{k: tuple(v) if isinstance(v, list) else v
                                                            for k, v in read.items()})
    assert len(transform._plain_amounts(spec, "x")) == shapes


def staged_rows(mini_profile, export, tmp_path, contents: list[bytes], stream: bool, monkeypatch) -> list[tuple]:
    """Every stg_ row (file order) after preparing the files, streamed or copied by extraction."""
    from etl.extract import csv_reader

    if not stream:
        monkeypatch.setattr(csv_reader, "streamable", lambda *_: False)
    files = [export(content, name=f"spend-2024-{month:02d}.csv")
             for month, content in enumerate(contents, start=5)]
    con = pipeline.work_connection(tmp_path)
    prepared = pipeline.prepare(con, pipeline.load_profile(mini_profile()), files, tmp_path)
    assert all((ctx.extracted.stream is not None) == stream for ctx in prepared.contexts)
    rows = con.execute("select * exclude (release_id) from stg_spending order by rowid").fetchall()  # new per run
    monkeypatch.undo()
    return rows


STREAMED_SHAPES = [
    # a preamble, blank lines before the header, inside the rows, in a run and at the end; a total
    b"Council report,,,,,\n\nRun on 01/06/2024,,,,,\n\n" + HEADER.encode() +
    b"Parks,Acme,03/05/2024,10.50,C,T1\n\nRoads,Big Co,04/05/2024,4.50,R,T2\n\n\n\n"
    b"Libraries,\"Books, Ltd\",05/05/2024,\"1,000.00\",,T3\n,Total,,1015.00,,\n\n",
    # CRLF line ends, no newline at the end, a row with a stray extra field
    HEADER.replace("\n", "\r\n").encode()
    + b"Parks,Acme,03/06/2024,1.00,C,A1,\r\n\r\nRoads,B,04/06/2024,2.00,R,A2",
]


def test_a_streamed_file_stages_exactly_what_a_copied_one_does(mini_profile, export, tmp_path, monkeypatch):
    """Staging reads a file whose records each hold one line straight from its bytes and numbers
    the rows afterwards: every row, line and value must be the ones the copy gives, file by file."""
    streamed = staged_rows(mini_profile, export, tmp_path / "s", STREAMED_SHAPES, True, monkeypatch)
    copied = staged_rows(mini_profile, export, tmp_path / "c", STREAMED_SHAPES, False, monkeypatch)
    assert streamed == copied
    lines = [(r[0], r[1], r[2]) for r in streamed]   # source_file_index, source_line, row_kind
    assert lines == [(0, 6, "record"), (0, 8, "record"), (0, 12, "record"), (0, 13, "total"),
                     (1, 2, "record"), (1, 4, "record")]


def test_a_file_duckdb_reads_otherwise_than_scanned_is_copied_after_all(mini_profile, export, tmp_path,
                                                                        monkeypatch):
    """The numbering of a streamed file holds only if DuckDB finds one record per non-empty line;
    when it finds another count, nothing streamed is kept and the file is copied instead."""
    from etl.extract import csv_reader

    copied = staged_rows(mini_profile, export, tmp_path / "c", STREAMED_SHAPES, False, monkeypatch)
    real_stream, real_read, reads = csv_reader.stream_records, csv_reader.read_records, []

    def miscounted(*args, **kwargs):
        n, stream = real_stream(*args, **kwargs)
        return n, dataclasses.replace(stream, records=stream.records + 1)

    def read(*args, **kwargs):
        reads.append(kwargs["path"].name)
        return real_read(*args, **kwargs)

    monkeypatch.setattr(csv_reader, "stream_records", miscounted)
    monkeypatch.setattr(csv_reader, "read_records", read)
    assert staged_rows(mini_profile, export, tmp_path / "m", STREAMED_SHAPES, True, monkeypatch) == copied
    assert reads == ["spend-2024-05.csv", "spend-2024-06.csv"]


def test_a_streamed_file_duckdb_refuses_is_reported_as_the_copy_words_it(mini_profile, export, home):
    """A line past the first thousands with text after a closing quote: DuckDB's strict reader
    refuses it while staging reads the file; the copy then reports it, naming the file."""
    body = "Parks,Acme,03/05/2024,1.00,C,T1\n" * 6000 + 'Roads,"B"x,04/05/2024,2.00,R,T2\n'
    with pytest.raises(InputError, match="cannot be read as delimited text") as e:
        staged(mini_profile, export, home, body)
    assert e.value.where == "spend-2024-05.csv"
