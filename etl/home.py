"""The publisher's home (--home): versions of the warehouse and site, switched atomically.

    home/
      current -> versions/<release_id>     the one symlink a publish swaps (os.replace)
      warehouse.duckdb -> current/warehouse.duckdb
      site -> current/site
      versions/<release_id>/               one complete state: warehouse.duckdb + site/
      versions/.staging-*/                 a publish under way (removed if it dies)
      archive/                             every source file and profile, by sha256
      work/run-*/                          one run's scratch: DuckDB's spill files, the sources it
                                           reads and replays, rows before redaction (private; removed
                                           when the run ends, or by a later run if it was killed)
      .publish.lock

A publish builds a complete new version privately (the warehouse copied, unchanged packages
hard-linked) and makes it current with one atomic rename of a symlink. Whatever kills it before
that rename (refused data, an exception, SIGKILL, a full disk), readers and the next publish see
the last good release, byte for byte.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import SpendpubError
from .files import fsync_path

# The versions this process made current (Home.commit), newest last: a run interrupted after its
# switch has published, and must say so rather than that nothing changed.
SWITCHED: list[str] = []

WAREHOUSE_FILE = "warehouse.duckdb"
SITE_DIR = "site"
WORK_DIR = "work"
KEEP_VERSIONS = 2  # the current one and the one before, for readers that still hold it open


class Home:
    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def warehouse(self) -> Path:
        return self.root / WAREHOUSE_FILE

    @property
    def site(self) -> Path:
        return self.root / SITE_DIR

    @property
    def versions(self) -> Path:
        return self.root / "versions"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def cache(self) -> Path:
        """Private working data kept from one publish to the next to save work; never published,
        and safe to delete."""
        return self.root / "cache"

    @property
    def work(self) -> Path:
        """The runs' scratch folders (work_folder)."""
        return self.root / WORK_DIR

    def current(self) -> Path | None:
        link = self.root / "current"
        return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None

    @contextmanager
    def lock(self, wait_seconds: float = 0) -> Iterator[None]:
        """One publish at a time: a second one waits up to wait_seconds, then is refused."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".publish.lock", "w") as fh:
            deadline = time.monotonic() + wait_seconds
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise SpendpubError(
                            "another publish is running in this home; try again when it has finished"
                            + (f" (waited {wait_seconds:g} s)" if wait_seconds else ""),
                            where=str(self.root)) from None
                    time.sleep(0.2)
            self._remove_stale_staging()
            yield

    def _remove_stale_staging(self) -> None:
        """Leftovers of a publish that died before its switch: never current, safe to remove."""
        if self.versions.is_dir():
            for p in self.versions.glob(".staging-*"):
                shutil.rmtree(p, ignore_errors=True)

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A private copy of the current version to build the next one in; removed unless committed."""
        self.versions.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.versions))
        os.chmod(staged, _public_mode())   # made for the owner only; a version is served to others
        try:
            current = self.current()
            if current is not None:
                shutil.copyfile(current / WAREHOUSE_FILE, staged / WAREHOUSE_FILE)
                # Packages are never modified in place, so the new version can share their files.
                shutil.copytree(current / SITE_DIR, staged / SITE_DIR, copy_function=os.link)
            else:
                (staged / SITE_DIR).mkdir()
            yield staged
        finally:
            if staged.exists():
                shutil.rmtree(staged, ignore_errors=True)

    @contextmanager
    def work_folder(self, make_home: bool = True) -> Iterator[Path]:
        """A private folder for one run's scratch, removed when the run ends. A run killed outright
        leaves its folder behind: each run removes the folders no live run holds (their lock is
        free), so validations and publishes running side by side keep theirs. A run that only
        reads (`make_home` false) against a home not made yet works in the system's temporary
        folder rather than make the home."""
        if not make_home and not self.root.is_dir():
            with tempfile.TemporaryDirectory(prefix="spendpub-") as tmp:
                yield Path(tmp)
            return
        self.work.mkdir(parents=True, exist_ok=True)
        os.chmod(self.work, 0o700)   # what runs spill holds names not yet redacted
        folder, lock = _new_locked_folder(self.work)
        try:
            self._remove_dead_work_folders()
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            os.close(lock)

    def _remove_dead_work_folders(self) -> None:
        for folder in self.work.iterdir():
            try:
                fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            except (FileNotFoundError, NotADirectoryError):
                continue   # removed meanwhile by another run, or not a run's folder
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
            except BlockingIOError:
                pass   # a live run's
            finally:
                os.close(fd)

    def commit(self, staged: Path, name: str) -> Path:
        """Make the staged version current: one rename of a symlink, readers never see half of it."""
        _fsync_tree(staged)
        final = self.versions / name
        os.rename(staged, final)
        fsync_path(self.versions)
        for link, target in ((self.warehouse, Path("current") / WAREHOUSE_FILE),
                             (self.site, Path("current") / SITE_DIR)):
            if not link.is_symlink():
                link.symlink_to(target)
        tmp_link = self.root / f".current.{os.getpid()}"
        tmp_link.unlink(missing_ok=True)
        tmp_link.symlink_to(Path("versions") / name)
        os.replace(tmp_link, self.root / "current")
        SWITCHED.append(name)
        fsync_path(self.root)
        self._remove_old_versions(keep=final)
        return final

    def _remove_old_versions(self, keep: Path) -> None:
        versions = sorted((p for p in self.versions.iterdir() if not p.name.startswith(".")),
                          key=lambda p: p.stat().st_mtime_ns, reverse=True)
        kept = [keep] + [p for p in versions if p != keep][: KEEP_VERSIONS - 1]
        for p in versions:
            if p not in kept:
                shutil.rmtree(p, ignore_errors=True)


def _new_locked_folder(parent: Path) -> tuple[Path, int]:
    """A new folder in `parent`, and a descriptor holding an exclusive flock on it for as long as it
    is open. Another run's sweep can lock the folder in the instant between its creation and this
    lock, and remove it, as a dead run's, before letting go; the flock then waits for the removal, and
    the folder is made again. That is correct without any guess at how long a run takes to lock."""
    while True:
        folder = Path(tempfile.mkdtemp(prefix="run-", dir=parent))   # mode 0700
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            continue
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(fd), os.stat(folder)):
                return folder, fd
        except FileNotFoundError:
            pass
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Everything of a version on disk before it becomes current (a crash must not expose holes)."""
    for dirpath, _, files in os.walk(root):
        for name in files:
            fsync_path(Path(dirpath, name))
        fsync_path(Path(dirpath))


def _public_mode() -> int:
    """A folder's mode as the process's umask makes it (0o755 under the usual 022)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o777 & ~mask
