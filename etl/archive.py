"""The source archive: every export and profile ever published, kept by sha256 under --home.

Any release can be rebuilt from it, byte for byte (spendpub rebuild).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import SpendpubError


def archived_path(archive: Path, sha256: str) -> Path:
    return archive / sha256[:2] / sha256


def keep(archive: Path, source: Path, sha256: str) -> Path:
    """Copy a file into the archive under its hash (once; a copy is never overwritten)."""
    target = archived_path(archive, sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def fetch(archive: Path, sha256: str, what: str) -> Path:
    path = archived_path(archive, sha256)
    if not path.exists():
        raise SpendpubError(f"the archive has no copy of {what} (sha256 {sha256[:12]}…)", where=str(archive))
    return path
