"""Publish: Frictionless data packages per period and cumulative, written from the warehouse.

Each package is a folder (datapackage.json, data/<name>.csv and .parquet, CHANGELOG.md,
changes.csv) and a zip of it. Packages are a pure function of the warehouse as of a release, so
`spendpub rebuild` can write them again byte for byte: no clock, no randomness, fixed order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import notes, redact, releases, spreadsheet
from .exports import fdp
from .exports.scdl_budget import scdl_schema, write_scdl_budget
from .exports.uk_spend import other_currencies, uk_spend_query, uk_spend_schema, write_uk_spend
from .files import body_chunks, file_digest, first_line, write_new
from .profile import Profile
from .schema import TableSchema, load_schema
from .releases import PeriodVersion, Release
from .sqltext import quote_ident, quote_literal
from .zips import Zipper


@dataclass(frozen=True)
class PackageFile:
    path: Path
    rows: int
    fingerprint: Future   # of (bytes, sha256): read in the background while the next file is written

    @property
    def bytes(self) -> int:
        return self.fingerprint.result()[0]

    @property
    def sha256(self) -> str:
        return self.fingerprint.result()[1]


def _known(fingerprint: tuple[int, str]) -> Future:
    done: Future = Future()
    done.set_result(fingerprint)
    return done


def _export(con: duckdb.DuckDBPyConnection, query: str, target: Path, options: str, zips: Zipper) -> PackageFile:
    rows = con.execute(f"copy ({query}) to {quote_literal(str(target))} ({options})").fetchone()[0]
    return PackageFile(path=target, rows=rows, fingerprint=zips.digest(target))


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


def package_name(dataset: str, period: str | None) -> str:
    return dataset if period is None else f"{dataset}-{period}"


def publisher_dir(site: Path, publisher_id: str) -> Path:
    return site / publisher_id


def write_package(con: duckdb.DuckDBPyConnection, profile: Profile, site: Path, release: Release,
                  seq: int, state: dict[str, PeriodVersion], period: str | None,
                  zips: Zipper) -> Path:
    """One package (cumulative when period is None) from the attached warehouse `wh`; its zip is
    queued on `zips`."""
    schema = profile.schema
    dataset = profile.dataset
    name = package_name(dataset, period)
    base = publisher_dir(site, profile.publisher_id)
    root = base / name
    if root.exists():
        shutil.rmtree(root)  # hard links to the previous version: removing them leaves it intact
    (root / "data").mkdir(parents=True)
    scope = [period] if period else sorted(state)
    # every file is written before the descriptor waits for their digests (taken in the background)
    national = _standard_exports(con, profile, base, root, name, period, scope, zips)
    if period is None:
        csv, parquet = _cumulative_data(con, profile, base, root, name, scope, zips)
    else:
        csv, parquet = _period_data(con, profile, root, name, period, zips)
    versions = [state[p] for p in scope]
    # A period package changes only when its period does (loaded again, or rows of it redacted since):
    # it carries the identity of the release that last changed it.
    made_by = release if period is None else notes.release_info(
        con, releases.period_release_id(con, state[period].row_release_id, period))
    descriptor_schema = schema.frictionless_descriptor()
    title = schema.descriptor["title"]
    # Fiscal Data Package: what the measures and dimensions mean, for OpenSpending-style tools.
    # Computed over this package's own rows only, so a period package never depends on other periods.
    con.execute(f"create or replace temp view package_rows as select * from wh.{quote_ident(dataset)} "
                f"where {_rows_of(profile, period)}")
    fiscal = fdp.package_properties(con, "package_rows", schema, publisher_id=profile.publisher_id,
                                    country_code=profile.country)
    notes.write_changelog(con, root, profile, seq, period)
    package = {
        "profile": "tabular-data-package",
        "name": f"{profile.publisher_id}-{name}".lower(),
        "title": profile.title + (f", {period}" if period else ""),
        "description": profile.description,
        "version": made_by.release_id,
        "created": made_by.published_at.replace(tzinfo=dt.timezone.utc).isoformat(),
        "licenses": [profile.licence],
        "sources": ([profile.source] if profile.source else []) + [
            {"title": f"{v.source_name} ({v.period})", "sha256": v.source_sha256} for v in versions],
        "contributors": [{"title": profile.publisher_name, "role": "publisher"}],
        "keywords": ["public spending", "transparency", dataset],
        "temporal": {"start": scope[0], "end": scope[-1]} if scope else {},
        "spendpub": {"version": made_by.tool_version, "release_id": made_by.release_id, "dataset": dataset,
                     "period": period, "periods": scope,
                     **({"redactions": redact.published_counts(con, f"wh.{quote_ident(dataset)}",
                                                               profile.publisher_id, period),
                         "redaction_note": redact.REDACTION_NOTE}
                        if "is_redacted" in schema.field_names else {}),
                     "spreadsheet_safety": spreadsheet.SPREADSHEET_NOTE},
        "resources": [
            _resource(name, csv, root, "csv", "text/csv", descriptor_schema, title),
            _resource(f"{name}-parquet", parquet, root, "parquet", "application/vnd.apache.parquet",
                      descriptor_schema, title + " (Parquet)"),
            *(_resource(res_name, file, root, "csv", "text/csv", res_schema, res_title)
              for res_name, file, res_schema, res_title in national),
        ],
    }
    package.update(fiscal)
    write_new(root / "datapackage.json", (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode())
    zips.zip(root, base / f"{name}.zip", made_by.published_at)
    return root


def _rows_of(profile: Profile, period: str | None) -> str:
    """SQL condition: the publisher's rows of `period` (every period when None)."""
    where = f"publisher_id = {quote_literal(profile.publisher_id)}"
    return where if period is None else f"{where} and period = {quote_literal(period)}"


