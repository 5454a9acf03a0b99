"""Presentation helpers for the Streamlit app: numbers, money, dates by locale; CSV export;
the colour-blind-safe palette and a treemap layout.

Money is formatted straight from ``decimal.Decimal`` (never through float). Two locales:

* ``en``: ``£1,234.56``, ``-€12.00``, ``1,234``, ``12.5%``, ``8 June 2012``
* ``fr``: ``1 234,56 €``, ``-12,00 £``, ``1 234``, ``12,5 %``, ``8 juin 2012`` (narrow no-break
  space between thousands and before ``%``, no-break space before the currency symbol, as CLDR).

With ``lang=None`` money follows its currency's home convention (EUR in the French style, GBP and
USD in the English one).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from etl.numbers import NNBSP, number
from etl.typography import NBSP  # between an amount and a trailing currency symbol: never wrap "€" alone

LANGS = ("en", "fr")

_CENT = Decimal("0.01")

# currency -> (symbol, home style). "en": -£1,234.56  "fr": -1 234,56 €
_CURRENCIES: dict[str, tuple[str, str]] = {
    "GBP": ("£", "en"),
    "USD": ("$", "en"),
    "EUR": ("€", "fr"),
}

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
}
SHORT_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
           "nov.", "déc."),
}

# Okabe-Ito: distinguishable with the common colour-vision deficiencies (and in greyscale order
# blue/orange/green stay apart). Charts take colours from here only.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000")


def _style(lang: str | None) -> str:
    return "fr" if lang == "fr" else "en"


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def format_amount(amount: Decimal | int | str, style: str = "en") -> str:
    """An exact amount with 2 decimals and grouped thousands, without currency."""
    value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    value = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    text = number(abs(value), style, decimals=2)
    return f"-{text}" if value < 0 else text


def format_money(
    amount: Decimal | int | str | None, currency: str | None, lang: str | None = None
) -> str:
    """'£1,234.56' / '1 234,56 £' (GBP), '$1,234.56' (USD), '€1,234.56' / '1 234,56 €' (EUR).

    Unknown currencies show their code: 'CHF 1,234.56', '1 234,56 CHF'. Negative amounts
    (credit notes) get a leading minus: '-£12.00', '-12,00 €'. ``lang=None``: the currency's
    home convention.
    """
    if amount is None:
        return ""
    code = (currency or "").upper()
    symbol, home = _CURRENCIES.get(code, (code, "en"))
    style = home if lang is None else _style(lang)
    text = format_amount(amount, style)
    sign = "-" if text.startswith("-") else ""
    digits = text.lstrip("-")
    if style == "fr":
        return f"{sign}{digits}{NBSP}{symbol}" if symbol else f"{sign}{digits}"
    if code in _CURRENCIES:
        return f"{sign}{symbol}{digits}"
    return f"{sign}{symbol} {digits}".strip() if symbol else f"{sign}{digits}"


# An amount as people type it in either language: one decimal mark (',' or '.') before at most two
# digits at the end; before it, groups of three digits may be set apart by spaces, or by the other
# mark ('10 000,50', '10,000.50', '10.000,50', '10000.5').
_TYPED_AMOUNT = re.compile(r"(?P<sign>-?)(?P<whole>\d{1,3}(?:(?P<sep>[,.])\d{3})(?:(?P=sep)\d{3})*|\d+)"
                           r"(?:(?!(?P=sep))(?P<mark>[,.])(?P<cents>\d{1,2}))?")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_amount(text: str) -> Decimal:
    """An amount typed in a box, read the same in every language: '12,5' and '12.5' are 12.5,
    '1 234,56', '1,234.56' and '1.234,56' are 1234.56, '1,234' is 1234 (money has two decimals
    at most). A number box would read '2,5' as 25 on a French page. ValueError when it is none."""
    m = _TYPED_AMOUNT.fullmatch(_SPACES.sub("", text))
    if not m:
        raise ValueError(text)
    whole = m["whole"].replace(m["sep"], "") if m["sep"] else m["whole"]
    return Decimal(f"{m['sign']}{whole}.{m['cents'] or 0}")


def apportion(total: Decimal, weights: Sequence[Decimal], quantum: Decimal = _CENT
              ) -> list[Decimal]:
    """`total` split in proportion to `weights` (positive), in whole `quantum`s, the parts
    summing exactly to `total` (largest remainder): rounding each part on its own can lose or
    add a cent (1,000.00 in thirds: 333.33 three times). Ties go to the earlier weight."""
    whole = sum(weights, Decimal(0))
    if not weights or whole <= 0:
        return [Decimal(0).quantize(quantum) for _ in weights]
    units = (total / quantum).to_integral_value(rounding=ROUND_HALF_UP)
    quotas = [units * w / whole for w in weights]
    parts = [int(q) for q in quotas]   # q >= 0: int() is the floor
    by_remainder = sorted(range(len(quotas)), key=lambda i: quotas[i] - parts[i], reverse=True)
    for i in by_remainder[:int(units) - sum(parts)]:
        parts[i] += 1
    return [(Decimal(n) * quantum).quantize(quantum) for n in parts]


def format_count(n: int | None, lang: str | None = "en") -> str:
    """1,234 (en) or 1 234 (fr)."""
    return "" if n is None else number(int(n), _style(lang))


def format_number(value: Decimal | float | int | None, decimals: int = 0, lang: str | None = "en"
                  ) -> str:
    return "" if value is None else number(value, _style(lang), decimals=decimals)


def format_percent(ratio: Decimal | float | None, lang: str | None = "en", decimals: int = 1
                   ) -> str:
    """A ratio (0.123) as '12.3%' (en) or '12,3 %' (fr); '' for None."""
    if ratio is None:
        return ""
    value = Decimal(str(ratio)) * 100 if not isinstance(ratio, Decimal) else ratio * 100
    q = Decimal(1).scaleb(-decimals)
    text = number(value.quantize(q, rounding=ROUND_HALF_UP), _style(lang), decimals=decimals)
    return f"{text}{NNBSP}%" if _style(lang) == "fr" else f"{text}%"


def format_change(ratio: Decimal | None, lang: str | None = "en") -> str:
    """A signed change: '+12.3%', '-4,0 %'."""
    if ratio is None:
        return ""
    text = format_percent(ratio, lang)
    return text if text.startswith("-") else f"+{text}"


def format_date(value: date | datetime | None, lang: str | None = "en") -> str:
    """'8 June 2012' (en), '8 juin 2012' (fr)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    months = MONTHS[_style(lang)]
    day = "1er" if _style(lang) == "fr" and value.day == 1 else str(value.day)
    return f"{day} {months[value.month - 1]} {value.year}"


