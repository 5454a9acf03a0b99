"""YAML read with libyaml's parser when it is there (about 8 times faster than PyYAML's own, which
matters for the message catalogs every command loads); a text it refuses is read again by the
Python parser, so that an error reads the same with either."""

from __future__ import annotations

from typing import Any

import yaml


def load(text: str) -> Any:
    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    except (AttributeError, yaml.YAMLError):   # no libyaml, or an error the Python parser words
        return yaml.safe_load(text)


def describe(error: Exception) -> str:
    """A YAML error in a line an editor can act on: 'line 8, column 13: expected ',' or ']', but got
    ':' (while parsing a flow sequence, from line 6)'. PyYAML's own words name the text
    '<unicode string>' and quote it over several lines; the caller names the file."""
    mark = error.problem_mark if isinstance(error, yaml.MarkedYAMLError) else None
    if mark is None:
        return str(error)
    text = f"line {mark.line + 1}, column {mark.column + 1}: {error.problem}"
    context, at = error.context, error.context_mark
    if context:
        text += f" ({context}, from line {at.line + 1})" if at is not None and at.line != mark.line else f" ({context})"
    return text
