"""fieldsql judges every cell as frictionless-py's own field readers do: same type errors, same
constraint failures, on thousands of awkward strings (Unicode digits and spaces, underscores,
exponents, NaN, 31 February, ISO week dates, ...)."""

from __future__ import annotations

import random
import sys
import unicodedata

import duckdb
import frictionless
import pytest

from etl.validate.fieldsql import FieldRules, SchemaNotSupported
from etl.validate.pyre import ND_ZEROS, PY_WHITESPACE, python_match_sql, python_regex_to_re2

RNG = random.Random(20240501)


def fuzz(alphabet: list[str], n: int = 300, maxlen: int = 12) -> list[str]:
    return ["".join(RNG.choice(alphabet) for _ in range(RNG.randint(0, maxlen))) for _ in range(n)]


NUMBERS = fuzz(list("0123456789") * 3 + list("+-._eE ,") + ["\u00a0", "\u0661", "\uff11", "inf", "nan",
                                                          "Infinity", "s", "x", "_", "$", "\n"]) + [
    "1", "-1", "+1", "007", "1_000", "1__0", "1e5", "NaN", "-inf", "1.", ".5", "1,234.5", "1,2,3", "", " ",
    "١٢٣", "12 ", " 12", "1e400", "12345678901234567890123", "0.1234567890123456789", "-0"]  # sNaN is left out: it makes frictionless itself raise InvalidOperation
DATES = fuzz(list("0123456789") * 4 + list("-- /:T") + ["\u0661", "Jan", "feb", "OCT", "Sept"]) + [
    "2020-01-01", "2020-1-5", "2020-01- 5", "0000-01-01", "2020-02-30", "2020-02-29", "2021-02-29",
    "٢٠٢٠-01-05", "2020-01-1٥", "20-Oct-2012", "5-oct-12", "29-Feb-2021", "05-MAY-2024"] + [
    f"{RNG.randint(0, 2100):04d}-{RNG.randint(0, 13):02d}-{RNG.randint(0, 32):02d}" for _ in range(200)]
DATETIMES = [f"{RNG.randint(0, 2100):04d}-{RNG.randint(0, 13):02d}-{RNG.randint(0, 32):02d}{RNG.choice('T x')}"
             f"{RNG.randint(0, 25):02d}:{RNG.randint(0, 61):02d}:{RNG.randint(0, 61):02d}"
             f"{RNG.choice(['', '.5', ',123456789', 'Z', '+01:00', '-0530', '+24', '+00:60', '+23:59'])}"
             for _ in range(300)] + [
    "2020-W01-1T12:00:00", "2020-W53-7T12:00:00", "2021-W53-1T12:00:00", "20200101T1200+01:00",
    "2020-01-01T12+01:00", "2020-123T1200+01:00", "2020W011T1200+01:00", "2020-01-01T24:00:00",
    "9999-12-31T24:00:00", "2020-01-01", "2020-01-01T12:00"] + fuzz(list("0123456789") * 4 + list("-:T.,+Z W"),
                                                                   maxlen=22)
TIMES = [f"{RNG.randint(0, 25):02d}:{RNG.randint(0, 61):02d}:{RNG.randint(0, 61):02d}"
         f"{RNG.choice(['', '.5', 'Z', '+01:00', '-0530', '+24'])}" for _ in range(200)] + [
    "12+01:00", "24:00:00", "24:00:01", "12:00"]
TEXTS = fuzz(list("abcAB12 -_.") + ["é", "\n", "ß", "١"], maxlen=8)
BOOLEANS = fuzz(["true", "True", "TRUE", "1", "0", "false", "yes", "", " "], maxlen=2)

