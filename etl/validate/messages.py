"""Message templates for validation issues, in English and French (messages/<lang>.yaml).

Every issue has a stable code; its message is a template with `{placeholders}` filled from the
issue's parameters. Templates render in Python (`render`) for reports, and as SQL (`render_sql`)
so that a million issue rows get their sentence in one set-based query (the quarantine file).
"""

from __future__ import annotations

import re
import string
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from .. import yamltext
from ..numbers import NNBSP, number  # re-exported: the CLI and the reports write figures through messages
from ..sqltext import quote_literal
from ..typography import typeset

MESSAGES_DIR = Path(__file__).with_name("messages")
LANGUAGES = ("en", "fr")
DEFAULT_LANG = "en"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, Any]:
    if lang not in LANGUAGES:
        raise ValueError(f"no messages in {lang!r} (available: {', '.join(LANGUAGES)})")
    return typeset(yamltext.load((MESSAGES_DIR / f"{lang}.yaml").read_text(encoding="utf-8")), lang)


def _entry(key: str, lang: str) -> Any:
    for language in (lang, DEFAULT_LANG):
        entry = catalog(language).get(key)
        if entry is not None:
            return entry
    return None


def template(code: str, lang: str = DEFAULT_LANG, constraint: str | None = None) -> str:
    """The message template of an issue code (per constraint when there is one)."""
    for key in ([f"{code}.{constraint}"] if constraint else []) + [code]:
        entry = _entry(key, lang)
        if isinstance(entry, dict) and "message" in entry:
            return entry["message"]
        if isinstance(entry, str):
            return entry
    return code


def title(code: str, lang: str = DEFAULT_LANG) -> str:
    entry = _entry(code, lang)
    return entry.get("title", code) if isinstance(entry, dict) else code


def label(name: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    return fill(_labelled("_labels", name, lang), params)


def counted(name: str, n: int, lang: str = DEFAULT_LANG, /, section: str = "_labels", **params: Any) -> str:
    """A label with `one` and `other` forms, chosen for n (French uses `one` for 0 and 1, English
    for 1 only) and filled with n, written with thousands separators, and `params`."""
    forms = _labelled(section, name, lang)
    one = n in (0, 1) if lang == "fr" else n == 1
    return fill(forms["one" if one else "other"], {"n": number(n, lang), **params})


def cli(name: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """A line or word of the command line's output (`_cli`), filled."""
    return fill(_labelled("_cli", name, lang), params)


def cli_counted(name: str, n: int, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    return counted(name, n, lang, section="_cli", **params)


def _labelled(section: str, name: str, lang: str) -> Any:
    """An entry of a labels section, in `lang`, else in English, else the name itself."""
    return catalog(lang).get(section, {}).get(name) or catalog(DEFAULT_LANG)[section].get(name, name)


def phrase(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """A plain keyed phrase (expected.date, total-source.row, ...), filled."""
    entry = _entry(key, lang)
    return fill(entry if isinstance(entry, str) else key, params)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def fill(text: str, params: Mapping[str, Any]) -> str:
    return string.Formatter().vformat(text, (), _Blank({k: "" if v is None else v for k, v in params.items()}))


# Parameters that are figures, written the language's way in a sentence (1,234.56 or 1 234,56),
# by the number of decimals they are written with. Parameters keep the plain figure (JSON, the
# issue list's machines); line numbers stay plain, as in file:line, to be searched for.
FIGURES = {"loaded": 2, "stated": 2, "threshold": 2, "ratio": 1, "dated": 0, "history": 0, "days": 0,
           "inside": 0, "most": 0, "repeated": 0, "records": 0, "unread": 0, "published": 0}


def _figure(value: Any, decimals: int, lang: str) -> Any:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value       # not a figure (an empty parameter): as it is
    return number(amount, lang, decimals=decimals) if decimals else number(int(amount), lang)


# Parameters given as a phrase's key (`<name>_key`), the phrase rendered in the message's language
PHRASE_PARAMS = ("expected", "source", "further")


def render(code: str, params: Mapping[str, Any], lang: str = DEFAULT_LANG, constraint: str | None = None) -> str:
    """Python rendering. A parameter `<name>_key` (PHRASE_PARAMS) names a phrase (expected.date,
    total-source.row) that is rendered in `lang` into `<name>`, so that no English text leaks into
    other languages."""
    values = {k: _figure(v, FIGURES[k], lang) if k in FIGURES and v not in (None, "") else v
              for k, v in params.items()}
    for name in PHRASE_PARAMS:
        if values.get(f"{name}_key"):
            values[name] = phrase(str(values[f"{name}_key"]), lang, **values)
    return fill(template(code, lang, constraint), values)


def _figure_sql(expr: str, decimals: int, lang: str) -> str:
    """SQL of `number()`: the text of a figure (`expr`, varchar) with thousands separators and the
    language's decimal mark, exactly (no float on the way); text that is no figure stays as it is."""
    x = f"try_cast({expr} as decimal(38, {decimals}))"
    units = f"format('{{:,}}', cast(trunc(abs({x})) as hugeint))"
    if lang == "fr":
        units = f"replace({units}, ',', {quote_literal(NNBSP)})"
    text = f"case when {x} < 0 then '-' else '' end || {units}"
    if decimals:
        scale = 10 ** decimals
        fraction = f"lpad(cast(cast(abs({x}) * {scale} as hugeint) % {scale} as varchar), {decimals}, '0')"
        text += f" || {quote_literal(',' if lang == 'fr' else '.')} || {fraction}"
    return f"coalesce({text}, {expr})"


def render_sql(code: str, params: Mapping[str, str], lang: str = DEFAULT_LANG,
               constraint: str | None = None) -> str:
    """SQL concatenating a template with SQL expressions for its placeholders (NULL renders empty)."""
    text = template(code, lang, constraint)
    parts: list[str] = []
    last = 0
    for m in _PLACEHOLDER.finditer(text):
        if m.start() > last:
            parts.append(quote_literal(text[last:m.start()]))
        name, expr = m.group(1), params.get(m.group(1))
        if expr is not None and name in FIGURES:
            expr = _figure_sql(f"cast({expr} as varchar)", FIGURES[name], lang)
        parts.append(f"coalesce(cast({expr} as varchar), '')" if expr is not None else "''")
        last = m.end()
    if last < len(text):
        parts.append(quote_literal(text[last:]))
    return "(" + " || ".join(parts or ["''"]) + ")"


def params_sql(params: Mapping[str, str]) -> str:
    """SQL JSON object of an issue's parameters (kept with the issue, for rendering in any language)."""
    if not params:
        return "cast(null as varchar)"
    pairs = ", ".join(f"{quote_literal(k)}, cast({v} as varchar)" for k, v in params.items())
    return f"cast(json_object({pairs}) as varchar)"
