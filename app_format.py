"""Presentation helpers for the Streamlit app: money with its currency, counts, CSV export.

Money is formatted straight from ``decimal.Decimal`` (never through float).
"""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

NBSP = "\u00a0"  # between an amount and a trailing currency symbol: never wrap "€" alone
NNBSP = "\u202f"  # French thousands separator (CLDR fr)

_CENT = Decimal("0.01")

# currency -> (symbol, style). "en": -£1,234.56  "fr": -1 234,56 €
_CURRENCIES: dict[str, tuple[str, str]] = {
    "GBP": ("£", "en"),
    "USD": ("$", "en"),
    "EUR": ("€", "fr"),
}


def format_amount(amount: Decimal | int | str, style: str = "en") -> str:
    """An exact amount with 2 decimals and grouped thousands, without currency."""
    value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    value = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    text = f"{abs(value):,.2f}"
    if style == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return f"-{text}" if value < 0 else text


def format_money(amount: Decimal | int | str | None, currency: str | None) -> str:
    """'£1,234.56' (GBP), '$1,234.56' (USD), '1 234,56 €' (EUR), 'CHF 1,234.56' (others).

    Negative amounts (credit notes) get a leading minus: '-£12.00', '-12,00 €'.
    The EUR form uses a narrow no-break space between thousands and a no-break space before €.
    """
    if amount is None:
        return ""
    code = (currency or "").upper()
    symbol, style = _CURRENCIES.get(code, (code, "en"))
    text = format_amount(amount, style)
    negative = text.startswith("-")
    digits = text.lstrip("-")
    sign = "-" if negative else ""
    if style == "fr":
        return f"{sign}{digits}{NBSP}{symbol}"
    if code in _CURRENCIES:
        return f"{sign}{symbol}{digits}"
    return f"{sign}{symbol} {digits}".strip() if symbol else f"{sign}{digits}"


def format_count(n: int) -> str:
    return f"{int(n):,}"


def _csv_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.quantize(_CENT, rounding=ROUND_HALF_UP), "f")
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return value


def to_csv_bytes(rows: pd.DataFrame) -> bytes:
    """The rows exactly as given, as UTF-8 CSV. Decimals are written with 2 decimals, as text
    (no float artefacts); booleans as true/false; dates as ISO 8601."""
    out = rows.copy()
    for name in out.columns:
        out[name] = out[name].map(_csv_cell).astype(object)
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")
