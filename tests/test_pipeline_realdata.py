"""The real exports, read by their profiles with no code change between them: the figures hold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from etl import pipeline

pytestmark = pytest.mark.realdata

LEEDS_MONTHLY = {  # ../shared/realdata/README.md, grand-total rows excluded
    "2012-04": "73182739.90", "2012-05": "73675027.41", "2012-06": "76346645.18",
    "2012-07": "74394998.44", "2012-08": "78648367.49", "2012-09": "75262832.74",
    "2012-10": "67714905.74", "2012-11": "71558583.35", "2012-12": "72875039.12",
    "2013-01": "61252853.96", "2013-02": "52770585.77", "2013-03": "67211126.21",
}


def dry_run(profile, files, home):
    result = pipeline.run(profile, files, home, dry_run=True)
    assert result.report.ok, result.report.to_dict()
    return result


def test_lambeth_june_2012_loads_every_payment_and_not_the_total_row(realdata, home):
    result = dry_run("lambeth", [realdata / "spending/lambeth-2012-06/2012-06-payments.csv"], home)
    assert result.loaded == 3155
    assert result.totals_by_currency() == {"GBP": Decimal("40292334.84")}
    (f,) = result.files
    assert f.header_line == 10  # below the 9-line report preamble
    assert f.skipped["total"] == 1 and f.control_total == Decimal("40292334.84")
    assert f.period == "2012-06"


def test_lambeth_saved_as_unicode_text_reads_the_same(realdata, home, tmp_path):
    """Excel's "Unicode text" (UTF-16 with a BOM) of the same report: the same rows and total."""
    copy = tmp_path / "2012-06-payments.csv"
    source = (realdata / "spending/lambeth-2012-06/2012-06-payments.csv").read_bytes()
    copy.write_bytes(source.decode("utf-8").encode("utf-16"))
    result = dry_run("lambeth", [copy], home)
    assert result.files[0].encoding == "utf-16" and result.loaded == 3155
    assert result.totals_by_currency() == {"GBP": Decimal("40292334.84")}


def test_lambeth_cut_short_at_a_line_end_is_refused(realdata, home, tmp_path):
    """The copy of a download that stopped at line 2,000: every line whole, the Total row gone."""
    cut = tmp_path / "2012-06-payments.csv"
    with open(realdata / "spending/lambeth-2012-06/2012-06-payments.csv", "rb") as source:
        cut.write_bytes(b"".join(source.readlines()[:2000]))
    result = pipeline.run("lambeth", [cut], home)
    assert not result.published and result.report.blocks_publish
    assert [s.code for s in result.report.summaries if s.severity == "error"] == ["missing-total-row"]
    assert not (home / "site").exists()


def test_hyndburn_june_2018_windows_1252_with_cr_line_endings(realdata, home):
    result = dry_run("hyndburn", [realdata / "spending/hyndburn-2018-06/1806.csv"], home)
    assert result.loaded == 241
    assert result.totals_by_currency() == {"GBP": Decimal("1160404.75")}
    assert result.files[0].encoding == "windows-1252"


def test_leeds_year_with_renamed_headers_one_profile(realdata, home):
    files = sorted((realdata / "spending/leeds-monthly-fy2012-13").glob("*.csv"))
    result = dry_run("leeds", files, home)
    assert result.loaded == 115022
    by_period = {t.period: t.total for t in result.totals}
    assert by_period == {p: Decimal(v) for p, v in LEEDS_MONTHLY.items()}
    # five months end with a grand-total row; each equals that month's loaded total
    controls = {f.period: f.control_total for f in result.files if f.control_total is not None}
    assert sorted(controls) == ["2012-05", "2012-08", "2012-12", "2013-01", "2013-02"]
    assert all(by_period[p] == c for p, c in controls.items())
    # rows the council already redacted stay redacted, and are counted
    assert result.redacted_rows > 12 * 600


def test_us_treasury_contract_actions(realdata, home):
    files = [realdata / "spending/usaspending-treasury-contracts-fy2016/usaspending_treasury_contracts.csv"]
    result = dry_run("us-treasury", files, home)
    assert result.loaded == 126
    assert result.totals_by_currency() == {"USD": Decimal("13459752.50")}
    assert result.files[0].period == "2016-09"  # from the signed dates: the file name does not say


def test_us_treasury_negative_obligations_published(realdata, home):
    files = [realdata / "spending/usaspending-treasury-contracts-fy2016/usaspending_treasury_contracts.csv"]
    result = pipeline.run("us-treasury", files, home)
    assert result.published
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    negatives, total = con.execute(
        "select count(*) filter (where amount < 0), sum(amount) from spending").fetchone()
    assert negatives == 15 and total == Decimal("13459752.50")


def test_hyndburn_year_of_monthly_files(realdata, home):
    files = sorted((realdata / "spending/hyndburn-monthly-fy2019-20").glob("*.csv"))
    result = pipeline.run("hyndburn", files, home)
    assert result.published and result.loaded == 2614
    assert sorted(f.period for f in result.files) == [
        f"{y}-{m:02d}" for y, m in [(2019, m) for m in range(4, 13)] + [(2020, m) for m in range(1, 4)]]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    # August 2019 writes dates as Excel serials (43658 is 2019-07-12), February 2020 as dd/mm/yy
    first = con.execute("select period, payment_date from spending where source_line = 2 "
                        "and period in ('2019-08', '2020-02') order by period").fetchall()
    assert first == [("2019-08", dt.date(2019, 7, 12)), ("2020-02", dt.date(2020, 2, 26))]


MADRID_YEARS = {  # rows and euros per AÑO, summed from the file with Python's csv and Decimal
    2012: (5304, "4942020428"), 2013: (4955, "4564125024"),
    2014: (4781, "4699310629"), 2015: (5177, "4650554218"),
}


def test_madrid_budgets_of_four_years_in_one_file(realdata, home):
    """A Spanish budget: accented header (AÑO), zero-padded codes that stay text, four years."""
    files = [realdata / "budget/madrid-gastos-2012-2015/gastos_v40_2012-2015.csv"]
    result = pipeline.run("madrid", files, home)
    assert result.published and result.loaded == 20217
    assert result.files[0].period == "2012-2015-approved"
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    by_year = con.execute("select fiscal_year, count(*), sum(amount) from budget "
                          "group by 1 order by 1").fetchall()
    assert by_year == [(y, n, Decimal(t)) for y, (n, t) in MADRID_YEARS.items()]
    first = con.execute("select entity_id, administrative_code, functional_code, chapter_code, "
                        "economic_code from budget where source_line = 2").fetchone()
    assert first == ("001", "002", "91100", "1", "12000")
    # every programme on the COFOG axis but the staff benefits (policy 22), an explicit gap
    unmapped = con.execute("select distinct left(functional_code, 2) from budget "
                           "where cofog_code is null").fetchall()
    assert unmapped == [("22",)]
    assert con.execute("select cofog_code from budget where functional_code = '16301' "
                       "limit 1").fetchone() == ("05.1",)  # street cleaning
