"""French punctuation spacing, the same in the command line, the reports and the app.

French sets a space before ':', ';', '!', '?' and inside « »; a plain space there lets a line
break leave the mark alone at the start of the next line (the terminal's tables wrap long reasons,
browsers wrap paragraphs). The French catalogs are written with plain spaces, which are easy to
read and edit; `typeset` turns them into no-break spaces as the catalogs are loaded: a no-break
space before ':', a narrow one before ';', '!', '?', '»' and after '«', as the Imprimerie
nationale's rules have it.
"""

from __future__ import annotations

import re
from typing import Any

from .numbers import NNBSP  # re-exported: the two no-break spaces French uses

NBSP = "\u00a0"   # no-break space

_BEFORE_MARK = re.compile(r" +([:;!?»])")
_AFTER_GUILLEMET = re.compile(r"« +")


def french_spacing(text: str) -> str:
    """`text` with its spaces before French high punctuation and inside guillemets made no-break."""
    text = _BEFORE_MARK.sub(lambda m: (NBSP if m.group(1) == ":" else NNBSP) + m.group(1), text)
    return _AFTER_GUILLEMET.sub("«" + NNBSP, text)


def typeset(value: Any, lang: str) -> Any:
    """A catalog (strings, nested in dicts and lists) with `lang`'s punctuation spacing."""
    if lang != "fr":
        return value
    if isinstance(value, str):
        return french_spacing(value)
    if isinstance(value, dict):
        return {key: typeset(item, lang) for key, item in value.items()}
    if isinstance(value, list):
        return [typeset(item, lang) for item in value]
    return value
