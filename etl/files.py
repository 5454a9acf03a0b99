"""Writing and fingerprinting published files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def file_digest(path: Path) -> tuple[int, str]:
    """(bytes, sha256) of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return path.stat().st_size, h.hexdigest()


def write_new(path: Path, data: bytes) -> None:
    """Write a file as a new inode, atomically: a staged site shares (hard-links) the live site's
    files, so writing through an existing name would change the published copy too."""
    tmp = path.with_name(f".{path.name}.new")
    tmp.write_bytes(data)
    os.replace(tmp, path)
