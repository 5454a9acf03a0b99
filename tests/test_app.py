"""The Streamlit app, run headless with AppTest over fixture warehouses: every page runs in both
languages, and the figures each page shows equal a direct SQL query on the warehouse with the
same filters (taken from the URL, as a shared link would give them)."""

from __future__ import annotations

import calendar
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import app_data
from app_format import format_amount, format_count, format_money, format_percent, parse_amount
from app_pages._shared import LONG_TABLE, PAGES, amounts_styled, colour
from tests.app_fixtures import (
    LYON,
    SECRET_NAME,
    WESTMINSTER,
    WESTMINSTER_POPULATION,
    _budget_row,
    _row,
    sample_budget,
    sample_releases,
    sample_rows,
    write_warehouse,
)

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT = 30  # the first run imports pandas, altair, duckdb...
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("apphome")
    write_warehouse(home / "warehouse.duckdb", releases=sample_releases(),
                    budget=sample_budget())
    return home


@pytest.fixture
def app_home(shared_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPENDPUB_HOME", str(shared_home))
    return shared_home


def sql(home: Path, query: str, params: list | None = None) -> list[tuple]:
    """A direct query, opened like the app opens it (DuckDB refuses two differently
    configured connections to one file at the same time)."""
    with app_data.open_warehouse(home / "warehouse.duckdb") as con:
        return con.execute(query, params or []).fetchall()


def one(home: Path, query: str, params: list | None = None):
    [(value,)] = sql(home, query, params)
    return value


def run_app(page: str = "overview", **query: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, first_column: str):
    """The first st.table whose first column is `first_column`, as a DataFrame."""
    for t in at.table:
        df = t.value
        if list(df.columns)[:1] == [first_column]:
            return df
    raise AssertionError(f"no table starting with {first_column!r}: "
                         f"{[list(t.value.columns) for t in at.table]}")


def shown_cells(grid) -> "pd.DataFrame":
    """The texts an st.dataframe shows (a Styler's display values), not its cell values."""
    from streamlit import dataframe_util
    return dataframe_util.convert_arrow_bytes_to_pandas_df(
        grid.proto.arrow_data.styler.display_values)


def charts(at: AppTest) -> list:
    """Each chart's drawn rows, as a DataFrame."""
    from streamlit import dataframe_util
    return [dataframe_util.convert_arrow_bytes_to_pandas_df(c.proto.datasets[0].data.data)
            for c in at.get("vega_lite_chart")]


def text_of(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption",
                                  "info", "metric") for e in getattr(at, kind)
             if isinstance(getattr(e, "value", None), str)]
    parts += [t.value.to_string() for t in at.table] + [d.value.to_string() for d in at.dataframe]
    return "\n".join(parts)



def test_a_table_shows_an_empty_text_as_empty_not_none() -> None:
    """A table draws a null cell as "None" whatever the Styler writes (Leeds' payments have no
    purpose): empty texts become empty strings; amounts stay numbers, dates stay dates."""
    import datetime as dt

    import pandas as pd

    from app_i18n import Translator

    df = pd.DataFrame({"payment_date": [dt.date(2024, 5, 3), dt.date(2024, 5, 4)], "purpose": ["Rent", None],
                       "notes": [None, None], "amount": [Decimal("1234.50"), None]})
    styled = amounts_styled(df, Translator("fr"))
    assert styled.data["purpose"].tolist() == ["Rent", ""] and styled.data["notes"].tolist() == ["", ""]
    assert styled.data["amount"].tolist()[0] == Decimal("1234.50") and styled.data["amount"].isna().tolist()[1]
    assert styled.data["payment_date"].tolist() == df["payment_date"].tolist()
    styled._compute()
    assert styled._display_funcs[(0, 3)](Decimal("1234.50")) == format_amount(Decimal("1234.50"), "fr")

# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs_in_both_languages(app_home: Path, page: str, lang: str) -> None:
    for publisher in (WESTMINSTER, LYON):
        at = run_app(page, lang=lang, publisher=publisher)
        assert not at.error
        assert at.title
        assert SECRET_NAME not in text_of(at)
        assert at.query_params["lang"] == lang and at.query_params["publisher"] == publisher


# --------------------------------------------------------------------------- overview


def test_overview_figures_equal_sql(app_home: Path) -> None:
    at = run_app(publisher=WESTMINSTER, year="2024")
    shown = metrics(at)
    f = "from spending where publisher_id = ? and period like ?"
    total = one(app_home, f"select sum(amount) {f}", [WESTMINSTER, "2024-%"])
    before = one(app_home, f"select sum(amount) {f}", [WESTMINSTER, "2023-%"])
    assert shown["Total spent (GBP)"] == format_money(total, "GBP", "en") == "£105,225.54"
    assert shown["Payments"] == str(one(app_home, f"select count(*) {f}", [WESTMINSTER, "2024-%"]))
    assert shown["Suppliers"] == str(one(
        app_home, f"select count(distinct supplier_name) filter (where not is_redacted) {f}",
        [WESTMINSTER, "2024-%"]))
    assert shown["Change on 2023"] == "+" + format_percent((total - before) / before, "en")
    per_resident = (total / WESTMINSTER_POPULATION).quantize(CENT, ROUND_HALF_UP)
    assert shown["Per resident (GBP)"] == format_money(per_resident, "GBP", "en") == "£0.52"
    assert shown["Budget executed"] == "—"
    assert any("r-E09000033-2024" in c.value for c in at.caption)  # latest release


def test_overview_in_french_with_a_budget(app_home: Path) -> None:
    at = run_app(lang="fr", publisher=LYON, year="2024")
    shown = metrics(at)
    total = one(app_home, "select sum(amount) from spending where publisher_id = ?", [LYON])
    assert shown["Total dépensé (EUR)"] == format_money(total, "EUR", "fr") \
        == "14\u202f292,50\u00a0€"
    assert shown["Paiements"] == "4"
    executed, open_ = (one(app_home, "select sum(amount) from budget where publisher_id = ? "
                                     "and phase = ? and direction = 'expenditure' and is_real",
                           [LYON, phase]) for phase in ("executed", "adjusted"))
    assert shown["Budget exécuté"] == format_percent(executed / open_, "fr") == "92,9\u202f%"
    assert shown["Par habitant"] == "—"
    assert at.title[0].value == "Ville de Lyon\u00a0: 2024"


