"""Quarantine: when the profile allows it, rows with errors are set aside instead of blocking.

    rejected = rejected_rows(con)                       # {(file index, line), ...}
    result = write_quarantine(con, profile, contexts, path, lang="fr")
    set_aside(con, profile)                             # stg_ rows become row_kind 'quarantined'

The quarantine file is a CSV: the source file and line of each rejected row, its issue codes and
reasons (in the chosen language), then the source text of every field the profile reads, under
the source column's header. A publish keeps it in the home, beside (never in) site/, readable by
its owner only: <home>/quarantine/<publisher>/<release>.csv (kept_for_release).
Errors that concern a whole file (a total that does not reconcile, no records) are never
quarantined: they still block the publish (Report.blocks_publish).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

import duckdb

from ..files import private_dir
from ..home import Home
from ..profile import Profile
from ..sqltext import quote_ident, quote_literal
from ..transform import FileContext, file_names, stg_table, text_column
from . import messages
from .report import ERROR, FILE_LEVEL_CODES

QUARANTINED = "quarantined"
_FILE_LEVEL = ", ".join(quote_literal(c) for c in sorted(FILE_LEVEL_CODES))
REJECTED_SQL = (f"select distinct source_file_index, source_line from validation_issues "
                f"where severity = '{ERROR}' and source_line is not null and code not in ({_FILE_LEVEL})")


@dataclass(frozen=True)
class QuarantineResult:
    path: Path | None
    rows: int
    by_code: dict[str, int]


def rejected_rows(con: duckdb.DuckDBPyConnection) -> set[tuple[int, int]]:
    """(file index, source line) of every row with at least one error a row can be blamed for."""
    return {(int(i), int(line)) for i, line in con.execute(REJECTED_SQL).fetchall()}


def reason_sql(con: duckdb.DuckDBPyConnection, lang: str) -> str:
    """SQL over validation_issues: each issue's reason in `lang` (English is stored already)."""
    if lang == messages.DEFAULT_LANG:
        return "reason"
    keyed = messages.PHRASE_PARAMS
    combos = con.execute("select distinct code, constraint_name, "
                         + ", ".join(f"json_extract_string(params, '$.{n}_key')" for n in keyed)
                         + " from validation_issues").fetchall()
    names = set()
    for code, constraint, *phrase_keys in combos:
        for text in [messages.template(code, lang, constraint)] + [messages.template(k, lang) for k in phrase_keys if k]:
            names |= set(messages._PLACEHOLDER.findall(text))
    branches = []
    for code, constraint, *phrase_keys in combos:
        params = {n: f"json_extract_string(params, '$.{n}')" for n in names | {"key", "formats", "values", "type"}}
        for name, key in zip(keyed, phrase_keys):
            if key:
                params[name] = messages.render_sql(key, params, lang)
        cond = " and ".join([f"code = {quote_literal(code)}",
                             f"constraint_name is not distinct from {quote_literal(constraint) if constraint else 'null'}",
                             *(f"json_extract_string(params, '$.{name}_key') is not distinct from "
                               f"{quote_literal(key) if key else 'null'}" for name, key in zip(keyed, phrase_keys))])
        branches.append(f"when {cond} then {messages.render_sql(code, params, lang, constraint)}")
    return f"(case {' '.join(branches)} else reason end)" if branches else "reason"


def _source_rows(profile: Profile, mappings: dict[int, dict[str, str | None]] | None) -> str:
    """The rejected rows' cells as the source gave them: every field the profile reads from a
    column keeps its cleaned source text in stg_ (<field>__text); it is shown under the source
    column's header (the field name when the files disagree or no mapping is given)."""
    headers: dict[str, set[str]] = {}
    for columns in (mappings or {}).values():
        for field, header in columns.items():
            if header:
                headers.setdefault(field, set()).add(header)
    cols = []
    used: set[str] = set()
    for name, spec in profile.fields.items():
        if spec.is_constant:
            continue
        found = headers.get(name, set())
        label = next(iter(found)) if len(found) == 1 else name
        if label in used:
            label = f"{label} ({name})"
        used.add(label)
        cols.append(f"{quote_ident(text_column(name))} as {quote_ident(label)}")
    table = quote_ident(stg_table(profile))
    return f"select source_file_index, source_line{''.join(', ' + c for c in cols)} from {table}"


def write_quarantine(con: duckdb.DuckDBPyConnection, profile: Profile, contexts: list[FileContext],
                     path: str | Path, *, mappings: dict[int, dict[str, str | None]] | None = None,
                     lang: str = messages.DEFAULT_LANG) -> QuarantineResult:
    """Write the rejected rows, with their reasons, to a CSV file; nothing is written when none."""
    path = Path(path)
    rows = con.execute(f"select count(*) from ({REJECTED_SQL})").fetchone()[0]
    by_code = dict(con.execute(
        f"select code, count(distinct (source_file_index, source_line)) from validation_issues "
        f"where (source_file_index, source_line) in ({REJECTED_SQL}) and severity = '{ERROR}' "
        f"group by code order by code").fetchall()) if rows else {}
    if not rows:
        return QuarantineResult(None, 0, {})
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_csv(con, _rejected_rows(con, profile, contexts, mappings, lang), path)
    return QuarantineResult(path, rows, by_code)


