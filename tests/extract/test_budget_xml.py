"""France's budget XML: every LigneBudget with its source line, values as published, totals that
tie back to the XML read independently (xml.etree), and refusals that name the file."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from etl.errors import InputError
from etl.extract.budget_xml import NAMESPACE, load_budget_xml, read_budget_xml
from etl.validate import validate
from tests.extract.budget_helpers import stage_budget_xml

MONTREUIL = "budget/montreuil-ca-2022-m14/CA_2022.xml"
NS = f"{{{NAMESPACE}}}"


def write(tmp_path: Path, body: str, root: str = f'<DocumentBudgetaire xmlns="{NAMESPACE}">',
          name: str = "doc.xml") -> Path:
    path = tmp_path / name
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n{root}\n{body}\n</DocumentBudgetaire>\n',
                    encoding="utf-8")
    return path


SMALL = """<EnTeteDocBudgetaire><LibelleColl V="VILLE TEST"/><IdColl V="21930048000015"/></EnTeteDocBudgetaire>
<Budget>
  <EnTeteBudget><IdEtab V="21930048000015"/><Nomenclature V="M14-M14_COM_SUP3500"/></EnTeteBudget>
  <BlocBudget><NatDec V="09"/><Exer V="2022"/></BlocBudget>
  <InformationsGenerales><Information Code="PopTot" V="111 810"/></InformationsGenerales>
  <LigneBudget>
    <Nature V="6042"/><Fonction V="020"/><ContNat V="011"/><CodRD V="D"/>
    <MtPrev V="0.00"/><CredOuv V="1000.50"/><MtReal V="999.99"/><OpBudg V="0"/>
    <MtSup Code="BudgetHorsRAR" V="1000.50"/>
  </LigneBudget>
  <!-- a comment between lines -->
  <LigneBudget><Nature V="7088"/><Fonction V="01"/><ContNat V="70"/><CodRD V="R"/><MtReal V="-5.10"/><OpBudg V="0"/></LigneBudget>
  <Annexes><DATA_EMPRUNT><EMPRUNT><LigneBudget><Nature V="1641"/></LigneBudget><CodRD V="D"/></EMPRUNT></DATA_EMPRUNT></Annexes>
