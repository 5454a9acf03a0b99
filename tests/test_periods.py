"""Which period a file covers: its name, --period, or its data; one file per period."""

from __future__ import annotations

import pytest

from etl import pipeline
from etl.errors import UsageError
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
    with pytest.raises(UsageError, match="two files cover 2024-05: spend-2024-05.csv and more-2024-05.csv;"):
        pipeline.run(mini_profile(), [may, other], home)
    copy = may.parent / "copy" / may.name
    copy.parent.mkdir()
    copy.write_bytes(other.read_bytes())
    with pytest.raises(UsageError) as e:                  # one name in two folders: their paths
        pipeline.run(mini_profile(), [may, copy], home, period="2024-05")
    assert f"two files cover 2024-05: {may} and {copy};" in str(e.value)
