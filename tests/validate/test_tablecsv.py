"""Differential test: spendpub's SQL validator and frictionless-py find the same errors.

A corpus of small invalid files, written by the tests, covers every constraint and every error
type (cell, row, header, foreign key, file), awkward CSV (blank lines, cells spanning lines,
quotes next to blanks, CR-only lines, a Windows-1252 file, a sniffed `;` dialect) and the error
limit. Each file goes through `frictionless` (its Python API, limit_errors as given) and through
`validate_table`; the multisets of (type, rowNumber, fieldName) must be equal, and so must the
order, which decides what a limit keeps.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from pathlib import Path

import frictionless
import pytest

from etl import engine
from etl.validate.tablecsv import validate_package_resource, validate_table

CODES = [{"name": "code", "type": "string"}, {"name": "label", "type": "string"}]
CODES_CSV = "code,label\nA,Alpha\nB,Beta\n01.1,Exec\n"


def frictionless_errors(path: Path, schema: dict, limit: int | None, refs: dict | None = None) -> list[tuple]:
    base = str(path.parent)
    resource = frictionless.Resource(path=path.name, name="data", basepath=base,
                                     schema=frictionless.Schema.from_descriptor(schema))
    if refs:
        others = [frictionless.Resource(path=Path(p).name, name=n, basepath=base,
                                        schema=frictionless.Schema.from_descriptor(s)) for n, (p, s) in refs.items()]
        report = frictionless.Package(resources=[resource, *others], basepath=base).validate(
            name="data", limit_errors=limit or 10**9)
    else:
        report = resource.validate(limit_errors=limit or 10**9)
    return [(t, r, f or None) for t, r, f in report.flatten(["type", "rowNumber", "fieldName"])]


@pytest.fixture(scope="module")
def con():
    c = engine.connect()   # as the validator opens its own
    yield c
    c.close()


def check(con, tmp_path: Path, name: str, content: str | bytes, schema: dict, *, limit: int | None = None,
          refs: dict | None = None, force_python: bool = False, method: str | None = None):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    expected = frictionless_errors(path, schema, limit, refs)
    report = validate_table(path, schema, limit_errors=limit, references=refs, name="data", con=con,
                            force_python=force_python)
    found = [e.key() for e in report.errors]
    assert Counter(found) == Counter(expected), (
        f"only frictionless: {sorted((Counter(expected) - Counter(found)).elements(), key=str)}; "
        f"only ours: {sorted((Counter(found) - Counter(expected)).elements(), key=str)}")
    assert found == expected, "same errors, but not in frictionless' order"
    if method:
        assert report.method == method
    return report


def types_of(report) -> set[str]:
    return {e.type for e in report.errors}


S = {"fields": [
    {"name": "id", "type": "integer", "constraints": {"required": True, "unique": True, "minimum": 1}},
    {"name": "name", "type": "string", "constraints": {"minLength": 2, "maxLength": 8, "pattern": "[A-Z].*"}},
    {"name": "amount", "type": "number", "groupChar": ",", "constraints": {"maximum": 1000}},
    {"name": "paid", "type": "date", "format": "%d/%m/%Y"},
    {"name": "code", "type": "string", "constraints": {"enum": ["A", "B", "01.1"]}},
    {"name": "flag", "type": "boolean"},
], "primaryKey": ["id"]}
HEADER = "id,name,amount,paid,code,flag\n"


def test_every_cell_and_row_error(con, tmp_path):
    body = ("1,Alpha,10,01/05/2024,A,true\n"
            "0,x,\"1,500.5\",31/02/2024,C,maybe\n"   # minimum, minLength+pattern, maximum, type, enum, type
            "2,alpha,abc,1/5/2024,B,1\n"              # pattern, type (amount)
            "2,Averylongname,5,01/05/2024,A,0\n"      # unique + primary key, maxLength
            ",Bravo,5,01/05/2024,A,false\n"           # required; primary key all None
            "3,Bravo\n"                               # missing cells
            "4,Bravo,5,01/05/2024,A,true,extra,more\n"  # extra cells
            "\n"                                      # blank row (an empty line)
            ",,,,,\n"                                 # blank row (only delimiters)
            "x5,Delta,5,01/05/2024,B,TRUE\n")         # type error on the key
    report = check(con, tmp_path, "cells.csv", HEADER + body, S)
    assert types_of(report) == {"constraint-error", "type-error", "unique-error", "primary-key",
                                "missing-cell", "extra-cell", "blank-row"}


@pytest.mark.parametrize("field, cells", [
    ({"type": "integer", "constraints": {"minimum": 1, "maximum": 9, "enum": [1, 2, 3, 9]}}, ["1", "0", "10", "4", "x", " 2", "+3"]),
    ({"type": "number", "decimalChar": ",", "groupChar": "."}, ["1.234,5", "1,5", "1.5", "x", "NaN"]),
    ({"type": "year", "constraints": {"minimum": 2000}}, ["2024", "1999", "24", "abcd"]),
    ({"type": "yearmonth", "constraints": {"maximum": "2024-12"}}, ["2024-05", "2025-01", "2024-13", "2024"]),
    ({"type": "datetime"}, ["2024-05-01T10:00:00", "2024-05-01 10:00:00Z", "2024-05-01", "2024-05-01T25:00:00"]),
    ({"type": "time"}, ["10:00:00", "10:00", "24:00:00", "25:00:00"]),
    ({"type": "string", "format": "uuid"}, ["2bc1c94f-0deb-43e9-92a1-4775189ec9f8", "not-a-uuid"]),
    ({"type": "string", "format": "binary"}, ["aGVsbG8=", "a"]),
    ({"type": "boolean", "trueValues": ["Y"], "falseValues": ["N"]}, ["Y", "N", "true"]),
    ({"type": "date", "constraints": {"minimum": "2024-01-01", "enum": ["2024-05-01", "2023-01-01"]}},
     ["2024-05-01", "2023-01-01", "2024-05-02", "2024-5-1"]),
    ({"type": "any", "constraints": {"required": True, "enum": ["a"]}}, ["a", "b", ""]),
])
def test_each_type_and_constraint(con, tmp_path, field, cells):
    schema = {"fields": [{"name": "v", **field}]}
    report = check(con, tmp_path, f"{field['type']}.csv", "v\n" + "\n".join(f'"{c}"' for c in cells) + "\n", schema)
    assert report.errors


def test_missing_values_and_required(con, tmp_path):
    schema = {"fields": [{"name": "a", "type": "integer", "constraints": {"required": True}},
                         {"name": "b", "type": "string", "missingValues": ["-"], "constraints": {"required": True}}],
              "missingValues": ["", "NA"]}
    check(con, tmp_path, "mv.csv", "a,b\nNA,-\n1,NA\n,x\n2,\n", schema)


@pytest.mark.parametrize("header", [
    "id,name,amount,paid,code,flag,extra1,extra2\n",   # extra labels
    "id,name,amount\n",                                 # missing labels
    "id,,amount,paid,code,flag\n",                      # blank label
    "id,name,name,paid,code,flag\n",                    # duplicate label
    "id,nom,montant,paid,code,flag\n",                  # incorrect labels
])
def test_header_errors(con, tmp_path, header):
    report = check(con, tmp_path, "header.csv", header + "1,Alpha,10,01/05/2024,A,true,x,y\n", S)
    assert any(e.type.endswith("-label") for e in report.errors)


def test_foreign_keys_to_a_code_list_and_to_the_file_itself(con, tmp_path):
    (tmp_path / "codes.csv").write_text(CODES_CSV, encoding="utf-8")
    schema = {"fields": [{"name": "id", "type": "string"}, {"name": "code", "type": "string"},
                         {"name": "parent", "type": "string"}],
              "foreignKeys": [{"fields": "code", "reference": {"resource": "codes", "fields": "code"}},
                              {"fields": ["parent"], "reference": {"resource": "", "fields": ["id"]}}]}
    refs = {"codes": (tmp_path / "codes.csv", {"fields": CODES})}
    report = check(con, tmp_path, "fk.csv", "id,code,parent\nr1,A,\nr2,Z,r1\nr3,,r9\nr4,01.1,r2\n", schema, refs=refs)
    assert types_of(report) == {"foreign-key"}


def test_rows_are_records_and_lines_are_lines(con, tmp_path):
    """rowNumber counts records (a cell spanning lines is one row, an empty line is one); `line`
    is where the record starts in the file."""
    (tmp_path / "codes.csv").write_text(CODES_CSV, encoding="utf-8")
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "note", "type": "string"},
                         {"name": "code", "type": "string"}],
              "foreignKeys": [{"fields": "code", "reference": {"resource": "codes", "fields": "code"}}]}
    refs = {"codes": (tmp_path / "codes.csv", {"fields": CODES})}
    text = 'id,note,code\n1,"two\nlines",A\n\nx,"three\n\nlines",B\n\n\n4,ok,Q\nnope,ok,A\n'
    report = check(con, tmp_path, "lines.csv", text, schema, refs=refs, method="duckdb")
    by_row = {(e.type, e.row): e.line for e in report.errors}
    assert by_row[("type-error", 4)] == 5 and by_row[("foreign-key", 7)] == 10 and by_row[("type-error", 8)] == 11


@pytest.mark.parametrize("name, content, method", [
    ("risky.csv", 'id,name,amount,paid,code,flag\n1, "Alpha",10,01/05/2024,A,true\n2,"Bravo" ,x,01/05/2024,A,1\n',
     "python"),
    ("cr.csv", "id,name,amount,paid,code,flag\r1,Alpha,10,01/05/2024,A,true\r2,b,x,01/05/2024,A,1\r", "python"),
    ("unbalanced.csv", 'id,name,amount,paid,code,flag\n1,Alpha,10,01/05/2024,A,true\n2,"Bravo,x,1,A,1\n', "python"),
    ("crlf.csv", "id,name,amount,paid,code,flag\r\n1,Alpha,10,01/05/2024,A,true\r\n\r\n2,b,x,01/05/2024,A,1\r\n",
     "duckdb"),
    ("semicolon.csv", "id;name;amount;paid;code;flag\n1;Alpha;10;01/05/2024;A;true\n2;b;x;01/05/2024;Z;1\n", "duckdb"),
    ("bom.csv", "\ufeffid,name,amount,paid,code,flag\n1,Alpha,10,01/05/2024,A,true\n2,b,1,1,A,1\n", "duckdb"),
])
def test_awkward_files_read_as_python_reads_them(con, tmp_path, name, content, method):
    check(con, tmp_path, name, content, S, method=method)


def test_a_line_longer_than_duckdbs_default_buffer(con, tmp_path):
    """The fast parallel read sizes DuckDB's buffers for ordinary lines; a 3 MB cell makes it read
    again with the longest line the scan measured, still with DuckDB and still exact."""
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "note", "type": "string",
                                                              "constraints": {"maxLength": 10}}]}
    text = "id,note\n1,short\n2," + "x" * 3_000_000 + "\nthree,ok\n"
    report = check(con, tmp_path, "long.csv", text, schema, method="duckdb")
    assert {(e.type, e.row) for e in report.errors} == {("constraint-error", 3), ("type-error", 4)}


def test_a_windows_1252_file(con, tmp_path):
    text = HEADER + "1,Caf\u00e9s,10,01/05/2024,A,true\n2,R\u00e9sum\u00e9s ltd,5,01/05/2024,B,1\n" * 30
    check(con, tmp_path, "cp1252.csv", text.encode("cp1252"), S)


def test_python_reading_gives_the_same_answer(con, tmp_path):
    body = "1,Alpha,10,01/05/2024,A,true\n\n2,\"x\ny\",abc,31/02/2024,C,maybe\n2,Bravo\n,,,,,\n"
    fast = check(con, tmp_path, "fast.csv", HEADER + body, S, method="duckdb")
    slow = check(con, tmp_path, "slow.csv", HEADER + body, S, force_python=True, method="python")
    assert [(e.key(), e.line) for e in fast.errors] == [(e.key(), e.line) for e in slow.errors]


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 6, 9, 12])
def test_the_error_limit_cuts_where_frictionless_cuts(con, tmp_path, limit):
    body = ("0,x,\"1,500.5\",31/02/2024,C,maybe\n"
            "1,Alpha,10,01/05/2024,A,true\n1,Alpha,10,01/05/2024,A,true\n"   # unique + primary key come late
            ",,,,,\n3,Bravo\n")
    report = check(con, tmp_path, f"limit{limit}.csv", HEADER + body, S, limit=limit)
    assert len(report.errors) == limit and report.partial


def test_schema_level_refusals_and_empty_files(con, tmp_path):
    v2 = {"$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
          "fields": [{"name": "a", "type": "integer", "constraints": {"exclusiveMinimum": 1}}]}
    assert types_of(check(con, tmp_path, "ex.csv", "a\n1\n", v2)) == {"field-error"}
    assert types_of(check(con, tmp_path, "empty.csv", "", S)) == {"source-error"}
    assert check(con, tmp_path, "header-only.csv", HEADER, S).errors == []


def test_a_package_resource_like_the_frictionless_command(tmp_path):
    (tmp_path / "codes.csv").write_text(CODES_CSV, encoding="utf-8")
    (tmp_path / "data.csv").write_text("id,code\n1,A\n2,Z\n", encoding="utf-8")
    import json
    (tmp_path / "datapackage.json").write_text(json.dumps({"name": "p", "resources": [
        {"name": "data", "path": "data.csv", "schema": {
            "fields": [{"name": "id", "type": "integer"}, {"name": "code", "type": "string"}],
            "foreignKeys": [{"fields": "code", "reference": {"resource": "codes", "fields": "code"}}]}},
        {"name": "codes", "path": "codes.csv", "schema": {"fields": CODES}}]}), encoding="utf-8")
    report = validate_package_resource(tmp_path / "datapackage.json", "data")
    expected = frictionless.validate(str(tmp_path / "datapackage.json"), resource_name="data")
    assert [e.key() for e in report.errors] == [
        (t, r, f or None) for t, r, f in expected.flatten(["type", "rowNumber", "fieldName"])] == [
        ("foreign-key", 3, None)]


POOLS = {
    "integer": ["1", "2", "3", "42", "-7", "x", "1.5", "", " 4 ", "1_000", "007", "+3"],
    "number": ["1.5", "2", "-0.5", "1e3", "abc", "", "NaN", "1,5", "3.25", "Infinity", "0"],
    "string": ["Alpha", "beta", "Gamma", "", "x", "Zeta zeta", "ÉCOLE", "a\nb", "A,b", 'q"uote'],
    "date": ["2020-01-01", "2020-02-30", "2020-1-5", "01/02/2020", "", "2021-12-31", "0000-01-01"],
    "boolean": ["true", "false", "1", "0", "yes", "", "True"],
    "year": ["2020", "1999", "20", "abcd", "", "0000", " 202"],
}
CONSTRAINTS = {
    "integer": [{"minimum": 0}, {"maximum": 10}, {"enum": [1, 2, 3]}, {"required": True}, {"unique": True}],
    "number": [{"minimum": 0}, {"maximum": 100}, {"enum": [1.5, 2]}, {"required": True}, {"unique": True}],
    "string": [{"minLength": 2}, {"maxLength": 5}, {"pattern": "[A-Z].*"}, {"enum": ["Alpha", "beta"]},
               {"required": True}, {"unique": True}],
    "date": [{"minimum": "2020-01-01"}, {"maximum": "2020-12-31"}, {"required": True}, {"unique": True}],
    "boolean": [{"enum": [True]}, {"required": True}],
    "year": [{"minimum": 2000}, {"required": True}],
}


def random_case(rng: random.Random) -> tuple[str, dict, int | None]:
    n = rng.randint(1, 5)
    types = [rng.choice(list(POOLS)) for _ in range(n)]
    fields = []
    for j, t in enumerate(types):
        c: dict = {}
        for _ in range(rng.randint(0, 2)):
            c.update(rng.choice(CONSTRAINTS[t]))
        fields.append({"name": f"f{j}", "type": t, **({"constraints": c} if c else {})})
    schema: dict = {"fields": fields}
    if rng.random() < 0.3:
        schema["primaryKey"] = [f["name"] for f in rng.sample(fields, rng.randint(1, min(2, n)))]
    if rng.random() < 0.15:
        schema["missingValues"] = ["", "NA"]
    labels = [f["name"] for f in fields]
    r = rng.random()
    if r < 0.05:
        labels.append("extra")
    elif r < 0.1 and n > 1:
        labels.pop()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"]))
    writer.writerow(labels)
    for _ in range(rng.randint(0, 20)):
        row = [rng.choice(POOLS[t] + ["NA"]) for t in types]
        k = rng.random()
        if k < 0.05:
            row.append("x")
        elif k < 0.1:
            row = row[:rng.randint(0, len(row))]
        elif k < 0.13:
            row = [""] * len(row)
        writer.writerow(row)
        if rng.random() < 0.05:
            out.write("\n")
    return out.getvalue(), schema, rng.choice([None, None, None, 1, 3, 10])


def test_random_files_agree(con, tmp_path):
    rng = random.Random(8128)
    for i in range(40):
        text, schema, limit = random_case(rng)
        check(con, tmp_path, f"random{i}.csv", text, schema, limit=limit)
