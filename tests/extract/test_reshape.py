"""Wide tables to long form: every cell of the year columns becomes a record that keeps its source
line; totals per year are those of the wide columns, exactly."""

from __future__ import annotations

import csv
import hashlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from etl.errors import InputError
from etl.extract import ExtractedFile, extract
from etl.extract.reshape import raw_kind, unpivot
from etl.profile import load_profile
from etl.transform import FileContext, build_staging, install_macros
from etl.validate import validate
from tests.extract.budget_helpers import profile_doc

OMB = "budget/us-omb-budget-authority/budget_authority.csv"


def raw_from_csv(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, *, key: str,
                 amount: str) -> tuple[str, ...]:
    """The raw_ table exactly as extract builds it (every cell as text, the header found and dropped),
    with a profile that maps one ordinary column and one wide column."""
    profile = workdir / "extract-profile.yaml"
    profile.write_text(
        "publisher: {id: t, name: T}\ndataset: budget\nlicence: {name: CC0-1.0, title: CC0}\n"
        f"read: {{encoding: auto}}\nfields:\n  administrative_code: {{column: '{key}'}}\n"
        f"  amount: {{column: '{amount}'}}\n  fiscal_year: {{value: 2022}}\n  phase: {{value: approved}}\n"
        "  direction: {value: expenditure}\n  currency: {value: USD}\n", encoding="utf-8")
    extracted = extract(con, path, load_profile(profile), 0, workdir)
    assert extracted.raw_table == "raw_budget_0"
    return extracted.header


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "wide.csv"
    path.write_text(text, encoding="utf-8")
    return path


WIDE = ('Account,Name,2021,TQ,2022,Note\n'
        '001,Senate,"1,000",5,,x\n'
        '\n'
        '002,"House\nof Representatives",-7, ,"2,500",\n')


def test_unpivot_small_table(tmp_path):
    con = duckdb.connect()
    header = raw_from_csv(con, write_csv(tmp_path, WIDE), tmp_path, key="Account", amount="2021")
    new = unpivot(con, "raw_budget_0", header, r"[0-9]{4}|TQ", "Year column", "Amount")
    assert new == ("Account", "Name", "Note", "Year column", "Amount")  # spare empty columns dropped
    rows = con.execute("select record_index, source_line, c001, c002, c003, c004, c005 "
                       "from raw_budget_0 order by record_index").fetchall()
    assert [r[1:] for r in rows] == [
        (2, "001", "Senate", "x", "2021", "1,000"),
        (2, "001", "Senate", "x", "TQ", "5"),
        (4, "002", "House\nof Representatives", None, "2021", "-7"),
        (4, "002", "House\nof Representatives", None, "2022", "2,500"),
    ]  # blank cells (empty, or a space) hold no amount and give no record
    indexes = [r[0] for r in rows]
    assert indexes == sorted(set(indexes))  # unique, in source then column order
    cols = [r[0] for r in con.execute("describe raw_budget_0").fetchall()]
    assert cols == ["record_index", "source_line"] + [f"c{i:03d}" for i in range(1, len(new) + 1)]
    # As extract leaves a raw table: a view over <raw>_cells, which transform drops once staged.
    assert raw_kind(con, "raw_budget_0") == "view"
    assert {r[0] for r in con.execute("select table_name from duckdb_tables() where table_name like 'raw_budget_0%'")
            .fetchall()} >= {"raw_budget_0_cells"}
    assert con.execute("select count(*) from duckdb_tables() where table_name = 'raw_budget_0__long'").fetchone() == (0,)


@pytest.mark.parametrize("regex, name, value, message", [
    (r"19[0-9]{2}", "Year", "Amount", "no column header matches"),
    (r"([0-9]", "Year", "Amount", "not a valid regular expression"),
    (r"[0-9]{4}", "name", "Amount", "already has a column 'Name'"),
    (r"[0-9]{4}", "Amount", "amount", "different names"),
])
def test_unpivot_refusals(tmp_path, regex, name, value, message):
    con = duckdb.connect()
    header = raw_from_csv(con, write_csv(tmp_path, WIDE), tmp_path, key="Account", amount="2021")
    with pytest.raises(InputError, match=message):
        unpivot(con, "raw_budget_0", header, regex, name, value, shown_as="wide.csv")