def test_the_explore_links_follow_the_menu_order(app_home: Path) -> None:
    """In one wrapping row, not in columns: a phone stacks columns one after the other, which
    put Budget against actual second."""
    at = run_app(publisher=WESTMINSTER, year="2024")
    assert [link.proto.page for link in at.main.page_link] == list(PAGES)[1:]


def test_bar_labels_leave_the_bars_most_of_a_narrow_chart(app_home: Path) -> None:
    """A bar chart's labels take at most 40% of its width (on a phone, they took three
    quarters, and the legend was cut)."""
    for page, query in (("budget", {"publisher": LYON}), ("your_taxes", {"publisher": LYON}),
                        ("suppliers", {"publisher": WESTMINSTER, "year": "2024"})):
        specs = [json.loads(c.proto.spec) for c in run_app(page, **query).get("vega_lite_chart")]
        limits = [s["encoding"]["y"]["axis"]["labelLimit"] for s in specs]
        assert limits and all("containerSize()[0] * 0.4" in limit["expr"] for limit in limits)


def test_year_comes_from_the_url_and_defaults_to_the_latest(app_home: Path) -> None:
    at = run_app(publisher=WESTMINSTER)
    assert at.sidebar.selectbox[1].value == 2024
    at = run_app(publisher=WESTMINSTER, year="2023")
    assert metrics(at)["Total spent (GBP)"] == "£1,560.00"
    assert metrics(at)["Change on 2022"] == "—"
    assert at.query_params["year"] == "2023"


def test_choosing_a_publisher_and_a_language_updates_the_url(app_home: Path) -> None:
    at = run_app()
    at.sidebar.selectbox[0].select(WESTMINSTER).run()
    assert at.query_params["publisher"] == WESTMINSTER
    assert "Total spent (GBP)" in metrics(at)
    at.sidebar.radio[0].set_value("fr").run()
    assert at.query_params["lang"] == "fr"
    assert "Total dépensé (GBP)" in metrics(at)


@pytest.mark.parametrize(("page", "query", "shown"), [
    ("where", {"function": "09", "department": "Children's Services"}, "By department"),
    ("payments", {"supplier": "acme", "q": "construction", "sort": "amount_desc"}, "4"),
    ("suppliers", {"supplier": "Acme Construction Ltd", "q": "acme"}, "The 4 largest"),
    ("data", {"release": f"r-{WESTMINSTER}-2024"}, "Releases"),
])
def test_choosing_another_body_drops_the_page_filters(app_home: Path, page: str, query: dict,
                                                      shown: str) -> None:
    """A drill-down of one body (Acme is a supplier of both) does not filter the next one."""
    at = run_app(page, publisher=WESTMINSTER, year="2024", lang="en", **query)
    assert all(at.query_params.get(k) == v for k, v in query.items())
    at.sidebar.selectbox[0].select(LYON).run()
    assert not at.exception
    assert set(at.query_params) == {"lang", "publisher", "year"}, at.query_params
    assert shown in text_of(at)
    if page == "payments":
        assert metrics(at)["Matching payments"] == "4"
    at.sidebar.selectbox[0].select(WESTMINSTER).run()  # and back: unfiltered too
    assert set(at.query_params) == {"lang", "publisher", "year"}, at.query_params


def test_unknown_values_in_the_url_fall_back(app_home: Path) -> None:
    at = run_app(publisher="'; drop table spending; --", year="1066", lang="xx")
    assert at.sidebar.selectbox[0].value == LYON  # first by name
    assert metrics(at)["Payments"] == "4"
    assert one(app_home, "select count(*) from spending") == 17


# --------------------------------------------------------------------------- where


def test_where_the_money_goes_equals_sql(app_home: Path) -> None:
    at = run_app("where", publisher=WESTMINSTER, year="2024")
    df = table(at, "Function")
    expected = sql(app_home, "select left(cofog_code, 2), sum(amount), count(*) from spending "
                             "where publisher_id = ? and period like '2024-%' group by 1 "
                             "order by 2 desc", [WESTMINSTER])
    assert list(df["Total"]) == [format_money(t, "GBP", "en") for _, t, _ in expected]
    assert list(df["Payments"]) == [str(n) for *_, n in expected]
    assert list(df["Function"])[0] == "04 Economic affairs"
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")

    at = run_app("where", publisher=WESTMINSTER, year="2024", function="09")
    df = table(at, "Department")
    expected = sql(app_home, "select department, sum(amount) from spending where publisher_id = ? "
                             "and period like '2024-%' and cofog_code like '09%' group by 1 "
                             "order by 2 desc", [WESTMINSTER])
    assert list(zip(df["Department"], df["Total"], strict=True)) == [
        (d, format_money(t, "GBP", "en")) for d, t in expected]

    at = run_app("where", publisher=WESTMINSTER, year="2024", function="~", department="~")
    df = table(at, "Expense type")  # payments with neither function nor department
    assert list(df["Total"]) == [format_money(Decimal("5000.00"), "GBP", "en")]


def test_where_without_functions_starts_with_departments(app_home: Path) -> None:
    at = run_app("where", publisher=LYON, lang="fr")
    df = table(at, "Service")
    expected = sql(app_home, "select department, sum(amount) from spending where publisher_id = ? "
                             "group by 1 order by 2 desc", [LYON])
    assert list(zip(df["Service"], df["Total"], strict=True)) == [
        (d, format_money(t, "EUR", "fr")) for d, t in expected]


