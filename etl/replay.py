"""Replay archived releases: rebuild a release's packages byte for byte, or roll back to it.

The warehouse records, for every release, which archived source and profile each period's rows
came from (release_state). Replaying those through the same pipeline, under the releases' own
ids and times, gives the same rows; the packages are a pure function of them.
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import archive, notes, publish, redact, releases
from .errors import SpendpubError, UsageError
from .files import private_dir
from .home import SITE_DIR, WAREHOUSE_FILE, Home
from .pipeline import RunResult, _totals, commit_release, new_release, new_rows_table, prepare, work_connection
from .profile import Profile, load_profile
from .releases import PeriodVersion
from .sqltext import quote_ident, quote_literal
from .validate.domain import RecordedBaseline
from .validate.report import Report
from .zips import Zipper
from .warehouse import AttachedWarehouse, derived_marts, table_exists

REBUILD_DIR = "rebuild"   # in the home: where `rebuild` writes a release's packages again by default

RELEASE_TABLES = ("releases", "release_sources", "release_references", "release_outlier_baselines",
                  "release_totals", "release_state", "release_period_changes", "release_changes",
                  "release_redacted_published",
                  "release_packages", "publishers")


@dataclass(frozen=True)
class RebuildResult:
    release_id: str
    out: Path
    files: int
    mismatched: list[str]   # relative paths whose bytes differ from what the release wrote
    missing: list[str]      # files the release had that the rebuild did not write
    extra: list[str]        # files the rebuild wrote that the release did not have

    @property
    def identical(self) -> bool:
        return not (self.mismatched or self.missing or self.extra)


def _served_version(home: Home) -> Path:
    current = home.current()
    if current is None:
        raise UsageError("nothing has been published in this home yet", where=str(home.root))
    return current


def _attach_current(con: duckdb.DuckDBPyConnection, home: Home) -> None:
    con.execute(f"attach {quote_literal(str(_served_version(home) / WAREHOUSE_FILE))} as cur (read_only)")


def _archived_profile(home: Home, profile_sha: str) -> Profile:
    return load_profile(archive.fetch(home.archive, profile_sha, "the profile"))


def _release_row(con: duckdb.DuckDBPyConnection, release_id: str) -> tuple:
    row = con.execute("select release_id, seq, publisher_id, dataset, profile_sha256 from cur.releases "
                      "where release_id = ?", [release_id]).fetchone()
    if row is None:
        raise UsageError(f"no release {release_id!r} (spendpub releases lists them)")
    return row


def materialise(con: duckdb.DuckDBPyConnection, home: Home, state: dict[str, PeriodVersion], workdir: Path,
                table: str = "new_rows", as_of: str | None = None) -> None:
    """Recreate the rows of every period in `state` from the archive, each under the release that made it.

    With `as_of` (the release being rebuilt), each period is redacted as it stood right after that
    release: prepared under the redaction state of the release that loaded it, then redacted again
    as each later release up to `as_of` redacted the rows already published (their archived
    snapshots). Without it (a rollback), under today's decisions: the commit then redacts as of now.
    """
    history = _redaction_history(con, as_of) if as_of else {}
    # each release's archived redaction state and policy, read once: it redacts every earlier period
    snapshot_of = functools.cache(lambda release_id: _redaction_snapshot(con, home, release_id))
    policy_of = functools.cache(lambda profile_sha: redact.load_policy(_archived_profile(home, profile_sha)))

    groups: dict[tuple[str, str, tuple], list[PeriodVersion]] = {}
    for v in state.values():
        groups.setdefault((v.row_release_id, v.profile_sha256, history.get(v.period, ())), []).append(v)
    first = True
    for (row_release_id, profile_sha, redacted_by), versions in sorted(groups.items()):
        profile = _archived_profile(home, profile_sha)
        made_by = notes.release_info(con, row_release_id, db="cur")
        loaded_under = snapshot_of(redacted_by[0][0]) if redacted_by else None
        files = [archive.fetch(home.archive, v.source_sha256, v.source_name) for v in versions]
        prepared = prepare(con, profile, files, workdir, periods=[v.period for v in versions], release=made_by,
                           decisions=(loaded_under[0] if loaded_under
                                      else redact.load_decisions(home.root, profile.publisher_id)),
                           reference_files=_archived_references(con, home, row_release_id),
                           history=_recorded_baseline(con, row_release_id))
        if prepared.result.report.blocks_publish:   # rows quarantined then are set aside again
            raise SpendpubError(f"replaying {row_release_id} no longer validates "
                                f"({prepared.result.report.error_count} errors): the code has changed how it reads "
                                "these files")
        rows = new_rows_table(con, profile, "replayed")
        if redacted_by:
            rows = "replayed_rows"
            con.execute(f"create or replace temp table {rows} as select * from replayed")
            for rid, sha in redacted_by:   # as each release redacted the rows already published
                if snapshot := snapshot_of(rid):
                    redact.redact_published(con, rows, profile, policy_of(sha), *snapshot)
        con.execute(f"create or replace temp table {table} as select * from {rows}"
                    if first else f"insert into {table} select * from {rows}")
        first = False


def _redaction_history(con: duckdb.DuckDBPyConnection, release_id: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """For each period of `release_id`, the releases of its dataset that redacted its rows, in
    order: (release id, profile sha256) of the one that loaded them, then of each later one up to
    `release_id` (a publish redacts, in the rows already published, the names it redacts)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for period, rid, profile_sha in con.execute("""
            with target as (select seq, publisher_id, dataset from cur.releases where release_id = $rid),
            earlier as (select r.release_id, r.seq, r.periods, r.profile_sha256 from cur.releases r, target t
                        where r.publisher_id = t.publisher_id and r.dataset = t.dataset and r.seq <= t.seq),
            loaded as (select s.period, max(e.seq) as seq from cur.release_state s
                       join earlier e on list_contains(e.periods, s.period)
                       where s.release_id = $rid group by s.period)
            select l.period, e.release_id, e.profile_sha256 from loaded l join earlier e on e.seq >= l.seq
            order by l.period, e.seq""", {"rid": release_id}).fetchall():
        out.setdefault(period, []).append((rid, profile_sha))
    return {period: tuple(releases_) for period, releases_ in out.items()}


