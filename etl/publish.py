"""Publish: Frictionless data packages (CSV + Parquet + datapackage.json, and a zip) in site/.

Everything is written into a private folder first, then swapped in with a rename, so a reader
or a failed publish never sees a half-written package.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import __version__
from .profile import Profile
from .sqltext import quote_ident, quote_literal


@dataclass(frozen=True)
class PackageFile:
    path: Path
    bytes: int
    sha256: str
    rows: int


def file_digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return path.stat().st_size, h.hexdigest()


def _export(con: duckdb.DuckDBPyConnection, query: str, target: Path, options: str) -> PackageFile:
    con.execute(f"copy ({query}) to {quote_literal(str(target))} ({options})")
    rows = con.execute(f"select count(*) from ({query})").fetchone()[0]
    size, digest = file_digest(target)
    return PackageFile(path=target, bytes=size, sha256=digest, rows=rows)


def _resource(name: str, file: PackageFile, root: Path, fmt: str, mediatype: str,
              schema: dict, title: str) -> dict:
    res = {
        "name": name,
        "profile": "tabular-data-resource",
        "title": title,
        "path": file.path.relative_to(root).as_posix(),
        "format": fmt,
        "mediatype": mediatype,
        "bytes": file.bytes,
        "hash": f"sha256:{file.sha256}",
        "rows": file.rows,
        "schema": schema,
    }
    if fmt == "csv":
        res.update(encoding="utf-8", dialect={"delimiter": ",", "header": True})
    else:
        # frictionless reads Parquet through a loader that cannot count bytes, so a standard
        # `bytes`/`hash` on this resource would fail `frictionless validate`; they are kept under
        # our own key instead, and rows and schema stay standard (and checked).
        res["spendpub"] = {"bytes": res.pop("bytes"), "hash": res.pop("hash")}
    return res


def build_package(con: duckdb.DuckDBPyConnection, profile: Profile, staging_dir: Path,
                  sources: list[dict], release_id: str) -> Path:
    """Write the publisher's cumulative package from the attached warehouse `wh` into staging_dir."""
    schema = profile.schema
    dataset = profile.dataset
    data_dir = staging_dir / dataset / "data"
    data_dir.mkdir(parents=True)
    columns = ", ".join(quote_ident(f) for f in schema.field_names)
    order = ", ".join(quote_ident(k) for k in ("period", *schema.primary_key) if k in schema.field_names)
    query = (f"select {columns} from wh.{quote_ident(dataset)} "
             f"where publisher_id = {quote_literal(profile.publisher_id)} order by {order}")
    csv = _export(con, query, data_dir / f"{dataset}.csv", "format csv, header true")
    parquet = _export(con, query, data_dir / f"{dataset}.parquet", "format parquet, compression zstd")

    root = staging_dir / dataset
    descriptor_schema = schema.frictionless_descriptor()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    package = {
        "profile": "tabular-data-package",
        "name": f"{profile.publisher_id}-{dataset}".lower(),
        "title": profile.title,
        "description": profile.description,
        "version": release_id,
        "created": now,
        "licenses": [profile.licence],
        "sources": ([profile.source] if profile.source else []) + sources,
        "contributors": [{"title": profile.publisher_name, "role": "publisher"}],
        "keywords": ["public spending", "transparency", dataset],
        "spendpub": {"version": __version__, "release_id": release_id},
        "resources": [
            _resource(dataset, csv, root, "csv", "text/csv", descriptor_schema, schema.descriptor["title"]),
            _resource(f"{dataset}-parquet", parquet, root, "parquet", "application/vnd.apache.parquet",
                      descriptor_schema, schema.descriptor["title"] + " (Parquet)"),
        ],
    }
    (root / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    with zipfile.ZipFile(staging_dir / f"{dataset}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(staging_dir).as_posix())
    return root


def publisher_site(site: Path, profile: Profile) -> Path:
    return site / profile.publisher_id


def swap_directory(staged: Path, target: Path) -> None:
    """Put `staged` where `target` is; the old one is removed only once the new one is in place."""
    old = target.with_name(f".{target.name}.old.{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(staged, target)
    shutil.rmtree(old, ignore_errors=True)
