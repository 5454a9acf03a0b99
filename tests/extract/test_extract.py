"""Extraction keeps every record with the line it starts on, and finds the header by its names."""

from __future__ import annotations

import duckdb
import pytest

from etl.errors import InputError
from etl.extract import csv_reader, extract, normalise_name
from etl.profile import load_profile


def rows(con, ex):
    return con.execute(f"select source_line, c001, c002, c003, c004 from {ex.raw_table} order by 1").fetchall()


def run_extract(tmp_path, mini_profile, export, content, **kw):
    con = duckdb.connect()
    ex = extract(con, export(content, **kw), load_profile(mini_profile()), 0, tmp_path)
    return con, ex


def test_header_found_below_a_preamble(tmp_path, mini_profile, export):
    content = ("Council report,,,\n,,,\nRun on 01/06/2024,,,\n"
               "Department,Supplier,Date,Amount\nParks,Acme Ltd,03/05/2024,10.00\n")
    con, ex = run_extract(tmp_path, mini_profile, export, content)
    assert ex.header_line == 4 and ex.header[:4] == ("Department", "Supplier", "Date", "Amount")
    assert rows(con, ex) == [(5, "Parks", "Acme Ltd", "03/05/2024", "10.00")]


def test_lines_count_multiline_cells_blank_lines_and_cr_only_endings(tmp_path, mini_profile, export):
    content = ('Department,Supplier,Date,Amount\r"Parks\rand gardens",Acme,03/05/2024,1\r\r'
               'Roads,"Big\r\rCo",04/05/2024,2\rLibraries,Books Ltd,05/05/2024,3\r')
    con, ex = run_extract(tmp_path, mini_profile, export, content.encode("cp1252"))
    got = [(line, dept, sup) for line, dept, sup, *_ in rows(con, ex)]
    assert got == [(2, "Parks\nand gardens", "Acme"), (5, "Roads", "Big\n\nCo"), (8, "Libraries", "Books Ltd")]
    assert ex.encoding == "utf-8"  # pure ASCII bytes


def test_blank_lines_do_not_shift_line_numbers(tmp_path, mini_profile, export):
    content = "Department,Supplier,Date,Amount\n\nParks,A,01/05/2024,1\n\n\nRoads,B,02/05/2024,2\n"
    con, ex = run_extract(tmp_path, mini_profile, export, content)
    assert [r[0] for r in rows(con, ex)] == [3, 6]


def test_a_line_longer_than_duckdbs_default_limit(tmp_path, mini_profile, export):
    """DuckDB refuses lines over 2 MB by default; the byte scan measures the longest line first."""
    purpose = "x" * 3_000_000
    content = f"Department,Supplier,Date,Amount\nParks,{purpose},03/05/2024,10.00\nRoads,B,04/05/2024,2\n"
    con, ex = run_extract(tmp_path, mini_profile, export, content)
    assert [(line, len(supplier)) for line, _, supplier, *_ in rows(con, ex)] == [(2, 3_000_000), (3, 1)]


def test_stray_extra_field_and_spacer_columns(tmp_path, mini_profile, export):
    content = "Department,,Supplier,Date,Amount\nParks,,A,01/05/2024,1,\nRoads,,B,02/05/2024,2\n"
    con, ex = run_extract(tmp_path, mini_profile, export, content)
    assert ex.header[:5] == ("Department", "", "Supplier", "Date", "Amount")
    assert ex.records == 2


def test_missing_required_column_is_named(tmp_path, mini_profile, export):
    with pytest.raises(InputError, match=r"no header row names every required column among the first 2 records; "
                                         r"the closest, line 1, lacks amount \('Amount' / 'Net Amount'\)$"):
        run_extract(tmp_path, mini_profile, export, "Department,Supplier,Date\nParks,A,01/05/2024\n")