CASES = [
    ({"type": "integer"}, NUMBERS),
    ({"type": "integer", "bareNumber": False}, NUMBERS),
    ({"type": "integer", "constraints": {"minimum": 0, "maximum": 100, "enum": [1, 5, 50, "7"]}}, NUMBERS),
    ({"type": "number"}, NUMBERS),
    ({"type": "number", "groupChar": ","}, NUMBERS),
    ({"type": "number", "decimalChar": ",", "groupChar": " "}, NUMBERS),
    ({"type": "number", "bareNumber": False}, NUMBERS),
    ({"type": "number", "floatNumber": True}, NUMBERS),
    ({"type": "number", "constraints": {"minimum": 0, "maximum": 1000.5, "enum": [1, 2.5, "3", 100]}}, NUMBERS),
    ({"type": "year", "constraints": {"minimum": 2000}}, NUMBERS),
    ({"type": "yearmonth"}, NUMBERS + ["2020-01", "2020-13", " 2020 - 5 ", "-2020-01", "2020-1_2"]),
    ({"type": "boolean"}, BOOLEANS),
    ({"type": "boolean", "trueValues": ["yes", "1"], "falseValues": ["no", "1"], "constraints": {"enum": [True]}},
     BOOLEANS),
    ({"type": "date"}, DATES),
    ({"type": "date", "constraints": {"minimum": "2000-01-01", "maximum": "2020-12-31"}}, DATES),
    ({"type": "date", "format": "%d-%b-%Y"}, DATES + [
        f"{RNG.randint(0, 32):02d}-{RNG.choice(['Jan', 'FEB', 'mar', 'Sept', 'xyz', 'oct'])}-{RNG.randint(0, 2100):04d}"
        for _ in range(300)]),
    ({"type": "date", "format": "%d/%m/%y"}, [f"{RNG.randint(0, 32)}/{RNG.randint(0, 13):02d}/{RNG.randint(0, 99):02d}"
                                             for _ in range(300)]),
    ({"type": "datetime"}, DATETIMES),
    ({"type": "datetime", "format": "%d/%m/%Y %H:%M"}, [
        f"{RNG.randint(0, 32):02d}/{RNG.randint(0, 13):02d}/{RNG.randint(0, 2100):04d} "
        f"{RNG.randint(0, 25):02d}:{RNG.randint(0, 61):02d}" for _ in range(300)]),
    ({"type": "time"}, TIMES),
    ({"type": "string", "constraints": {"required": True, "minLength": 2, "maxLength": 5,
                                        "pattern": "[a-z]+\\d?", "enum": ["ab", "abc", "a1", "ß"]}},
     TEXTS + ["ab", "abc", "a1", "ß", "ab\n"]),
    ({"type": "string", "constraints": {"pattern": "a|b"}}, TEXTS),
    ({"type": "string", "constraints": {"pattern": "\\w+\\s\\d"}}, TEXTS),
    ({"type": "string", "constraints": {"pattern": "[0-9]{2}(\\.[0-9](\\.[0-9])?)?"}},
     fuzz(list("0123456789.\n"), maxlen=8)),
    ({"type": "string", "format": "uuid"}, fuzz(list("0123456789abcdefABCDEF-{}_ x+"), maxlen=40) + [
        "2bc1c94f-0deb-43e9-92a1-4775189ec9f8", "2bc1c94f0deb43e992a14775189ec9f8",
        "{2bc1c94f-0deb-43e9-92a1-4775189ec9f8}", "urn:uuid:2bc1c94f-0deb-43e9-92a1-4775189ec9f8"]),
    ({"type": "string", "format": "binary"}, fuzz(list("ABCabc+/=019 !é"), maxlen=12) + ["aGVsbG8=", "aGVsbG8", "YQ=="]),
    ({"type": "any", "constraints": {"required": True, "enum": ["a", 1]}}, TEXTS + ["1", "a"]),
    ({"type": "integer", "missingValues": ["", "NA", "-"], "constraints": {"required": True}},
     NUMBERS + ["NA", "-", "n/a"]),
]


def frictionless_judge(descriptor: dict, cells: list[str]) -> list[tuple[bool, tuple[str, ...]]]:
    schema = frictionless.Schema.from_descriptor({"fields": [descriptor]})
    reader = schema.fields[0].create_cell_reader()
    out = []
    for cell in cells:
        _, notes = reader(cell)
        notes = notes or {}
        out.append(("type" in notes, tuple(sorted(k for k in notes if k != "type"))))
    return out