def test_where_draws_bars_of_the_largest_when_a_treemap_would_be_unreadable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past TILES departments the chart is bars of the largest and one bar for the rest; the
    long table folds into an expander but still lists every department."""
    tiles = 20  # app_pages/where.py's TILES (importing a page runs it)
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    extra = [_row(LYON, 10 + i, "2024-03", 3, f"Service {i:02d}", "Fournisseur", f"{100 + i}.00")
             for i in range(LONG_TABLE)]
    write_warehouse(tmp_path / "warehouse.duckdb", sample_rows() + extra,
                    releases=sample_releases())
    expected = sql(tmp_path, "select department, sum(amount) from spending "
                             "where publisher_id = ? group by 1 order by 2 desc", [LYON])
    assert len(expected) > LONG_TABLE > tiles
    at = run_app("where", publisher=LYON)
    [drawn] = charts(at)
    rest = expected[tiles:]
    assert list(drawn["name"]) == [d for d, _ in expected[:tiles]] + [f"{len(rest)} others"]
    assert list(drawn["total"])[-1] == format_money(sum(t for _, t in rest), "EUR", "en")
    assert json.loads(at.get("vega_lite_chart")[0].proto.spec)["mark"]["type"] == "bar"
    [fold] = at.expander
    assert fold.label == f"The table: {len(expected)} rows, one per department"
    assert list(table(at, "Department")["Department"]) == [d for d, _ in expected]

    at = run_app("where", publisher=WESTMINSTER, year="2024")  # a few functions: a treemap
    assert json.loads(at.get("vega_lite_chart")[0].proto.spec)["layer"][0]["mark"]["type"] \
        == "rect"
    assert not at.expander


def test_a_treemap_tile_wraps_a_long_name_instead_of_cutting_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    long_name = "Direction de l'Éducation, de la Jeunesse, des Sports et de la Vie Associative"
    rows = [_row(LYON, 2, "2024-01", 3, long_name, "Fournisseur", "4000.00"),
            _row(LYON, 3, "2024-01", 3, "Voirie", "Fournisseur", "3000.00"),
            _row(LYON, 4, "2024-01", 3, "Culture", "Fournisseur", "3000.00")]
    write_warehouse(tmp_path / "warehouse.duckdb", rows, releases=sample_releases())
    [drawn] = charts(run_app("where", publisher=LYON, year="2024"))
    *lines, share = drawn["label"].iloc[0].split("\n")
    assert len(lines) > 1 and " ".join(lines) == long_name
    assert share == "40.0%"
    assert drawn["ty"].iloc[0] < drawn["cy"].iloc[0]  # the block is centred on the tile


# --------------------------------------------------------------------------- over time


def test_over_time_equals_sql(app_home: Path) -> None:
    at = run_app("over_time", publisher=WESTMINSTER)
    df = table(at, "Year")
    expected = sql(app_home, "select left(period, 4), sum(amount), count(*), "
                             "count(distinct period) from spending where publisher_id = ? "
                             "group by 1 order by 1", [WESTMINSTER])
    assert list(df["Year"]) == [y for y, *_ in expected]
    assert list(df["Total"]) == [format_money(t, "GBP", "en") for _, t, *_ in expected]
    assert list(df["Months published"]) == [str(m) for *_, m in expected]
    (_, before, *_), (_, after, *_) = expected
    assert list(df["Change on the year before"]) == [
        "—", "+" + format_percent((after - before) / before, "en")]
    months = table(at, "Month")
    assert list(months["Month"]) == ["January 2023", "February 2023", "January 2024",
                                     "February 2024", "March 2024"]


def test_over_time_shows_the_months_with_nothing_published(app_home: Path) -> None:
    """A month missing between two published ones keeps its place on the axis, with no bar."""
    at = run_app("over_time", publisher=WESTMINSTER)
    monthly = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    axis = monthly["encoding"]["x"]["scale"]["domain"]
    assert axis == [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)][:15]
    assert set(charts(at)[0]["period"]) == {"2023-01", "2023-02", "2024-01", "2024-02",
                                            "2024-03"}  # no zero bars
    assert "Months with nothing published: March 2023 to December 2023." in \
        " ".join(c.value for c in at.caption)
    at = run_app("over_time", publisher=WESTMINSTER, lang="fr")
    assert "Mois sans rien de publié\u00a0: de mars 2023 à décembre 2023." in \
        " ".join(c.value for c in at.caption)
    assert not any("nothing published" in c.value
                   for c in run_app("over_time", publisher=LYON).caption)


# --------------------------------------------------------------------------- suppliers


def test_top_suppliers_equal_sql(app_home: Path) -> None:
    at = run_app("suppliers", publisher=WESTMINSTER, year="2024")
    df = table(at, "#")
    expected = sql(app_home, "select case when is_redacted then ? else supplier_name end s, "
                             "sum(amount) t, count(*) from spending where publisher_id = ? "
                             "and period like '2024-%' group by 1 order by t desc, s",
                   [app_data.REDACTED_LABEL, WESTMINSTER])
    assert list(zip(df["Supplier"], df["Total"], df["Payments"], strict=True)) == [
        (s, format_money(t, "GBP", "en"), str(n)) for s, t, n in expected]


def many_suppliers(n: int) -> list[dict]:
    """The sample rows and `n` more suppliers of Lyon in 2024."""
    return sample_rows() + [
        _row(LYON, 10 + i, "2024-03", 3, "Voirie", f"Fournisseur {i:02d}", f"{100 + i}.00")
        for i in range(n)]


def test_the_top_suppliers_heading_counts_what_the_chart_draws(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    write_warehouse(tmp_path / "warehouse.duckdb", many_suppliers(14), releases=sample_releases())
    at = run_app("suppliers", publisher=LYON, year="2024")
    listed = len(table(at, "#"))
    assert listed > 10
    [drawn] = charts(at)
    assert len(drawn) == listed
    assert at.subheader[0].value == f"The {listed} largest suppliers in 2024"


def test_supplier_search_and_page(app_home: Path) -> None:
    at = run_app("suppliers", publisher=WESTMINSTER, year="2024", q="acme")
    assert "2 suppliers match." in [c.value for c in at.caption]
    df = table(at, "#")
    assert set(df["Supplier"]) == {"Acme Construction Ltd", "ACME CONSTRUCTION LTD"}
    name = "Acme Construction Ltd"
    at = run_app("suppliers", publisher=WESTMINSTER, year="2024", supplier=name)
    assert at.selectbox[0].value == name
    shown = metrics(at)
    f = "from spending where publisher_id = ? and supplier_name = ? and period like '2024-%'"
    assert shown["Paid in 2024 (GBP)"] == format_money(
        one(app_home, f"select sum(amount) {f}", [WESTMINSTER, name]), "GBP", "en")
    assert shown["Payments"] == str(one(app_home, f"select count(*) {f}", [WESTMINSTER, name]))
    [payments] = at.dataframe
    assert len(payments.value) == 2
    by_department = table(at, "Department")
    assert set(by_department["Department"]) == {"Children's Services", "Highways"}
    over_time = table(at, "Month")
    assert list(over_time["Month"]) == ["January 2023", "January 2024", "February 2024"]


@pytest.mark.parametrize(("lang", "month", "total", "label"), [
    ("en", "Month", "Total (GBP)", "Jan 2024"), ("fr", "Mois", "Total (GBP)", "janv. 2024")])
def test_the_supplier_chart_names_its_axes_and_months(app_home: Path, lang: str, month: str,
                                                      total: str, label: str) -> None:
    at = run_app("suppliers", publisher=WESTMINSTER, year="2024", lang=lang,
                 supplier="Acme Construction Ltd")
    [spec] = [s for s in (json.loads(c.proto.spec) for c in at.get("vega_lite_chart"))
              if s["encoding"]["x"]["field"] == "period"]  # not the largest suppliers' chart
    x, y = spec["encoding"]["x"], spec["encoding"]["y"]
    assert (x["title"], y["title"]) == (month, total)
    assert f"'2024-01': '{label}'" in x["axis"]["labelExpr"]


def test_a_redacted_name_cannot_be_looked_up(app_home: Path) -> None:
    for supplier in (SECRET_NAME, app_data.REDACTED_LABEL):
        at = run_app("suppliers", publisher=WESTMINSTER, supplier=supplier)
        assert at.selectbox[0].value == ""
        assert SECRET_NAME not in text_of(at)


# --------------------------------------------------------------------------- payments


def test_payments_follow_the_url_filters(app_home: Path) -> None:
    at = run_app("payments", publisher=WESTMINSTER, year="2024", months="2024-01..2024-02",
                 department=["Highways", "Not a department"], supplier="ACME")
    assert at.multiselect[0].value == ["Highways"]
    assert at.text_input[1].value == "ACME"
    [(total, count)] = sql(
        app_home,
        "select sum(amount), count(*) from spending where publisher_id = ? and period between "
        "'2024-01' and '2024-02' and department = ? and supplier_name ilike ?",
        [WESTMINSTER, "Highways", "%acme%"])
    shown = metrics(at)
    assert shown["Their total (GBP)"] == format_money(total, "GBP", "en") == "£98,765.43"
    assert shown["Matching payments"] == str(count) == "1"
    [grid] = at.dataframe
    assert len(grid.value) == count
    assert at.download_button[0].label == "Download this row as CSV"
    assert "Showing 1 of 1 payment." in [c.value for c in at.caption]


def test_payments_amounts_text_and_sort(app_home: Path) -> None:
    at = run_app("payments", publisher=WESTMINSTER, year="2024", min="0.05", max="5000",
                 q="services", sort="amount_asc")
    expected = sql(app_home,
                   "select amount from spending where publisher_id = ? and period like '2024-%' "
                   "and amount between 0.05 and 5000 and (department ilike '%services%' or "
                   "expense_type ilike '%services%' or purpose ilike '%services%' or "
                   "(case when is_redacted then ? else supplier_name end) ilike '%services%') "
                   "order by amount", [WESTMINSTER, app_data.REDACTED_LABEL])
    [grid] = at.dataframe
    assert [Decimal(str(a)).quantize(CENT) for a in grid.value["amount"]] == [a for a, in expected]
    assert metrics(at)["Matching payments"] == str(len(expected))
    rows = grid.value
    redacted = rows[rows["is_redacted"]]
    assert set(redacted["supplier_name"]) == {app_data.REDACTED_LABEL}
    assert any(app_data.REDACTED_LABEL in c.value and "redacted" in c.value for c in at.caption)
    assert all("release=r-E09000033-2024" in url for url in rows["release_id"])
    assert set(rows["source_file"]) <= {f"{WESTMINSTER}-2024-0{m}.csv" for m in (1, 2, 3)}



@pytest.mark.parametrize("text, amount", [
    ("12,5", "12.5"), ("12.5", "12.5"), ("1 234,56", "1234.56"), ("1\u202f234,56", "1234.56"),
    ("1,234.56", "1234.56"), ("1.234,56", "1234.56"), ("1,234", "1234"), ("10000,50", "10000.50"),
    ("-3", "-3"), ("12.345.678,9", "12345678.9")])
def test_an_amount_typed_reads_the_same_in_every_language(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "abc", "1,23,456", "1.2.3", "1,2345", "12,5 €"])
def test_a_text_that_is_no_amount_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_payments_amount_bounds_with_a_decimal_comma(app_home: Path) -> None:
    """A French reader types 0,05: a number box read it as 5 (and 10000,50 as 1000050)."""
    comma = run_app("payments", publisher=WESTMINSTER, year="2024", lang="fr", min="0,05", max="5 000")
    point = run_app("payments", publisher=WESTMINSTER, year="2024", min="0.05", max="5000")
    assert comma.dataframe[0].value["amount"].tolist() == point.dataframe[0].value["amount"].tolist()
    assert not comma.error
    wrong = run_app("payments", publisher=WESTMINSTER, year="2024", lang="fr", min="dix")
    assert [" ".join(e.value.split()) for e in wrong.error] == [
        "« dix » n'est pas un montant : écrivez-le 1234,56, 1 234,56 ou 1234.56."]   # French spaces aside
    everything = run_app("payments", publisher=WESTMINSTER, year="2024", lang="fr")
    assert metrics(wrong) == metrics(everything)        # counted as no bound

@pytest.mark.parametrize("lang", ["en", "fr"])
def test_payment_amounts_follow_the_language_and_sort_as_numbers(app_home: Path,
                                                                   lang: str) -> None:
    """The browser's locale (a ``localized`` column) must not decide: the app's language does."""
    at = run_app("payments", lang=lang, publisher=WESTMINSTER, year="2024", sort="amount_asc")
    [grid] = at.dataframe
    amounts = [a for a, in sql(app_home, "select amount from spending where publisher_id = ? "
                                         "and period like '2024-%' order by amount",
                               [WESTMINSTER])]
    assert list(shown_cells(grid)["amount"]) == [format_amount(a, lang) for a in amounts]
    assert format_amount(Decimal("98765.43"), lang) in list(shown_cells(grid)["amount"])
    assert "format" not in json.loads(grid.proto.columns)["amount"]  # it would win
    assert [Decimal(str(a)).quantize(CENT) for a in grid.value["amount"]] == amounts


def test_supplier_payments_amounts_follow_the_language(app_home: Path) -> None:
    name = "Acme Construction Ltd"
    at = run_app("suppliers", lang="fr", publisher=WESTMINSTER, year="2024", supplier=name)
    [grid] = at.dataframe
    expected = sql(app_home, "select amount from spending where publisher_id = ? and "
                             "supplier_name = ? and period like '2024-%'", [WESTMINSTER, name])
    assert sorted(shown_cells(grid)["amount"]) == sorted(format_amount(a, "fr")
                                                         for a, in expected)


def test_one_payment_reads_in_the_singular_in_french(app_home: Path) -> None:
    at = run_app("payments", lang="fr", publisher=WESTMINSTER, year="2024", supplier="O'Brien")
    assert "1 affiché sur 1 paiement." in [c.value for c in at.caption]
    assert at.download_button[0].label == "Télécharger cette ligne en CSV"
    at = run_app("suppliers", lang="fr", publisher=LYON, year="2024", q="générale")
    assert "1 fournisseur correspond." in [c.value for c in at.caption]


def test_nothing_matches(app_home: Path) -> None:
    at = run_app("payments", publisher=WESTMINSTER, supplier="no such supplier")
    assert metrics(at)["Matching payments"] == "0"
    assert any("No payments match" in i.value for i in at.info)
    assert not at.dataframe


# --------------------------------------------------------------------------- budget, taxes


def test_budget_against_actual_equals_sql(app_home: Path) -> None:
    at = run_app("budget", publisher=LYON)
    shown = metrics(at)

    def total(phase: str) -> Decimal:
        return one(app_home, "select sum(amount) from budget where publisher_id = ? and "
                             "phase = ? and direction = 'expenditure' and is_real", [LYON, phase])

    assert shown["Voted"] == format_money(total("approved"), "EUR", "en")
    assert shown["Open"] == format_money(total("adjusted"), "EUR", "en")
    assert shown["Executed"] == format_money(total("executed"), "EUR", "en")
    assert shown["Execution rate"] == format_percent(total("executed") / total("adjusted"), "en")
    chapters = table(at, "Chapter")
    expected = sql(app_home, "select economic_code || ' ' || min(economic_label), "
                             "sum(amount) filter (where phase = 'adjusted') o, "
                             "sum(amount) filter (where phase = 'executed') e from budget "
                             "where publisher_id = ? and direction = 'expenditure' and is_real "
                             "group by economic_code order by o desc", [LYON])
    assert list(zip(chapters["Chapter"], chapters["Open"], chapters["Execution rate"],
                    strict=True)) == [(c, format_money(o, "EUR", "en"), format_percent(e / o, "en"))
                                      for c, o, e in expected]
    domains = {tuple(json.loads(c.proto.spec)["encoding"]["color"]["scale"]["domain"])
               for c in at.get("vega_lite_chart")}
    assert domains == {("Voted", "Open", "Executed")}
    functions = table(at, "Function")
    assert list(functions["Function"]) == ["2 Enseignement - formation",
                                           "8 Aménagement et services urbains",
                                           "0 Services généraux"]


def test_the_budget_chart_names_only_the_measures_published(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An executed budget alone (no voted or open amounts): its legend has no empty series."""
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    executed = [r for r in sample_budget() if r["phase"] == "executed"]
    write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases(), budget=executed)
    at = run_app("budget", publisher=LYON)
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert {tuple(s["encoding"]["color"]["scale"]["domain"]) for s in specs} == {("Executed",)}
    assert {tuple(s["encoding"]["color"]["scale"]["range"]) for s in specs} == {(colour(2),)}