@pytest.mark.parametrize("delimiter, shown", [(";", "';'"), ("\t", '"\\t"'), ("|", "'|'")])
def test_a_file_separated_otherwise_than_the_profile_says_is_told_so(tmp_path, mini_profile, export, delimiter,
                                                                      shown):
    content = f"Payments May 2024\nDepartment{delimiter}Supplier{delimiter}Date{delimiter}Amount\n" \
              f"Parks{delimiter}A{delimiter}01/05/2024{delimiter}1.00\n"
    with pytest.raises(InputError) as refused:
        run_extract(tmp_path, mini_profile, export, content)
    assert (refused.value.kind, refused.value.message) == ("other-delimiter", (
        f"no header row names every required column when the lines are split at ',', but line 2 names them all "
        f"when split at {shown}: the file is separated by {shown}. Set read.delimiter to {shown} in the profile"))
    # the setting as said is one a profile takes, and reads the file with
    told = mini_profile().read_text().replace("  encoding: auto\n", f"  encoding: auto\n  delimiter: {shown}\n")
    con = duckdb.connect()
    read = extract(con, export(content), load_profile(mini_profile(base=told)), 0, tmp_path)
    assert read.header[:4] == ("Department", "Supplier", "Date", "Amount") and read.records == 1


def test_a_header_below_the_searched_records_is_read_where_the_profile_puts_it(tmp_path, mini_profile, export):
    content = "Parameter,value\n" * 250 + "Department,Supplier,Date,Amount\nParks,Acme Ltd,03/05/2024,10.00\n"
    with pytest.raises(InputError, match=r"among the first 200 records; none names any of .* If the header is "
                                         r"further down, give its line as read.header_row in the profile$"):
        run_extract(tmp_path, mini_profile, export, content)
    profile = mini_profile().read_text().replace("  encoding: auto\n", "  encoding: auto\n  header_row: 251\n")
    con = duckdb.connect()
    ex = extract(con, export(content), load_profile(mini_profile(base=profile)), 0, tmp_path)
    assert ex.header_line == 251 and ex.records == 1


def test_empty_file_is_refused(tmp_path, mini_profile, export):
    with pytest.raises(InputError, match="empty"):
        run_extract(tmp_path, mini_profile, export, b"")


def test_header_names_match_ignoring_case_space_and_punctuation():
    assert normalise_name(" NetAmount ") == normalise_name("Net amount") == "netamount"
    assert normalise_name("Net Amount(£)") == "netamount"


def spy_reads(monkeypatch) -> list[bool]:
    """The `parallel` argument of every read_records call extract makes."""
    seen: list[bool] = []
    real = csv_reader.read_records

    def spy(*args, parallel=False, **kwargs):
        seen.append(parallel)
        return real(*args, parallel=parallel, **kwargs)

    monkeypatch.setattr(csv_reader, "read_records", spy)
    return seen


def test_streamed_only_when_no_quoted_cell_spans_lines(tmp_path, mini_profile, export, monkeypatch):
    """A file whose records each hold one line stays in place for staging to read (in parallel);
    one with a cell spanning lines is copied, by the serial reader."""
    seen = spy_reads(monkeypatch)
    _, one_line = run_extract(tmp_path, mini_profile, export,
                              'Department,Supplier,Date,Amount\nParks,"A, Ltd",01/05/2024,1\n')
    _, spanning = run_extract(tmp_path, mini_profile, export,
                              'Department,Supplier,Date,Amount\nParks,"A\nLtd",01/05/2024,1\n')
    assert one_line.stream is not None and spanning.stream is None
    assert seen == [False]


def test_quoted_cells_spanning_lines_and_blank_lines_keep_source_lines(tmp_path, mini_profile, export):
    content = ('Council report,,,\n\nDepartment,Supplier,Date,Amount\n'
               '"Parks\n\nand gardens",Acme,03/05/2024,1\n\n'         # lines 4-6, then a blank line 7
               'Roads,"Big ""Co""\nLtd",04/05/2024,2\n\n\n'          # lines 8-9, blank lines 10-11
               'Libraries,Books Ltd,05/05/2024,3\n')                  # line 12
    con, ex = run_extract(tmp_path, mini_profile, export, content)
    assert ex.header_line == 3
    got = [(line, dept, sup) for line, dept, sup, *_ in rows(con, ex)]
    assert got == [(4, "Parks\n\nand gardens", "Acme"), (8, "Roads", 'Big "Co"\nLtd'), (12, "Libraries", "Books Ltd")]


