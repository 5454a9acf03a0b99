"""Package zips: byte-for-byte reproducible, members deflated in parallel, a file deflated once.

A package's zip holds its CSV (hundreds of megabytes at a million rows), Parquet and a few small
files. Python's zipfile deflates one member after another on one core, and the cumulative
package's files are often the very files of a period package (hard links), which it would
deflate a second time. This writer:

- deflates every member in a worker thread into a temporary file, streaming, so memory stays
  flat whatever the size, with ISA-L (`isal`): four times zlib's fastest level on our CSVs, and
  smaller (it releases the GIL too);
- hashes each file (sha256) in the same read, so a package's descriptor needs no second pass
  over its data: `digest(path)` starts reading a file as soon as it is written, while the
  caller writes the next one;
- flushes each file to disk in a background thread as soon as it is given (a release is
  committed only once every file of it is on disk: started early, the disk writes them while
  the cores export and deflate the next ones, instead of holding up the commit at the end), and
  writes each zip durably before renaming it into place;
- remembers each deflated file by its identity (device, inode, size, mtime) for the life of the
  Zipper, so a hard-linked file is deflated once for all the zips it goes in (the files stay in
  place meanwhile, so an identity cannot be reused by another file);
- writes the archive itself (local headers, data, central directory, zip64 records when sizes
  or offsets need them) in a fixed order with fixed times and permissions, as PKWARE's APPNOTE
  describes: any unzip, and Python's zipfile, read it.

Parquet is stored as it is (it is compressed already), read from its own file when the zip is
assembled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import struct
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from isal import isal_zlib

from .files import fsync_path

LEVEL = 2           # ISA-L's levels are 0-3; 3 is twice as slow for 2% smaller
CHUNK = 1 << 20
STORED, DEFLATED = 0, 8
ALREADY_COMPRESSED = {".parquet", ".zip", ".gz", ".zst"}
ZIP32_LIMIT = 0xFFFFFFFF    # sizes and offsets from here on need zip64 records
MARKER = 0xFFFFFFFF         # "see the zip64 record" in a 32-bit field
UNIX_FILE = 0o100644 << 16


@dataclass(frozen=True)
class Member:
    """A file's data as it goes into a zip: deflated once into `data`, or stored (`data` is the file)."""

    data: Path
    method: int
    crc: int
    size: int
    compressed_size: int
    sha256: str


def _pack(path: Path, out: Path) -> Member:
    """A file deflated into `out`; a compressed one (stored) is only checksummed and read from
    where it is when the zip is assembled: the files stay in place for the Zipper's life."""
    stored = path.suffix in ALREADY_COMPRESSED
    compressor = None if stored else isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -15)
    crc, size, digest = 0, 0, hashlib.sha256()
    with open(path, "rb") as src, (nullcontext() if stored else open(out, "wb")) as dst:
        while chunk := src.read(CHUNK):
            crc = isal_zlib.crc32(chunk, crc)
            digest.update(chunk)
            size += len(chunk)
            if compressor:
                dst.write(compressor.compress(chunk))
        if compressor:
            dst.write(compressor.flush())
    return Member(path, STORED, crc, size, size, digest.hexdigest()) if stored else \
        Member(out, DEFLATED, crc, size, out.stat().st_size, digest.hexdigest())


def _dos_time(when: dt.datetime) -> tuple[int, int]:
    year = min(max(when.year, 1980), 2107)
    return (when.hour << 11 | when.minute << 5 | when.second // 2,
            (year - 1980) << 9 | when.month << 5 | when.day)


def _entry(name: bytes, m: Member, offset: int, when: tuple[int, int]) -> tuple[bytes, bytes]:
    """The local header and the central directory record of one member."""
    big = m.size >= ZIP32_LIMIT or m.compressed_size >= ZIP32_LIMIT
    far = offset >= ZIP32_LIMIT
    version = 45 if big or far else 20
    flags = 0x800 if not name.isascii() else 0   # UTF-8 names
    local_extra = struct.pack("<HHQQ", 1, 16, m.size, m.compressed_size) if big else b""
    sizes = (MARKER, MARKER) if big else (m.compressed_size, m.size)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, version, flags, m.method, *when, m.crc, *sizes,
                        len(name), len(local_extra)) + name + local_extra
    central_fields = ([m.size, m.compressed_size] if big else []) + ([offset] if far else [])
    central_extra = (struct.pack("<HH", 1, 8 * len(central_fields)) +
                     struct.pack(f"<{len(central_fields)}Q", *central_fields)) if central_fields else b""
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 3 << 8 | version, version, flags, m.method, *when,
                          m.crc, *sizes, len(name), len(central_extra), 0, 0, 0, UNIX_FILE,
                          MARKER if far else offset) + name + central_extra
    return local, central