</Budget>"""


def test_small_document_lines_values_and_source_lines(tmp_path):
    header, table = read_budget_xml(write(tmp_path, SMALL))
    assert header[:6] == ["LibelleColl", "IdColl", "IdEtab", "Nomenclature", "NatDec", "Exer"]
    assert "Information.PopTot" in header and "MtSup.BudgetHorsRAR" in header
    assert table.column_names == ["source_line", *header]
    rows = table.to_pylist()
    assert len(rows) == 2  # the LigneBudget inside Annexes is not a budget line
    assert [r["source_line"] for r in rows] == [8, 14]
    first, second = rows
    assert (first["Nature"], first["Fonction"], first["ContNat"], first["CredOuv"], first["MtReal"]) == \
        ("6042", "020", "011", "1000.50", "999.99")  # text, exactly as written: codes keep their zeros
    assert first["Exer"] == second["Exer"] == "2022" and first["Information.PopTot"] == "111 810"
    assert second["CredOuv"] is None and second["MtReal"] == "-5.10"


def test_load_into_a_raw_table_shaped_like_extract(tmp_path):
    con = duckdb.connect()
    con.execute("select * from range(100000)").fetchone()   # a result left unfinished does not get in the way
    header = load_budget_xml(con, write(tmp_path, SMALL), "raw_budget_0")
    cols = [r[0] for r in con.execute("describe raw_budget_0").fetchall()]
    assert cols == ["record_index", "source_line"] + [f"c{i:03d}" for i in range(1, len(header) + 1)]
    nature = f"c{header.index('Nature') + 1:03d}"
    assert con.execute(f"select record_index, source_line, {nature} from raw_budget_0 order by 1").fetchall() == \
        [(0, 8, "6042"), (1, 14, "7088")]


@pytest.mark.parametrize("content, reason", [
    (b"", "not well-formed XML"),
    (b"Nature;Fonction\n6042;020\n", "not well-formed XML"),
    (f'<DocumentBudgetaire xmlns="{NAMESPACE}"><Budget><LigneBudget>'.encode(), "not well-formed XML"),
    (b'<?xml version="1.0"?><DocumentBudgetaire><Budget/></DocumentBudgetaire>', "not a budget document"),
    (b'<?xml version="1.0"?><Nomenclature Norme="M14"/>', "root element is 'Nomenclature'"),
    (f'<DocumentBudgetaire xmlns="{NAMESPACE}/v2"/>'.encode(), "not a budget document"),
])
def test_refusals_name_the_file(tmp_path, content, reason):
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason) as e:
        read_budget_xml(path)
    assert e.value.where == "bad.xml"


def test_a_value_given_twice_on_one_line_is_refused(tmp_path):
    body = "<Budget><LigneBudget><Nature V='1'/><Nature V='2'/></LigneBudget></Budget>"
    with pytest.raises(InputError, match="LigneBudget on line 3 has two Nature elements"):
        read_budget_xml(write(tmp_path, body))


def test_external_entities_are_refused_not_read(tmp_path):
    path = tmp_path / "xxe.xml"
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                    f'<DocumentBudgetaire xmlns="{NAMESPACE}"><Budget><LigneBudget><Nature V="&x;"/>'
                    f'</LigneBudget></Budget></DocumentBudgetaire>', encoding="utf-8")
    with pytest.raises(InputError, match="external entity"):
        read_budget_xml(path)


# --- Montreuil, compte administratif 2022 -------------------------------------------------------

def independent_lines(path: Path) -> list[dict[str, str]]:
    """The budget lines read with the standard library, not with the reader under test."""
    root = ET.parse(path).getroot()
    return [{child.tag.removeprefix(NS): child.get("V") for child in line if child.get("Code") is None}
            for line in root.find(f"{NS}Budget").findall(f"{NS}LigneBudget")]


@pytest.mark.realdata
def test_montreuil_every_line_with_its_source_line(realdata):
    path = realdata / MONTREUIL
    header, table = read_budget_xml(path)
    assert table.num_rows == 1530
    starts = [n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
              if text.strip() == "<LigneBudget>"]
    assert len(starts) == 1530  # the Annexes hold no LigneBudget
    assert table.column("source_line").to_pylist() == starts
    assert set(table.column("Exer").to_pylist()) == {"2022"}
    assert set(table.column("NatDec").to_pylist()) == {"09"}
    assert set(table.column("IdColl").to_pylist()) == {"21930048000015"}
    assert table.column("Nomenclature")[0].as_py() == "M14-M14_COM_SUP3500"
    rows = table.to_pylist()
    assert [{k: r[k] for k in line} for r, line in zip(rows, independent_lines(path))] == independent_lines(path)


@pytest.mark.realdata
def test_montreuil_executed_sums_by_chapter_and_direction(realdata):
    path = realdata / MONTREUIL
    expected: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in independent_lines(path):
        expected[(line.get("ContNat"), line["CodRD"])] += Decimal(line["MtReal"])
    _, table = read_budget_xml(path)
    got: dict[tuple, Decimal] = defaultdict(Decimal)
    for r in table.to_pylist():
        got[(r["ContNat"], r["CodRD"])] += Decimal(r["MtReal"])
    assert got == expected
    assert expected[("011", "D")] > 0 and len(expected) > 40
    assert expected[(None, "D")] == Decimal("7753.96")  # third-party operations carry ContOp


@pytest.mark.realdata
def test_montreuil_through_its_profile_to_a_valid_budget_table(realdata):
    path = realdata / MONTREUIL
    con = duckdb.connect()
    profile, ctx, mappings, report = stage_budget_xml(con, path)
    assert report.labels.complete and report.cofog_uncovered == 0
    assert validate(con, profile, [ctx], mappings).ok
    rows = con.execute("select count(*), count(distinct source_line), count(chapter_label), count(section), "
                       "count(cofog_code) from stg_budget where row_kind = 'record'").fetchone()
    assert rows == (1530, 1530, 1530, 1530, 1530)

    # Executed sums per chapter and direction, against the XML read independently. Lines without
    # ContNat (third-party operations, ContOp) are voted in the chapter the M14 chart gives their
    # nature account (4541, 4542, 4581, 4582: a chapter of the same code).
    expected: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in independent_lines(path):
        direction = {"D": "expenditure", "R": "revenue"}[line["CodRD"]]
        expected[(line.get("ContNat") or line["Nature"], direction)] += Decimal(line["MtReal"])
    got = {(c, d): s for c, d, s in con.execute(
        "select chapter_code, direction, sum(amount_executed) from stg_budget where row_kind = 'record' "
        "group by all").fetchall()}
    assert got == expected
    totals = dict(((d, r), s) for d, r, s in con.execute(
        "select direction, is_real, sum(amount) from stg_budget group by all").fetchall())
    assert totals == {("expenditure", True): Decimal("272420548.03"), ("expenditure", False): Decimal("20717206.11"),
                      ("revenue", True): Decimal("284228460.08"), ("revenue", False): Decimal("20717206.11")}
    assert con.execute("select distinct phase, budget_stage, fiscal_year, entity_id from stg_budget").fetchall() == \
        [("executed", "compte administratif", 2022, "21930048000015")]
    assert con.execute("select typeof(amount) from stg_budget limit 1").fetchone() == ("DECIMAL(18,2)",)
