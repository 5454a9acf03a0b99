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
