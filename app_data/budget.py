"""Budget: every query on the `budget` table (voted, open and executed amounts, execution rate,
expenditure by function), as the section comment below explains."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from app_data.access import _Db, _query, _ratio


# ============================================================================================
# BUDGET: every query on the `budget` table (schemas/budget.schema.json) is in this section.
#
# A budget line gives one amount for its document's phase (`phase`, `amount`), and may also give
# the voted, open and executed amounts of the same line (`amount_voted`, `amount_open`,
# `amount_executed`, as the French budget XML does). For each measure the app takes, for the
# year, the lines of the most final phase that carries it (executed > adjusted > approved >
# proposed), so that two documents of one year (a budget primitif and a compte administratif)
# are never added together:
#   voted    = amount_voted, or the amount of an 'approved' line
#   open     = amount_open, or the amount of an 'adjusted' line; the voted amount when the year
#              has neither (no amendment)
#   executed = amount_executed, or the amount of an 'executed' line
# Only real operations count (is_real not false: accounting-order operations move money inside
# the budget), and only whole-year amounts (fiscal_period empty) inside the budget totals
# (is_off_budget not true). Chapters are `chapter_code` (else `economic_code`, else the
# administrative unit, as for a federal budget by agency), functions are `functional_code` (else
# `cofog_code`). Optional columns missing from the table read as NULL.
# Without a `budget` table, or without rows for the body, the functions return nothing and the
# pages say that no budget is published for this body.
# ============================================================================================

BUDGET_TABLE = "budget"
BUDGET_REQUIRED = ("publisher_id", "fiscal_year", "phase", "direction", "amount", "currency")
BUDGET_OPTIONAL = ("publisher_name", "amount_voted", "amount_open", "amount_executed",
                   "chapter_code", "chapter_label", "economic_code", "economic_label",
                   "administrative_code", "administrative_label",
                   "functional_code", "functional_label", "cofog_code", "is_real",
                   "fiscal_period", "is_off_budget", "fiscal_year_start_month")
BUDGET_AXES = ("chapter", "function")
FUNCTIONAL_TREE = "functional_tree"  # the chart's tree of functions (etl/sql/marts/releases.sql)
MEASURES = ("voted", "open", "executed", "proposed")
_STAGE = ("CASE phase WHEN 'executed' THEN 4 WHEN 'adjusted' THEN 3 WHEN 'approved' THEN 2 "
          "ELSE 1 END")


@dataclass(frozen=True)
class BudgetExecution:
    """One publisher's expenditure budget for a fiscal year: totals in its currency."""

    year: int
    currency: str
    voted: Decimal | None
    open: Decimal | None
    executed: Decimal | None
    executed_from: str  # "budget" (published executed amounts) or "payments" (the spending)

    @property
    def rate(self) -> Decimal | None:
        return _ratio(self.executed, self.open)


def _has_budget(db: _Db) -> bool:
    return db.has(BUDGET_TABLE, *BUDGET_REQUIRED)


def _b(db: _Db, column: str) -> str:
    """An optional budget column, or NULL when this warehouse's table lacks it."""
    return column if db.has(BUDGET_TABLE, column) else "NULL"


def _budget_filter(db: _Db) -> str:
    return (f"publisher_id = ? AND fiscal_year = ? AND direction = ? "
            f"AND coalesce({_b(db, 'is_real')}, true) "
            f"AND {_b(db, 'fiscal_period')} IS NULL "
            f"AND NOT coalesce({_b(db, 'is_off_budget')}, false)")


