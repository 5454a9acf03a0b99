"""The app's two languages: messages from ``locales/<lang>.toml`` and locale-aware formats.

A message key is a dotted path into the TOML file (``overview.title``). Messages are Python
format strings (``"{count} payments"``). A key that has ``one`` and ``other`` variants is a
plural (``T.plural("payments.count", n)``): French uses ``one`` for 0 and 1, English for 1 only.
Every key must exist in every language (``tests/test_app_i18n.py`` checks it); should one be
missing at run time, the English message is shown rather than nothing.
"""

from __future__ import annotations

import tomllib
import datetime as dt
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import app_format as fmt
from etl.typography import typeset

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGS: tuple[str, ...] = fmt.LANGS
DEFAULT_LANG = "en"
LANG_NAMES = {"en": "English", "fr": "Français"}


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        is_plural = isinstance(value, dict) and value and set(value) <= {"one", "other"}
        if isinstance(value, dict) and not is_plural:
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


@lru_cache(maxsize=None)
def messages(lang: str) -> dict[str, Any]:
    """Every message of one language, by dotted key."""
    with open(LOCALES_DIR / f"{lang}.toml", "rb") as fh:
        return _flatten(typeset(tomllib.load(fh), lang))


def normalise_lang(value: str | None) -> str:
    """'fr', 'fr-FR', 'FR_ca' -> 'fr'; anything unknown -> the default language."""
    code = (value or "").replace("_", "-").split("-")[0].lower()
    return code if code in LANGS else DEFAULT_LANG


class Translator:
    """Messages and formats of one language: ``T("key", **values)``, ``T.money(x, "EUR")``."""

    def __init__(self, lang: str = DEFAULT_LANG):
        self.lang = normalise_lang(lang)
        self._messages = messages(self.lang)
        self._fallback = messages(DEFAULT_LANG)

    def _raw(self, key: str) -> Any:
        if key in self._messages:
            return self._messages[key]
        if key in self._fallback:
            return self._fallback[key]
        raise KeyError(f"no message {key!r}")

    def __call__(self, key: str, **values: Any) -> str:
        text = self._raw(key)
        if isinstance(text, dict):
            text = text["other"]
        return str(text).format(**values) if values else str(text)

    def has(self, key: str) -> bool:
        return key in self._messages or key in self._fallback

    def plural(self, key: str, n: int, **values: Any) -> str:
        forms = self._raw(key)
        one = n in (0, 1) if self.lang == "fr" else n == 1
        text = forms["one" if one else "other"]
        return text.format(n=self.count(n), **values)

    # formats, in this language
    def money(self, amount: Decimal | int | str | None, currency: str | None) -> str:
        return fmt.format_money(amount, currency, self.lang)

    def count(self, n: int | None) -> str:
        return fmt.format_count(n, self.lang)

    def number(self, value: Any, decimals: int = 0) -> str:
        return fmt.format_number(value, decimals, self.lang)

    def percent(self, ratio: Decimal | float | None, decimals: int = 1) -> str:
        return fmt.format_percent(ratio, self.lang, decimals)

    def change(self, ratio: Decimal | None) -> str:
        return fmt.format_change(ratio, self.lang)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        return fmt.format_date(value, self.lang)

    def datetime(self, value: dt.datetime | None) -> str:
        return fmt.format_datetime(value, self.lang)

    def period(self, period: str | None, short: bool = False) -> str:
        return fmt.format_period(period, self.lang, short)

    def month(self, month: int, short: bool = True) -> str:
        return fmt.month_name(month, self.lang, short)
