"""Validation collects every error, each with file, line, field, source column, value and reason."""

from __future__ import annotations

from etl import pipeline

HEADER = "Department,Supplier,Date,Amount,CapRev\n"


def report_of(mini_profile, export, home, body, name="spend-2024-05.csv"):
    result = pipeline.run(mini_profile(), [export(HEADER + body, name=name)], home, dry_run=True)
    return result, {s.code: s for s in result.report.summaries}


def test_every_error_is_collected_with_its_place(mini_profile, export, home):
    body = ("Parks,Acme,03/05/2024,10.00,R\n"
            "Parks,Acme,31/02/2024,10.00,R\n"      # line 3: no such date
            "Parks,Acme,03/05/2024,12.345,R\n"     # line 4: sub-penny amount
            "Parks,Acme,03/05/2024,,R\n"           # line 5: amount missing
            "Parks,Acme,03/05/2024,1.00,X\n"       # line 6: unmapped capital/revenue code
            "Parks,Acme,03/05/2024,ten,R\n")       # line 7: not a number
    result, by_code = report_of(mini_profile, export, home, body)
    assert not result.report.ok and result.rejected_rows == 5
    found = {(e.line, e.field, e.column, e.value) for s in by_code.values() for e in s.examples}
    assert found == {
        (3, "payment_date", "Date", "31/02/2024"),
        (4, "amount", "Amount", "12.345"),
        (5, "amount", "Amount", None),
        (6, "capital_or_revenue", "CapRev", "X"),
        (7, "amount", "Amount", "ten"),
    }
    assert by_code["type-error"].count == 4 and by_code["constraint-error"].count == 1
    (required,) = by_code["constraint-error"].examples
    assert required.constraint == "required" and required.reason == "is required but empty"
    date_error = next(e for e in by_code["type-error"].examples if e.field == "payment_date")
    assert date_error.file == "spend-2024-05.csv" and "%d/%m/%Y" in date_error.reason
    assert "%d/%m/%Y" in date_error.message("fr") and date_error.message("fr").startswith("n'est pas une date")
    # an amount with too many digits is told how many the type holds, not only the decimals
    result, by_code = report_of(mini_profile, export, home, "Parks,Acme,03/05/2024,99999999999999999.99,R\n")
    (too_big,) = by_code["type-error"].examples
    assert too_big.reason == "is not an amount written like 1,234.56, with at most 16 whole digits and 2 decimals"
    assert too_big.message("fr").endswith("d'au plus 16 chiffres entiers et 2 décimales")


def test_an_amount_written_with_the_other_decimal_mark_says_which_setting_to_change(mini_profile, export, home,
                                                                                     tmp_path):
    body = ('Parks,Acme,03/05/2024,"1.234,56",R\n'                # line 2: a decimal comma, to a profile reading points
            'Parks,Acme,03/05/2024,"£12,50",R\n'
            "Parks,Acme,03/05/2024,12.345,R\n"                    # line 4: sub-penny, no other mark
            'Parks,Acme,03/05/2024,"12345678901234567,50",R\n'    # line 5: too many digits either way
            'Parks,Acme,03/05/2024,"1.234.567.890.123.456.789,50",R\n')
    result, by_code = report_of(mini_profile, export, home, body)
    reasons = {e.line: e.reason for e in by_code["type-error"].examples}
    # the profile reads ',' as thousands: following the hint must not leave it both marks
    hint = ("; it reads as an amount written with the other decimal mark: if the file writes its amounts so, "
            "set decimal: ',' and thousands: '.' for amount in the profile")
    assert [line for line, reason in sorted(reasons.items()) if reason.endswith(hint)] == [2, 3]
    assert reasons[2].startswith("is not an amount written like 1,234.56")
    (first,) = [e for e in by_code["type-error"].examples if e.line == 2]
    assert first.message("fr").endswith("indiquez decimal: ',' and thousands: '.' pour amount dans le profil")
    listed = tmp_path / "issues.csv"   # the issue list renders it in SQL: the same sentence
    pipeline.run(mini_profile(), [export(HEADER + body)], home, dry_run=True, lang="fr", issues_file=listed)
    assert first.message("fr") in listed.read_text(encoding="utf-8")
    # a profile reading decimal commas is told of points; one without a thousands separator, of decimal only
    for marks, amount, setting in (('decimal: ",", thousands: "."', "1234.56", "decimal: '.' and thousands: ','"),
                                   ('thousands: ""', '"12,50"', "decimal: ','")):
        other = mini_profile().read_text().replace('thousands: ","', marks)
        (e,) = pipeline.run(mini_profile(base=other), [export(HEADER + f"Parks,Acme,03/05/2024,{amount},R\n")], home,
                            dry_run=True).report.summaries[0].examples
        assert e.reason.endswith(f"if the file writes its amounts so, set {setting} for amount in the profile")



def test_total_row_that_does_not_reconcile_is_an_error(mini_profile, export, home):
    body = "Parks,Acme,03/05/2024,10.00,R\nRoads,Big,03/05/2024,5.00,R\n,Total,,16.00,\n"
    result, by_code = report_of(mini_profile, export, home, body)
    (e,) = by_code["total-mismatch"].examples
    assert e.line == 4 and e.value == "16.00" and "15.00" in e.reason


def test_a_header_without_rows_is_refused(mini_profile, export, home):
    result, by_code = report_of(mini_profile, export, home, "")
    assert "no-records" in by_code


