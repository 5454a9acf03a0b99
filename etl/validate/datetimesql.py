"""Dates, datetimes and times read as Python reads them, in DuckDB SQL.

- strptime formats (`%d-%b-%Y`, ...): Python's own regular expression for the format (from the
  stdlib's _strptime), translated to RE2, then the date checked as datetime() checks it; the
  plain zero-padded form takes DuckDB's strptime, which agrees there;
- frictionless' default datetime and time: dateutil's ISO 8601 parser (isoparse), behind
  frictionless' own guards (a ':' at position 16, or 5 for times).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..sqltext import quote_literal
from .pyre import SchemaNotSupported, ascii_digits, python_regex_to_re2


_STRPTIME_GROUPS = {"Y", "y", "m", "d", "b", "B", "H", "I", "M", "S", "f", "p", "a", "A"}


@dataclass(frozen=True)
class StrptimePlan:
    regex: str                  # RE2, full match
    groups: tuple[str, ...]     # the strptime directives present
    group_names: tuple[str, ...]  # every capturing group, in order


def strptime_plan(fmt: str) -> StrptimePlan:
    """Python's own strptime regex for `fmt` (from the stdlib), translated to RE2."""
    import re as _re
    import _strptime

    try:
        pattern = _strptime._TimeRE_cache.pattern(fmt)
    except (KeyError, ValueError) as e:
        raise SchemaNotSupported(f"date format {fmt!r} is not a valid strptime format ({e})") from None
    compiled = _re.compile(pattern, _re.IGNORECASE)
    groups = tuple(compiled.groupindex)
    names = [f"g{i}" for i in range(1, compiled.groups + 1)]
    for name, index in compiled.groupindex.items():
        names[index - 1] = _struct_name(name)
    unknown = set(groups) - _STRPTIME_GROUPS
    if unknown:
        raise SchemaNotSupported(f"date format {fmt!r} uses %{', %'.join(sorted(unknown))}, which the SQL "
                                 "validator does not read")
    return StrptimePlan(regex="(?i)" + python_regex_to_re2(pattern), groups=groups, group_names=tuple(names))


def _struct_name(directive: str) -> str:
    """DuckDB struct fields ignore case, strptime directives do not (%m month, %M minute)."""
    return ("u_" if directive.isupper() else "l_") + directive.lower()


_FAST_DIRECTIVES = {"Y": "[0-9]{4}", "m": "[0-9]{2}", "d": "[0-9]{2}", "H": "[0-9]{2}", "M": "[0-9]{2}",
                    "S": "[0-9]{2}", "y": "[0-9]{2}",
                    "b": "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"}


def strptime_fast(fmt: str) -> tuple[str, str] | None:
    """(RE2 shape, DuckDB format) for the fixed-width ASCII form of a strptime format (zero-padded
    numbers, English month abbreviations), where DuckDB's strptime agrees with Python's; None when
    the format has a directive outside that subset."""
    shape = ["(?i)"]
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            if i + 1 >= len(fmt):
                return None
            d = fmt[i + 1]
            if d == "%":
                shape.append("%")
            elif d in _FAST_DIRECTIVES:
                shape.append(_FAST_DIRECTIVES[d])
            else:
                return None
            i += 2
            continue
        if ch.isspace() and ch != " ":
            return None
        shape.append("\\" + ch if ch in ".^$*+?()[]{}|\\" else ch)
        i += 1
    return "".join(shape), fmt


_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"]


def _group_names(regex: str) -> list[str]:
    """Names for every capturing group of a regex written in the RE2/Python common subset, in order
    (RE2 numbers groups as Python does)."""
    import re as _re

    compiled = _re.compile(regex)
    names = [f"_g{i}" for i in range(1, compiled.groups + 1)]
    for name, index in compiled.groupindex.items():
        names[index - 1] = name
    return names


