"""The source archive, and sources copied towards it while a run works."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from etl import archive


def _source(tmp_path: Path, text: str = "a,b\n1,2\n", name: str = "export.csv") -> tuple[Path, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) if root.exists() else []


def test_keep_copies_once_under_the_hash(tmp_path):
    source, sha = _source(tmp_path)
    store = tmp_path / "home" / "archive"
    kept = archive.keep(store, source, sha)
    assert kept == archive.archived_path(store, sha) and kept.read_bytes() == source.read_bytes()
    source.write_text("changed", encoding="utf-8")
    assert archive.keep(store, source, sha).read_bytes() == b"a,b\n1,2\n"   # never overwritten
    assert _files(store) == [sha[:2], f"{sha[:2]}/{sha}"]


def test_a_copy_started_ahead_is_kept_in_place(tmp_path):
    source, sha = _source(tmp_path)
    store = tmp_path / "home" / "archive"
    with archive.Incoming(store) as incoming:
        incoming.start(source, sha)
        kept = incoming.keep(source, sha)
    assert kept.read_bytes() == source.read_bytes()
    assert _files(store) == [sha[:2], f"{sha[:2]}/{sha}"]      # no temporary copy left


def test_a_copy_not_kept_leaves_the_home_as_it_was(tmp_path):
    source, sha = _source(tmp_path)
    home = tmp_path / "home"
    with archive.Incoming(home / "archive") as incoming:
        incoming.start(source, sha)
    assert not home.exists()                                     # not even the folders made for it

    other, other_sha = _source(tmp_path, "c\n3\n", "other.csv")
    kept = archive.keep(home / "archive", other, other_sha)
    before = _files(home)
    with archive.Incoming(home / "archive") as incoming:
        incoming.start(source, sha)
    assert _files(home) == before and kept.exists()


def test_nothing_is_copied_again_when_the_archive_has_it(tmp_path):
    source, sha = _source(tmp_path)
    store = tmp_path / "archive"
    archive.keep(store, source, sha)
    with archive.Incoming(store) as incoming:
        incoming.start(source, sha)
        assert not list(store.rglob(".incoming-*"))
        assert incoming.keep(source, sha) == archive.archived_path(store, sha)


def test_keep_without_a_start_copies_then(tmp_path):
    source, sha = _source(tmp_path)
    store = tmp_path / "archive"
    with archive.Incoming(store) as incoming:
        assert incoming.keep(source, sha).read_bytes() == source.read_bytes()


def test_copies_left_by_a_killed_publish_are_removed_once_stale(tmp_path):
    store = tmp_path / "archive"
    (store / "ab").mkdir(parents=True)
    stale, fresh = store / "ab" / ".incoming-dead", store / "ab" / ".incoming-in-flight"
    for p in (stale, fresh):
        p.write_bytes(b"partial")
    day_ago = time.time() - archive.STALE_AFTER - 60
    os.utime(stale, (day_ago, day_ago))
    assert archive.remove_stale(store) == [stale]
    assert not stale.exists() and fresh.exists()
    assert archive.remove_stale(tmp_path / "no-archive-yet") == []
