"""Crosswalks to COFOG are data: complete for the codes they claim, valid COFOG codes, and applied
by code prefix or by label without ever hiding a value they do not cover."""

from __future__ import annotations

import csv

import duckdb
import pytest

from etl.errors import InputError
from etl.reference import CROSSWALK_DIR, M14_DIR, assign_cofog, load_crosswalk, read_m14

COFOG_CSV = CROSSWALK_DIR.parent / "cofog" / "cofog.csv"


def crosswalk_rows(name: str) -> list[dict[str, str]]:
    with open(CROSSWALK_DIR / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def cofog_labels() -> dict[str, str]:
    with open(COFOG_CSV, encoding="utf-8", newline="") as fh:
        return {r["Code"]: r["Description_EN"] for r in csv.DictReader(fh)}


@pytest.mark.parametrize("name", ["m14_fonction_to_cofog", "uk_service_to_cofog",
                                  "es_programa_to_cofog"])
def test_crosswalk_codes_are_cofog_codes_with_their_labels(name):
    labels = cofog_labels()
    for row in crosswalk_rows(name):
        assert row["confidence"] in {"high", "medium", "low"}
        if row["cofog_code"]:
            assert labels[row["cofog_code"]] == row["cofog_label"], row
        else:
            assert row["cofog_label"] == "" and row["note"], row  # an explicit gap says why
    con = duckdb.connect()
    load_crosswalk(con, name)  # and the loader's own checks pass
    assert (CROSSWALK_DIR / "SOURCE.md").is_file()


def test_m14_crosswalk_covers_every_function_of_the_chart():
    chart = read_m14(M14_DIR / "plan-de-compte-M14-M14_COM_SUP3500-2022.xml")
    functions = dict(zip(chart.functions.column("function_code").to_pylist(),
                         chart.functions.column("function_label").to_pylist()))
    rows = crosswalk_rows("m14_fonction_to_cofog")
    assert {r["source_code"]: r["source_label"] for r in rows} == functions
    assert all(r["cofog_code"] for r in rows)


def table_of(con, values, field="functional_code", cofog=None):
    con.execute(f"create or replace temp table t ({field} varchar, cofog_code varchar)")
    con.executemany("insert into t values (?, ?)", [(v, cofog) for v in values])


def test_codes_match_exactly_then_by_longest_prefix(tmp_path):
    con = duckdb.connect()
    table_of(con, ["212", "21", "2", "2129", "01", "0", "7777", None])
    con.execute("insert into t values ('113', '03')")  # a code already given is kept
    uncovered = assign_cofog(con, "t", "m14_fonction_to_cofog", "functional_code")
    got = dict(con.execute("select coalesce(functional_code, '-'), cofog_code from t").fetchall())
    assert got == {"212": "09.1", "21": "09.1", "2": "09", "2129": "09.1", "01": "01", "0": "01",
                   "7777": "06.1", "-": None, "113": "03"}
    assert uncovered == 0  # 7777 falls under 7 (housing): M14 functions nest by prefix


def test_an_explicit_gap_is_not_filled_from_a_parent(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("source_code,cofog_code,note\n2,09,education\n25,,no single function\n", encoding="utf-8")
    con = duckdb.connect()
    table_of(con, ["251", "21", "9"])
    assert assign_cofog(con, "t", path, "functional_code") == 1  # 9 is not covered at all
    assert dict(con.execute("select functional_code, cofog_code from t").fetchall()) == \
        {"251": None, "21": "09", "9": None}


def test_labels_match_ignoring_case_spaces_and_punctuation():
    con = duckdb.connect()
    table_of(con, ["ADULT SOCIAL CARE", "Childrens Services", "children's social care",
                   "Environment & Neighbourhoods", "Other services", "Parish Councils"], field="department")
    uncovered = assign_cofog(con, "t", "uk_service_to_cofog", "department")
    assert dict(con.execute("select department, cofog_code from t").fetchall()) == {
        "ADULT SOCIAL CARE": "10", "Childrens Services": "10.4", "children's social care": "10.4",
        "Environment & Neighbourhoods": "05", "Other services": None, "Parish Councils": None}
    assert uncovered == 1  # Parish Councils: unknown; Other services: known, deliberately unmapped


@pytest.mark.parametrize("text, message", [
    ("source_code,cofog_code\n1,1.1\n", "not a COFOG code"),
    ("source_code,cofog_code\n1,01\n1,02\n", "mapped twice"),
    ("source_label,cofog_code\nParks,08\nPARKS,08.1\n", "mapped twice"),
    ("code,cofog\n1,01\n", "needs a cofog_code column"),
])
def test_bad_crosswalks_are_refused(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_crosswalk(duckdb.connect(), path)


@pytest.mark.realdata
def test_every_leeds_service_label_is_in_the_uk_crosswalk(realdata):
    labels = set()
    for path in sorted((realdata / "spending/leeds-monthly-fy2012-13").glob("*.csv")):
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip().replace(" ", "").lower() for h in next(reader)]
            i = header.index("servicelabel")
            labels |= {row[i].strip() for row in reader if len(row) > i and row[i].strip()}
    assert len(labels) == 13
    con = duckdb.connect()
    table_of(con, sorted(labels), field="department")
    assert assign_cofog(con, "t", "uk_service_to_cofog", "department") == 0
    assert con.execute("select count(*) from t where cofog_code is null").fetchone() == (0,)