def format_datetime(value: datetime | None, lang: str | None = "en") -> str:
    if value is None:
        return ""
    sep = " à " if _style(lang) == "fr" else ", "
    return f"{format_date(value, lang)}{sep}{value:%H:%M}"


def format_period(period: str | None, lang: str | None = "en", short: bool = False) -> str:
    """'2012-06' as 'June 2012' / 'juin 2012' ('Jun 2012' / 'juin 2012' when short)."""
    if not period:
        return ""
    year, month = period.split("-")
    names = (SHORT_MONTHS if short else MONTHS)[_style(lang)]
    return f"{names[int(month) - 1]} {year}"


def month_name(month: int, lang: str | None = "en", short: bool = True) -> str:
    return (SHORT_MONTHS if short else MONTHS)[_style(lang)][month - 1]


def vega_locale(lang: str | None) -> dict[str, Any]:
    """d3 number and time locales for Vega-Lite charts (axis labels, tooltips)."""
    if _style(lang) == "fr":
        return {
            "number": {"decimal": ",", "thousands": NNBSP, "grouping": [3],
                       "currency": ["", f"{NBSP}€"], "percent": f"{NNBSP}%"},
            "time": {
                "dateTime": "%A %e %B %Y à %X", "date": "%d/%m/%Y", "time": "%H:%M:%S",
                "periods": ["AM", "PM"],
                "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
                         "samedi"],
                "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
                "months": list(MONTHS["fr"]),
                "shortMonths": list(SHORT_MONTHS["fr"]),
            },
        }
    return {
        "number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["£", ""]},
        "time": {
            "dateTime": "%a %b %e %X %Y", "date": "%d/%m/%Y", "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                     "Saturday"],
            "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
            "months": list(MONTHS["en"]),
            "shortMonths": list(SHORT_MONTHS["en"]),
        },
    }


# --------------------------------------------------------------------------- CSV


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


# --------------------------------------------------------------------------- treemap layout


def squarify(values: Sequence[float], x: float = 0.0, y: float = 0.0, width: float = 100.0,
             height: float = 100.0) -> list[tuple[float, float, float, float]]:
    """Squarified treemap (Bruls, Huizing, van Wijk 2000): one (x, y, w, h) rectangle per value,
    in the given order, areas proportional to the values. Values must be positive and are best
    given largest first."""
    total = float(sum(values))
    if not values or total <= 0:
        return []
    scale = width * height / total
    areas = [float(v) * scale for v in values]
    rects: list[tuple[float, float, float, float]] = []

    def worst(row: list[float], side: float) -> float:
        s = sum(row)
        return max(max(side * side * r / (s * s), (s * s) / (side * side * r)) for r in row)

    def layout(row: list[float], x: float, y: float, w: float, h: float):
        s = sum(row)
        if w >= h:  # lay the row out as a column on the left
            col_w = s / h
            yy = y
            for a in row:
                rects.append((x, yy, col_w, a / col_w))
                yy += a / col_w
            return x + col_w, y, w - col_w, h
        row_h = s / w
        xx = x
        for a in row:
            rects.append((xx, y, a / row_h, row_h))
            xx += a / row_h
        return x, y + row_h, w, h - row_h

    row: list[float] = []
    rest = list(areas)
    while rest:
        side = min(width, height)
        candidate = row + [rest[0]]
        if not row or worst(candidate, side) <= worst(row, side):
            row = candidate
            rest.pop(0)
        else:
            x, y, width, height = layout(row, x, y, width, height)
            row = []
    if row:
        layout(row, x, y, width, height)
    return rects