def _budget_lines(db: _Db, publisher_id: str, year: int, direction: str, axis: str | None
                  ) -> pd.DataFrame:
    """Voted, open, executed and proposed amounts per code of `axis` (one row when None) and
    currency, each measure from the most final phase that carries it."""
    if axis == "chapter":
        chapter, economic = _b(db, "chapter_code"), _b(db, "economic_code")
        administrative = _b(db, "administrative_code")
        code = f"coalesce({chapter}, {economic}, {administrative})"
        label = (f"CASE WHEN {chapter} IS NOT NULL THEN {_b(db, 'chapter_label')} "
                 f"WHEN {economic} IS NOT NULL THEN {_b(db, 'economic_label')} "
                 f"ELSE {_b(db, 'administrative_label')} END")
    elif axis == "function":
        functional, cofog = _b(db, "functional_code"), _b(db, "cofog_code")
        code = f"coalesce({functional}, {cofog})"
        label = f"CASE WHEN {functional} IS NOT NULL THEN {_b(db, 'functional_label')} END"
    elif axis == "cofog":
        code = f"left({_b(db, 'cofog_code')}, 2)"
        label = "NULL"
    else:
        code = label = "NULL"
    df = db.frame(
        f"""
        WITH lines AS (
            SELECT {code} AS code, {label} AS label, currency, {_STAGE} AS stage,
                   coalesce({_b(db, 'amount_voted')},
                            CASE WHEN phase = 'approved' THEN amount END) AS voted,
                   coalesce({_b(db, 'amount_open')},
                            CASE WHEN phase = 'adjusted' THEN amount END) AS open,
                   coalesce({_b(db, 'amount_executed')},
                            CASE WHEN phase = 'executed' THEN amount END) AS executed,
                   CASE WHEN phase = 'proposed' THEN amount END AS proposed
            FROM {BUDGET_TABLE}
            WHERE {_budget_filter(db)}
        ), best AS (
            SELECT max(stage) FILTER (WHERE voted IS NOT NULL) AS s_voted,
                   max(stage) FILTER (WHERE open IS NOT NULL) AS s_open,
                   max(stage) FILTER (WHERE executed IS NOT NULL) AS s_executed
            FROM lines
        )
        SELECT code, min(label) AS label, currency,
               sum(voted) FILTER (WHERE stage = s_voted) AS voted,
               sum(open) FILTER (WHERE stage = s_open) AS open,
               sum(executed) FILTER (WHERE stage = s_executed) AS executed,
               sum(proposed) AS proposed
        FROM lines, best
        GROUP BY code, currency
        """,
        [publisher_id, int(year), direction],
    )
    if axis == "function":
        _name_repeated_functions(db, publisher_id, df)
    for measure in ("voted", "open", "executed"):  # zero on every line: not published
        if len(df) and all(v is None or _isnan(v) or v == 0 for v in df[measure]):
            df[measure] = None
    df["open_is_voted"] = bool(len(df)) and bool(df["open"].isna().all())
    if len(df) and df["open_is_voted"].all():  # no amendment: the credits open are those voted
        df["open"] = df["voted"]
    return df


def _name_repeated_functions(db: _Db, publisher_id: str, df: pd.DataFrame) -> None:
    """A label several functions share gets its parent's after it, from the chart's functional
    tree the publish recorded: "20 Services communs (Enseignement - Formation)", "110 Services
    communs (Sécurité intérieure)"."""
    repeated = df["label"].notna() & df.duplicated(["label", "currency"], keep=False)
    if not repeated.any() or not db.has(FUNCTIONAL_TREE, "publisher_id", "functional_code",
                                        "functional_label", "parent_code"):
        return
    parents = dict(db.rows(
        f"SELECT f.functional_code, p.functional_label FROM {FUNCTIONAL_TREE} f "
        f"JOIN {FUNCTIONAL_TREE} p ON p.publisher_id = f.publisher_id "
        "AND p.functional_code = f.parent_code WHERE f.publisher_id = ?", [publisher_id]))
    df.loc[repeated, "label"] = [f"{label} ({parents[code]})" if parents.get(code) else label
                                 for code, label in zip(df.loc[repeated, "code"],
                                                        df.loc[repeated, "label"], strict=True)]


@_query
def budget_years(db: _Db, publisher_id: str) -> list[int]:
    """Fiscal years with a published budget for this publisher (empty: no budget)."""
    if not _has_budget(db):
        return []
    rows = db.rows(
        f"SELECT DISTINCT fiscal_year FROM {BUDGET_TABLE} WHERE publisher_id = ? "
        "ORDER BY fiscal_year",
        [publisher_id],
    )
    return [int(r[0]) for r in rows]


def _budget_execution(db: _Db, publisher_id: str, year: int) -> BudgetExecution | None:
    """Share of the expenditure budget executed (Overview). Executed comes from the budget's
    executed amounts when published, else from the payments of the fiscal year in the same
    currency."""
    if not _has_budget(db):
        return None
    df = _budget_lines(db, publisher_id, year, "expenditure", None)
    if not len(df):
        return None
    row = df.sort_values("currency").iloc[0]
    currency = str(row["currency"])
    executed, source = row["executed"], "budget"
    if executed is None or _isnan(executed):
        start = db.rows(
            f"SELECT min({_b(db, 'fiscal_year_start_month')}) FROM {BUDGET_TABLE} "
            "WHERE publisher_id = ? AND fiscal_year = ?", [publisher_id, int(year)])[0][0]
        first, last = _fiscal_periods(int(year), int(start or 1))
        paid = db.rows(
            f"SELECT sum(total) FROM {db.source('agg_by_month')} "
            "WHERE publisher_id = ? AND currency = ? AND period >= ? AND period <= ?",
            [publisher_id, currency, first, last])
        executed, source = paid[0][0], "payments"
    return BudgetExecution(int(year), currency, _none(row["voted"]), _none(row["open"]),
                           _none(executed), source)