def strptime_value(cell: str, plan: StrptimePlan, kind: str) -> str:
    """SQL for datetime.strptime(cell, fmt) as DATE, TIMESTAMP or TIME; NULL when it raises."""
    g = plan.groups
    parts = (f"regexp_extract({cell}, {quote_literal('^(?:' + plan.regex + ')$')}, "
             f"{_sql_list(list(plan.group_names))})")

    def text(name: str) -> str:
        return f"{parts}.{_struct_name(name)}"

    def num(name: str) -> str:
        return f"cast({ascii_digits(text(name))} as INTEGER)"

    if "Y" in g:
        year = num("Y")
    elif "y" in g:
        year = f"(case when {num('y')} <= 68 then 2000 + {num('y')} else 1900 + {num('y')} end)"
    else:
        year = None
    if "m" in g:
        month = num("m")
    elif "B" in g or "b" in g:
        name = "B" if "B" in g else "b"
        cases = " ".join(f"when {quote_literal(m if name == 'B' else m[:3])} then {i}"
                         for i, m in enumerate(_MONTHS, start=1))
        month = f"(case lower({text(name)}) {cases} end)"
    else:
        month = "1"
    day = num("d") if "d" in g else "1"
    if year is None:
        year = f"(case when {month} = 2 and {day} = 29 then 1904 else 1900 end)"
    if "H" in g:
        hour = num("H")
    elif "I" in g:
        p = f"lower({text('p')})" if "p" in g else "''"
        hour = (f"(case when {p} = 'pm' then (case when {num('I')} = 12 then 12 else {num('I')} + 12 end) "
                f"else (case when {num('I')} = 12 then 0 else {num('I')} end) end)")
    else:
        hour = "0"
    minute = num("M") if "M" in g else "0"
    second = num("S") if "S" in g else "0"
    micro = f"cast(rpad({text('f')}, 6, '0') as INTEGER)" if "f" in g else "0"
    date = (f"try_cast(lpad(cast({year} as varchar), 4, '0') || '-' || lpad(cast({month} as varchar), 2, '0') "
            f"|| '-' || lpad(cast({day} as varchar), 2, '0') as DATE)")
    ok = f"regexp_full_match({cell}, {quote_literal(plan.regex)}) and {year} >= 1 and {second} <= 59"
    if kind == "date":
        return f"(case when {ok} then {date} end)"
    stamp = (f"{date} + to_hours({hour}) + to_minutes({minute}) + to_seconds({second}) "
             f"+ to_microseconds({micro})")
    if kind == "datetime":
        return f"(case when {ok} and {date} is not null then cast({stamp} as TIMESTAMP) end)"
    return f"(case when {ok} and {date} is not null then cast({stamp} as TIME) end)"


# ------------------------------------------------------------------------- ISO 8601 (dateutil)

_TZ = "(?P<tz>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)"
_TIME_COLON = "(?P<H>[0-9]{2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(?:[.,](?P<f>[0-9]+))?" + _TZ + "?"
_SEP = "[\\x00-\\x7f]"
# frictionless' datetime reader needs cell[16] == ':' and 19 characters before dateutil's isoparse;
# only these three layouts can put a colon there.
_ISO_DATETIME = (
    "(?P<date10>[0-9]{4}-(?:[0-9]{2}-[0-9]{2}|W[0-9]{2}-[0-9]))" + _SEP + _TIME_COLON
    + "|(?P<date10b>[0-9]{4}-(?:[0-9]{2}-[0-9]{2}|W[0-9]{2}-[0-9]))" + _SEP
    + "(?P<H2>[0-9]{2})(?P<tz2>[+-][0-9]{2}:[0-9]{2})"
    + "|(?P<date8>[0-9]{8}|[0-9]{4}-[0-9]{3}|[0-9]{4}W[0-9]{3})" + _SEP
    + "(?P<H3>[0-9]{2})(?P<M3>[0-9]{2})(?P<tz3>[+-][0-9]{2}:[0-9]{2})"
)
_ISO_TIME = (_TIME_COLON + "|(?P<H2>[0-9]{2})(?P<tz2>[+-][0-9]{2}:[0-9]{2})")


def _iso_date(text: str) -> str:
    """SQL DATE of an ISO date part: YYYY-MM-DD, YYYYMMDD, YYYY-Www-D, YYYYWwwD, YYYY-DDD."""
    y = f"cast(substr({text}, 1, 4) as INTEGER)"
    compact = f"replace({text}, '-', '')"
    week = f"cast(substr({compact}, 6, 2) as INTEGER)"
    wday = f"cast(substr({compact}, 8, 1) as INTEGER)"
    jan4 = f"make_date({y}, 1, 4)"
    week_date = (f"cast({jan4} - to_days(isodow({jan4}) - 1) + to_days(({week} - 1) * 7 + {wday} - 1) as DATE)")
    ordinal = f"cast(substr({text}, 6, 3) as INTEGER)"
    ordinal_date = f"cast(make_date({y}, 1, 1) + to_days({ordinal} - 1) as DATE)"
    return (f"(case when {y} < 1 then null "
            f"when contains({text}, 'W') then (case when {week} between 1 and 53 and {wday} between 1 and 7 "
            f"then {week_date} end) "
            f"when length({text}) = 8 and contains({text}, '-') then (case when {ordinal} between 1 and "
            f"(case when (({y} % 4 = 0 and {y} % 100 <> 0) or {y} % 400 = 0) then 366 else 365 end) "
            f"then {ordinal_date} end) "
            f"else try_cast(substr({compact}, 1, 4) || '-' || substr({compact}, 5, 2) || '-' "
            f"|| substr({compact}, 7, 2) as DATE) end)")


