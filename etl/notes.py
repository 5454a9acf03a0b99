"""What a release says about itself: CHANGELOG.md and changes.csv in each package, release notes,
and the DCAT-style site/catalog.json that data portals harvest.

All of it is read from the warehouse's release tables, so it is the same whenever it is rebuilt.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb

from . import spreadsheet
from .files import file_digest, write_new
from .profile import Profile
from .releases import Release, periods_moved, redacted_published_in



def release_info(con: duckdb.DuckDBPyConnection, release_id: str, db: str = "wh") -> Release:
    rid, at, kind, back, version = con.execute(
        f"select release_id, published_at, kind, rolls_back_to, tool_version from {db}.releases where release_id = ?",
        [release_id]).fetchone()
    return Release(rid, at, version, kind, back)


def _money(v: Decimal | None) -> str:
    return "" if v is None else f"{v:,.2f}"


def _iso(at: dt.datetime) -> str:
    return at.replace(tzinfo=dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _changed(db: str) -> str:
    """SQL condition on a release: it changed the package of $period (every package when null), by
    publishing the period or by redacting rows of it that an earlier release had published."""
    return f"($period is null or list_contains(periods, $period) or {redacted_published_in(db)})"


MOVED = {"withdrawn": "withdrawn (it held the rows of", "restored": "restored (the rows of"}


def release_entries(con: duckdb.DuckDBPyConnection, publisher_id: str, dataset: str, up_to_seq: int,
                    period: str | None = None, db: str = "wh") -> list[str]:
    """Markdown sections, newest first, for the releases that touched the scope: that published
    its period(s), or redacted rows of it that an earlier release had published."""
    rows = con.execute(f"""
        select release_id, seq, kind, rolls_back_to, published_at, periods, rows_loaded, rows_rejected,
               rows_redacted
        from {db}.releases
        where publisher_id = $publisher and dataset = $dataset and seq <= $seq
          and {_changed(db)}
        order by seq desc""", {"publisher": publisher_id, "dataset": dataset, "seq": up_to_seq,
                               "period": period}).fetchall()
    sections = []
    for rid, seq, kind, back, at, periods, loaded, rejected, redacted in rows:
        published_here = period is None or period in periods
        shown = periods if period is None or not published_here else [period]
        lines = [f"## {rid}", "", f"Published {_iso(at)}" + (f", rolling back to {back}" if back else "")
                 + f". Periods: {', '.join(shown)}.", ""]
        for name, sha, per, nrows in con.execute(
                f"select file_name, sha256, period, rows_loaded from {db}.release_sources "
                "where release_id = ? and (? is null or period = ?) order by period, file_name",
                [rid, period, period]).fetchall():
            lines.append(f"- `{name}` ({per}): {nrows:,} rows, sha256 `{sha}`")
        for per, currency, n, total in con.execute(
                f"select period, currency, payments, total from {db}.release_totals "
                "where release_id = ? and (? is null or period = ?) order by period, currency",
                [rid, period, period]).fetchall():
            lines.append(f"- {per}: {n:,} payments, {currency} {_money(total)}")
        for per, prev, by, before, after, added, removed, changed in con.execute(
                f"select period, previous_release_id, matched_by, rows_before, rows_after, added, removed, changed "
                f"from {db}.release_period_changes where release_id = ? and (? is null or period = ?) order by period",
                [rid, period, period]).fetchall():
            before_totals = dict(con.execute(
                f"select currency, total from {db}.release_totals where release_id = ? and period = ?",
                [prev, per]).fetchall())
            after_totals = dict(con.execute(
                f"select currency, total from {db}.release_totals where release_id = ? and period = ?",
                [rid, per]).fetchall())
            totals = "; ".join(f"{c} {_money(before_totals.get(c))} → {_money(after_totals.get(c))}"
                               for c in sorted(set(before_totals) | set(after_totals)))
            lines.append(f"- {per} replaces {prev} (matched by {by}): {added:,} added, {removed:,} removed, "
                         f"{changed:,} changed; rows {before:,} → {after:,}; totals {totals}")
        for how, held in periods_moved(con, rid, db):
            if period in (None, held.period):
                totals = held.totals_text(_money)
                lines.append(f"- {held.period} {MOVED[how]} {held.published_by}" + (f": {totals}" if totals else "") + ")")
        if published_here and (rejected or redacted):
            lines.append(f"- {rejected:,} rows rejected, {redacted:,} rows redacted")
        for per, n in con.execute(
                f"select period, rows from {db}.release_redacted_published where release_id = ? "
                "and (? is null or period = ?) order by period", [rid, period, period]).fetchall():
            lines.append(f"- {per}: {n:,} row{'s' if n != 1 else ''} published earlier now redacted (a name this "
                         "release redacts, or one confirmed as a person since, is withheld in every release's rows); "
                         "amounts and totals unchanged")
        sections.append("\n".join(lines) + "\n")
    return sections


def write_changelog(con: duckdb.DuckDBPyConnection, root: Path, profile: Profile, seq: int,
                    period: str | None) -> None:
    scope = f" for {period}" if period else ""
    header = f"# Changelog: {profile.title}{scope}\n\nNewest first. Row-level changes are in `changes.csv`.\n\n"
    write_new(root / "CHANGELOG.md",
              (header + "\n".join(release_entries(con, profile.publisher_id, profile.dataset, seq, period))).encode())
    con.execute(f"""
        copy (
            select c.release_id, c.period, c.change, {spreadsheet.safe_expression('c.match_key')} as match_key,
                   c.line_before, c.line_after,
                   {spreadsheet.safe_expression("array_to_string(c.fields_changed, ';')")} as fields_changed,
                   c.amount_before, c.amount_after
            from wh.release_changes c join wh.releases r using (release_id)
            where r.publisher_id = ? and r.dataset = ? and r.seq <= ? and (? is null or c.period = ?)
            order by r.seq, c.period, c.change, c.match_key, c.line_before, c.line_after
        ) to '{(root / "changes.csv").as_posix()}' (format csv, header true)""",
                [profile.publisher_id, profile.dataset, seq, period, period])


def write_release_notes(con: duckdb.DuckDBPyConnection, site: Path, profile: Profile, release: Release,
                        seq: int) -> Path:
    folder = site / profile.publisher_id / "releases"
    folder.mkdir(parents=True, exist_ok=True)
    (entry,) = [e for e in release_entries(con, profile.publisher_id, profile.dataset, seq)
                if e.startswith(f"## {release.release_id}\n")]
    path = folder / f"{release.release_id}.md"
    write_new(path, f"# Release notes: {profile.title}\n\n{entry}".encode())
    return path


def write_catalog(con: duckdb.DuckDBPyConnection, site: Path) -> Path:
    """site/catalog.json: every package of every publisher, DCAT-style, with its releases."""
    datasets = []
    # Each publisher's files as its latest release recorded them (wh.release_packages), so that its
    # zips are not read again to be hashed, at every publish of every publisher.
    recorded = {(publisher_id, path): (size, digest) for publisher_id, path, size, digest in con.execute("""
        select r.publisher_id, p.path, p.bytes, p.sha256
        from wh.release_packages p join wh.releases r using (release_id)
        qualify r.seq = max(r.seq) over (partition by r.publisher_id)""").fetchall()}
    for publisher_id, name, url in con.execute(
            "select publisher_id, publisher_name, url from wh.publishers order by publisher_id").fetchall():
        base = site / publisher_id
        for descriptor in sorted(base.glob("*/datapackage.json")):
            pkg = json.loads(descriptor.read_text(encoding="utf-8"))
            spend = pkg["spendpub"]
            periods = spend["periods"]
            releases = con.execute(f"""
                select release_id, published_at from wh.releases
                where publisher_id = $publisher and dataset = $dataset and {_changed("wh")}
                order by seq""", {"publisher": publisher_id, "dataset": spend["dataset"],
                                  "period": spend["period"]}).fetchall()
            distributions = []
            for rel, fmt, media in ((f"{descriptor.parent.name}.zip", "ZIP", "application/zip"),
                                    (f"{descriptor.parent.name}/datapackage.json", "JSON", "application/json")):
                size, digest = _digest(base / rel, recorded.get((publisher_id, rel)))
                distributions.append({"title": rel, "format": fmt, "mediaType": media, "byteSize": size,
                                      "checksum": {"algorithm": "sha256", "value": digest},
                                      "downloadURL": f"{publisher_id}/{rel}"})
            for res in pkg["resources"]:
                extra = res.get("spendpub", {})
                distributions.append({
                    "title": res["title"], "format": res["format"].upper(), "mediaType": res["mediatype"],
                    "byteSize": res.get("bytes", extra.get("bytes")),
                    "checksum": {"algorithm": "sha256",
                                 "value": (res.get("hash") or extra.get("hash")).removeprefix("sha256:")},
                    "downloadURL": f"{publisher_id}/{descriptor.parent.name}/{res['path']}"})
            start, end = (period_bounds(periods[0])[0], period_bounds(periods[-1])[1]) if periods else (None, None)
            datasets.append({
                "@type": "dcat:Dataset",
                "identifier": pkg["name"],
                "title": pkg["title"],
                "description": pkg.get("description", ""),
                "publisher": {"name": name, "identifier": publisher_id, **({"homepage": url} if url else {})},
                "license": pkg["licenses"][0].get("path") or pkg["licenses"][0]["name"],
                "keyword": pkg.get("keywords", []),
                "temporal": {"startDate": start, "endDate": end},
                "issued": _iso(releases[0][1]) if releases else pkg["created"],
                "modified": pkg["created"],
                "version": pkg["version"],
                "releases": [{"identifier": r, "issued": _iso(at)} for r, at in releases],
                "distribution": distributions,
            })
    catalog = {"@context": "https://www.w3.org/ns/dcat.jsonld", "@type": "dcat:Catalog",
               "title": "spendpub: published public-spending data", "dataset": datasets}
    path = site / "catalog.json"
    write_new(path, (json.dumps(catalog, indent=2, ensure_ascii=False) + "\n").encode())
    return path


def _digest(path: Path, recorded: tuple[int, str] | None) -> tuple[int, str]:
    """A published file's bytes and sha256: as the release's inventory recorded them (published
    files are never changed in place; a size that differs means the record is not of this file),
    else read."""
    return recorded if recorded and recorded[0] == path.stat().st_size else file_digest(path)


def period_bounds(period: str) -> tuple[str | None, str | None]:
    """First and last day a period covers: a month (2012-06), a year range (1976-2022), or a year
    followed by a phase (2022-executed)."""
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        year, month = int(m[1]), int(m[2])
        first_next = dt.date(year + month // 12, month % 12 + 1, 1)
        return f"{year:04d}-{month:02d}-01", (first_next - dt.timedelta(days=1)).isoformat()
    if m := re.match(r"(\d{4})(?:-(\d{4})(?!\d))?", period):
        return f"{m[1]}-01-01", f"{m[2] or m[1]}-12-31"
    return None, None