def test_a_budget_never_amended_draws_one_bar_for_voted_and_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no amendment the open credits are those voted: two identical bars would say nothing."""
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    unamended = [r for r in sample_budget() if r["phase"] != "adjusted"]
    write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases(), budget=unamended)
    at = run_app("budget", publisher=LYON)
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert {tuple(s["encoding"]["color"]["scale"]["domain"]) for s in specs} == {
        ("Voted (= open: no amendment)", "Executed")}
    assert all(set(rows["phase"]) == {"Voted (= open: no amendment)", "Executed"} for rows in charts(at))


def test_budget_pages_say_when_no_budget_is_published(app_home: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for page in ("budget", "your_taxes"):
        at = run_app(page, publisher=WESTMINSTER)
        [info] = at.info
        assert info.value == "No budget is published for Westminster City Council yet."
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))  # no budget table at all
    write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases())
    for page in ("budget", "your_taxes"):
        at = run_app(page, publisher=LYON, lang="fr")
        [info] = at.info
        assert info.value == "Aucun budget n'est encore publié pour Ville de Lyon."
    assert metrics(run_app(publisher=LYON))["Budget executed"] == "—"


def _two_budget_years(home: Path) -> None:
    """Lyon's budget for 2024 and, at a tenth of it, for 2023."""
    earlier = [{**r, "fiscal_year": 2023, "amount": r["amount"] / 10} for r in sample_budget()]
    write_warehouse(home / "warehouse.duckdb", releases=sample_releases(),
                    budget=sample_budget() + earlier)


