"""What the user asked to see (`Filters`), and the WHERE clauses built from it: constant SQL
text, with every user value a `?` parameter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from etl.redact import REDACTED_LABEL


# --------------------------------------------------------------------------- filters


def _to_money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        # A float comes from a UI number box: take the 2-decimal value the user sees.
        value = f"{value:.2f}"
    try:
        money = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not money.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return money


def _to_tuple(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(values)


@dataclass(frozen=True)
class Filters:
    """What the user asked to see. Empty or None fields do not filter.

    * ``publisher_id``: one publisher, or None for all.
    * ``year``: one calendar year of periods.
    * ``period_from`` / ``period_to``: inclusive range of 'YYYY-MM' periods.
    * ``periods``: an explicit list of periods (combined with the range if both are given).
    * ``departments``: keep rows whose department is one of these.
    * ``supplier``: case-insensitive substring of the supplier name as displayed (redacted rows
      are displayed, and searched, as ``REDACTED_LABEL``). ``%`` and ``_`` match themselves.
    * ``supplier_exact``: one named supplier, exactly (never matches a redacted row).
    * ``text``: case-insensitive substring of the supplier as displayed, the department, the
      expense type or the purpose.
    * ``amount_min`` / ``amount_max``: inclusive bounds on the amount (Decimal; str/int/float
      are converted, floats rounded to 2 decimals).
    """

    publisher_id: str | None = None
    period_from: str | None = None
    period_to: str | None = None
    periods: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    supplier: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    year: int | None = None
    supplier_exact: str | None = None
    text: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "publisher_id", self.publisher_id or None)
        set_(self, "period_from", self.period_from or None)
        set_(self, "period_to", self.period_to or None)
        set_(self, "periods", _to_tuple(self.periods))
        set_(self, "departments", _to_tuple(self.departments))
        set_(self, "supplier", (self.supplier or "").strip())
        set_(self, "amount_min", _to_money(self.amount_min))
        set_(self, "amount_max", _to_money(self.amount_max))
        set_(self, "year", int(self.year) if self.year not in (None, "") else None)
        set_(self, "supplier_exact", self.supplier_exact or None)
        set_(self, "text", (self.text or "").strip())

    def publisher_only(self) -> Filters:
        """The same publisher, nothing else: what filter options (periods, departments) use."""
        return Filters(publisher_id=self.publisher_id)


def like_pattern(text: str) -> str:
    """An ILIKE pattern (with ESCAPE '\\') matching `text` anywhere, taking it literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(expression: str, text: str) -> tuple[str, list[Any]]:
    """`expression` contains `text` (any case, literally): SQL made of constant text, and its
    parameter. ILIKE without an ESCAPE clause is about three times faster in DuckDB, and means
    the same when the text has no wildcard (% _) nor backslash, so it is used then."""
    if any(ch in text for ch in "%_\\"):
        return f"{expression} ILIKE ? ESCAPE '\\'", [like_pattern(text)]
    return f"{expression} ILIKE ?", [f"%{text}%"]


# Supplier name as displayed: redacted rows never show what is stored. One `?` = REDACTED_LABEL.
_SUPPLIER_SHOWN = "(CASE WHEN is_redacted THEN ? ELSE supplier_name END)"


def _supplier_contains(text: str) -> tuple[str, list[Any]]:
    """The supplier as displayed contains `text`: a named supplier's name does, or, for a
    redacted row, REDACTED_LABEL does (decided here: the SQL text is one of two constants).
    Written so that DuckDB can push the test on the name down into its scan."""
    clause, pattern = _contains("supplier_name", text)
    if text.lower() in REDACTED_LABEL.lower():
        return f"(is_redacted OR {clause})", pattern
    return f"(NOT is_redacted AND {clause})", pattern


def _where(filters: Filters) -> tuple[str, list[Any]]:
    """A WHERE clause made only of constant SQL text, and its parameters in order."""
    clauses: list[str] = []
    params: list[Any] = []
    if filters.year is not None:
        clauses.append("period >= ? AND period <= ?")
        params.extend([f"{filters.year:04d}-01", f"{filters.year:04d}-12"])
    # one bound value each; the SQL text is constant
    for value, clause in ((filters.publisher_id, "publisher_id = ?"),
                          (filters.period_from, "period >= ?"), (filters.period_to, "period <= ?"),
                          (filters.supplier_exact, "NOT is_redacted AND supplier_name = ?"),
                          (filters.amount_min, "amount >= ?"), (filters.amount_max, "amount <= ?")):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    if filters.periods:
        clauses.append("list_contains(?::VARCHAR[], period)")
        params.append(list(filters.periods))
    if filters.departments:
        clauses.append("list_contains(?::VARCHAR[], department)")
        params.append(list(filters.departments))
    if filters.supplier:
        clause, pattern = _supplier_contains(filters.supplier)
        clauses.append(clause)
        params.extend(pattern)
    if filters.text:
        parts = [_supplier_contains(filters.text)] + [
            _contains(column, filters.text) for column in ("department", "expense_type",
                                                           "purpose")]
        clauses.append("(" + " OR ".join(clause for clause, _ in parts) + ")")
        for _, pattern in parts:
            params.extend(pattern)
    if not clauses:
        return "", params
    return "WHERE " + " AND ".join(clauses), params