def _iso_offset_minutes(tz: str) -> str:
    """SQL: minutes east of UTC of an ISO offset ('' none, Z, +HH, +HHMM, +HH:MM); NULL if invalid."""
    digits = f"replace(substr({tz}, 2), ':', '')"
    hours = f"cast(substr({digits}, 1, 2) as INTEGER)"
    minutes = f"coalesce(try_cast(nullif(substr({digits}, 3, 2), '') as INTEGER), 0)"
    sign = f"(case when starts_with({tz}, '-') then -1 else 1 end)"
    return (f"(case when {tz} = '' or lower({tz}) = 'z' then 0 "
            f"when ({hours} = 0 and {minutes} = 0) then 0 "
            f"when {hours} <= 23 and {minutes} <= 59 then {sign} * ({hours} * 60 + {minutes}) end)")


def _iso_parts(cell: str, regex: str) -> str:
    return f"regexp_extract({cell}, {quote_literal('^(?:' + regex + ')$')}, {_sql_list(_group_names(regex))})"


def _sql_list(names: list[str]) -> str:
    return "[" + ", ".join(quote_literal(n) for n in names) + "]"


def _iso_clock(p: str, names: list[str], date: str) -> str:
    """SQL TIMESTAMP (UTC when an offset is given) from the extracted groups `p` and a DATE."""
    def first(*candidates: str) -> str:
        present = [f"nullif({p}.{c}, '')" for c in candidates if c in names]
        return f"coalesce({', '.join(present)})" if len(present) > 1 else present[0]

    hour = f"cast({first('H', 'H2', 'H3')} as INTEGER)"
    minute = f"coalesce(try_cast({first('M', 'M3')} as INTEGER), 0)"
    second = f"coalesce(try_cast(nullif({p}.S, '') as INTEGER), 0)"
    micro = f"coalesce(try_cast(nullif(rpad(substr({p}.f, 1, 6), 6, '0'), '000000') as INTEGER), 0)"
    tz = f"coalesce({first('tz', 'tz2', 'tz3')}, '')"
    offset = _iso_offset_minutes(tz)
    clock_ok = (f"(({hour} <= 23 and {minute} <= 59 and {second} <= 59) "
                f"or ({hour} = 24 and {minute} = 0 and {second} = 0 and {micro} = 0))")
    stamp = (f"{date} + to_hours({hour}) + to_minutes({minute}) + to_seconds({second}) "
             f"+ to_microseconds({micro}) - to_minutes({offset})")
    return (f"(case when {date} is not null and {clock_ok} and {offset} is not null "
            f"and year({date} + to_hours({hour})) <= 9999 then cast({stamp} as TIMESTAMP) end)")


def iso_datetime_value(cell: str) -> str:
    p = _iso_parts(cell, _ISO_DATETIME)
    date_text = f"coalesce(nullif({p}.date10, ''), nullif({p}.date10b, ''), nullif({p}.date8, ''))"
    shape = (f"length({cell}) >= 19 and substr({cell}, 17, 1) = ':' "
             f"and regexp_full_match({cell}, {quote_literal(_ISO_DATETIME)})")
    return f"(case when {shape} then {_iso_clock(p, _group_names(_ISO_DATETIME), _iso_date(date_text))} end)"


def iso_time_value(cell: str) -> str:
    p = _iso_parts(cell, _ISO_TIME)
    shape = (f"length({cell}) >= 8 and substr({cell}, 6, 1) = ':' "
             f"and regexp_full_match({cell}, {quote_literal(_ISO_TIME)})")
    clock = _iso_clock(p, _group_names(_ISO_TIME), "DATE '2000-01-01'")
    return f"(case when {shape} then cast({clock} as TIME) end)"


