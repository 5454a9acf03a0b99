"""Which period a file covers: its name, --period, or its data; one file per period."""

from __future__ import annotations

import pytest

from etl import pipeline
from etl.errors import REFUSAL_CODE, UsageError
from etl.periods import period_from_filename

PATTERNS = (r"(?P<year>\d{4})-(?P<month>\d{2})", r"(?P<month>[a-z]+)[ _-]?(?P<year>\d{2,4})")


@pytest.mark.parametrize("name, period", [
    ("spend-2024-05.csv", "2024-05"), ("Payments_June_2018.csv", "2018-06"), ("SEPT12.csv", "2012-09"),
    ("payments-2024-13.csv", None), ("notes.csv", None),
])
def test_a_period_from_the_file_name(name, period):
    assert period_from_filename(name, PATTERNS) == period


def test_a_period_must_be_a_month_and_two_files_cannot_share_one(home, mini_profile, export):
    may = export("Department,Supplier,Date,Amount,Ref\nParks,Acme,03/05/2024,10.00,T1\n")
    with pytest.raises(UsageError, match="not a month written YYYY-MM"):
        pipeline.run(mini_profile(), [may], home, period="May 2024")
    other = export("Department,Supplier,Date,Amount,Ref\nRoads,Big,04/05/2024,5.00,T2\n", name="more-2024-05.csv")
    june = export("Department,Supplier,Date,Amount,Ref\nRoads,Big,04/06/2024,5.00,T3\n", name="spend-2024-06.csv")
    assert refusals(pipeline.run(mini_profile(), [may, june, other], home)) == [
        ("more-2024-05.csv", "period-twice", "this file covers 2024-05, as spend-2024-05.csv does: "
                                             "publish one file per period")]
    copy = may.parent / "copy" / may.name
    copy.parent.mkdir()
    copy.write_bytes(other.read_bytes())
    # one name in two folders: their paths
    assert refusals(pipeline.run(mini_profile(), [may, copy], home, period="2024-05")) == [
        (str(copy), "period-twice", f"this file covers 2024-05, as {may} does: publish one file per period")]
    assert not (home / "warehouse.duckdb").exists()


def test_a_file_none_of_whose_rows_tells_its_period_is_refused(home, mini_profile, export):
    from_data = mini_profile().read_text().replace(
        "  from_filename: ['(?P<year>\\d{4})-(?P<month>\\d{2})']", "  from_field: payment_date")
    profile = mini_profile(base=from_data)
    undated = export("Department,Supplier,Date,Amount\nParks,Acme,someday,10.00\n", name="payments.csv")
    dated = export("Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,10.00\n", name="more.csv")
    assert refusals(pipeline.run(profile, [undated, dated], home, dry_run=True)) == [
        ("payments.csv", "period-unreadable", "cannot tell which period this file covers: none of its records "
                                              "has a payment_date that can be read")]
    assert pipeline.run(profile, [dated], home, dry_run=True).report.ok


def test_a_profile_without_file_name_patterns_is_told_where_a_month_can_come_from(home, mini_profile, export):
    plain = mini_profile().read_text().replace("period:\n  from_filename: ['(?P<year>\\d{4})-(?P<month>\\d{2})']\n", "")
    assert "period:" not in plain
    may = export("Department,Supplier,Date,Amount\nParks,Acme,03/05/2024,10.00\n")
    assert refusals(pipeline.run(mini_profile(base=plain), [may], home, dry_run=True)) == [
        ("spend-2024-05.csv", "period-unknown-no-patterns",
         "cannot tell which month this file covers: give --period YYYY-MM, or say in the profile where the month is "
         "written (period.from_filename: patterns of the file names; period.from_field: a date field)")]


def refusals(result) -> list[tuple[str, str, str]]:
    """The files a run refused as a whole: (file, kind, reason)."""
    assert result.report.blocks_publish
    return [(e.file, e.constraint, e.reason) for s in result.report.summaries for e in s.examples
            if s.code == REFUSAL_CODE]
