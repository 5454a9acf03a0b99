"""The M14 chart of accounts: chapters, accounts and functions as the official XML gives them, and
budget lines labelled from it."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from etl.errors import InputError
from etl.extract.budget_xml import read_budget_xml
from etl.reference import M14_DIR, chart_path, label_budget, load_m14, read_m14

M14_FILE = "plan-de-compte-M14-M14_COM_SUP3500-2022.xml"
M14 = M14_DIR / M14_FILE


def rows(table, key):
    return {r[key]: r for r in table.to_pylist()}


def test_chart_tables():
    chart = read_m14(M14)
    assert (chart.norm, chart.declension, chart.year) == ("M14", "M14_COM_SUP3500", 2022)
    chapters = chart.chapters.to_pylist()
    assert len(chapters) == 86
    assert sum(c["presentation"] == "nature" for c in chapters) == 47
    nature = {c["chapter_code"]: c for c in chapters if c["presentation"] == "nature"}
    assert nature["011"]["chapter_label"] == "Charges à caractère général"  # ISO-8859-1 decoded
    assert (nature["040"]["section"], nature["042"]["section"]) == ("investment", "operating")
    assert {c["section"] for c in chapters} == {"operating", "investment"}

    accounts = rows(chart.accounts, "account_code")
    assert len(accounts) == 1764
    assert accounts["6042"]["chapter_code"] == "011" and accounts["6042"]["section"] == "operating"
    assert accounts["2031"]["account_label"] == "Frais d'études"
    assert (accounts["2031"]["dr"], accounts["2031"]["does"], accounts["2031"]["dois"]) == ("20", "040", "041")
    assert accounts["192"]["chapter_code"] == "040"  # an order-only account: its chapter is 040
    assert accounts["10222"]["parent_code"] == "1022" and accounts["10222"]["level"] == 4
    assert accounts["10"]["is_votable"] is False and accounts["10222"]["is_votable"] is True

    functions = rows(chart.functions, "function_code")
    assert len(functions) == 122
    assert functions["212"]["parent_code"] == "21" and functions["21"]["parent_code"] == "2"
    assert functions["01"]["function_label"] == "Opérations non ventilables"
    assert functions["0"]["function_label"] != functions["01"]["function_label"]  # codes are text


def test_shipped_chart_keeps_its_licence_notice():
    text = M14.read_bytes().decode("iso-8859-1")
    assert "GNU Lesser General Public License" in text and "axYus" in text
    assert (M14_DIR / "SOURCE.md").is_file()


@pytest.mark.realdata
def test_shipped_chart_is_the_published_file(realdata):
    published = realdata / "classifications/m14-plan-de-compte-2022" / M14_FILE
    assert hashlib.sha256(M14.read_bytes()).digest() == hashlib.sha256(published.read_bytes()).digest()


def test_chart_refusals(tmp_path):
    with pytest.raises(InputError, match="no such chart"):
        chart_path("plan-de-compte-M57-2030.xml")
    bad = tmp_path / "plan.xml"
    bad.write_text("<Plan/>", encoding="utf-8")
    with pytest.raises(InputError, match="not a chart of accounts"):
        read_m14(bad)


@pytest.mark.realdata
def test_every_montreuil_nature_and_function_code_has_a_label(realdata):
    _, table = read_budget_xml(realdata / "budget/montreuil-ca-2022-m14/CA_2022.xml")
    chart = read_m14(M14)
    accounts = set(chart.accounts.column("account_code").to_pylist())
    functions = set(chart.functions.column("function_code").to_pylist())
    natures = set(table.column("Nature").to_pylist())
    fonctions = set(table.column("Fonction").to_pylist())
    assert (len(natures), len(fonctions)) == (284, 67)
    assert natures - accounts == set()   # all 284 nature accounts labelled
    assert fonctions - functions == set()  # all 67 functions labelled


def staged(con, lines):
    con.execute("""create temp table stg (direction varchar, is_real boolean, chapter_code varchar,
        chapter_label varchar, economic_code varchar, economic_label varchar, functional_code varchar,
        functional_label varchar, section varchar)""")
    con.executemany("insert into stg values (?, ?, ?, ?, ?, ?, ?, ?, ?)", lines)


def test_label_budget_fills_chapters_labels_and_sections():
    con = duckdb.connect()
    staged(con, [
        ("expenditure", True, "011", None, "6042", None, "020", None, None),
        ("expenditure", True, None, None, "4541", None, "12", None, None),    # third-party operation
        ("revenue", False, None, None, "192", None, "01", None, None),         # order, no chapter given
        ("expenditure", True, "2031", None, "2031", None, "822", None, None),  # equipment operation
        ("expenditure", True, "011", "Given label", "6042", None, "999", None, None),
        ("expenditure", True, "011", None, "99999", None, None, None, None),
    ])
    con.execute("select * from range(100000)").fetchone()   # a result left unfinished does not get in the way
    report = label_budget(con, "stg", load_m14(con, M14))
    got = con.execute("select chapter_code, chapter_label, section, economic_label, functional_label "
                      "from stg order by rowid").fetchall()
    assert got == [
        ("011", "Charges à caractère général", "operating", "Achats de prestations de services (autres que terrains à aménager)", "Administration générale de la collectivité"),
        ("4541", "Travaux effectués d'office pour le compte de tiers", "investment", "Dépenses", "Hygiène et salubrité publique"),
        ("040", "Opérations d'ordre de transfert entre sections", "investment", "Plus ou moins-values sur cessions d'immobilisations", "Opérations non ventilables"),
        ("2031", "Frais d'études", "investment", "Frais d'études", "Voirie communale et routes"),
        ("011", "Given label", "operating", "Achats de prestations de services (autres que terrains à aménager)", None),
        ("011", "Charges à caractère général", "operating", None, None),
    ]
    assert (report.chapters, report.economic, report.functional) == ((), ("99999",), ("999",))
    assert not report.complete
