"""The source archive: every export, profile and code list ever published, and each release's
private redaction state, kept by sha256 under --home (readable by the owner only).

Any release can be rebuilt from it, byte for byte (spendpub rebuild).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .errors import SpendpubError
from .files import write_private

INCOMING = ".incoming-"   # the name of a copy on its way into the archive starts so (remove_stale)


def archived_path(archive: Path, sha256: str) -> Path:
    return archive / sha256[:2] / sha256


def keep(archive: Path, source: Path, sha256: str) -> Path:
    """Copy a file into the archive under its hash (once; a copy is never overwritten)."""
    target = archived_path(archive, sha256)
    if target.exists():
        return target
    tmp = _copy(source, target.parent)
    try:
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def keep_bytes(archive: Path, data: bytes) -> str:
    """Keep bytes in the archive like a file (readable by the owner only); returns their sha256."""
    sha256 = hashlib.sha256(data).hexdigest()
    target = archived_path(archive, sha256)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        write_private(target, data, temp_prefix=INCOMING)   # a copy left by a crash is removed as stale
    return sha256


def _copy(source: Path, folder: Path) -> Path:
    """A durable copy of source in folder, under a temporary name."""
    folder.mkdir(parents=True, exist_ok=True)   # again: a refused run beside this one may remove it
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=INCOMING)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


class Incoming:
    """Sources copied towards the archive in the background while a run reads and checks them
    (a copy is mostly waiting for the disk, the run mostly computing), so that keeping them once
    the publish is decided only moves them in place. Copies not kept (a refused run) are removed
    when the block ends, with any folder made for them: the home is left as it was."""

    def __init__(self, archive: Path):
        self.archive = archive
        self._copies: dict[str, tuple[Path, Future]] = {}
        self._made: list[Path] = []

    def __enter__(self) -> "Incoming":
        self._worker = ThreadPoolExecutor(max_workers=1)
        return self

    def start(self, source: Path, sha256: str) -> None:
        """Start copying a source the run may publish (nothing to do if the archive has it)."""
        target = archived_path(self.archive, sha256)
        if sha256 in self._copies or target.exists():
            return
        self._made += [d for d in (target.parent, *target.parent.parents) if not d.exists()]
        self._copies[sha256] = (target, self._worker.submit(_copy, source, target.parent))

    def keep(self, source: Path, sha256: str) -> Path:
        """keep(): the background copy when there is one, else a copy now."""
        started = self._copies.pop(sha256, None)
        if started is None:
            return keep(self.archive, source, sha256)
        target, copy = started
        tmp = copy.result()
        try:
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        self._made = [d for d in self._made if d not in (target.parent, *target.parent.parents)]
        return target

    def __exit__(self, *exc) -> None:
        self._worker.shutdown(wait=True)
        for _, copy in self._copies.values():
            if copy.exception() is None:
                copy.result().unlink(missing_ok=True)
        for folder in sorted(set(self._made), key=lambda d: len(d.parts), reverse=True):
            try:
                folder.rmdir()
            except OSError:
                pass    # not empty: something else put a file there meanwhile


STALE_AFTER = 24 * 3600   # seconds: a temporary copy untouched for a day belongs to a publish that died


def remove_stale(archive: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary copies (.incoming-*) that publishes killed before keeping them left
    behind: those untouched for STALE_AFTER, so that a copy still in flight is never taken."""
    now = time.time() if now is None else now
    removed = []
    for tmp in archive.glob(f"*/{INCOMING}*"):
        try:
            if now - tmp.stat().st_mtime > STALE_AFTER:
                tmp.unlink()
                removed.append(tmp)
        except FileNotFoundError:
            pass    # kept or removed by its own publish meanwhile
    return removed


def fetch(archive: Path, sha256: str, what: str) -> Path:
    path = archived_path(archive, sha256)
    if not path.exists():
        raise SpendpubError(f"the archive has no copy of {what} (sha256 {sha256[:12]}…)", where=str(archive))
    return path