def _redaction_snapshot(con: duckdb.DuckDBPyConnection, home: Home,
                        release_id: str) -> tuple[redact.Decisions, list[tuple[str, bool]]] | None:
    """The private redaction state `release_id` was made under and the names it redacted itself
    (None for a release made before they were archived: today's decisions are used then)."""
    if not table_exists(con, "release_decisions", "cur"):
        return None
    row = con.execute("select sha256 from cur.release_decisions where release_id = ?", [release_id]).fetchone()
    if row is None:
        return None
    return redact.from_snapshot(archive.fetch(home.archive, row[0], "the redaction decisions").read_bytes())


def _archived_references(con: duckdb.DuckDBPyConnection, home: Home, release_id: str) -> dict[str, Path]:
    """The archived copies of the code lists `release_id` was validated with, by profile key (none
    for a release made before they were archived: the profile's own paths are read then)."""
    if not table_exists(con, "release_references", "cur"):
        return {}
    return {key: archive.fetch(home.archive, sha256, name) for key, name, sha256 in con.execute(
        "select profile_key, file_name, sha256 from cur.release_references where release_id = ?",
        [release_id]).fetchall()}


def _recorded_baseline(con: duckdb.DuckDBPyConnection, release_id: str) -> RecordedBaseline | None:
    """The outlier baseline `release_id` was validated with (None when it recorded none: the check
    then found nothing to compare with, or the release predates the record, and is skipped)."""
    if not table_exists(con, "release_outlier_baselines", "cur"):
        return None
    rows = con.execute("select currency, usual, history from cur.release_outlier_baselines "
                       "where release_id = ? order by currency", [release_id]).fetchall()
    return RecordedBaseline(tuple(rows)) if rows else None