def sql_judge(con, descriptor: dict, cells: list[str]) -> tuple[list, list[bool]]:
    rules = FieldRules(descriptor)
    con.execute("create or replace temp table cells as select unnest(?::varchar[]) as c, "
                "generate_subscripts(?::varchar[], 1) as i", [cells, cells])
    extra = {"double": rules.double_value("c"), "nan": rules.is_nan("c")} if rules.type == "number" else {}
    fails = rules.constraint_failures("v", rules.missing("c"), **extra)
    cols = ", ".join(f"coalesce({cond}, false) and not te" for _, cond in fails) or "null"
    rows = con.execute(f"select te, {rules.failure_sql('c')} as f, {cols} from "
                       f"(select c, i, {rules.value('c')} as v, {rules.type_error('c')} as te from cells) "
                       f"order by i").fetchall()
    names = [n for n, _ in fails]
    judged = [(bool(r[0]), tuple(sorted(n for n, x in zip(names, r[2:]) if x))) for r in rows]
    return judged, [bool(r[1]) for r in rows]


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


@pytest.mark.parametrize("descriptor, cells", CASES, ids=[
    f"{d['type']}-{d.get('format', '')}-{i}" for i, (d, _) in enumerate(CASES)])
def test_cells_are_judged_as_frictionless_judges_them(con, descriptor, cells):
    descriptor = {"name": "x", **descriptor}
    expected = frictionless_judge(descriptor, cells)
    judged, failure = sql_judge(con, descriptor, cells)
    wrong = [(c, e, j) for c, e, j in zip(cells, expected, judged) if e != j]
    assert not wrong, wrong[:10]
    # the fast combined test says "something is wrong" exactly when some check fails
    assert failure == [te or bool(cs) for te, cs in expected]


def test_every_case_has_both_outcomes(con):
    """No case in the table above is vacuous: each has cells that pass and cells that fail."""
    for descriptor, cells in CASES:
        outcomes = {te or bool(cs) for te, cs in frictionless_judge({"name": "x", **descriptor}, cells)}
        assert outcomes == {True, False}, descriptor


@pytest.mark.parametrize("descriptor", [
    {"type": "string", "format": "email"}, {"type": "string", "format": "uri"}, {"type": "date", "format": "any"},
    {"type": "geopoint"}, {"type": "duration"}, {"type": "object"}, {"type": "date", "format": "%G-W%V-%u"},
    {"type": "integer", "constraints": {"minLength": 2}}, {"type": "string", "constraints": {"pattern": "(a)\\1"}},
    {"type": "string", "constraints": {"pattern": "a(?=b)"}},
])
def test_rules_sql_cannot_mirror_are_refused_not_guessed(descriptor):
    with pytest.raises(SchemaNotSupported):
        rules = FieldRules({"name": "x", **descriptor})
        rules.failure_sql("c")
        rules.constraint_failures("v", "false")


@pytest.mark.parametrize("pattern, text, expected", [
    ("a|b", "abc", True),          # Python's match: '^a|b$' is '^a' or 'b$'
    ("a|b", "xb", False),
    ("[0-9]{2}", "12\n", True),    # '$' also matches before a final newline
    ("\\d+", "١٢", True),           # \d is any Unicode digit in Python
    ("x{,2}", "xx", True),         # {,n} is {0,n} in Python
    ("a{b", "a{b", True),          # a brace that is no quantifier is a literal
    ("\\s", "\u00a0", True),
])
def test_python_patterns_keep_their_meaning_in_re2(con, pattern, text, expected):
    import re
    assert bool(re.match("^" + pattern + "$", text)) is expected
    assert con.execute(f"select {python_match_sql('?', '^' + pattern + '$')}", [text]).fetchone()[0] is expected


def test_unicode_tables_match_this_python():
    assert PY_WHITESPACE == [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    digits = [c for c in range(0x80, sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Nd"]
    assert digits == [z + k for z in ND_ZEROS for k in range(10)]


def test_translation_refuses_what_re2_cannot_run():
    for pattern in ("(?<=a)b", "(?P<x>a)(?P=x)", "a++", "[\\S]"):
        with pytest.raises(SchemaNotSupported):
            python_regex_to_re2(pattern)