def _period_data(con: duckdb.DuckDBPyConnection, profile: Profile, root: Path, name: str,
                 period: str | None, zips: Zipper) -> tuple[PackageFile, PackageFile]:
    """The package's CSV and Parquet files, from the warehouse.

    A period's rows are stored in releases.row_order and DuckDB scans keep that order, so one
    period needs no sort: its CSV is written first and its Parquet last, so that the small
    Parquet file is the one whose digest the package waits for. Every period at once (a fallback
    of the cumulative package) is sorted once, into the Parquet file the CSV is then read from."""
    schema = profile.schema
    rows = f"wh.{quote_ident(profile.dataset)} where {_rows_of(profile, period)}"
    csv_target, parquet_target = root / "data" / f"{name}.csv", root / "data" / f"{name}.parquet"

    def write_csv(source: str) -> PackageFile:
        # CSV cells are opened in spreadsheets: no text may start like a formula (spreadsheet.SPREADSHEET_NOTE)
        return _export(con, f"select {spreadsheet.safe_select_list(schema)} from {source}", csv_target,
                       "format csv, header true", zips)

    def write_parquet(order: str) -> PackageFile:
        return _export(con, f"select {_parquet_columns(schema)} from {rows}{order}", parquet_target,
                       "format parquet, compression zstd", zips)

    if period is not None:
        csv = write_csv(rows)
        return csv, write_parquet("")
    parquet = write_parquet(f" order by {releases.row_order(schema)}")
    return write_csv(f"read_parquet({quote_literal(str(parquet_target))})"), parquet


def _parquet_columns(schema: TableSchema) -> str:
    """The select list of a period's Parquet export: a column is OPTIONAL (nullable) in the Parquet
    schema unless the Table Schema requires its field. DuckDB writes REQUIRED wherever its
    statistics show no null, and for a field that may be empty those depend on history (the other
    publishers' rows, updates not yet checkpointed): the same rows would otherwise get another
    Parquet schema in a rebuild or the next period. A CASE that may give NULL hides them; a
    required field is never empty, so its statistics always say REQUIRED."""
    return ", ".join(quote_ident(f.name) if f.constraints.get("required") else
                     f"case when {quote_ident(f.name)} is not null then {quote_ident(f.name)} end as {quote_ident(f.name)}"
                     for f in schema.fields)


def _cumulative_data(con: duckdb.DuckDBPyConnection, profile: Profile, base: Path, root: Path, name: str,
                     periods: list[str], zips: Zipper) -> tuple[PackageFile, PackageFile]:
    """The cumulative package's data from the period packages already in the site: their rows are
    the cumulative rows, in the same order (period first). One period: the same files, linked;
    several: the CSVs concatenated under one header and the Parquet files read in period order.
    Files of a period package written by another version of the schema (another header) make it
    fall back to exporting from the warehouse."""
    parquets = [_period_file(profile, base, p, ".parquet") for p in periods]
    csv_target, parquet_target = root / "data" / f"{name}.csv", root / "data" / f"{name}.parquet"
    columns = ", ".join(quote_ident(f) for f in profile.schema.field_names)
    header = _csv_header(con, f"select {columns} from wh.{quote_ident(profile.dataset)}", root / "data")
    csv_fingerprint = None
    if periods and all(f.is_file() for f in parquets):
        csv_parts = [_period_file(profile, base, p, ".csv") for p in periods]
        csv_fingerprint = _joined(csv_target, csv_parts, header, zips)
    if csv_fingerprint is None:
        return _period_data(con, profile, root, name, None, zips)
    if len(parquets) == 1:
        os.link(parquets[0], parquet_target)
    else:
        files = "[" + ", ".join(quote_literal(str(f)) for f in parquets) + "]"
        # read from several files, DuckDB writes every column OPTIONAL
        con.execute(f"copy (select * from read_parquet({files})) to {quote_literal(str(parquet_target))} "
                    "(format parquet, compression zstd)")
    rows = _publisher_rows(con, profile)
    return (PackageFile(csv_target, rows, csv_fingerprint),
            PackageFile(parquet_target, rows, zips.digest(parquet_target)))


