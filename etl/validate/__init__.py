"""Validate: check stg_ against its Table Schema and the file's own control totals.

Collects every issue (never stops at the first) into the `validation_issues` table and returns a
Report: counts per code and the first examples, each naming file, line, field, column and value.
"""

from __future__ import annotations

import duckdb

from ..profile import Profile
from ..sqltext import quote_ident
from ..transform import FileContext, stg_table
from .checks import ISSUE_COLUMNS, issue_queries
from .report import CodeSummary, Issue, Report

EXAMPLES_PER_CODE = 5


def _control_total_query(profile: Profile) -> str | None:
    """Files whose total rows disagree with the sum of their records (amount field only)."""
    if "amount" not in profile.schema.field_names or not any(r.kind == "total" for r in profile.skip_rows):
        return None
    table = quote_ident(stg_table(profile))
    return f"""
        with totals as (
            select source_file_index,
                   sum(amount) filter (where row_kind = 'record') as loaded,
                   sum(amount) filter (where row_kind = 'total') as stated,
                   max(source_line) filter (where row_kind = 'total') as total_line
            from {table} group by source_file_index
        )
        select 'total-mismatch', 'error', source_file_index, total_line, 'amount',
               cast(stated as varchar),
               'the records add up to ' || cast(coalesce(loaded, 0) as varchar) || ', not to the total row'
        from totals where stated is not null and stated <> coalesce(loaded, 0)
    """


def validate(con: duckdb.DuckDBPyConnection, profile: Profile, contexts: list[FileContext],
             mappings: dict[int, dict[str, str | None]]) -> Report:
    queries = issue_queries(profile)
    control = _control_total_query(profile)
    if control:
        queries.append(control)
    con.execute(f"create or replace temp table validation_issues as "
                f"select * from ({' union all '.join(f'({q})' for q in queries)}) as t({ISSUE_COLUMNS})")
    table = quote_ident(stg_table(profile))
    empty_files = con.execute(
        f"select source_file_index from (select distinct source_file_index from {table}) f "
        f"where not exists (select 1 from {table} s where s.source_file_index = f.source_file_index "
        f"and s.row_kind = 'record')").fetchall()
    seen = {i for (i,) in con.execute(f"select distinct source_file_index from {table}").fetchall()}
    for ctx in contexts:
        if ctx.index not in seen or (ctx.index,) in empty_files:
            con.execute("insert into validation_issues values ('no-records', 'error', ?, null, null, null, "
                        "'the file has a header but no payment rows below it')", [ctx.index])

    names = {c.index: c.extracted.name for c in contexts}
    summaries = []
    for code, severity, count in con.execute(
            "select code, severity, count(*) from validation_issues group by all "
            "order by severity, count(*) desc, code").fetchall():
        rows = con.execute(
            "select source_file_index, source_line, field, value, reason from validation_issues "
            "where code = ? order by source_file_index, source_line nulls first, field limit ?",
            [code, EXAMPLES_PER_CODE]).fetchall()
        examples = [Issue(code=code, severity=severity, file=names[i], line=line, field=field,
                          column=mappings.get(i, {}).get(field) if field else None,
                          value=value, reason=reason)
                    for i, line, field, value, reason in rows]
        summaries.append(CodeSummary(code=code, severity=severity, count=count, examples=examples))
    return Report(summaries=summaries)