def test_budget_pages_follow_the_sidebar_year(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The sidebar's year is the year of the budget pages: changing it changes what they show,
    and the URL holds it once."""
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    _two_budget_years(tmp_path)
    at = run_app("budget", publisher=LYON)
    assert at.sidebar.selectbox[1].value == 2024
    voted_2024 = metrics(at)["Voted"]
    at.sidebar.selectbox[1].select(2023).run()
    assert metrics(at)["Voted"] != voted_2024
    assert any("Fiscal year 2023" in c.value for c in at.caption)
    assert at.query_params["year"] == "2023" and "fy" not in at.query_params
    assert not at.main.selectbox  # no second year picker on the page
    at = run_app("your_taxes", publisher=LYON, amount="1000")
    at.sidebar.selectbox[1].select(2023).run()
    assert [h.value for h in at.subheader] == ["What €1,000.00 paid for in 2023"]


def test_a_link_with_the_old_fiscal_year_parameter_opens_that_year(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    _two_budget_years(tmp_path)
    at = run_app("budget", publisher=LYON, fy="2023")
    assert at.sidebar.selectbox[1].value == 2023
    assert at.query_params["year"] == "2023" and "fy" not in at.query_params


def test_a_year_without_a_budget_says_which_years_have_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lyon's payments of 2024 and its budget of 2023: the budget pages for 2024 name the
    budget years and offer the latest."""
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    earlier = [{**r, "fiscal_year": 2023} for r in sample_budget()]
    write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases(), budget=earlier)
    for page in ("budget", "your_taxes"):
        for lang, message in (
                ("en", "Ville de Lyon has published no budget for 2024. Budgets published: "
                       "2023. Choose one of these years in the sidebar."),
                ("fr", "Ville de Lyon n'a publié aucun budget pour 2024. Budgets publiés : "
                       "2023. Choisissez l'une de ces années dans le panneau latéral.")):
            at = run_app(page, publisher=LYON, lang=lang)
            assert at.sidebar.selectbox[1].value == 2024
            assert [" ".join(i.value.split()) for i in at.info] == [message]
            assert not at.metric
            at.button[0].click().run()
            assert at.sidebar.selectbox[1].value == 2023 and at.metric
            assert at.query_params["year"] == "2023"