def rebuild(home_root: Path, release_id: str, out: Path | None = None) -> RebuildResult:
    """Write the publisher's site as `release_id` left it again, from the archive (every dataset it
    had published by then, the budget_vs_actual package, the release notes), and compare it with
    what the release recorded."""
    home = Home(home_root)
    _served_version(home)   # a home with nothing to rebuild gets no work folder either
    # DuckDB spills in the run's work folder, and the archived sources are read there
    with home.work_folder() as work, work_connection(work) as con:
        _attach_current(con, home)
        rid, seq, publisher_id, _, _ = _release_row(con, release_id)
        private = out is None   # the packages as they were hold names redacted since
        out = out or home.root / REBUILD_DIR / rid
        if out.exists():
            shutil.rmtree(out)
        (private_dir(out) if private else out).joinpath(SITE_DIR).mkdir(parents=True)
        wh = AttachedWarehouse(con, work / WAREHOUSE_FILE)
        # a table the live warehouse lacks came with a later spendpub: no release recorded anything in it
        for t in (t for t in RELEASE_TABLES if table_exists(con, t, "cur")):
            seq_filter = ("" if t == "publishers" else
                          " where seq <= ?" if t == "releases" else
                          " where release_id in (select release_id from cur.releases where seq <= ?)")
            con.execute(f"delete from wh.{t}")
            con.execute(f"insert into wh.{t} select * from cur.{t}{seq_filter}", [] if t == "publishers" else [seq])
        profile_by_sha = functools.cache(lambda sha: _archived_profile(home, sha))

        def profile_of(release: str) -> Profile:
            """The profile a release published with: each package and release note is rebuilt
            as the release that last changed it wrote it, with the profile of its time (a later
            edit, of the title or of the body's code, left it as it was)."""
            return profile_by_sha(_release_row(con, release)[4])

        # The publisher's site right after the release holds every dataset it had published by
        # then (a budget beside its payments), each as its latest release up to then left it.
        latest = con.execute("select dataset, arg_max(release_id, seq), max(seq) from cur.releases "
                             "where publisher_id = ? and seq <= ? group by dataset order by dataset",
                             [publisher_id, seq]).fetchall()
        states = {d: releases.state_of(con, last, db="cur") for d, last, _ in latest}
        for d, last, _ in latest:
            if not states[d]:
                continue
            schema = profile_of(last).schema
            rows = f"rebuilt_{d}"
            materialise(con, home, states[d], work, table=rows, as_of=last)
            cols = ", ".join(quote_ident(f) for f in schema.field_names)
            con.execute(f"insert into wh.{quote_ident(d)} ({cols}) select {cols} from {rows} "
                        f"order by {releases.row_order(schema)}")
        wh.build_marts(derived_marts(publish.MART_PACKAGE))   # only the mart it publishes, from every dataset
        site = out / SITE_DIR
        with Zipper(scratch_in=work) as zips:
            for d, last, last_seq in latest:
                state, made = states[d], notes.release_info(con, last)
                for period in state:
                    made_by = releases.period_release_id(con, state[period].row_release_id, period)
                    publish.write_package(con, profile_of(made_by), site, made, last_seq, state, period, zips)
                publish.write_package(con, profile_of(last), site, made, last_seq, state, None, zips)
            publish.write_mart_package(con, profile_of(rid), site, notes.release_info(con, rid),
                                       publish.MART_PACKAGE, zips)
        for earlier, earlier_seq in con.execute("select release_id, seq from wh.releases where publisher_id = ? "
                                                "order by seq", [publisher_id]).fetchall():
            notes.write_release_notes(con, site, profile_of(earlier), notes.release_info(con, earlier),
                                      earlier_seq)
        expected = {path: sha for path, sha in con.execute(
            "select path, sha256 from cur.release_packages where release_id = ?", [rid]).fetchall()}
        got = {path: sha for _, path, _, sha in publish.inventory(site, publisher_id, zipped=zips.written)}
        wh.detach()
        return RebuildResult(
            release_id=rid, out=out, files=len(got),
            mismatched=sorted(p for p in got if p in expected and got[p] != expected[p]),
            missing=sorted(set(expected) - set(got)), extra=sorted(set(got) - set(expected)))


def rollback(home_root: Path, release_id: str, wait_seconds: float = 0) -> RunResult:
    """Publish, as a new release, the state the publisher's dataset had right after `release_id`."""
    home = Home(home_root)
    _served_version(home)   # a home with nothing to roll back gets no work folder either
    with home.work_folder() as work, work_connection(work) as con, home.lock(wait_seconds):
        _attach_current(con, home)
        rid, _, publisher_id, dataset, profile_sha = _release_row(con, release_id)
        latest = releases.latest_release_id(con, publisher_id, dataset, db="cur")
        if latest == rid:
            raise UsageError(f"{rid} is already the latest release of {publisher_id}")
        target = releases.state_of(con, rid, db="cur")
        current = releases.state_of(con, latest, db="cur")
        profile = _archived_profile(home, profile_sha)
        materialise(con, home, target, work)
        con.execute("detach cur")
        release = new_release(profile, "rollback", rid)
        result = RunResult(profile=profile, release=release, report=Report())
        changed = {p: v for p, v in target.items() if current.get(p) != v}
        con.execute("delete from new_rows where period not in (select unnest(?::varchar[]))", [list(changed)])
        result.totals = _totals(con, profile, "new_rows")
        if "is_redacted" in profile.schema.field_names:   # the rows it publishes again, redacted as before
            result.redacted_rows = con.execute("select count(*) from new_rows where is_redacted").fetchone()[0]
        removed = tuple(sorted(set(current) - set(target)))
        commit_release(con, home, profile, release, result, changed, "new_rows", work, remove_periods=removed)
        return result
