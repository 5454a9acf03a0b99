"""The SCDL budget CSV from the canonical budget table: the BGT_* columns in the documented order,
French values, and `frictionless validate` against the shipped schema."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal

import duckdb
import frictionless
import pytest

from etl.exports.scdl_budget import SCDL_BUDGET_SCHEMA, SOURCES, scdl_query, scdl_schema, write_scdl_budget
from etl.paths import SCHEMAS_DIR
from etl.reference import M14_DIR, load_m14
from tests.extract.budget_helpers import load_budget_table, stage_budget_xml

SCHEMA_PATH = SCHEMAS_DIR / f"{SCDL_BUDGET_SCHEMA}.schema.json"
ORDER = ["BGT_NATDEC", "BGT_ANNEE", "BGT_SIRET", "BGT_NOM", "BGT_CONTNAT", "BGT_CONTNAT_LABEL", "BGT_NATURE",
         "BGT_NATURE_LABEL", "BGT_FONCTION", "BGT_FONCTION_LABEL", "BGT_OPERATION", "BGT_SECTION", "BGT_OPBUDG",
         "BGT_CODRD", "BGT_MTREAL", "BGT_MTBUDGPREC", "BGT_MTRARPREC", "BGT_MTPROPNOUV", "BGT_MTPREV", "BGT_CREDOUV",
         "BGT_MTRAR3112", "BGT_ARTSPE"]  # ../shared/standards/README.md, in order


def frictionless_report(csv_path):
    descriptor = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    descriptor.pop("$schema")
    resource = frictionless.Resource(path=csv_path.name, basepath=str(csv_path.parent),
                                     schema=frictionless.Schema.from_descriptor(descriptor))
    return frictionless.validate(resource)


def test_schema_is_the_documented_field_list():
    schema = scdl_schema()
    assert schema.field_names == ORDER == list(SOURCES)
    required = {f.name for f in schema.fields if f.required}
    assert required == {"BGT_NATDEC", "BGT_ANNEE", "BGT_SIRET", "BGT_NOM", "BGT_CONTNAT", "BGT_CONTNAT_LABEL",
                        "BGT_NATURE", "BGT_NATURE_LABEL", "BGT_SECTION", "BGT_OPBUDG", "BGT_CODRD"}
    types = {f.name: f.type for f in schema.fields}
    assert types["BGT_ANNEE"] == "year" and types["BGT_MTREAL"] == types["BGT_CREDOUV"] == "number"
    assert schema.field("BGT_SIRET").constraints["pattern"] == r"^\d{14}$"
    assert "RECONSTRUCTED" in schema.descriptor["description"]


def small_budget(con):
    con.execute("""create table budget as select * from (values
        ('montreuil', 'Ville de Montreuil', '21930048000015', 'VILLE DE MONTREUIL', 2022, 'compte administratif',
         'expenditure', '011', null, '6042', null, '020', null, null, null, true, false,
         1200.50, 0.00, 1500.00, 1200.50, 'sha', 2),
        ('montreuil', 'Ville de Montreuil', '21930048000015', 'VILLE DE MONTREUIL', 2022, 'compte administratif',
         'revenue', '040', 'Opérations d''ordre', '192', 'Plus-values', '01', 'Non ventilable', 'investment', '2017001',
         false, null, -3.10, null, null, -3.10, 'sha', 1)
        ) t(publisher_id, publisher_name, entity_id, entity_name, fiscal_year, budget_stage, direction,
            chapter_code, chapter_label, economic_code, economic_label, functional_code, functional_label,
            section, operation, is_real, is_specialised, amount_executed, amount_voted, amount_open, amount,
            source_file_sha256, source_line)""")
    for col in ("amount_previous_budget", "amount_prior_carryover", "amount_new_proposals", "amount_carryover"):
        con.execute(f"alter table budget add column {col} decimal(18, 2)")


def test_french_values_and_labels_from_the_chart(tmp_path):
    con = duckdb.connect()
    small_budget(con)
    chart = load_m14(con, M14_DIR / "plan-de-compte-M14-M14_COM_SUP3500-2022.xml")
    got = con.execute(scdl_query("budget", chart=chart)).fetchall()
    assert [tuple(r[:6]) for r in got] == [
        ("compte administratif", 2022, "21930048000015", "VILLE DE MONTREUIL", "040", "Opérations d'ordre"),
        ("compte administratif", 2022, "21930048000015", "VILLE DE MONTREUIL", "011", "Charges à caractère général"),
    ]  # source order; labels the table lacks come from the chart, its own are kept
    first, second = got
    assert first[7:14] == ("Plus-values", "01", "Non ventilable", "2017001", "investissement", "ordre", "recette")
    assert second[7] == "Achats de prestations de services (autres que terrains à aménager)"
    assert second[11:14] == ("fonctionnement", "réel", "dépense")  # section from the chapter 011
    assert (second[14], second[18], second[19], second[21]) == (Decimal("1200.50"), Decimal("0.00"),
                                                                 Decimal("1500.00"), "non spécialisé")
    assert first[21] is None
    target = tmp_path / "scdl.csv"
    assert write_scdl_budget(con, target, "budget", chart=chart, publisher_id="montreuil") == 2
    report = frictionless_report(target)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.realdata
def test_montreuil_scdl_export_passes_frictionless(realdata, tmp_path):
    con = duckdb.connect()
    stage_budget_xml(con, realdata / "budget/montreuil-ca-2022-m14/CA_2022.xml")
    assert load_budget_table(con) == 1530
    target = tmp_path / "montreuil-budget-scdl.csv"
    assert write_scdl_budget(con, target, "budget", publisher_id="montreuil") == 1530

    report = frictionless_report(target)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    with open(target, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ORDER and len(rows) == 1530
    assert {r["BGT_NATDEC"] for r in rows} == {"compte administratif"}
    assert {r["BGT_SECTION"] for r in rows} == {"fonctionnement", "investissement"}
    assert {r["BGT_OPBUDG"] for r in rows} == {"réel", "ordre"}
    executed: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        executed[r["BGT_CODRD"]] += Decimal(r["BGT_MTREAL"])
    assert executed == {"dépense": Decimal("293137754.14"), "recette": Decimal("304945666.19")}
    assert all(r["BGT_CONTNAT_LABEL"] and r["BGT_NATURE_LABEL"] and r["BGT_FONCTION_LABEL"] for r in rows)
    operation = next(r for r in rows if r["BGT_OPERATION"] == "20170003")
    assert (operation["BGT_CONTNAT"], operation["BGT_CONTNAT_LABEL"]) == ("2031", "Frais d'études")