def test_your_taxes_equal_the_budget_shares(app_home: Path) -> None:
    at = run_app("your_taxes", publisher=LYON, amount="1200")
    df = table(at, "Function")
    rows = sql(app_home, "select functional_code || ' ' || min(functional_label), sum(amount) t "
                         "from budget where publisher_id = ? and phase = 'executed' and "
                         "direction = 'expenditure' and is_real group by functional_code "
                         "order by t desc", [LYON])
    whole = sum(t for _, t in rows)
    days = 366 if calendar.isleap(2024) else 365
    assert list(df["Function"]) == [f for f, _ in rows]
    per_year = [parse_amount(v.lstrip("€")) for v in df["Per year"]]
    assert all(abs(v - Decimal(1200) * t / whole) < CENT
               for v, (_, t) in zip(per_year, rows, strict=True))
    per_day = [parse_amount(v.lstrip("€")) for v in df["Per day"]]
    assert all(abs(v - Decimal(1200) * t / whole / days) < CENT
               for v, (_, t) in zip(per_day, rows, strict=True))
    assert metrics(at)["Per day"] == format_money(Decimal("3.28"), "EUR", "en")
    assert (sum(per_year), sum(per_day)) == (Decimal(1200), Decimal("3.28"))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_your_taxes_rows_add_up_to_the_amount_entered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    """Three equal functions: a third of 1,000 each, rounded one by one, would make 999.99."""
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    thirds = [_budget_row(2024, "executed", "expenditure", (str(i), f"Fonction {i}"),
                          ("011", "Charges"), "100.00") for i in range(3)]
    write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases(), budget=thirds)
    for amount in ("1000", "1", "2"):
        at = run_app("your_taxes", publisher=LYON, lang=lang, amount=amount)
        column = "Function" if lang == "en" else "Fonction"
        df = table(at, column)
        per_year = [parse_amount(v.replace("€", "")) for v in df[df.columns[2]]]
        per_day = [parse_amount(v.replace("€", "")) for v in df[df.columns[3]]]
        daily = (Decimal(amount) / 366).quantize(CENT, ROUND_HALF_UP)
        assert (sum(per_year), sum(per_day)) == (Decimal(amount), daily), (per_year, per_day)
        assert max(per_year) - min(per_year) <= CENT


