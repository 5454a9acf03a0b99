"""Data and downloads: releases and what they loaded, redactions, the published packages and
site files (catalogue, changelogs, release notes), and the data dictionary from the schemas."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from app_data.access import _Db, _int_columns, _query, home_path
from app_data.filters import Filters
from etl.schema import dataset_names, load_schema

SITE_DIR = "site"
CATALOG_FILE = "catalog.json"
RELEASES_TABLE = "releases"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Release:
    release_id: str
    published_at: datetime | None


@dataclass(frozen=True)
class PackageFile:
    kind: str  # "zip", "csv", "parquet", "json", "changelog", "changes"
    name: str  # path inside the package folder (the zip: its file name beside the folder)
    size: int


@dataclass(frozen=True)
class Package:
    publisher_id: str
    dataset: str  # the package's folder: "spending", "spending-2012-06"...
    title: str
    licence: str
    files: tuple[PackageFile, ...]
    sources: tuple[dict[str, Any], ...]
    descriptor: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def period(self) -> str | None:
        """The period a per-period package holds ('2012-06', '2022-executed'), as its
        descriptor records it; None for a cumulative or derived package."""
        meta = self.descriptor.get("spendpub")
        period = meta.get("period") if isinstance(meta, dict) else None
        return str(period) if period else None


# --------------------------------------------------------------------------- data and downloads


@_query
def latest_release(db: _Db, filters: Filters | None = None) -> Release | None:
    """The latest release that published rows of the filters' publisher (or any publisher).

    None when the warehouse has no usable `releases` table."""
    if not db.has(RELEASES_TABLE, "release_id", "published_at"):
        return None
    f = filters or Filters()
    where, params = "", []
    if f.publisher_id is not None and db.has(RELEASES_TABLE, "publisher_id"):
        where, params = "WHERE publisher_id = ?", [f.publisher_id]
    rows = db.rows(
        f"""
        SELECT release_id, published_at FROM {RELEASES_TABLE} {where}
        ORDER BY published_at DESC NULLS LAST, release_id DESC
        """,
        params,
    )
    if not rows:
        return None
    # Only a release whose rows are still published counts (a period published again
    # replaces the rows of the earlier release).
    live = {r[0] for r in db.rows(
        f"SELECT DISTINCT release_id FROM {db.source('agg_by_release')} {where}", params)}
    for release_id, published_at in rows:
        if release_id in live:
            return Release(release_id=str(release_id), published_at=published_at)
    return None


@_query
def releases(db: _Db, publisher_id: str) -> pd.DataFrame:
    """Every release of one publisher, newest first, with every column the warehouse records
    (changelog columns included when the publish writes them), `rows_live`: how many of its
    rows are still published, and `redacted_published`: the rows of months published before
    that it redacted, as a list of {period, rows} (null when none, or not recorded)."""
    if not db.has(RELEASES_TABLE, "release_id", "publisher_id"):
        return pd.DataFrame()
    order = "published_at DESC NULLS LAST, " if db.has(RELEASES_TABLE, "published_at") else ""
    redacted = ("SELECT release_id, list({'period': period, 'rows': rows} ORDER BY period) AS redacted_published "
                "FROM release_redacted_published GROUP BY release_id"
                if db.has("release_redacted_published", "release_id", "period", "rows")
                else "SELECT NULL AS release_id, NULL AS redacted_published")
    df = db.frame(
        f"""
        SELECT r.*, coalesce(live.n, 0) AS rows_live, redacted.redacted_published
        FROM {RELEASES_TABLE} r
        LEFT JOIN (SELECT release_id, sum(payments) AS n FROM {db.source('agg_by_release')}
                   WHERE publisher_id = ? GROUP BY release_id) live USING (release_id)
        LEFT JOIN ({redacted}) redacted USING (release_id)
        WHERE r.publisher_id = ?
        ORDER BY {order}release_id DESC
        """,
        [publisher_id, publisher_id],
    )
    return _int_columns(df, "rows_live")


@_query
def release_files(db: _Db, publisher_id: str) -> pd.DataFrame:
    """The source files behind one publisher's releases: release_id, published_at, file_name,
    sha256, bytes, encoding, period, header_line, rows_read, rows_loaded, control_total."""
    if not (db.has("release_sources", "release_id", "sha256")
            and db.has(RELEASES_TABLE, "release_id", "publisher_id", "published_at")):
        return pd.DataFrame()
    return db.frame(
        f"""
        SELECT s.release_id, r.published_at, s.* EXCLUDE (release_id)
        FROM release_sources s JOIN {RELEASES_TABLE} r USING (release_id)
        WHERE r.publisher_id = ?
        ORDER BY r.published_at DESC, s.period, s.file_name
        """,
        [publisher_id],
    )


@_query
def release_totals(db: _Db, publisher_id: str) -> pd.DataFrame:
    """Totals each release loaded, per period and currency."""
    if not (db.has("release_totals", "release_id") and db.has(RELEASES_TABLE, "publisher_id")):
        return pd.DataFrame()
    return db.frame(
        f"""
        SELECT t.* FROM release_totals t JOIN {RELEASES_TABLE} r USING (release_id)
        WHERE r.publisher_id = ?
        ORDER BY r.published_at DESC, t.period, t.currency
        """,
        [publisher_id],
    )


@_query
def redactions(db: _Db, publisher_id: str) -> pd.DataFrame:
    """Redacted payments now published for one publisher, by reason and year: reason, year,
    currency, payments (int), total (Decimal)."""
    df = db.frame(
        f"""
        SELECT redaction_reason AS reason, year, currency, payments, total
        FROM {db.source('agg_by_redaction')}
        WHERE publisher_id = ?
        ORDER BY year, reason, currency
        """,
        [publisher_id],
    )
    return _int_columns(df, "year", "payments")


def site_path() -> Path:
    return home_path() / SITE_DIR


def _safe_child(root: Path, *parts: str) -> Path | None:
    """root/parts, only if it stays inside root (ids come from the warehouse, but still)."""
    try:
        path = root.joinpath(*parts).resolve()
        path.relative_to(root.resolve())
    except (ValueError, OSError):
        return None
    return path


def packages(publisher_id: str) -> list[Package]:
    """The data packages published for one publisher under site/<publisher>/ (the cumulative
    one and one per period), read from their datapackage.json; the cumulative one first."""
    root = _safe_child(site_path(), publisher_id)
    if root is None or not root.is_dir():
        return []
    found = []
    for descriptor_path in sorted(root.glob("*/datapackage.json")):
        folder = descriptor_path.parent
        try:
            descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        files = []
        zipped = root / f"{folder.name}.zip"
        if zipped.is_file():
            files.append(PackageFile("zip", zipped.name, zipped.stat().st_size))
        for resource in descriptor.get("resources", ()):
            path = _safe_child(folder, str(resource.get("path", "")))
            if path is not None and path.is_file():
                kind = str(resource.get("format") or path.suffix.lstrip(".")).lower()
                files.append(PackageFile(kind, path.relative_to(folder.resolve()).as_posix(),
                                         path.stat().st_size))
        for name, kind in (("datapackage.json", "json"), ("CHANGELOG.md", "changelog"),
                           ("changes.csv", "changes")):
            if (folder / name).is_file():
                files.append(PackageFile(kind, name, (folder / name).stat().st_size))
        licences = descriptor.get("licenses") or [{}]
        found.append(Package(
            publisher_id=publisher_id,
            dataset=folder.name,
            title=str(descriptor.get("title", folder.name)),
            licence=str(licences[0].get("title") or licences[0].get("name") or ""),
            files=tuple(files),
            sources=tuple(descriptor.get("sources", ())),
            descriptor=descriptor,
        ))
    return sorted(found, key=lambda p: (len(p.dataset), p.dataset))


def package_bytes(publisher_id: str, dataset: str, name: str) -> bytes:
    """The bytes of one file of a published package (`name` as in `Package.files`), for a
    download button. Only files inside the publisher's own folder of the site are served."""
    root = _safe_child(site_path(), publisher_id)
    if root is None:
        raise FileNotFoundError(publisher_id)
    path = _safe_child(root, f"{dataset}.zip") if name == f"{dataset}.zip" \
        else _safe_child(root, dataset, name)
    if path is None or not path.is_file():
        raise FileNotFoundError(f"{publisher_id}/{dataset} has no file {name}")
    return path.read_bytes()