def _end_records(entries: int, cd_offset: int, cd_size: int) -> bytes:
    out = b""
    if entries >= 0xFFFF or cd_offset >= ZIP32_LIMIT or cd_size >= ZIP32_LIMIT:
        zip64_end = cd_offset + cd_size
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 3 << 8 | 45, 45, 0, 0, entries, entries, cd_size, cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, zip64_end, 1)
        return out + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, MARKER, MARKER, 0)
    return out + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, cd_size, cd_offset, 0)


class Zipper:
    """Zips written in the background while the caller goes on; leaving the `with` block waits for
    every zip and raises the first failure. `zip(folder, target, when)` queues the zip of a folder
    (entries named `<folder name>/<path>`, in sorted order); `digest(path)` starts on a file that
    will go in one, and gives its size and sha256. A file must not change once given to either.
    `written` then holds each zip's size and sha256. The deflated members wait in a folder made in
    `scratch_in` (default: the system's temporary folder)."""

    def __init__(self, scratch_in: Path | None = None):
        self.scratch_in = scratch_in

    def __enter__(self) -> "Zipper":
        self._workers = ThreadPoolExecutor(max_workers=2)    # deflating members
        self._writer = ThreadPoolExecutor(max_workers=2)     # assembling zips (two at once: the last ones wait for nothing else)
        self._flusher = ThreadPoolExecutor(max_workers=1)    # writing the given files to disk
        self._flushes: list[Future] = []
        self._scratch = tempfile.TemporaryDirectory(prefix="spendpub-zip-", dir=self.scratch_in)
        self._packed: dict[tuple[int, int, int, int], Future] = {}
        self._zips: list[tuple[Path, Future]] = []
        self.written: dict[Path, tuple[int, str]] = {}   # once the block is left: each zip's bytes and sha256
        return self

    def _member(self, path: Path) -> Future:
        st = path.stat()
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        if key not in self._packed:
            out = Path(self._scratch.name) / f"{len(self._packed)}.part"
            self._packed[key] = self._workers.submit(_pack, path, out)
            self._flushes.append(self._flusher.submit(fsync_path, path))
        return self._packed[key]

    def digest(self, path: Path) -> Future:
        """A future of (bytes, sha256) of a finished file, read (and deflated) in the background."""
        member, out = self._member(path), Future()

        def settle(done: Future) -> None:
            if done.exception() is not None:
                out.set_exception(done.exception())
            else:
                out.set_result((done.result().size, done.result().sha256))
        member.add_done_callback(settle)
        return out

    def zip(self, folder: Path, target: Path, when: dt.datetime) -> None:
        files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
        members = [(p.relative_to(folder.parent).as_posix().encode(), self._member(p)) for p in files]
        self._zips.append((target, self._writer.submit(_assemble, members, target, _dos_time(when))))

    def __exit__(self, *exc) -> None:
        try:
            failed = exc[0] is not None
            self._writer.shutdown(wait=True, cancel_futures=failed)
            self._workers.shutdown(wait=True, cancel_futures=failed)
            self._flusher.shutdown(wait=True, cancel_futures=failed)
            if not failed:
                self.written = {target: done.result() for target, done in self._zips}
                for flushed in self._flushes:
                    flushed.result()
        finally:
            self._scratch.cleanup()


def _assemble(members: list[tuple[bytes, Future]], target: Path, when: tuple[int, int]) -> tuple[int, str]:
    """Write the zip (atomically); returns its bytes and sha256, hashed as written."""
    tmp = target.with_name(f".{target.name}.new")
    central = []
    digest, size = hashlib.sha256(), 0
    try:
        with open(tmp, "wb") as out:
            def write(data: bytes) -> None:
                nonlocal size
                digest.update(data)
                size += len(data)
                out.write(data)

            for name, packed in members:
                m = packed.result()
                local, record = _entry(name, m, size, when)
                write(local)
                with open(m.data, "rb") as data:
                    while chunk := data.read(CHUNK):
                        write(chunk)
                central.append(record)
            cd_offset = size
            write(b"".join(central))
            write(_end_records(len(central), cd_offset, size - cd_offset))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return size, digest.hexdigest()
