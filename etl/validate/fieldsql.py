"""Table Schema fields as SQL: frictionless-py's cell readers and constraint checks, set-based.

For one field descriptor, `FieldRules` writes DuckDB SQL expressions over a cell's text (VARCHAR,
NULL when the cell is absent from its row):

- `missing(cell)`: the cell is one of the schema's missingValues (or absent);
- `value(cell)`: the typed value, NULL when missing or unreadable;
- `type_error(cell)`: present, but not a value of the field's type and format;
- `constraint_failures(value, missing)`: one SQL condition per constraint the value breaks.

Every rule follows frictionless-py 5 (`frictionless/fields/*.py`, `schema/field.py`), Python's own
`int()`, `Decimal()`, `str.strip()`, `re.match()` and `datetime.strptime()` included, so that the
same cells are judged the same way. The constraint half is also used on the pipeline's typed
stg_ table, where `value` is a typed column.

Numbers are compared as DECIMAL(38,18): exact up to 20 integer digits and 18 decimals; beyond
that (or for infinities) the comparison falls back to DOUBLE. Types and formats this module cannot
judge exactly (string email/uri/wkt, any-format dates, duration, geo, object, array, list) raise
SchemaNotSupported rather than guess.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..sqltext import quote_literal
from .datetimesql import iso_datetime_value, iso_time_value, strptime_fast, strptime_plan, strptime_value
from .pyre import ND, ND_BODY, NOT_ND, WS, SchemaNotSupported, ascii_digits, py_strip, python_match_sql

DEFAULT_MISSING_VALUES = ("",)
DEFAULT_TRUE_VALUES = ("true", "True", "TRUE", "1")
DEFAULT_FALSE_VALUES = ("false", "False", "FALSE", "0")
NUMBER_SQL = "DECIMAL(38,18)"

BOUNDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
_ORDERED = ["required", *BOUNDS, "enum"]
SUPPORTED_CONSTRAINTS = {
    "any": ["required", "enum"],
    "string": ["required", "minLength", "maxLength", "pattern", "enum"],
    "integer": _ORDERED,
    "number": _ORDERED,
    "boolean": ["required", "enum"],
    "date": _ORDERED,
    "datetime": _ORDERED,
    "time": _ORDERED,
    "year": _ORDERED,
    "yearmonth": _ORDERED,
}

# Python's int() lexeme, once stripped: sign, decimal digits (any script), single underscores between.
INT_RE = f"[+-]?{ND}(_?{ND})*"
# Decimal() lexeme, once stripped and rid of every underscore (C decimal drops them all).
DECIMAL_RE = f"(?i)[+-]?(({ND}+(\\.{ND}*)?|\\.{ND}+)(e[+-]?{ND}+)?|inf(inity)?|s?nan{ND}*)"
# float() lexeme, once stripped: underscores only between digits, no NaN payload.
_DIG = f"{ND}(_?{ND})*"
FLOAT_RE = f"(?i)[+-]?(({_DIG}(\\.({_DIG})?)?|\\.{_DIG})(e[+-]?{_DIG})?|inf(inity)?|nan)"


def missing_values_of(entries: Any) -> tuple[str, ...]:
    """missingValues as plain strings (Data Package v2 also allows {value, label} objects)."""
    if entries is None:
        return DEFAULT_MISSING_VALUES
    return tuple(e["value"] if isinstance(e, dict) else e for e in entries)


def _in_list(expr: str, values: list[str]) -> str:
    if not values:
        return "false"
    return f"{expr} in ({', '.join(quote_literal(v) for v in values)})"


@dataclass
class FieldRules:
    """The SQL that reads and checks one Table Schema field, as frictionless-py does."""

    descriptor: dict[str, Any]
    schema_missing_values: tuple[str, ...] = DEFAULT_MISSING_VALUES
    name: str = field(init=False)
    type: str = field(init=False)
    format: str = field(init=False)
    constraints: dict[str, Any] = field(init=False)
    missing_values: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        d = self.descriptor
        self.name = d["name"]
        self.type = d.get("type") or "string"
        fmt = d.get("format") or "default"
        self.format = fmt.removeprefix("fmt:") if isinstance(fmt, str) else fmt
        self.constraints = dict(d.get("constraints") or {})
        self.missing_values = (missing_values_of(d["missingValues"]) if "missingValues" in d
                               else self.schema_missing_values)
        if self.type not in SUPPORTED_CONSTRAINTS:
            raise SchemaNotSupported(f"field {self.name!r}: type {self.type!r} is not supported by the SQL "
                                     f"validator (supported: {', '.join(SUPPORTED_CONSTRAINTS)})")
        allowed = SUPPORTED_CONSTRAINTS[self.type] + ["unique"]
        for name in self.constraints:
            if name not in allowed:
                raise SchemaNotSupported(f"field {self.name!r}: constraint {name!r} is not allowed for type "
                                         f"{self.type!r} (frictionless rejects such a schema)")
        self._check_format()

    # ---------------------------------------------------------------- reading

    def _check_format(self) -> None:
        t, f = self.type, self.format
        if t == "string" and f not in ("default", "uuid", "binary"):
            raise SchemaNotSupported(f"field {self.name!r}: string format {f!r} is not supported by the SQL "
                                     "validator (supported: default, uuid, binary)")
        if t in ("date", "datetime", "time") and f == "any":
            raise SchemaNotSupported(f"field {self.name!r}: {t} format 'any' (dateutil's guessing parser) "
                                     "is not supported by the SQL validator")
        if t in ("date", "datetime", "time") and f != "default":
            strptime_plan(f)  # raises for directives we cannot mirror

    def missing(self, cell: str) -> str:
        """SQL: true when the cell is absent or one of the missing values (compared exactly)."""
        return f"({cell} is null or {_in_list(cell, list(self.missing_values))})"

    def _fast_valid(self) -> str | None:
        """SQL ({c} for the cell) true when a cell of the fast shape reads (None: always does)."""
        if self.type in ("date", "datetime") and self._fast() is not None:
            fmt = "%Y-%m-%d" if self.type == "date" and self.format == "default" else self.format
            return f"coalesce(try_strptime({{c}}, {quote_literal(fmt)}) >= TIMESTAMP '0001-01-01', false)"
        return None

    def _fast(self) -> tuple[str, str] | None:
        """(RE2 shape, SQL value) for the plain ASCII shapes most cells have, where DuckDB's own cast
        gives exactly frictionless' answer; other cells take the slow, exact path."""
        t, f, d = self.type, self.format, self.descriptor
        if t == "integer":
            return "[-]?[0-9]{1,18}", "cast(cast({c} as BIGINT) as HUGEINT)"
        if t == "number" and not d.get("floatNumber"):
            group, decimal = d.get("groupChar", ""), d.get("decimalChar", ".")
            if d.get("bareNumber", True) is False or decimal != ".":
                return None
            if group:
                g = re.escape(group)
                shape = f"[-]?[0-9]{{1,3}}({g}[0-9]{{3}})*(\\.[0-9]{{1,18}})?|[-]?[0-9]{{1,20}}(\\.[0-9]{{1,18}})?"
                return shape, f"cast(replace({{c}}, {quote_literal(group)}, '') as {NUMBER_SQL})"
            return "[-]?[0-9]{1,20}(\\.[0-9]{1,18})?", f"cast({{c}} as {NUMBER_SQL})"
        if t == "date" or (t == "datetime" and f != "default"):   # a default datetime is ISO 8601: no fast path
            fast = strptime_fast("%Y-%m-%d" if f == "default" else f)
            if fast is None:
                return None
            shape, duck = fast
            stamp = f"try_strptime({{c}}, {quote_literal(duck)})"
            typed = "DATE" if t == "date" else "TIMESTAMP"
            return shape, f"(case when {stamp} >= TIMESTAMP '0001-01-01' then cast({stamp} as {typed}) end)"
        return None

    def _with_fast(self, cell: str, slow: str) -> str:
        fast = self._fast()
        if fast is None:
            return slow
        shape, value = fast
        return (f"(case when regexp_full_match({cell}, {quote_literal(shape)}) "
                f"then {value.replace('{c}', cell)} else {slow} end)")

    def valid(self, cell: str) -> str:
        """SQL: true when the (present, non-missing) text reads as the field's type."""
        t = self.type
        if t == "any":
            return "true"
        if t == "string":
            if self.format == "uuid":
                return _uuid_valid(cell)
            if self.format == "binary":
                return _base64_valid(cell)
            return "true"
        if t == "number":
            text = self._number_text(cell)
            if self.descriptor.get("floatNumber"):
                slow = f"coalesce(regexp_full_match({py_strip(text)}, {quote_literal(FLOAT_RE)}), false)"
            else:
                slow = (f"coalesce(regexp_full_match(replace({py_strip(text)}, '_', ''), "
                        f"{quote_literal(DECIMAL_RE)}), false)")
            fast = self._fast()
            if fast is None:
                return slow
            return f"(regexp_full_match({cell}, {quote_literal(fast[0])}) or {slow})"
        return f"({self.value(cell)} is not null)"

    def value(self, cell: str) -> str:
        """SQL: the typed value of a cell (NULL when missing or unreadable).

        Types map to: any/string VARCHAR, integer HUGEINT, number DECIMAL(38,18), boolean BOOLEAN,
        date DATE, datetime TIMESTAMP (UTC when the text has an offset), time TIME, year INTEGER,
        yearmonth BIGINT (year * 12 + month - 1, which orders as frictionless' (year, month)).
        """
        return f"(case when {self.missing(cell)} then null else {self._with_fast(cell, self._slow_value(cell))} end)"

    def _slow_value(self, cell: str) -> str:
        t = self.type
        if t in ("any", "string"):
            return f"(case when {self.valid(cell)} then {cell} end)"
        if t == "integer":
            text = self._int_text(cell)
            return (f"(case when regexp_full_match({text}, {quote_literal(INT_RE)}) "
                    f"then try_cast(replace({ascii_digits(text)}, '_', '') as HUGEINT) end)")
        if t == "number":
            return f"(case when {self.valid(cell)} then try_cast({self._number_ascii(cell)} as {NUMBER_SQL}) end)"
        if t == "boolean":
            trues = [v for v in self.descriptor.get("trueValues", DEFAULT_TRUE_VALUES) if isinstance(v, str)]
            falses = [v for v in self.descriptor.get("falseValues", DEFAULT_FALSE_VALUES) if isinstance(v, str)]
            # frictionless fills a dict with the true values, then the false ones: false wins a tie.
            return f"(case when {_in_list(cell, falses)} then false when {_in_list(cell, trues)} then true end)"
        if t == "year":
            text = py_strip(cell)
            number = f"try_cast(replace({ascii_digits(text)}, '_', '') as INTEGER)"
            return (f"(case when length({cell}) = 4 and regexp_full_match({text}, {quote_literal(INT_RE)}) "
                    f"and {number} between 0 and 9999 then {number} end)")
        if t == "yearmonth":
            y = py_strip(f"split_part({cell}, '-', 1)")
            m = py_strip(f"split_part({cell}, '-', 2)")
            yv = f"try_cast(replace({ascii_digits(y)}, '_', '') as BIGINT)"
            mv = f"try_cast(replace({ascii_digits(m)}, '_', '') as BIGINT)"
            ok = (f"length({cell}) - length(replace({cell}, '-', '')) = 1 "
                  f"and regexp_full_match({y}, {quote_literal(INT_RE)}) "
                  f"and regexp_full_match({m}, {quote_literal(INT_RE)}) and {mv} between 1 and 12")
            return f"(case when {ok} then {yv} * 12 + {mv} - 1 end)"
        if t == "date":
            plan = strptime_plan("%Y-%m-%d" if self.format == "default" else self.format)
            return strptime_value(cell, plan, "date")
        if t == "datetime":
            if self.format == "default":
                return iso_datetime_value(cell)
            return strptime_value(cell, strptime_plan(self.format), "datetime")
        if t == "time":
            if self.format == "default":
                return iso_time_value(cell)
            return strptime_value(cell, strptime_plan(self.format), "time")
        raise SchemaNotSupported(f"field {self.name!r}: type {t!r}")

    def type_error(self, cell: str, value: str | None = None) -> str:
        """SQL: true when the cell is present and not missing, but not a value of the type.

        `value`, when given, is the already computed `value(cell)` (a column), which saves reading
        the text again for every type whose value is NULL exactly when it does not read."""
        if value is not None and self.type not in ("any", "string", "number"):
            return f"(not {self.missing(cell)} and {value} is null)"
        return f"(not {self.missing(cell)} and not coalesce({self.valid(cell)}, false))"

    def double_value(self, cell: str) -> str:
        """SQL (numbers only): the value as DOUBLE, for infinities and numbers beyond DECIMAL(38,18)."""
        return f"try_cast({self._number_ascii(cell)} as DOUBLE)"

    def is_none(self, value: str, cell: str) -> str:
        """SQL: true when frictionless' Python value is None (a number can be NaN or infinite while
        its DECIMAL value is NULL)."""
        if self.type == "number":
            return f"({value} is null and {self.double_value(cell)} is null and not coalesce({self.is_nan(cell)}, false))"
        return f"({value} is null)"

    def is_aware(self, cell: str) -> str:
        """SQL (datetime/time, default format): true when the text carries a UTC offset; Python never
        finds an aware value equal to a naive one."""
        return f"regexp_matches({cell}, '([Zz]|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$')"

    def is_nan(self, cell: str) -> str:
        return f"regexp_full_match({self._number_ascii(cell)}, '(?i)[+-]?s?nan[0-9]*')"

    def _int_text(self, cell: str) -> str:
        text = py_strip(cell)
        if self.descriptor.get("bareNumber", True) is False:
            text = _strip_non_digits(text)
        return text

    def _number_text(self, cell: str) -> str:
        """The number's text after frictionless' processor (bareNumber, groupChar, decimalChar)."""
        d = self.descriptor
        text = py_strip(cell)
        if not ({"groupChar", "decimalChar", "bareNumber"} & set(d)):
            return text
        if d.get("bareNumber", True) is False:
            text = _strip_non_digits(text)
        group = d.get("groupChar", "")
        if group:
            text = f"replace({text}, {quote_literal(group)}, '')"
        decimal = d.get("decimalChar", ".")
        if decimal != ".":
            text = (f"(case when contains({text}, '.') then null "
                    f"else replace({text}, {quote_literal(decimal)}, '.') end)")
        return text

    def _number_ascii(self, cell: str) -> str:
        return f"replace({ascii_digits(py_strip(self._number_text(cell)))}, '_', '')"

    # ---------------------------------------------------------------- constraints

    def literal(self, value: Any) -> str | None:
        """SQL for a constraint value read as this field's type (frictionless reads bounds and enum
        items with the field's own value reader); None when it does not read."""
        t = self.type
        if value is None:
            return None
        if t in ("integer", "number", "year") and isinstance(value, (int, float)) and not isinstance(value, bool):
            if t == "integer" and isinstance(value, float) and not value.is_integer():
                return None
            if t == "year" and isinstance(value, float):
                return None
            try:
                dec = Decimal(str(value))
            except InvalidOperation:
                return None
            if t == "number":
                if dec.is_nan():
                    return "'nan'::DOUBLE"
                if dec.is_infinite():
                    return f"'{dec}'::DOUBLE"
                return f"CAST({quote_literal(str(dec))} AS {NUMBER_SQL})"
            if t == "year" and not 0 <= dec <= 9999:
                return None
            return f"CAST({quote_literal(str(int(dec)))} AS {'INTEGER' if t == 'year' else 'HUGEINT'})"
        if t == "boolean" and isinstance(value, bool):
            return "true" if value else "false"
        if not isinstance(value, str):
            return None
        if t in ("any", "string"):
            return quote_literal(value)
        # A textual bound or enum item is read like a cell (missing values aside).
        probe = FieldRules({**self.descriptor, "missingValues": []}, ())
        return f"({probe.value(quote_literal(value))})"

    def constraint_failures(self, value: str, missing: str, *, double: str | None = None,
                            nan: str | None = None) -> list[tuple[str, str]]:
        """(constraint, SQL condition true when it fails) for each constraint, in frictionless' order.

        `value` is the typed value (NULL when missing), `missing` true when the cell is missing;
        `double`/`nan` (numbers read from text) let bounds handle NaN and huge values.
        Conditions assume the cell has no type error.
        """
        c = self.constraints
        out: list[tuple[str, str]] = []
        for name in SUPPORTED_CONSTRAINTS[self.type]:
            if name not in c or c[name] is None:
                continue
            rule = c[name]
            if name == "required":
                if rule:
                    out.append((name, missing))
            elif name in ("minLength", "maxLength"):
                op = "<" if name == "minLength" else ">"
                out.append((name, f"({value} is not null and length({value}) {op} {int(rule)})"))
            elif name == "pattern":
                out.append((name, f"({value} is not null and not {python_match_sql(value, '^' + rule + '$')})"))
            elif name in BOUNDS:
                out.append((name, self._bound_failure(value, BOUNDS[name], rule, double, nan)))
            elif name == "enum":
                out.append((name, self._enum_failure(value, rule, nan, double)))
        return out

    def _bound_failure(self, value: str, op: str, rule: Any, double: str | None, nan: str | None) -> str:
        bound = self.literal(rule)
        if bound is None:
            raise SchemaNotSupported(f"field {self.name!r}: the bound {rule!r} does not read as {self.type} "
                                     "(frictionless fails on such a schema)")
        if self.type == "number" and double is not None:
            exact = f"{value} {op} {bound}"
            approx = f"{double} {op} CAST({bound} AS DOUBLE)"
            ok = f"coalesce({exact}, {approx})"
            return (f"({value} is not null or {double} is not null or coalesce({nan}, false)) and "
                    f"(coalesce({nan}, false) or not coalesce({ok}, true))")
        return f"({value} is not null and not ({value} {op} {bound}))"

    def _enum_failure(self, value: str, items: list[Any], nan: str | None, double: str | None) -> str:
        literals = [lit for lit in (self.literal(v) for v in items) if lit is not None]
        if self.type in ("any", "string"):
            literals = [quote_literal(v) for v in items if isinstance(v, str)]
        present = f"{value} is not null"
        if nan is not None and double is not None:
            present = f"({value} is not null or {double} is not null or coalesce({nan}, false))"
        if not literals:
            return present
        inside = f"{value} in ({', '.join(literals)})"
        if nan is not None:
            return f"({present} and (coalesce({nan}, false) or not coalesce({inside}, false)))"
        return f"({present} and not coalesce({inside}, false))"

    def failure_sql(self, cell: str) -> str:
        """SQL: true when the cell has a type error or breaks any constraint; exactly
        `type_error(cell) or any(constraint_failures(value(cell), ...))`, written for speed: a CASE
        (DuckDB evaluates only the branch a row takes) with the plain-ASCII fast path first, so an
        ordinary cell costs one shape test and one cast."""
        required = "true" if self.constraints.get("required") else "false"
        number = self.type == "number"

        def any_fail(value: str, **extra: str) -> str:
            fails = [f for name, f in self.constraint_failures(value, "false", **extra) if name != "required"]
            return " or ".join(f"coalesce({f}, false)" for f in fails) or "false"

        missing = self.missing(cell)
        if self.type in ("any", "string") and self.format == "default":
            return f"(case when {missing} then {required} else ({any_fail(cell)}) end)"
        slow_extra = {"double": self.double_value(cell), "nan": self.is_nan(cell)} if number else {}
        slow = f"(case when {self.type_error(cell)} then true else ({any_fail(self.value(cell), **slow_extra)}) end)"
        fast = self._fast()
        if fast is None:
            return f"(case when {missing} then {required} else {slow} end)"
        shape, fast_value = fast
        value = fast_value.replace("{c}", cell)
        fast_extra = {"double": f"cast({value} as DOUBLE)", "nan": "false"} if number else {}
        fails = any_fail(value, **fast_extra)
        valid = self._fast_valid()
        if valid is None:            # the shape guarantees a value
            fast_branch = f"({fails})"
        else:
            valid = valid.replace("{c}", cell)
            fast_branch = f"(not {valid})" if fails == "false" else f"(case when not {valid} then true else ({fails}) end)"
        return (f"(case when {missing} then {required} when regexp_full_match({cell}, {quote_literal(shape)}) "
                f"then {fast_branch} else {slow} end)")

    def key(self, value: str, cell: str | None = None, row: str | None = None) -> str:
        """SQL: a comparable key for unique/primaryKey/foreignKey (frictionless compares Python
        values: 1.0 == 1, and NaN equals nothing, not even itself)."""
        if self.type == "number" and cell is not None:
            dbl = self.double_value(cell)
            nan_key = f"'nan#' || {row}" if row else "null"
            return (f"(case when {value} is not null then cast({value} as varchar) "
                    f"when {self.is_nan(cell)} then {nan_key} "
                    f"when {dbl} is not null then 'd:' || cast({dbl} as varchar) end)")
        return f"cast({value} as varchar)"