def catalog() -> dict[str, Any] | None:
    """site/catalog.json, the DCAT catalogue of every published package."""
    path = site_path() / CATALOG_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def changelog(publisher_id: str, dataset: str = "spending") -> str | None:
    """The package's CHANGELOG.md (Markdown), None when it has none."""
    path = _safe_child(site_path(), publisher_id, dataset, "CHANGELOG.md")
    if path is None or not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


def release_notes(publisher_id: str, release_id: str) -> str | None:
    """site/<publisher>/releases/<release>.md, the notes of one release, when published."""
    path = _safe_child(site_path(), publisher_id, "releases", f"{release_id}.md")
    if path is None or not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


@_query
def release_changes(db: _Db, publisher_id: str) -> pd.DataFrame:
    """What each release of a publisher changed in the periods it published again: release_id,
    period, previous_release_id, matched_by, rows_before, rows_after, added, removed, changed
    (empty when the warehouse does not record it)."""
    if not (db.has("release_period_changes", "release_id", "period")
            and db.has(RELEASES_TABLE, "release_id", "publisher_id")):
        return pd.DataFrame()
    return db.frame(
        f"""
        SELECT c.* FROM release_period_changes c JOIN {RELEASES_TABLE} r USING (release_id)
        WHERE r.publisher_id = ?
        ORDER BY r.published_at DESC, c.period
        """,
        [publisher_id],
    )


@dataclass(frozen=True)
class SchemaTable:
    name: str
    title: str
    title_fr: str
    description: str
    fields: pd.DataFrame = field(repr=False)


def data_dictionary() -> list[SchemaTable]:
    """Every published table's fields, from its Table Schema in schemas/ (spending first, then
    budget, then the standards' exports): name, title, type, required, description,
    constraints."""
    order = {"spending": 0, "budget": 1}
    out = []
    for name in sorted(dataset_names(), key=lambda n: (order.get(n, 2), n)):
        schema = load_schema(name)
        fields = pd.DataFrame(
            [
                {
                    "name": f.name,
                    "title": f.title,
                    "type": f.type,
                    "required": f.required,
                    "description": f.description,
                    "constraints": ", ".join(
                        f"{k}: {v}" for k, v in f.constraints.items() if k != "required"
                    ),
                }
                for f in schema.fields
            ]
        )
        d = schema.descriptor
        out.append(SchemaTable(name, str(d.get("title", name)),
                               str(d.get("title_fr", d.get("title", name))),
                               str(d.get("description", "")), fields))
    return out