def _period_file(profile: Profile, base: Path, period: str, suffix: str) -> Path:
    """A data file of a period package in the site: data/<dataset>-<period><suffix>."""
    name = package_name(profile.dataset, period)
    return base / name / "data" / f"{name}{suffix}"


def _publisher_rows(con: duckdb.DuckDBPyConnection, profile: Profile) -> int:
    return con.execute(f"select count(*) from wh.{quote_ident(profile.dataset)} where publisher_id = ?",
                       [profile.publisher_id]).fetchone()[0]


def _joined(target: Path, parts: list[Path], header: bytes, zips: Zipper) -> Future | None:
    """`target` made of the period packages' copies of one CSV, with the future of its bytes and
    sha256: the period's file linked when there is one (the Zipper knows a linked file by its
    inode: hashed once, with the deflation its zips need anyway), else their rows concatenated
    under one header. None, and nothing written, when a period lacks the file or wrote another
    header."""
    if not parts or not all(f.is_file() for f in parts) or any(first_line(f) != header for f in parts):
        return None
    if len(parts) > 1:
        return _known(_concatenate(target, header, parts))
    os.link(parts[0], target)
    return zips.digest(target)


def _recorded(described: dict[str, tuple[int, str]], base: Path, path: Path) -> tuple[int, str] | None:
    """A data file's bytes and sha256 as its package's datapackage.json records them, if its size agrees."""
    found = described.get(path.relative_to(base).as_posix())
    return found if found and found[0] == path.stat().st_size else None


def _concatenate(target: Path, header: bytes, parts: list[Path]) -> tuple[int, str]:
    """CSV files concatenated under one header (each part's own header dropped), hashed as written."""
    digest, size = hashlib.sha256(header), len(header)
    with open(target, "wb") as out:
        out.write(header)
        for f in parts:
            for chunk in body_chunks(f):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    return size, digest.hexdigest()


def _csv_header(con: duckdb.DuckDBPyConnection, query: str, folder: Path) -> bytes:
    """The header line DuckDB writes for a query's columns (quoting names where it must)."""
    probe = folder / ".header.csv"
    con.execute(f"copy (select * from ({query}) limit 0) to {quote_literal(str(probe))} (format csv, header true)")
    header = first_line(probe)
    probe.unlink()
    return header


def _standard_exports(con: duckdb.DuckDBPyConnection, profile: Profile, base: Path, root: Path, name: str,
                      period: str | None, periods: list[str],
                      zips: Zipper) -> list[tuple[str, PackageFile, dict, str]]:
    """The national formats the canonical table also goes out in, as (resource name, file, schema,
    title): France's SCDL budget CSV for French budgets (cumulative package), the UK
    transparency-code CSV for British spending in pounds (every package: the cumulative one is put
    together from the periods' files, as its own CSV is)."""
    out = []
    if profile.dataset == "budget" and profile.country == "FR" and period is None:
        target = root / "data" / f"{name}-scdl.csv"
        # the budget table is already labelled from the chart of accounts at staging
        rows = write_scdl_budget(con, target, "wh.budget", publisher_id=profile.publisher_id)
        out.append((f"{name}-scdl-budget", PackageFile(target, rows, zips.digest(target)),
                    scdl_schema().frictionless_descriptor(), "SCDL budget 0.8.3 (schema.data.gouv.fr)"))
    if profile.dataset == "spending" and profile.country == "GB" and not other_currencies(
            con, "wh.spending", publisher_id=profile.publisher_id, period=period)[0]:
        suffix = "-uk-transparency.csv"
        target = root / "data" / f"{name}{suffix}"
        joined = None
        if period is None:
            header = _csv_header(con, uk_spend_query("wh.spending"), root / "data")
            joined = _joined(target, [_period_file(profile, base, p, suffix) for p in periods], header, zips)
        if joined is None:
            rows = write_uk_spend(con, target, "wh.spending", publisher_id=profile.publisher_id, period=period,
                                  body=profile.identifier)
            file = PackageFile(target, rows, zips.digest(target))
        else:
            file = PackageFile(target, _publisher_rows(con, profile), joined)
        out.append((f"{name}-uk-transparency", file, uk_spend_schema(),
                    "UK Local Government Transparency Code: spending"))
    return out


