"""The order frictionless-py gives a row's errors, and the cut at limit_errors.

frictionless checks a row lazily: reading a unique, primary-key or foreign-key cell processes
that cell first, and the first integrity error processes the rest of the row before it is
appended. The order matters only where `limit_errors` cuts the list, so only the row the cut
falls in is ordered here, in Python; every other row's errors come from SQL in field order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from .csvread import TableError

if TYPE_CHECKING:
    from .tablecsv import Plan


def row_order(errors: list[TableError], meta: list[tuple[int, int]], plan: Plan) -> list[TableError]:
    """frictionless' order of one row's errors. Reading a unique, primary-key or foreign-key cell
    processes that cell first; the first integrity error processes the whole row (cells in field
    order, then extra and missing cells, a blank row replacing them all) before it is appended."""
    cell_errs: dict[int, list[tuple[int, TableError]]] = {}
    rest: dict[str, list[TableError]] = {"extra": [], "missing": [], "blank": []}
    integrity: dict[tuple[int, int], list[TableError]] = {}
    for e, (phase, order) in zip(errors, meta):
        if phase == 0:
            cell_errs.setdefault(e.field_number or 0, []).append((order, e))
        elif phase == 1:
            rest["extra"].append(e)
        elif phase == 2:
            rest["missing"].append(e)
        elif phase == 3:
            rest["blank"].append(e)
        else:
            integrity.setdefault((phase, order), []).append(e)
    ordered = {p: [e for _, e in sorted(v, key=lambda x: x[0])] for p, v in cell_errs.items()}
    out: list[TableError] = []
    processed: set[int] = set()
    done = False

    def access(p: int) -> None:
        if not done and p not in processed:
            out.extend(ordered.get(p, []))
            processed.add(p)

    def full() -> None:
        nonlocal done, out
        if done:
            return
        for p in range(1, len(plan.fields) + 1):
            access(p)
        out.extend(rest["extra"])
        out.extend(rest["missing"])
        if rest["blank"]:
            out = list(rest["blank"])
        done = True

    for order, p in enumerate(plan.unique):
        access(p)
        if (10, order) in integrity:
            full()
            out.extend(integrity[(10, order)])
    if plan.primary_key:
        for p in plan.primary_key:
            access(p)
        if (20, 0) in integrity:
            full()
            out.extend(integrity[(20, 0)])
    for order, group in enumerate(plan.foreign_keys):
        for name in group["fields"]:
            access(plan.position(name))
        if (30, order) in integrity:
            full()
            out.extend(integrity[(30, order)])
    full()
    return out


def collect(con: duckdb.DuckDBPyConnection, plan: Plan, header_errors: list[TableError],
             limit: int | None, rows: int) -> tuple[list[TableError], bool, int]:
    """Every error in frictionless' order, cut at `limit` after the row that reaches it."""
    total = con.execute("select count(*) from _tc_errors").fetchone()[0] + len(header_errors)
    if limit and total >= limit and rows:
        # The row after which the count first reaches the limit; only that row needs exact ordering.
        boundary = con.execute("""
            select rn from (select rn, sum(n) over (order by rn) as running
                            from (select rn, count(*) as n from _tc_errors group by rn))
            where running + ? >= ? order by rn limit 1""", [len(header_errors), limit]).fetchone()
        cut_rn = boundary[0] if boundary else None
        where = "where rn <= ?" if cut_rn is not None else ""
        params = [cut_rn] if cut_rn is not None else []
        partial = True
    else:
        where, params, partial = "", [], False
    fetched = con.execute(f"select rn, line, type, field, field_number, cell, note, phase, ord from _tc_errors "
                          f"{where} order by rn, phase, ord, field_number", params).fetchall()
    out = list(header_errors)
    i = 0
    while i < len(fetched):
        j = i
        while j < len(fetched) and fetched[j][0] == fetched[i][0]:
            j += 1
        group = fetched[i:j]
        errs = [TableError(r[2], r[0], r[1], r[3], r[4], r[5], r[6]) for r in group]
        out.extend(row_order(errs, [(r[7], r[8]) for r in group], plan))
        i = j
    if partial and limit:
        out = out[:limit]
    return out, partial, total