def file_names_sql(names: Mapping[int, str]) -> str:
    """SQL rows (source_file_index, source_file): the run's files (by index) by their names."""
    rows = ", ".join(f"({i}, {quote_literal(name)})" for i, name in names.items())
    return f"select * from (values {rows}) t(source_file_index, source_file)"


def write_private_csv(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    """The rows of `query` as a CSV file with a header, written beside its final name and renamed
    (a reader never sees half a file), readable by its owner only: such files keep the source's
    text, names of people included. Returns how many rows."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        rows = con.execute(f"copy ({query}) to {quote_literal(str(tmp))} (header, delimiter ',')").fetchone()[0]
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return rows


def _rejected_rows(con: duckdb.DuckDBPyConnection, profile: Profile, contexts: list[FileContext],
                   mappings: dict[int, dict[str, str | None]] | None, lang: str) -> str:
    """SQL: each rejected row's file, line, codes and reasons (in `lang`), then its source cells."""
    reason = reason_sql(con, lang)
    colon = quote_literal(messages.label("colon", lang, before="", after=""))   # ': ', or ' : ' in French
    return f"""
            with reasons as (
                select source_file_index, source_line,
                       string_agg(distinct code, '; ' order by code) as codes,
                       string_agg(coalesce(field || {colon}, '') || {reason}, '; '
                                  order by code, field, constraint_name) as reasons
                from validation_issues
                where severity = '{ERROR}' and source_line is not null and code not in ({_FILE_LEVEL})
                group by all
            ),
            names as ({file_names_sql(file_names(contexts))}),
            source as ({_source_rows(profile, mappings)})
            select n.source_file, r.source_line, r.codes, r.reasons, s.* exclude (source_file_index, source_line)
            from reasons r join names n using (source_file_index)
            left join source s using (source_file_index, source_line)
            order by r.source_file_index, r.source_line"""


def set_aside(con: duckdb.DuckDBPyConnection, profile: Profile) -> int:
    """Mark the rejected records of stg_ as quarantined, so that they are neither loaded nor
    counted in the totals (every later step reads row_kind = 'record'). Returns how many."""
    table = quote_ident(stg_table(profile))
    before = con.execute(f"select count(*) from {table} where row_kind = '{QUARANTINED}'").fetchone()[0]
    con.execute(f"update {table} set row_kind = '{QUARANTINED}' where row_kind = 'record' and "
                f"(source_file_index, source_line) in ({REJECTED_SQL})")
    return con.execute(f"select count(*) from {table} where row_kind = '{QUARANTINED}'").fetchone()[0] - before


QUARANTINE_DIR = "quarantine"


def release_path(home: Home, publisher_id: str, release_id: str) -> Path:
    """Where a release's rows set aside are kept: in the home, beside (never in) site/, since they
    keep the source's text, names of people included."""
    return home.root / QUARANTINE_DIR / publisher_id / f"{release_id}.csv"


def settle_leftovers(home: Home) -> None:
    """A publish killed after writing its quarantine file (as `.<release>.csv.new`) but before
    renaming it leaves it staged: kept if its release went live (its version exists), removed if
    not. Half-written files (`*.tmp`) are removed. Run under the home's publish lock."""
    root = home.root / QUARANTINE_DIR
    for leftover in root.glob("*/.*.tmp"):
        leftover.unlink(missing_ok=True)
    for staged in root.glob("*/.*.csv.new"):
        release_id = staged.name[1:-len(".csv.new")]
        if (home.versions / release_id).is_dir():
            os.replace(staged, staged.with_name(f"{release_id}.csv"))
        else:
            staged.unlink(missing_ok=True)


@contextmanager
def kept_for_release(con: duckdb.DuckDBPyConnection, home: Home, profile: Profile, contexts: list[FileContext],
                     release_id: str, *, mappings: dict[int, dict[str, str | None]] | None = None,
                     lang: str = messages.DEFAULT_LANG) -> Iterator[Path]:
    """Write the rejected rows under a staged name, run the `with` body (the commit of the release),
    and only then give the file the release's name; if the body fails, the file is removed."""
    settle_leftovers(home)
    final = release_path(home, profile.publisher_id, release_id)
    staged = private_dir(final.parent) / f".{final.name}.new"
    write_quarantine(con, profile, contexts, staged, mappings=mappings, lang=lang)
    try:
        yield final
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    os.replace(staged, final)
