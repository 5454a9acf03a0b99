"""Package zips: readable by any unzip (here Python's zipfile), reproducible, a file deflated once."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from etl import zips

WHEN = dt.datetime(2024, 6, 30, 13, 45, 17)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "spending-2024-05"
    (root / "data").mkdir(parents=True)
    (root / "datapackage.json").write_text('{"name": "x"}\n')
    (root / "data" / "spending-2024-05.csv").write_bytes(b"a,b\n" + b"1,caf\xc3\xa9\n" * 50_000)
    (root / "data" / "spending-2024-05.parquet").write_bytes(os.urandom(5000))
    (root / "notes-é.md").write_text("Résumé\n", encoding="utf-8")
    return root


def zip_now(folder: Path, target: Path) -> None:
    with zips.Zipper() as zipper:
        zipper.zip(folder, target, WHEN)


def read_back(path: Path, folder: Path) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        infos = zf.infolist()
        for info in infos:
            assert zf.read(info) == (folder.parent / info.filename).read_bytes(), info.filename
    return infos


def test_a_zip_any_reader_opens_with_fixed_order_times_and_modes(folder, tmp_path):
    target = tmp_path / "p.zip"
    zip_now(folder, target)
    infos = read_back(target, folder)
    assert [i.filename for i in infos] == [
        "spending-2024-05/data/spending-2024-05.csv", "spending-2024-05/data/spending-2024-05.parquet",
        "spending-2024-05/datapackage.json", "spending-2024-05/notes-é.md"]
    assert {i.date_time for i in infos} == {(2024, 6, 30, 13, 45, 16)}   # DOS time: even seconds
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    methods = {i.filename.rsplit(".", 1)[1]: i.compress_type for i in infos}
    assert methods == {"csv": zipfile.ZIP_DEFLATED, "parquet": zipfile.ZIP_STORED,
                       "json": zipfile.ZIP_DEFLATED, "md": zipfile.ZIP_DEFLATED}
    assert infos[0].compress_size < infos[0].file_size / 5
    again = tmp_path / "again.zip"
    zip_now(folder, again)
    assert again.read_bytes() == target.read_bytes()
    assert not list(tmp_path.glob(".*.new"))


def test_zip64_records_when_sizes_and_offsets_pass_the_limit(folder, tmp_path, monkeypatch):
    """Sizes and offsets beyond 4 GiB are recorded as zip64; a small limit exercises the same code."""
    monkeypatch.setattr(zips, "ZIP32_LIMIT", 1000)
    target = tmp_path / "p64.zip"
    zip_now(folder, target)
    infos = read_back(target, folder)
    assert infos[1].header_offset > 1000 and infos[0].file_size > 1000


def test_a_file_linked_into_two_packages_is_deflated_once(folder, tmp_path, monkeypatch):
    cumulative = tmp_path / "spending" / "data"
    cumulative.mkdir(parents=True)
    os.link(folder / "data" / "spending-2024-05.csv", cumulative / "spending.csv")
    packed = []
    real = zips._pack
    monkeypatch.setattr(zips, "_pack", lambda path, out: packed.append(path.name) or real(path, out))
    with zips.Zipper() as zipper:
        zipper.zip(folder, tmp_path / "period.zip", WHEN)
        zipper.zip(cumulative.parent, tmp_path / "all.zip", WHEN)
    assert sorted(packed) == sorted(["spending-2024-05.csv", "spending-2024-05.parquet", "datapackage.json",
                                     "notes-é.md"])
    read_back(tmp_path / "period.zip", folder)
    read_back(tmp_path / "all.zip", cumulative.parent)


def test_a_failure_raises_and_leaves_no_zip(folder, tmp_path, monkeypatch):
    def broken(path, out):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(zips, "_pack", broken)
    with pytest.raises(OSError, match="No space"):
        with zips.Zipper() as zipper:
            zipper.zip(folder, tmp_path / "p.zip", WHEN)
    assert not (tmp_path / "p.zip").exists() and not list(tmp_path.glob(".*.new"))


def test_digests_of_members_and_zips_are_the_files(folder, tmp_path):
    """A data file's digest comes from the read that deflates it, a zip's from its writing: both
    go into descriptors and the release's inventory instead of a second read."""
    target = tmp_path / "p.zip"
    csv, parquet = folder / "data" / "spending-2024-05.csv", folder / "data" / "spending-2024-05.parquet"
    with zips.Zipper() as zipper:
        digests = {path: zipper.digest(path) for path in (csv, parquet)}
        zipper.zip(folder, target, WHEN)
    for path, digest in [*((p, d.result()) for p, d in digests.items()), *zipper.written.items()]:
        data = path.read_bytes()
        assert digest == (len(data), hashlib.sha256(data).hexdigest()), path.name
    assert list(zipper.written) == [target]


def test_every_file_is_flushed_to_disk_and_a_zip_before_it_is_renamed_into_place(folder, tmp_path, monkeypatch):
    """A release is committed once all its files are on disk: the Zipper flushes each file it is
    given in the background, and each zip before it replaces its target."""
    flushed = []
    real_fsync = os.fsync

    def recording_fsync(fd):
        flushed.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)
    monkeypatch.setattr(os, "fsync", recording_fsync)
    target = tmp_path / "p.zip"
    zip_now(folder, target)
    members = {p.resolve() for p in folder.rglob("*") if p.is_file()}   # the kernel names files by real path
    assert members <= set(flushed)
    real_target = target.resolve()
    assert real_target.with_name(f".{target.name}.new") in flushed and real_target not in flushed


def test_a_failed_flush_raises(folder, tmp_path, monkeypatch):
    def broken(path):
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(zips, "fsync_path", broken)
    with pytest.raises(OSError, match="Input/output"):
        zip_now(folder, tmp_path / "p.zip")


def test_members_wait_in_the_scratch_folder_given_and_it_is_emptied(folder, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with zips.Zipper(scratch_in=scratch) as zipper:
        zipper.zip(folder, tmp_path / "p.zip", WHEN)
        (waiting,) = scratch.iterdir()
        assert waiting.name.startswith("spendpub-zip-")
    assert list(scratch.iterdir()) == []
    read_back(tmp_path / "p.zip", folder)
