"""Counts and amounts written the language's way, the same in the command line, the reports and
the app: 1,234.56 in English, 1 234,56 in French (CLDR: a narrow no-break space between
thousands, a decimal comma)."""

from __future__ import annotations

from typing import Any

NNBSP = "\u202f"   # French thousands separator (narrow no-break space)


def number(value: Any, lang: str = "en", /, decimals: int | None = None) -> str:
    """A count (decimals None: as it is) or an amount with `decimals` places, in `lang`."""
    text = f"{value:,.{decimals}f}" if decimals is not None else f"{value:,}"
    return text.replace(",", NNBSP).replace(".", ",") if lang == "fr" else text