def test_report_as_json_is_serialisable(mini_profile, export, home):
    import json
    result, _ = report_of(mini_profile, export, home, "Parks,Acme,bad,1,R\n")
    doc = json.loads(json.dumps(result.report.to_dict()))
    assert doc["valid"] is False and doc["issues"][0]["examples"][0]["line"] == 2


def test_a_value_the_same_on_every_row_is_checked_once_per_file(mini_profile, export, home):
    """A profile constant breaking the schema (currency pattern [A-Z]{3}) names every record."""
    profile = mini_profile(base=__import__("tests.conftest", fromlist=["x"]).MINI_PROFILE.replace(
        "currency: {value: GBP}", "currency: {value: gbp}"))
    result = pipeline.run(profile, [export(HEADER + "Parks,Acme,03/05/2024,1.00,R\nRoads,Big,03/05/2024,2.00,C\n")],
                          home, dry_run=True)
    (summary,) = result.report.summaries
    assert (summary.code, summary.count) == ("constraint-error", 2)
    assert {(e.line, e.field, e.constraint, e.value) for e in summary.examples} == {
        (2, "currency", "pattern", "gbp"), (3, "currency", "pattern", "gbp")}


def test_cells_beyond_the_header_are_errors_unless_empty(mini_profile, export, home):
    body = ("Parks,Acme,03/05/2024,10.00,R,\n"             # a trailing delimiter: an empty cell
            "Roads,Big Co,03/05/2024,10.00,R, ,\n"         # blanks only
            "Parks,Acme,04/05/2024,1,234.56,R\n")          # line 4: an unquoted thousands separator
    result, by_code = report_of(mini_profile, export, home, body)
    (e,) = by_code["extra-cell"].examples
    assert (e.line, e.field, e.value) == (4, None, "R")
    assert {e.line for s in by_code.values() for e in s.examples} == {4}   # CapRev '234.56' too


def test_cells_beyond_the_header_are_found_on_any_line(mini_profile, export, home):
    """However far down the row, and whether the file is streamed or copied (a quoted cell
    spanning lines): an extra-cell error on its own line, not a refusal of the file."""
    rows = "Parks,Acme,03/05/2024,10.00,R\n" * 6000
    for first, extra in (("Parks,Acme,03/05/2024,10.00,R\n", 11), ('Parks,"Acme\nLtd",03/05/2024,10.00,R\n', 11),
                         ("Parks,Acme,03/05/2024,10.00,R\n", 200)):   # far wider than the first lines: read wider again
        wide = "Roads,Big Co,03/05/2024,5.00,R" + ",x" * extra + "\n"
        result, by_code = report_of(mini_profile, export, home, first + rows + wide)
        (e,) = by_code["extra-cell"].examples
        assert e.line == 1 + first.count("\n") + 6000 + 1 and e.value == ",".join("x" * extra)


def test_a_row_with_fewer_cells_than_the_header_is_reported_where_it_stops(mini_profile, export, home):
    """A line broken in two, or a file cut off in its last line: the row stops before a column,
    which is not the same as an empty cell. Streamed or copied (a quoted cell spanning lines)."""
    for first in ("Parks,Acme,03/05/2024,10.00,R\n", 'Parks,"Acme\nLtd",03/05/2024,10.00,R\n'):
        body = (first + "Parks,Acme,03/05/2024,,R\n"      # an empty amount: required, as before
                "Roads,Big Co,03/05\n"                    # a line broken in two
                "/2024,5.00,R\n"
                "Parks,Acme,03/05/2024,10.00,R\n"
                "Parks,Acme,03/05/2024,1")                # the file cut off: no CapRev
        result, by_code = report_of(mini_profile, export, home, body)
        lines = 1 + first.count("\n")
        assert {(e.line, e.field, e.column) for e in by_code["missing-cell"].examples} == {
            (lines + 2, "amount", "Amount"), (lines + 3, "amount", "Amount"),   # both halves of the line
            (lines + 5, "capital_or_revenue", "CapRev")}
        (empty,) = by_code["constraint-error"].examples
        assert (empty.line, empty.field, empty.reason) == (lines + 1, "amount", "is required but empty")
        assert by_code["missing-cell"].examples[0].reason == "the row stops before this column"


def test_a_total_row_must_state_an_amount_and_the_last_total_is_the_files(mini_profile, export, home):
    rows = "Parks,Acme,03/05/2024,10.00,R\nRoads,Big,03/05/2024,5.00,R\n"
    for total, line, value in ((",Total,,TBC,\n", 4, "TBC"), (",Total,,,\n", 4, None)):
        result, by_code = report_of(mini_profile, export, home, rows + total)
        (e,) = by_code["total-mismatch"].examples
        assert (e.line, e.value, e.constraint) == (line, value, "unreadable") and "no amount" in e.reason
        assert not result.report.ok
    # a total repeated, or a subtotal before the grand total: the file's total is the last one
    result, by_code = report_of(mini_profile, export, home, rows + ",Total,,15.00,\n,Total,,15.00,\n")
    assert result.report.ok and result.files[0].control_total == 15
    result, by_code = report_of(mini_profile, export, home, rows + ",Total,,10.00,\n,Total,,16.00,\n")
    (e,) = by_code["total-mismatch"].examples
    assert (e.line, e.value) == (5, "16.00") and "15.00" in e.reason