MART_PACKAGE = "budget_vs_actual"   # the derived mart published as a package of its own


def write_mart_package(con: duckdb.DuckDBPyConnection, profile: Profile, site: Path, release: Release,
                       mart: str, zips: Zipper) -> Path | None:
    """A derived mart (budget_vs_actual) as the publisher's package, when it has rows for them."""
    schema = load_schema(mart)
    where = f"publisher_id = {quote_literal(profile.publisher_id)}"
    base = publisher_dir(site, profile.publisher_id)
    name = mart.replace("_", "-")
    root = base / name
    if root.exists():
        shutil.rmtree(root)
    (base / f"{name}.zip").unlink(missing_ok=True)
    if not con.execute(f"select count(*) from wh.{quote_ident(mart)} where {where}").fetchone()[0]:
        return None
    (root / "data").mkdir(parents=True)
    columns = ", ".join(quote_ident(f) for f in schema.field_names)
    query = f"select {columns} from wh.{quote_ident(mart)} where {where} order by all"
    csv = _export(con, query, root / "data" / f"{name}.csv", "format csv, header true", zips)
    package = {
        "profile": "tabular-data-package",
        "name": f"{profile.publisher_id}-{name}",
        "title": f"{profile.publisher_name}: {schema.descriptor['title']}",
        "description": schema.descriptor["description"],
        "version": release.release_id,
        "created": release.published_at.replace(tzinfo=dt.timezone.utc).isoformat(),
        "licenses": [profile.licence],
        "contributors": [{"title": profile.publisher_name, "role": "publisher"}],
        "spendpub": {"version": release.tool_version, "release_id": release.release_id, "dataset": mart,
                     "period": None, "periods": []},
        "resources": [_resource(name, csv, root, "csv", "text/csv", schema.frictionless_descriptor(),
                                schema.descriptor["title"])],
    }
    write_new(root / "datapackage.json", (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode())
    zips.zip(root, base / f"{name}.zip", release.published_at)
    return root


def remove_package(site: Path, publisher_id: str, dataset: str, period: str) -> None:
    base = publisher_dir(site, publisher_id)
    name = package_name(dataset, period)
    shutil.rmtree(base / name, ignore_errors=True)
    (base / f"{name}.zip").unlink(missing_ok=True)


def inventory(site: Path, publisher_id: str, known: dict[str, tuple[int, str]] | None = None,
              zipped: dict[Path, tuple[int, str]] | None = None) -> list[tuple[str, str, int, str]]:
    """(package, relative path, bytes, sha256) of every file the publisher's site holds.

    A file still hard-linked to the previous version is unchanged: its recorded digest in `known`
    is reused instead of reading it again; so is the digest a package's datapackage.json gives
    for its data files, hashed when they were written a moment ago, and a zip's, hashed as it was
    written (`zipped`: Zipper.written).
    """
    base = publisher_dir(site, publisher_id)
    previous, described, zipped = known or {}, _described(base), zipped or {}
    out = []
    for p in sorted(base.rglob("*")):
        if p.is_file():
            rel = p.relative_to(base).as_posix()
            if found := _recorded(described, base, p):
                size, digest = found
            elif rel in previous and p.stat().st_nlink > 1:
                size, digest = previous[rel]
            elif p in zipped and zipped[p][0] == p.stat().st_size:
                size, digest = zipped[p]
            else:
                size, digest = file_digest(p)
            out.append((rel.split("/")[0].removesuffix(".zip"), rel, size, digest))
    return out


def _described(base: Path) -> dict[str, tuple[int, str]]:
    """Bytes and sha256 of the data files, as each package's datapackage.json records them."""
    out = {}
    for descriptor in base.glob("*/datapackage.json"):
        for res in json.loads(descriptor.read_text(encoding="utf-8")).get("resources", []):
            fingerprint = res.get("spendpub", res)
            if isinstance(res.get("path"), str) and "hash" in fingerprint:
                rel = f"{descriptor.parent.name}/{res['path']}"
                out[rel] = (fingerprint["bytes"], fingerprint["hash"].removeprefix("sha256:"))
    return out