def wide_totals(path: Path) -> tuple[int, dict[str, Decimal], list[str]]:
    """Per year column, the sum of its cells in dollars, read with the csv module (not DuckDB)."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    years = [h for h in header if h.isdigit() or h == "TQ"]
    totals = {y: sum((Decimal(r[header.index(y)].replace(",", "")) for r in body), Decimal(0)) * 1000
              for y in years}
    return len(body), totals, years


@pytest.mark.realdata
def test_omb_budget_authority_every_account_and_year(realdata, tmp_path):
    path = realdata / OMB
    accounts, expected, years = wide_totals(path)
    assert accounts == 4490 and len(years) == 48 and years[:3] == ["1976", "TQ", "1977"]
    con = duckdb.connect()
    header = raw_from_csv(con, path, tmp_path, key="Account Code", amount="1976")
    new = unpivot(con, "raw_budget_0", header, r"[0-9]{4}|TQ", "Budget period", "Budget authority")
    period, value = (f"c{new.index(n) + 1:03d}" for n in ("Budget period", "Budget authority"))
    account = f"c{new.index('Account Code') + 1:03d}"

    assert con.execute("select count(*), count(distinct source_line) from raw_budget_0").fetchone() == (4490 * 48, 4490)
    per_line = con.execute(f"select count(distinct {period}), count(*) from raw_budget_0 group by source_line").fetchall()
    assert set(per_line) == {(48, 48)}  # every account has every year
    assert con.execute(f"select min(source_line), max(source_line) from raw_budget_0").fetchone() == (2, 4491)

    # The factor the profile asks for (1000), applied as the staging SQL parses amounts: exact.
    install_macros(con)
    got = dict(con.execute(f"""
        select {period}, sum(money(exact_decimal(replace({value}, ',', '')) * 1000))
        from raw_budget_0 group by 1""").fetchall())
    assert got == expected
    assert got["TQ"] == Decimal("96609798000") and got["2022"] == Decimal("4811798000000")
    assert con.execute(f"select typeof(money(exact_decimal(replace({value}, ',', '')) * 1000)) "
                       "from raw_budget_0 limit 1").fetchone() == ("DECIMAL(18,2)",)
    # Accounts are kept as text with their zeros, each one on every line it was on.
    assert con.execute(f"select {account} from raw_budget_0 where source_line = 5 limit 1").fetchone() == ("0000",)


def test_omb_profile_is_valid_against_the_profile_schema():
    load_profile("us-omb")   # checked against schemas/profile.schema.json
    doc = profile_doc("us-omb")
    assert doc["read"]["unpivot"]["name_column"] == doc["fields"]["fiscal_year"]["column"]
    assert doc["fields"]["amount"] == {"column": "Budget authority", "thousands": ",", "factor": 1000}


@pytest.mark.realdata
def test_omb_profile_through_the_transform(realdata, tmp_path):
    """Every field of the shipped OMB profile parses through the real transform, with its unpivot
    (applied here as extraction applies it), `unmapped` (1976..2022, outside the {TQ: 1976} map,
    kept as they are) and `factor` (thousands to dollars): no issue, and every year in dollars."""
    path = realdata / OMB
    _, expected, _ = wide_totals(path)
    con = duckdb.connect()
    header = raw_from_csv(con, path, tmp_path, key="Account Code", amount="1976")
    profile = load_profile("us-omb")
    u = profile.unpivot
    header = unpivot(con, "raw_budget_0", header, u["columns"], u["name_column"], u["value_column"])
    data = path.read_bytes()
    ex = ExtractedFile(path=path, name=path.name, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data),
                       encoding="utf-8", raw_table="raw_budget_0", header_line=1, header=header, records=0)
    ctx = FileContext(0, ex, "1976-2022", "test-release")
    mappings = build_staging(con, profile, [ctx])
    report = validate(con, profile, [ctx], mappings)
    assert con.execute("select code, field, count(*) from validation_issues group by all").fetchall() == []
    assert report.ok
    got = dict(con.execute("select source_column, sum(amount) from stg_budget group by 1").fetchall())
    assert got == expected
    assert con.execute("select count(*) filter (where is_off_budget), count(distinct administrative_code), "
                       "min(fiscal_year) filter (where source_column = 'TQ'), "
                       "count(*) filter (where fiscal_period = 'TQ'), "
                       "count(*) filter (where fiscal_period is not null) from stg_budget").fetchone() == \
        (43 * 48, 221, 1976, 4490, 4490)
