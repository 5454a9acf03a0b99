"""Which period each file covers: from its name, the command line, or its data (one file per period)."""

from __future__ import annotations

import re

import duckdb

from .errors import UsageError
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


def periods_of_files(profile: Profile, extracted: list[ExtractedFile], given: str | None) -> list[str | None]:
    if given is not None and not PERIOD.match(given):
        raise UsageError(f"--period {given!r} is not a month written YYYY-MM")
    periods = [given or period_from_filename(e.name, profile.period_patterns) for e in extracted]
    for e, p in zip(extracted, periods):
        if p is None and profile.period_field is None and not profile.period_fields:
            raise UsageError("cannot tell which month this file covers: its name matches none of the "
                             "profile's period.from_filename patterns; give --period YYYY-MM", where=e.name)
    return periods


def fill_periods_from_data(con: duckdb.DuckDBPyConnection, profile: Profile,
                  contexts: list[FileContext]) -> list[FileContext]:
    """Periods the profile takes from the data: the most frequent month of a date field
    (period.from_field), or the values of some fields (period.from_fields: '2022-executed')."""
    table = quote_ident(stg_table(profile))
    out = []
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
                raise UsageError(f"cannot tell which period this file covers: no {fields} could be read; "
                                 "give --period", where=ctx.extracted.name)
            con.execute(f"update {table} set period = ? where source_file_index = ?", [period, ctx.index])
            ctx = FileContext(ctx.index, ctx.extracted, period, ctx.release_id)
        out.append(ctx)
    return out


def check_one_file_per_period(contexts: list[FileContext]) -> None:
    seen: dict[str, ExtractedFile] = {}
    for ctx in contexts:
        if ctx.period in seen:
            first, second = seen[ctx.period], ctx.extracted
            # two folders' files of one name ('2019/09.csv', 'copy/09.csv') are told apart by their paths
            a, b = (first.name, second.name) if first.name != second.name else (first.path, second.path)
            raise UsageError(f"two files cover {ctx.period}: {a} and {b}; publish one file per period")
        seen[ctx.period] = ctx.extracted
