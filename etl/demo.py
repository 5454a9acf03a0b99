"""The demo: every publisher folder in datasets/ that ships its own export files."""

from __future__ import annotations

from pathlib import Path

from .paths import DATASETS_DIR

DATA_SUFFIXES = {".csv", ".xlsx", ".xls", ".ods", ".xml"}


def demo_sources(root: Path = DATASETS_DIR) -> list[tuple[Path, list[Path]]]:
    """(profile, export files) for each publisher folder holding both."""
    found = []
    for profile in sorted(root.glob("*/profile.yaml")):
        data = sorted(p for p in (profile.parent / "data").glob("*") if p.suffix.lower() in DATA_SUFFIXES)
        if data:
            found.append((profile, data))
    return found