def _fiscal_periods(year: int, start_month: int) -> tuple[str, str]:
    """First and last 'YYYY-MM' of a fiscal year named by the calendar year it ends in."""
    if start_month <= 1:
        return f"{year:04d}-01", f"{year:04d}-12"
    return f"{year - 1:04d}-{start_month:02d}", f"{year:04d}-{start_month - 1:02d}"


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def _none(value: Any) -> Any:
    return None if value is None or _isnan(value) else value


@_query
def budget_execution(db: _Db, publisher_id: str, year: int) -> BudgetExecution | None:
    """Voted, open and executed expenditure for the fiscal year, with the execution rate."""
    return _budget_execution(db, publisher_id, year)


@_query
def budget_vs_actual(db: _Db, publisher_id: str, year: int, axis: str = "chapter",
                     direction: str = "expenditure") -> pd.DataFrame:
    """Voted, open and executed amounts by chapter or by function, with the execution rate.

    Columns code, label, currency, voted, open, executed (Decimal or None), rate (Decimal or
    None: executed / open); by currency, then largest open amount first."""
    columns = ["code", "label", "currency", "voted", "open", "executed", "rate"]
    if not _has_budget(db) or axis not in BUDGET_AXES:
        return pd.DataFrame(columns=columns)
    df = _budget_lines(db, publisher_id, year, direction, axis)
    for name in ("voted", "open", "executed"):
        df[name] = df[name].map(_none).astype(object)
    df["rate"] = pd.Series([_ratio(e, o) for e, o in zip(df["executed"], df["open"],
                                                         strict=True)], dtype=object)
    df["_key"] = [o if o is not None else (v if v is not None else Decimal(0))
                  for o, v in zip(df["open"], df["voted"], strict=True)]
    df = df.sort_values(["currency", "_key", "code"], ascending=[True, False, True],
                        na_position="last", kind="stable")
    return df[columns].reset_index(drop=True)


@_query
def budget_by_function(db: _Db, publisher_id: str, year: int, level: str = "function"
                       ) -> tuple[str, pd.DataFrame]:
    """Expenditure by function for "Your taxes", from the most final measure published for the
    year: executed, else open, else voted, else proposed. `level`: "function" (the body's own
    functional codes) or "cofog" (COFOG divisions, with their English and French labels).

    Returns (measure, frame of code, label, label_fr, currency, amount (Decimal), share
    (Decimal, of the currency's positive total)), largest first; ("", empty frame) without a
    budget."""
    empty = pd.DataFrame(columns=["code", "label", "label_fr", "currency", "amount", "share"])
    if not _has_budget(db):
        return "", empty
    df = _budget_lines(db, publisher_id, year, "expenditure",
                       "cofog" if level == "cofog" else "function")
    df["label_fr"] = df["label"]
    if level == "cofog" and db.has("cofog", "cofog_code", "label_en", "label_fr"):
        labels = {c: (en, fr) for c, en, fr in db.rows(
            "SELECT cofog_code, label_en, label_fr FROM cofog WHERE level = 1")}
        df["label"] = [labels.get(c, (None, None))[0] for c in df["code"]]
        df["label_fr"] = [labels.get(c, (None, None))[1] for c in df["code"]]
    measures = ["executed", "open", "voted", "proposed"]
    if len(df) and df["open_is_voted"].all():
        measures.remove("open")
    for measure in measures:
        amounts = df[measure].map(_none)
        part = df[amounts.notna() & amounts.map(lambda a: a is not None and a > 0)]
        if not len(part):
            continue
        out = pd.DataFrame({"code": part["code"], "label": part["label"],
                            "label_fr": part["label_fr"], "currency": part["currency"],
                            "amount": part[measure]})
        totals = out.groupby("currency")["amount"].agg(lambda s: sum(s, Decimal(0)))
        out["share"] = pd.Series([a / totals[c] for a, c in zip(out["amount"], out["currency"],
                                                                 strict=True)],
                                 dtype=object, index=out.index)
        out = out.sort_values(["currency", "amount"], ascending=[True, False], kind="stable")
        return measure, out.reset_index(drop=True)
    return "", empty
