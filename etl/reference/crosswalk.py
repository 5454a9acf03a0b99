"""Crosswalks as data: a publisher's own functional codes or service labels to COFOG.

Each crosswalk is a CSV in datasets/reference/crosswalks/ (its SOURCE.md says how it was made):
- with a `source_code` column, codes are matched exactly, and otherwise by the longest code of the
  crosswalk that starts the value (M14 functions nest by prefix: 212 is under 21, under 2);
- with only a `source_label` column, labels are matched ignoring case, spaces and punctuation.
A row whose `cofog_code` is empty says that no honest mapping exists: values it matches stay
without a COFOG code (and show up as such in the marts) rather than borrowing a parent's.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..errors import InputError
from ..paths import DATASETS_DIR
from ..sqltext import quote_ident, quote_literal

CROSSWALK_DIR = DATASETS_DIR / "reference" / "crosswalks"
COFOG_PATTERN = r"[0-9]{2}(\.[0-9](\.[0-9])?)?"

# SQL twin of etl.extract.normalise_name for labels: case, spaces and punctuation ignored.
_NORMALISED = "regexp_replace(lower(strip_accents({x})), '[^a-z0-9]+', '', 'g')"


def crosswalk_path(name: str | Path) -> Path:
    p = Path(name)
    if p.suffix == ".csv" and p.is_file():
        return p
    shipped = CROSSWALK_DIR / f"{p.stem}.csv"
    if shipped.is_file():
        return shipped
    raise InputError("no such crosswalk (give a CSV path or a name in datasets/reference/crosswalks/)",
                     where=str(name))


def load_crosswalk(con: duckdb.DuckDBPyConnection, name: str | Path) -> tuple[str, str]:
    """Create the temp table crosswalk_<name>; returns (table, match) with match 'code' or 'label'."""
    path = crosswalk_path(name)
    table = f"crosswalk_{path.stem}"
    con.execute(f"create or replace temp table {quote_ident(table)} as "
                f"select * from read_csv({quote_literal(str(path))}, header = true, all_varchar = true)")
    columns = [r[0] for r in con.execute(f"describe {quote_ident(table)}").fetchall()]
    if "cofog_code" not in columns or not ({"source_code", "source_label"} & set(columns)):
        raise InputError("a crosswalk needs a cofog_code column and a source_code or source_label column",
                         where=path.name)
    bad = con.execute(f"select cofog_code from {quote_ident(table)} where cofog_code is not null and "
                      f"not regexp_full_match(cofog_code, {quote_literal(COFOG_PATTERN)}) limit 1").fetchone()
    if bad:
        raise InputError(f"{bad[0]!r} is not a COFOG code", where=path.name)
    key = "source_code" if "source_code" in columns else "source_label"
    compared = key if key == "source_code" else _NORMALISED.format(x=key)
    dupes = con.execute(f"select min({key}) from {quote_ident(table)} group by {compared} "
                        "having count(*) > 1 limit 1").fetchone()
    if dupes:
        raise InputError(f"{key} {dupes[0]!r} is mapped twice", where=path.name)
    return table, ("code" if key == "source_code" else "label")


def assign_cofog(con: duckdb.DuckDBPyConnection, table: str, crosswalk: str | Path, from_field: str) -> int:
    """Fill `cofog_code` of `table` where it is empty, from `from_field` through the crosswalk.

    Returns the number of distinct non-empty values of from_field the crosswalk does not cover.
    """
    xw, match = load_crosswalk(con, crosswalk)
    t, f, x = quote_ident(table), quote_ident(from_field), quote_ident(xw)
    if match == "code":
        matched = f"""
            select k.key, x.cofog_code,
                   row_number() over (partition by k.key order by length(x.source_code) desc) as nth
            from keys k join {x} x on starts_with(k.key, x.source_code)"""
    else:
        matched = f"""
            select k.key, x.cofog_code, 1 as nth
            from keys k join {x} x on {_NORMALISED.format(x='k.key')} = {_NORMALISED.format(x='x.source_label')}"""
    con.execute(f"""
        create or replace temp table cofog_assignment as
        with keys as (
            select distinct {f} as key from {t} where {f} is not null
        ),
        matched as ({matched}
        )
        select k.key, m.cofog_code, m.key is not null as is_covered
        from keys k left join matched m on m.key = k.key and m.nth = 1
    """)
    con.execute(f"update {t} set cofog_code = a.cofog_code from cofog_assignment a "
                f"where {t}.{f} = a.key and {t}.cofog_code is null and a.cofog_code is not null")
    uncovered = con.execute("select count(*) from cofog_assignment where not is_covered").fetchone()[0]
    con.execute("drop table cofog_assignment")
    return uncovered