def test_your_taxes_of_zero_say_so_instead_of_an_empty_chart(app_home: Path) -> None:
    for lang, message in (("en", "An amount of zero pays for nothing"),
                          ("fr", "Un montant nul ne finance rien")):
        at = run_app("your_taxes", publisher=LYON, lang=lang, amount="0")
        assert any(message in " ".join(i.value.split()) for i in at.info)
        assert not at.get("vega_lite_chart") and not at.table
    at = run_app("your_taxes", publisher=LYON, mode="income", income="30000", rate="0")
    assert any("An amount of zero pays for nothing" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")


def test_your_taxes_from_an_income(app_home: Path) -> None:
    at = run_app("your_taxes", publisher=LYON, mode="income")
    assert any("Enter your income" in i.value for i in at.info)
    at = run_app("your_taxes", publisher=LYON, mode="income", income="30000", rate="2.5")
    assert metrics(at)["Per year"] == "€750.00"
    # the share as a French reader writes it; not a percentage: said so
    at = run_app("your_taxes", publisher=LYON, lang="fr", mode="income", income="30000", rate="2,5")
    assert metrics(at)["Par an"] == format_money(Decimal("750"), "EUR", "fr")
    at = run_app("your_taxes", publisher=LYON, mode="income", income="30000", rate="250")
    assert [e.value for e in at.error] == ["The share of income is a percentage, from 0 to 100."]


def test_your_taxes_folds_a_long_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    """A budget with more functions than LONG_TABLE: the table folds, and still lists each."""
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    functions = [_budget_row(2024, "executed", "expenditure", (f"{i:03d}", f"Fonction {i}"),
                             ("011", "Charges"), f"{1000 + i}.00")
                 for i in range(LONG_TABLE + 1)]
    write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases(), budget=functions)
    at = run_app("your_taxes", publisher=LYON)
    [fold] = at.expander
    assert fold.label == f"The table: {LONG_TABLE + 1} rows, one per function"
    assert len(table(at, "Function")) == LONG_TABLE + 1


def test_your_taxes_boxes_take_whole_amounts(app_home: Path) -> None:
    """A number box writes its value with a printf format ("1000.00" on a French page): the
    amounts are whole, so the box reads the same in every language."""
    at = run_app("your_taxes", publisher=LYON, lang="fr")
    [box] = at.number_input
    assert (box.value, box.proto.format) == (1000, "%d")
    at = run_app("your_taxes", publisher=LYON, mode="income", income="30000", rate="2.5")
    assert [(b.value, b.proto.format) for b in at.number_input] == [(30000, "%d")]


def test_functions_whose_labels_repeat_are_named_by_their_parent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """"Services communs" is a function of nearly every M14 domain: with the chart's tree in the
    warehouse (empty here until filled) each is named by its domain; without it, by its code
    only."""
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    common = [_budget_row(2024, "executed", "expenditure", (code, "Services communs"),
                          ("011", "Charges"), amount)
              for code, amount in (("20", "300.00"), ("110", "200.00"))]
    path = write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases(),
                           budget=sample_budget() + common)
    names = [f"{c} {lab}" for c, lab in (("20", "Services communs"), ("110", "Services communs"))]
    assert [n for n in table(run_app("your_taxes", publisher=LYON), "Function")["Function"]
            if "communs" in n] == names
    con = duckdb.connect(str(path))
    con.executemany("insert into functional_tree values (?, ?, ?, ?)", [
        (LYON, "2", "Enseignement - formation", None), (LYON, "20", "Services communs", "2"),
        (LYON, "1", "Sécurité et salubrité publiques", None), (LYON, "11", "Sécurité intérieure", "1"),
        (LYON, "110", "Services communs", "11")])
    con.close()
    named = [f"{names[0]} (Enseignement - formation)", f"{names[1]} (Sécurité intérieure)"]
    assert [n for n in table(run_app("your_taxes", publisher=LYON), "Function")["Function"]
            if "communs" in n] == named
    assert {n for n in table(run_app("budget", publisher=LYON), "Function")["Function"]
            if "communs" in n} == set(named)
    assert "2 Enseignement - formation" in list(
        table(run_app("budget", publisher=LYON), "Function")["Function"])  # a label said once


# --------------------------------------------------------------------------- data


def test_data_page_lists_releases_redactions_and_the_dictionary(app_home: Path) -> None:
    at = run_app("data", publisher=WESTMINSTER)
    releases = table(at, "Release")
    assert list(releases["Release"]) == [r for r, in sql(
        app_home, "select release_id from releases where publisher_id = ? "
                  "order by published_at desc", [WESTMINSTER])]
    # a release that redacted rows of a month published before says which, and how many
    assert list(releases["Rows of earlier months redacted"]) == ["February 2023: 3", "", ""]
    assert "Rows of earlier months redacted" not in table(run_app("data", publisher=LYON), "Release").columns
    redactions = table(at, "Reason")
    expected = sql(app_home, "select left(period, 4), count(*), sum(amount) from spending "
                             "where publisher_id = ? and is_redacted group by 1 order by 1",
                   [WESTMINSTER])
    assert list(zip(redactions["Year"], redactions["Payments"], redactions["Total"],
                    strict=True)) == [(y, str(n), format_money(t, "GBP", "en"))
                                      for y, n, t in expected]
    dictionary = table(at, "Column")
    assert list(dictionary["Column"])[:3] == ["publisher_id", "publisher_name", "period"]
    files = table(at, "Release")  # first table of the release tab is the releases list
    assert len(files)


def test_data_page_speaks_the_page_language(app_home: Path) -> None:
    """Kinds of release and months in French on a French page, not `publish` and 2024-01; a
    changelog written in English is said to be so."""
    changelog = app_home / "site" / WESTMINSTER / "spending" / "CHANGELOG.md"
    changelog.parent.mkdir(parents=True, exist_ok=True)
    changelog.write_text("# Changelog: Westminster\n\n## r-1\n", encoding="utf-8")
    try:
        at = run_app("data", publisher=WESTMINSTER, lang="fr")
        releases = table(at, "Publication")
        assert set(releases["Nature"]) == {"Publication"}
        months = " ".join(" ".join(releases["Mois"]).split())
        assert "janvier 2024" in months and "2024-01" not in months
        assert [" ".join(v.split()) for v in releases["Lignes de mois antérieurs masquées"]] \
            == ["février 2023 : 3", "", ""]
        notes = [" ".join(c.value.split()) for c in at.caption]
        assert "Ce document n'est publié qu'en anglais." in notes
        at = run_app("data", publisher=WESTMINSTER, lang="en")
        assert set(table(at, "Release")["Kind"]) == {"Publish"}
        assert "This document is published in English only." not in [c.value for c in at.caption]
    finally:
        changelog.unlink()