def test_a_parallel_read_of_cells_spanning_lines_is_redone_serially(tmp_path):
    """DuckDB's parallel reader refuses a quoted cell that spans lines: the serial read then
    numbers every record as if it had been asked for in the first place."""
    path = tmp_path / "m.csv"
    path.write_text('a,b\n"x\ny",1\n\nz,2\n', encoding="utf-8")
    con = duckdb.connect()
    csv_reader.read_records(con, path, "raw_t", delimiter=",", quote='"', blank_lines=[4], lines=5,
                            shown_as="m.csv", parallel=True)
    assert con.execute("select source_line, c001 from raw_t order by record_index").fetchall() == [
        (1, "a"), (2, "x\ny"), (5, "z")]


def test_a_broken_file_is_reported_as_the_serial_reader_words_it(tmp_path):
    """Text after a closing quote, below a quoted cell that spans two lines: the refusal names the
    line as an editor shows it (DuckDB's count leaves out the line break inside the quotes), and
    says what is wrong in words a finance team can act on."""
    path = tmp_path / "bad.csv"
    path.write_text('a,b\n"x\ny",1\n' + "x,1\n" * 6000 + 'y,"2"x\n', encoding="utf-8")
    messages = []
    for parallel in (False, True):
        with pytest.raises(InputError) as e:
            csv_reader.read_records(duckdb.connect(), path, "raw_t", delimiter=",", quote='"',
                                    blank_lines=[], lines=6004, shown_as="bad.csv", parallel=parallel)
        messages.append(str(e.value))
    assert messages[0] == messages[1] == (
        'bad.csv: cannot be read as delimited text: on line 6004, a quoted cell has text after its closing '
        'quote ("abc"def) or is never closed. A value that holds the quote character must be quoted, the '
        'quote doubled ("")')


def test_a_quote_never_closed_is_reported_on_its_own_line(tmp_path):
    """An opening quote with no closing one: DuckDB quotes the record it was reading, which runs on
    into the lines below. The refusal names the line the quote is on, and why, not the next line."""
    path = tmp_path / "bad.csv"
    path.write_text('a,b\n' + "x,1\n" * 3 + 'y,"2,000.00\nz,"3,000.00"\nw,4\n', encoding="utf-8")
    with pytest.raises(InputError) as e:
        csv_reader.read_records(duckdb.connect(), path, "raw_t", delimiter=",", quote='"',
                                blank_lines=[], lines=7, shown_as="bad.csv", parallel=False)
    assert str(e.value).startswith('bad.csv: cannot be read as delimited text: on line 5, a quoted cell has '
                                   'text after its closing quote ("abc"def) or is never closed.')



def test_a_quote_never_closed_over_a_blank_line_still_gets_its_reason(tmp_path):
    """The record DuckDB quotes runs on over a blank line: the reason is the line after the whole
    record, not the line before the blank one (which is only more of the record)."""
    path = tmp_path / "bad.csv"
    path.write_text('a,b\nx,"1\ny,2\n\nz,"3\n', encoding="utf-8")
    with pytest.raises(InputError) as e:
        csv_reader.read_records(duckdb.connect(), path, "raw_t", delimiter=",", quote='"',
                                blank_lines=[4], lines=5, shown_as="bad.csv", parallel=False)
    assert str(e.value).startswith('bad.csv: cannot be read as delimited text: on line 2, a quoted cell has '
                                   'text after its closing quote ("abc"def) or is never closed.')

def test_stream_numbering_finds_every_records_line_among_thousands_of_blank_runs():
    """Stream.line_sql against the lines themselves: records and blank lines laid out at random,
    up to the most runs of blank lines a streamed file may have."""
    import random

    rng = random.Random(7)
    kinds = [rng.random() < 0.4 for _ in range(12_000)]   # True: a blank line
    lines = [n for n, blank in enumerate(kinds, start=1) if not blank]
    blank_lines = [n for n, blank in enumerate(kinds, start=1) if blank]
    runs = csv_reader.blank_runs(blank_lines)
    assert 1000 < len(runs) <= csv_reader.STREAM_BLANK_RUNS
    stream = csv_reader.Stream("cells", runs, len(lines), {})
    got = duckdb.sql(f"select {stream.line_sql('k')} from range({len(lines)}) t(k) order by k").fetchall()
    assert [line for (line,) in got] == lines
