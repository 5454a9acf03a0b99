"""Label a staged budget from the national chart of accounts, set-based in DuckDB.

Codes come from the source; labels, sections and missing chapters come from the chart:
- chapter_code, when the line gives none (French third-party operations carry ContOp, not
  ContNat): the chapter the chart assigns to the nature account for that direction and kind of
  operation (DR/RR for real operations, DOES/DOIS and ROES/ROIS for order operations);
- chapter_label: the chapter's label; for the lines of an equipment operation, whose ContNat
  repeats the nature account, the account's label;
- section: the chapter's SECTION (F operating, I investment), through the account's own chapter
  when the code is an account;
- economic_label and functional_label: the account's and the function's labels.
Values the source already gives are never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ..sqltext import quote_ident


@dataclass(frozen=True)
class LabelReport:
    """Distinct codes of the table the chart could not label (empty when everything is labelled)."""

    chapters: tuple[str, ...]
    economic: tuple[str, ...]
    functional: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not (self.chapters or self.economic or self.functional)


def label_budget(con: duckdb.DuckDBPyConnection, table: str, chart: dict[str, str]) -> LabelReport:
    """Fill labels, sections and missing chapters of `table` from the chart tables (see load_m14)."""
    t = quote_ident(table)
    chapters = quote_ident(chart["chapters"])
    accounts = quote_ident(chart["accounts"])
    functions = quote_ident(chart["functions"])
    nature_chapters = f"(select * from {chapters} where presentation = 'nature')"

    con.execute(f"""
        update {t} set chapter_code = case
                when {t}.direction = 'expenditure' and {t}.is_real is not false then coalesce(a.dr, a.chapter_code)
                when {t}.direction = 'revenue' and {t}.is_real is not false then coalesce(a.rr, a.chapter_code)
                when {t}.direction = 'expenditure' then coalesce(a.does, a.dois, a.chapter_code)
                when {t}.direction = 'revenue' then coalesce(a.roes, a.rois, a.chapter_code)
                else a.chapter_code
            end
        from {accounts} a
        where {t}.chapter_code is null and {t}.economic_code = a.account_code
    """)

    con.execute(f"""
        update {t} set chapter_label = coalesce({t}.chapter_label, c.chapter_label),
                       section = coalesce({t}.section, c.section)
        from {nature_chapters} c where {t}.chapter_code = c.chapter_code
    """)
    con.execute(f"""
        update {t} set chapter_label = coalesce({t}.chapter_label, a.account_label),
                       section = coalesce({t}.section, a.section)
        from {accounts} a where {t}.chapter_code = a.account_code
    """)
    con.execute(f"""
        update {t} set economic_label = coalesce({t}.economic_label, a.account_label),
                       section = coalesce({t}.section, a.section)
        from {accounts} a where {t}.economic_code = a.account_code
    """)
    con.execute(f"""
        update {t} set functional_label = f.function_label
        from {functions} f where {t}.functional_code = f.function_code and {t}.functional_label is null
    """)

    def missing(code: str, label: str) -> tuple[str, ...]:
        rows = con.execute(f"select distinct {code} from {t} where {code} is not null and {label} is null "
                           f"order by 1").fetchall()
        return tuple(r[0] for r in rows)

    return LabelReport(chapters=missing("chapter_code", "chapter_label"),
                       economic=missing("economic_code", "economic_label"),
                       functional=missing("functional_code", "functional_label"))
