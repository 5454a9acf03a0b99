"""Writing and fingerprinting files: published ones, and private ones under the home."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


def file_digest(path: Path) -> tuple[int, str]:
    """(bytes, sha256) of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return path.stat().st_size, h.hexdigest()


def first_line(path: Path) -> bytes:
    """A file's first line, with its line end (a CSV's header)."""
    with open(path, "rb") as fh:
        return fh.readline()


def body_chunks(path: Path) -> Iterator[bytes]:
    """A file's bytes after its first line (a CSV's rows without its header), in chunks."""
    with open(path, "rb") as fh:
        fh.readline()
        while chunk := fh.read(1 << 20):
            yield chunk


def write_new(path: Path, data: bytes) -> None:
    """Write a file as a new inode, atomically: a staged site shares (hard-links) the live site's
    files, so writing through an existing name would change the published copy too."""
    tmp = path.with_name(f".{path.name}.new")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_dir(folder: Path) -> Path:
    """A folder, and the one it is in, that only their owner can open (made so if they exist):
    for what holds names of people outside site/ (decisions, quarantine, rebuilt packages)."""
    for d in (folder.parent, folder):
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(d, 0o700)
    return folder


def write_private(path: Path, data: bytes, temp_prefix: str | None = None) -> None:
    """Write a file readable by its owner only, durably and atomically (a crash leaves the old one
    whole), under a temporary name that starts with `temp_prefix` (default `.<name>.`) until then."""
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix or f".{path.name}.", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