def _strip_non_digits(text: str) -> str:
    """bareNumber: false. frictionless removes ((^[^-\\d]*)|(\\D*$)): leading text that is neither
    a digit nor a minus, and trailing non-digits."""
    return f"regexp_replace(regexp_replace({text}, '^[^-{ND_BODY}]+', ''), '{NOT_ND}+$', '')"


# ------------------------------------------------------------------------- strings

def _uuid_valid(cell: str) -> str:
    """validators.uuid: Python's UUID(value): 'urn:'/'uuid:' removed, braces stripped, dashes
    removed, then 32 characters that int(x, 16) reads (whitespace, '+', '0x', single underscores)."""
    core = (f"replace(trim(replace(replace({cell}, 'urn:', ''), 'uuid:', ''), '{{}}'), '-', '')")
    hexd = "[0-9a-fA-F]"
    grammar = f"[{WS}]*\\+?(0[xX]_?)?{hexd}(_?{hexd})*[{WS}]*"
    return (f"(length({core}) = 32 and regexp_full_match({core}, {quote_literal(grammar)}) "
            f"and not regexp_matches({core}, '[^\\x00-\\x7f]'))")


def _base64_valid(cell: str) -> str:
    """base64.b64decode (non-strict): ASCII only; characters outside the alphabet are skipped; a
    quad may end early on its padding; whatever follows a complete padding is ignored."""
    s = f"regexp_replace({cell}, '[^A-Za-z0-9+/=]', '', 'g')"
    a = "[A-Za-z0-9+/]"
    quad = f"=*{a}=*{a}=?{a}{a}"
    grammar = f"^(({quad})*=*$|({quad})*=*{a}=*{a}(==|=?{a}=))"
    return (f"(not regexp_matches({cell}, '[^\\x00-\\x7f]') "
            f"and regexp_matches({s}, {quote_literal(grammar)}))")


def schema_fields(descriptor: dict[str, Any]) -> list[FieldRules]:
    """FieldRules for every field of a Table Schema descriptor (dict or JSON text)."""
    if isinstance(descriptor, str):
        descriptor = json.loads(descriptor)
    mv = missing_values_of(descriptor.get("missingValues"))
    return [FieldRules(f, mv) for f in descriptor.get("fields", [])]
