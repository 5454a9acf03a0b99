"""Which period each file covers: from its name, the command line, or its data (one file per period)."""

from __future__ import annotations

import re

import duckdb

from .errors import InputError, UsageError
from .extract import ExtractedFile
from .profile import Profile
from .sqltext import quote_ident
from .transform import FileContext, stg_table

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def period_from_filename(name: str, patterns: tuple[str, ...]) -> str | None:
    for rx in patterns:
        m = re.search(rx, name, flags=re.IGNORECASE)
        if not m:
            continue
        year, month = m.group("year"), m.group("month")
        year_n = int(year) + (2000 if len(year) == 2 else 0)
        month_n = int(month) if month.isdigit() else MONTHS.get(month[:3].casefold())
        if month_n and 1 <= month_n <= 12:
            return f"{year_n:04d}-{month_n:02d}"
    return None


def check_period_option(given: str | None) -> None:
    if given is not None and not PERIOD.match(given):
        raise UsageError(f"--period {given!r} is not a month written YYYY-MM")


def period_of_file(profile: Profile, extracted: ExtractedFile, given: str | None) -> str | None:
    """The month --period gives, or the file's name; None when the profile reads it from the data.
    A file whose month nothing tells is refused."""
    period = given or period_from_filename(extracted.name, profile.period_patterns)
    if period is None and profile.period_field is None and not profile.period_fields:
        raise InputError.refusal("period-unknown" if profile.period_patterns else "period-unknown-no-patterns",
                                 where=extracted.name)
    return period


Refusals = dict[int, tuple[str, InputError]]   # file index -> (file name, why it is refused)


def fill_periods_from_data(con: duckdb.DuckDBPyConnection, profile: Profile,
                           contexts: list[FileContext]) -> tuple[list[FileContext], Refusals]:
    """Periods the profile takes from the data: the most frequent month of a date field
    (period.from_field), or the values of some fields (period.from_fields: '2022-executed').
    A file none of whose rows tells its period is refused."""
    table = quote_ident(stg_table(profile))
    out, refusals = [], {}
    for ctx in contexts:
        if ctx.period is None:
            where = f"source_file_index = {ctx.index} and row_kind = 'record'"
            if profile.period_field:
                col = quote_ident(profile.period_field)
                row = con.execute(f"select strftime({col}, '%Y-%m') from {table} where {where} and {col} is not null "
                                  "group by 1 order by count(*) desc, 1 desc limit 1").fetchone()
                period = row[0] if row else None
            else:
                parts = []
                for f in profile.period_fields:
                    low, high = con.execute(f"select cast(min({quote_ident(f)}) as varchar), "
                                            f"cast(max({quote_ident(f)}) as varchar) from {table} where {where}").fetchone()
                    parts.append(None if low is None else low if low == high else f"{low}-{high}")
                period = None if None in parts else "-".join(parts)
            if period is None:
                fields = profile.period_field or ", ".join(profile.period_fields)
                refusals[ctx.index] = (ctx.extracted.name, InputError.refusal(
                    "period-unreadable", where=ctx.extracted.name, fields=fields))
                continue
            con.execute(f"update {table} set period = ? where source_file_index = ?", [period, ctx.index])
            ctx = FileContext(ctx.index, ctx.extracted, period, ctx.release_id)
        out.append(ctx)
    return out, refusals


def second_files_of_a_period(contexts: list[FileContext]) -> Refusals:
    """Each file covering a period an earlier file covers, refused: one file per period."""
    seen: dict[str, ExtractedFile] = {}
    refusals = {}
    for ctx in contexts:
        if ctx.period in seen:
            first, second = seen[ctx.period], ctx.extracted
            # two folders' files of one name ('2019/09.csv', 'copy/09.csv') are told apart by their paths
            a, b = (first.name, second.name) if first.name != second.name else (str(first.path), str(second.path))
            refusals[ctx.index] = (b, InputError.refusal("period-twice", where=b, period=ctx.period, other=a))
        else:
            seen[ctx.period] = ctx.extracted
    return refusals