def write_packages(home: Path, publisher: str, packages: dict[str, str | None]) -> None:
    """Published packages (folder -> the period its descriptor records), each with its zip."""
    for name, period in packages.items():
        folder = home / "site" / publisher / name
        (folder / "data").mkdir(parents=True)
        (folder / "data" / f"{name}.csv").write_text("a\n1\n", encoding="utf-8")
        (folder / "datapackage.json").write_text(json.dumps({
            "title": f"{publisher} {name}", "spendpub": {"period": period},
            "resources": [{"path": f"data/{name}.csv", "format": "csv"}]}), encoding="utf-8")
        (folder.parent / f"{name}.zip").write_bytes(b"PK")


def test_data_page_groups_packages_as_they_are_published(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases(),
                    budget=sample_budget())
    write_packages(tmp_path, LYON, {"budget": None, "budget-vs-actual": None,
                                    "budget-2024-executed": "2024-executed"})
    write_packages(tmp_path, WESTMINSTER, {"spending": None, "spending-2024-01": "2024-01"})
    at = run_app("data", publisher=LYON)
    headings = [s.value for s in at.subheader]
    assert headings[:3] == [f"{LYON} budget", "One package per published period",
                            "Other packages"]
    assert "One package per month" not in headings
    assert [b.label for b in at.download_button][-2:] == ["Package (zip, 2 B)"] * 2
    assert not any("all three" in c.value for c in at.caption)
    at = run_app("data", publisher=WESTMINSTER)
    assert [s.value for s in at.subheader][:2] == [f"{WESTMINSTER} spending",
                                                   "One package per month"]
    assert "Other packages" not in [s.value for s in at.subheader]


def test_data_page_names_a_column_of_budget_periods_period_not_month(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    warehouse = tmp_path / "warehouse.duckdb"
    write_warehouse(warehouse, releases=sample_releases(), budget=sample_budget())

    def shown() -> tuple[list[tuple[str, list[str]]], list[str]]:
        """The columns that list periods, with their values, and the totals table's two after Release."""
        tables = [t.value for t in run_app("data", publisher=LYON).table]
        (totals,) = [t for t in tables if "Total" in t.columns and t.columns[0] == "Release"]
        return ([(c, list(t[c])) for t in tables for c in t.columns if c in ("Month", "Period")],
                list(totals.columns[1:3]))
    periods, totals = shown()
    assert periods and all(c == "Month" for c, _ in periods) and totals == ["Month", "Payments"]
    with duckdb.connect(str(warehouse)) as con:   # a budget's sources and totals beside the months
        for t in ("release_sources", "release_totals"):
            con.execute(f"update {t} set period = '2024-executed' where period = (select min(period) from {t} "
                        f"where release_id like ?) and release_id like ?", [f"%{LYON}%"] * 2)
    periods, totals = shown()
    assert [c for c, _ in periods] == ["Period", "Period"] and all("2024-executed" in v for _, v in periods)
    assert totals == ["Period", "Lines"]   # a budget's lines, not payments


def test_a_release_link_opens_that_release(app_home: Path) -> None:
    at = run_app("data", publisher=LYON, release=f"r-{LYON}-2024")
    assert any(f"r-{LYON}-2024" in s.value for s in at.success)
    files = table(at, "Release")
    assert f"{LYON}-2024-02.csv" in files.to_string()


# --------------------------------------------------------------------------- failures


def test_no_warehouse_shows_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path / "empty"))
    at = run_app()
    [error] = at.error
    assert "make demo" in error.value and "spendpub publish" in error.value
    assert not at.metric


def test_warehouse_without_payments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    write_warehouse(tmp_path / "warehouse.duckdb", [])
    at = run_app()
    assert not at.error
    assert any("No payments are published yet" in i.value for i in at.info)


def test_formats_follow_the_language() -> None:
    assert format_count(1234, "fr") == "1\u202f234"
    assert format_money(Decimal("1234.56"), "GBP", "en") == "£1,234.56"
    assert format_money(Decimal("1234.56"), "EUR", "fr") == "1\u202f234,56\u00a0€"


def test_a_body_with_a_budget_and_no_payments(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDPUB_HOME", str(tmp_path))
    only_budget = [{**r, "publisher_id": "montreuil", "publisher_name": "Ville de Montreuil"}
                   for r in sample_budget()]
    write_warehouse(tmp_path / "warehouse.duckdb", releases=sample_releases(),
                    budget=only_budget)
    at = run_app(publisher="montreuil", lang="fr")
    assert at.sidebar.selectbox[1].options == ["2024"]
    assert any("n'a publié aucun paiement pour 2024" in i.value for i in at.info)
    # the pages that show what it publishes are one click away, in either language
    for page, lang, labels in (("overview", "fr", ["Budget et réalisé", "Vos impôts"]),
                               ("where", "en", ["Budget against actual", "Your taxes"]),
                               ("payments", "en", ["Budget against actual", "Your taxes"]),
                               ("where", "fr", ["Budget et réalisé", "Vos impôts"])):
        at = run_app(page, publisher="montreuil", lang=lang)
        links = [(p.value, p.proto.page, p.proto.query_string) for p in at.main.page_link]
        assert [(label, page, "year=2024" in query) for label, page, query in links[:2]] == [
            (label, slug, True) for label, slug in zip(labels, ("budget", "your_taxes"),
                                                      strict=True)], links
        assert any("Ville de Montreuil" in m.value and "budget" in m.value for m in at.markdown)
    at = run_app(publisher="montreuil", lang="fr")
    assert metrics(at)["Budget exécuté"] == "92,9\u202f%"
    at = run_app("budget", publisher="montreuil")
    assert metrics(at)["Execution rate"] == "92.9%"
    for page in ("where", "over_time", "suppliers", "payments", "data"):
        at = run_app(page, publisher="montreuil")
        assert not at.error
