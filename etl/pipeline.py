"""The publish flow: extract -> transform -> validate -> redact -> load -> publish.

Library code: it returns results and raises SpendpubError; only the CLI and the app speak to people.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator, Mapping

import duckdb

from . import __version__, archive, engine, leakgate, notes, publish, redact, reference, releases
from .errors import InputError, SpendpubError, UsageError
from .files import file_digest
from .extract import extract
from .home import SITE_DIR, WAREHOUSE_FILE, Home
from .periods import (Refusals, check_period_option, fill_periods_from_data, period_of_file,
                      second_files_of_a_period)
from .profile import Profile, load_profile
from .releases import PeriodChange, PeriodVersion, Release
from .sqltext import quote_ident, quote_literal
from .transform import FileContext, build_staging, file_names, resolve_columns, stg_table
from .validate import messages, quarantine, validate
from .validate import refused as validate_refused
from .validate.domain import STATED_TOTAL, RecordedBaseline
from .validate.issuelist import write_issue_list
from .validate.policy import ValidationPolicy, policy_of
from .validate.report import Report
from .warehouse import AttachedWarehouse, drop_temp, table_exists
from .zips import Zipper

@dataclass(frozen=True)
class FileSummary:
    name: str
    sha256: str
    bytes: int
    encoding: str
    period: str
    header_line: int
    records: int
    blank: int
    skipped: dict[str, int]
    loaded: int
    control_total: Decimal | None
    quarantined: int = 0  # records set aside with their errors (read, not loaded)

    @property
    def rows_read(self) -> int:
        """Records below the header that are payment rows: neither blank nor skipped (a total, a note)."""
        return self.records - self.blank - sum(self.skipped.values())


@dataclass(frozen=True)
class Total:
    period: str
    currency: str
    payments: int
    total: Decimal


@dataclass
class RunResult:
    profile: Profile
    release: Release
    report: Report
    files: list[FileSummary] = field(default_factory=list)
    totals: list[Total] = field(default_factory=list)
    rejected_rows: int = 0
    redacted_rows: int = 0
    lang: str = messages.DEFAULT_LANG    # of the report and the quarantine file's reasons
    quarantine_file: Path | None = None  # the rows set aside by a publish (private: never under site/)
    issues_listed: int | None = None     # issues written to the run's issues file, when one was asked for
    published: bool = False
    package_dir: Path | None = None
    unchanged_since: str | None = None  # the releases that already published exactly these files
    changes: list[PeriodChange] = field(default_factory=list)
    redactions: dict[str, int] = field(default_factory=dict)          # record rows per reason code
    registered: int = 0                  # names the release added to the private register...
    registered_as_precaution: int = 0    # ...of which withheld as a precaution (whole cells)
    redaction_candidates: list[redact.Candidate] = field(default_factory=list)  # for a person to review
    references: list[tuple[str, str, str]] = field(default_factory=list)  # (profile key, file name, sha256) archived

    @property
    def release_id(self) -> str:
        return self.release.release_id

    @property
    def records(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    def totals_by_currency(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for t in self.totals:
            out[t.currency] = out.get(t.currency, Decimal(0)) + t.total
        return out


def new_release(profile: Profile, kind: str = "publish", rolls_back_to: str | None = None) -> Release:
    """A new release id: publisher, UTC time and a random suffix (two publishes may share a second)."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    return Release(f"{profile.publisher_id}-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}", now, __version__,
                   kind, rolls_back_to)


def _summaries(con: duckdb.DuckDBPyConnection, profile: Profile,
               contexts: list[FileContext]) -> list[FileSummary]:
    table = quote_ident(stg_table(profile))
    has_amount = "amount" in profile.schema.field_names
    rows = {r[0]: r[1:] for r in con.execute(f"""
        select source_file_index,
               count(*) as records,
               count(*) filter (where row_kind = 'blank'),
               count(*) filter (where row_kind = 'total'),
               count(*) filter (where row_kind = 'note'),
               count(*) filter (where row_kind = 'record'),
               {STATED_TOTAL if has_amount else 'null'},
               count(*) filter (where row_kind = '{quarantine.QUARANTINED}')
        from {table} group by 1""").fetchall()}
    out = []
    for ctx in contexts:
        records, blank, totals, notes, loaded, control, quarantined = rows.get(
            ctx.index, (0, 0, 0, 0, 0, None, 0))
        e = ctx.extracted
        out.append(FileSummary(name=e.name, sha256=e.sha256, bytes=e.bytes, encoding=e.encoding,
                               period=ctx.period or "", header_line=e.header_line, records=records,
                               blank=blank, skipped={"total": totals, "note": notes}, loaded=loaded,
                               control_total=control, quarantined=quarantined))
    return out


def _totals(con: duckdb.DuckDBPyConnection, profile: Profile, rows: str | None = None) -> list[Total]:
    """Payments and total per period and currency, of the records in stg_ (or of a rows table). The
    total adds the amounts that could be read: zero when none could (a dry run reports why)."""
    if not {"amount", "currency"} <= set(profile.schema.field_names):
        return []
    source = rows or f"{quote_ident(stg_table(profile))} where row_kind = 'record'"
    return [Total(*r) for r in con.execute(
        f"select period, currency, count(*), coalesce(sum(amount), 0) from {source} group by all order by all").fetchall()]


def fault_point(step: str) -> None:
    """Fault injection for the crash tests: SPENDPUB_FAULT_AT=step[:sleep=SECONDS] kills (SIGKILL)
    or pauses this process at a named step, so tests can prove a crash anywhere changes nothing."""
    wanted = os.environ.get("SPENDPUB_FAULT_AT", "")
    name, _, action = wanted.partition(":")
    if name != step:
        return
    if action.startswith("sleep="):
        time.sleep(float(action.removeprefix("sleep=")))
    else:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Prepared:
    """A file set read, typed, validated and redacted in the work connection, not yet published."""

    result: RunResult
    contexts: list[FileContext]
    policy: redact.Policy
    decisions: redact.Decisions
    mappings: dict[int, dict[str, str | None]] = field(default_factory=dict)  # field -> source column, per file
    checks: ValidationPolicy = field(default_factory=ValidationPolicy)       # the profile's validation policy
    file_names: dict[int, str] = field(default_factory=dict)   # the files the issues name, by index


def prepare(con: duckdb.DuckDBPyConnection, profile: Profile, files: list[Path], workdir: Path, *,
            period: str | None = None, periods: list[str] | None = None, release: Release | None = None,
            decisions: redact.Decisions | None = None, control_totals: Mapping[str, Decimal] | None = None,
            history: str | RecordedBaseline | None = None,
            reference_files: Mapping[str, Path] | None = None,
            on_step: Callable[[str], None] = lambda _: None,
            on_read: Callable[[Path, str], None] = lambda path, sha256: None) -> Prepared:
    """Extract, transform, validate and redact into stg_<dataset>; nothing outside `con` is touched.

    `periods` (one per file) and `release` are given when an archived release is replayed.
    `control_totals` (by file name or period) and `history` (a table of the publisher's published
    rows, or the baseline a replayed release recorded, for the outlier check) go to validate;
    `reference_files` (by profile key) replace the code lists the profile names, as a replay reads
    them from the archive. When the profile allows quarantine and every error belongs to a row,
    those rows are set aside (row_kind 'quarantined'): neither loaded nor totalled. `on_read` is
    given each file's path and sha256 once it is read.
    """
    check_period_option(period)
    extracted, indexes, file_periods, refusals = [], [], [], {}
    checks = policy_of(profile).reading(dict(reference_files or {}))
    for i, path in enumerate(files):
        on_step(f"reading {Path(path).name}")
        try:
            got = extract(con, Path(path), profile, i, workdir)
            resolve_columns(profile, got)   # a header without a column the profile needs: refused too
            file_periods.append(periods[i] if periods else period_of_file(profile, got, period))
        except InputError as e:   # every file is read: all the refused ones are reported at once
            refusals[i] = (Path(path).name, e)
            continue
        extracted.append(got)
        indexes.append(i)
        on_read(got.path, got.sha256)
        fault_point("extract")
    release = release or new_release(profile)
    if not extracted:
        return _refused(con, profile, release, refusals, checks)
    contexts = [FileContext(i, e, p, release.release_id) for i, e, p in zip(indexes, extracted, file_periods)]
    on_step("transforming")
    mappings = build_staging(con, profile, contexts)
    reference.enrich_staging(con, profile, stg_table(profile))
    if (profile.period_field or profile.period_fields) and not periods:
        contexts, unknown = fill_periods_from_data(con, profile, contexts)
        refusals |= unknown
    refusals |= second_files_of_a_period(contexts)
    if refusals:   # the other files are validated still, so that one run reports every problem
        contexts = [ctx for ctx in contexts if ctx.index not in refusals]
        con.execute(f"delete from {quote_ident(stg_table(profile))} where source_file_index in "
                    f"({', '.join(str(i) for i in refusals)})")
        # a control total for a refused file is checked when the file can be read
        known = {key for ctx in contexts for key in (ctx.extracted.name, ctx.period)}
        control_totals = {k: v for k, v in (control_totals or {}).items() if k in known}
    on_step("validating")
    report = validate(con, profile, contexts, mappings, control_totals=control_totals, history=history,
                      policy=checks) if contexts else None
    if refusals:
        return _refused(con, profile, release, refusals, checks, report, contexts, mappings)
    if not report.ok and not report.blocks_publish:
        quarantine.set_aside(con, profile)
    policy = redact.load_policy(profile)
    decisions = decisions if decisions is not None else redact.Decisions.empty()
    redactions = redact.apply(con, profile, policy, decisions)
    stg = quote_ident(stg_table(profile))
    result = RunResult(profile=profile, release=release, report=report, rejected_rows=report.rejected_rows,
                       lang=checks.lang, files=_summaries(con, profile, contexts), totals=_totals(con, profile))
    if "is_redacted" in profile.schema.field_names:
        result.redacted_rows = con.execute(
            f"select count(*) from {stg} where row_kind = 'record' and is_redacted").fetchone()[0]
    result.redactions = redactions
    result.redaction_candidates = redact.detect(con, profile, policy, decisions, [e.name for e in extracted])
    return Prepared(result, contexts, policy, decisions, mappings, checks, file_names(contexts))


def _refused(con: duckdb.DuckDBPyConnection, profile: Profile, release: Release, refusals: Refusals,
             checks: ValidationPolicy, report: Report | None = None, contexts: list[FileContext] = (),
             mappings: dict[int, dict[str, str | None]] | None = None) -> Prepared:
    """A run with files refused as a whole: the report of every file (the others' `report`,
    `contexts`), and nothing to publish."""
    names = {**file_names(contexts), **{i: name for i, (name, _) in refusals.items()}}
    result = RunResult(profile=profile, release=release, lang=checks.lang,
                       report=validate_refused(con, refusals, checks, names, report, mappings))
    if contexts:
        result.files, result.totals = _summaries(con, profile, contexts), _totals(con, profile)
        result.rejected_rows = result.report.rejected_rows
    return Prepared(result, [], redact.load_policy(profile), redact.Decisions.empty(), mappings or {}, checks, names)


def new_rows_table(con: duckdb.DuckDBPyConnection, profile: Profile, table: str = "new_rows") -> str:
    """The records to load, with exactly the schema's fields (a view: no second copy of the data)."""
    cols = ", ".join(quote_ident(f) for f in profile.schema.field_names)
    con.execute(f"create or replace temp view {table} as select {cols} from "
                f"{quote_ident(stg_table(profile))} where row_kind = 'record'")
    return table


# DuckDB's share; beyond it, work tables spill to the run's work folder. At 1M rows the
# warehouse insert sorts in about 0.85 GB beside the 0.3 GB of staged rows: within 1 GB it spilled.
WORK_MEMORY = "1.5GB"


def work_connection(workdir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one run, bounded in memory, silent (the CLI shows progress)."""
    con = engine.connect(memory_limit=WORK_MEMORY, temp_directory=str(workdir / "duckdb.tmp"))
    con.execute("set enable_progress_bar = false")
    return con


def commit_release(con: duckdb.DuckDBPyConnection, home: Home, profile: Profile, release: Release,
                   result: RunResult, state_after_update: dict[str, PeriodVersion], new_rows: str,
                   workdir: Path, remove_periods: tuple[str, ...] = (),
                   on_step: Callable[[str], None] = lambda _: None,
                   policy: redact.Policy | None = None, decisions: redact.Decisions | None = None) -> None:
    """Load `new_rows` as `release` into a staged version of the home and switch to it; the zips and
    the leak gate keep their scratch in the run's `workdir`."""
    schema, dataset = profile.schema, profile.dataset
    policy = policy or redact.load_policy(profile)
    decisions = decisions if decisions is not None else redact.load_decisions(home.root, profile.publisher_id)
    with home.staging() as staged:
        wh = AttachedWarehouse(con, staged / WAREHOUSE_FILE)
        wh.ensure_table(dataset)
        previous = releases.state_of(con, releases.latest_release_id(con, profile.publisher_id, dataset))
        state_after = {p: v for p, v in previous.items() if p not in remove_periods}
        state_after.update(state_after_update)
        state_after = dict(sorted(state_after.items()))
        seq = wh.next_seq()
        on_step("loading the warehouse")
        con.execute("begin transaction")
        if remove_periods:
            con.execute(f"delete from wh.{quote_ident(dataset)} where publisher_id = ? "
                        "and period in (select unnest(?::varchar[]))", [profile.publisher_id, list(remove_periods)])
        # A name redacted now (or confirmed since) is redacted in the rows earlier releases published
        # too; before the diff, so that a period published again compares redacted rows with redacted
        # rows, and a redaction alone is not a row removed and another added.
        redacted_again = redact.redact_published(con, f"wh.{quote_ident(dataset)}", profile, policy, decisions)
        releases.diff_and_replace(con, schema, dataset, profile.publisher_id, new_rows, previous,
                                  release.release_id)
        releases.record(con, release, seq, profile, sorted({*state_after_update, *remove_periods}),
                        result.files, result.totals, state_after,
                        {"read": result.records,
                         "loaded": con.execute(f"select count(*) from {new_rows}").fetchone()[0],
                         "rejected": result.rejected_rows, "redacted": result.redacted_rows})
        releases.record_validation_inputs(con, release.release_id, result.references,
                                          result.report.outlier_baseline)
        releases.record_redacted_published(con, release.release_id, {
            p: rows for p, rows in redacted_again.items() if p in state_after and p not in state_after_update})
        con.execute("insert into wh.release_redaction values (?, ?, ?)",
                    [release.release_id, redact.state_digest(policy, decisions), json.dumps(result.redactions)])
        con.execute("insert into wh.release_decisions values (?, ?)", [release.release_id, archive.keep_bytes(
            home.archive, redact.snapshot(decisions, redact.redacted_name_kinds(con)))])
        wh.upsert_publisher(profile)
        if profile.reference.get("chart"):
            wh.replace_functional_tree(profile.publisher_id, reference.CHART_FUNCTIONS)
        wh.refresh_aggregates(profile.publisher_id)
        con.execute("commit")
        result.changes = releases.period_changes(con, release.release_id)
        # Once loaded, the staged rows are done with: freeing their memory (most of the run's DuckDB
        # budget) lets the package exports sort without spilling to disk.
        drop_temp(con, new_rows, stg_table(profile))
        fault_point("load")

        on_step("writing the data packages")
        site = staged / SITE_DIR
        for period in remove_periods:
            publish.remove_package(site, profile.publisher_id, dataset, period)
        with Zipper(scratch_in=workdir) as zips:
            for period in sorted(set(state_after_update) | (set(redacted_again) & set(state_after))):
                publish.write_package(con, profile, site, release, seq, state_after, period, zips)
                fault_point("package")
            result.package_dir = publish.write_package(con, profile, site, release, seq, state_after, None, zips)
            publish.write_mart_package(con, profile, site, release, publish.MART_PACKAGE, zips)
        notes.write_release_notes(con, site, profile, release, seq)
        previous_files = {path: (size, sha) for path, size, sha in con.execute(
            "select path, bytes, sha256 from wh.release_packages where release_id = ?",
            [releases.latest_release_id(con, profile.publisher_id, dataset, before_seq=seq)]).fetchall()}
        # one statement, the files as lists (a site holds hundreds; executemany costs a statement each)
        files = publish.inventory(site, profile.publisher_id, previous_files, zips.written)
        con.execute("insert into wh.release_packages select ?, unnest(?::varchar[]), unnest(?::varchar[]), "
                    "unnest(?::bigint[]), unnest(?::varchar[])", [release.release_id, *map(list, zip(*files))])
        notes.write_catalog(con, site)
        wh.detach(rewrite=bool(redacted_again))
        # The leak gate: no name redacted now or in an earlier release may be in what is about to go live.
        on_step("checking for personal data")
        leakgate.assert_clean(
            [site / profile.publisher_id, *(p for p in site.iterdir() if p.is_file()), staged / WAREHOUSE_FILE],
            **redact.gate_arguments(con, profile, policy, decisions),
            cache=home.cache / "leakgate" / profile.publisher_id, scratch_in=workdir)
        added = redact.record_release(con, home.root, profile.publisher_id)
        result.registered, result.registered_as_precaution = len(added), sum(whole for _, whole in added)
        fault_point("swap")
        home.commit(staged, release.release_id)
        fault_point("switched")
    result.published = True
    result.package_dir = home.site / profile.publisher_id / dataset


def _served_state(con: duckdb.DuckDBPyConnection, home: Home,
                  profile: Profile) -> tuple[str | None, dict[str, PeriodVersion], str | None]:
    """The dataset's latest release in the warehouse being served, the version of each period it
    publishes, and the redaction state it was made under (None, {}, None before any)."""
    current = home.current()
    if current is None:
        return None, {}, None
    con.execute(f"attach {quote_literal(str(current / WAREHOUSE_FILE))} as cur (read_only)")
    try:
        if not table_exists(con, "release_state", "cur"):
            return None, {}, None
        latest = releases.latest_release_id(con, profile.publisher_id, profile.dataset, db="cur")
        state = releases.state_of(con, latest, db="cur")
        redacted_under = con.execute(
            "select state_sha256 from cur.release_redaction where release_id = ?", [latest]).fetchone() \
            if table_exists(con, "release_redaction", "cur") else None
    finally:
        con.execute("detach cur")
    return latest, state, redacted_under[0] if redacted_under else None


def _unchanged_since(latest: str | None, state: dict[str, PeriodVersion], redacted_under: str | None,
                     profile: Profile, contexts: list[FileContext], redaction_sha256: str) -> str | None:
    """The releases (comma-separated) that already published exactly these files, for these periods,
    with this profile, while the latest is under the same redaction policy and decisions."""
    if latest is None or redacted_under != redaction_sha256:
        return None  # a name confirmed (or a rule changed) since: publish again
    same = all(ctx.period in state and state[ctx.period].source_sha256 == ctx.extracted.sha256
               and state[ctx.period].profile_sha256 == profile.sha256 for ctx in contexts)
    return ", ".join(sorted({state[ctx.period].row_release_id for ctx in contexts})) if same and contexts else None


def _refuse_a_second_period(state: dict[str, PeriodVersion], contexts: list[FileContext]) -> None:
    """A file kept published as one period and given again as another (a wrong --period, a renamed
    copy) would count its payments twice: refused. Validation reports it first (already-published,
    from the rows served); this checks the release state itself, under the lock, which also holds
    a period whose rows were all set aside. (Two copies given together for two periods already fail
    validation: their rows share the primary key, the file's sha256 and line.)"""
    given = {ctx.period for ctx in contexts}
    for ctx in contexts:
        for period, version in state.items():
            if period not in given and version.source_sha256 == ctx.extracted.sha256:
                raise SpendpubError(
                    f"this file is already published as the period {period} (release {version.row_release_id}); "
                    f"published as {ctx.period} too, its payments would count twice. If {period} was wrong, "
                    f"roll back to the release before {version.row_release_id} (spendpub releases lists them), "
                    "then publish it again", where=ctx.extracted.name)


HISTORY_DB = "served"      # the warehouse being served, attached read-only while validating


@contextmanager
def served_history(con: duckdb.DuckDBPyConnection, home: Home, profile: Profile) -> Iterator[str | None]:
    """The dataset's table in the warehouse being served, attached read-only, as the history the
    outlier check compares amounts with; None before the home's first publish of the dataset."""
    current = home.current()
    if current is None:
        yield None
        return
    con.execute(f"attach {quote_literal(str(current / WAREHOUSE_FILE))} as {HISTORY_DB} (read_only)")
    try:
        yield f"{HISTORY_DB}.{quote_ident(profile.dataset)}" if table_exists(con, profile.dataset, HISTORY_DB) \
            else None
    finally:
        con.execute(f"detach {HISTORY_DB}")


@contextmanager
def _quarantine_file(con: duckdb.DuckDBPyConnection, home: Home, prepared: Prepared,
                     lang: str) -> Iterator[Path | None]:
    """The rows set aside, written before the commit in the `with` body, kept only if it succeeds."""
    result = prepared.result
    if not result.quarantined:
        yield None
        return
    with quarantine.kept_for_release(con, home, result.profile, prepared.contexts, result.release_id,
                                     mappings=prepared.mappings, lang=lang) as path:
        yield path


def _archive_references(home: Home, checks: ValidationPolicy) -> list[tuple[str, str, str]]:
    """Archive the code lists validation read, like the sources: (profile key, file name, sha256)."""
    out = []
    for key, path in checks.files().items():
        if path.is_file():
            sha256 = file_digest(path)[1]
            archive.keep(home.archive, path, sha256)
            out.append((key, path.name, sha256))
    return out


def run(profile_ref: str | Path, files: list[Path], home: Path, *, period: str | None = None,
        dry_run: bool = False, wait_seconds: float = 0, control_totals: Mapping[str, Decimal] | None = None,
        lang: str | None = None, issues_file: Path | None = None,
        on_step: Callable[[str], None] = lambda _: None) -> RunResult:
    """Publish the files (or, with dry_run, only read and validate them).

    `control_totals`: the amount each file (by name) or period must add up to. `lang`: the language
    of the quarantine file's reasons (default: the profile's validation.lang). `issues_file`: where
    to list every validation issue (issuelist.py), written before anything is published.
    """
    profile = load_profile(profile_ref)
    if not files:
        raise UsageError("no input file given")
    if lang is not None and lang not in messages.LANGUAGES:
        raise UsageError(f"no reports in {lang!r} (languages: {', '.join(messages.LANGUAGES)})")
    home = Home(home)
    decisions = redact.load_decisions(home.root, profile.publisher_id)
    with home.work_folder(make_home=not dry_run) as workdir, archive.Incoming(home.archive) as incoming:
        con = work_connection(workdir)
        try:
            with served_history(con, home, profile) as history:
                prepared = prepare(con, profile, [Path(f) for f in files], workdir, period=period,
                                   decisions=decisions, control_totals=control_totals, history=history,
                                   on_step=on_step, on_read=(lambda *_: None) if dry_run else incoming.start)
            result = prepared.result
            result.lang = lang or result.lang
            if issues_file is not None:
                result.issues_listed = write_issue_list(con, prepared.file_names, prepared.mappings, issues_file,
                                                        result.lang)
            if result.report.blocks_publish:
                return result
            if dry_run:   # what the publish would refuse after validation, a dry run refuses too
                _refuse_a_second_period(_served_state(con, home, profile)[1], prepared.contexts)
                return result
            redact.check_pending(result.redaction_candidates, prepared.policy, profile)
            with home.lock(wait_seconds):
                latest, state, redacted_under = _served_state(con, home, profile)
                result.unchanged_since = _unchanged_since(
                    latest, state, redacted_under, profile, prepared.contexts,
                    redact.state_digest(prepared.policy, prepared.decisions))
                if result.unchanged_since:
                    return result
                _refuse_a_second_period(state, prepared.contexts)
                archive.remove_stale(home.archive)
                for ctx in prepared.contexts:
                    incoming.keep(ctx.extracted.path, ctx.extracted.sha256)
                archive.keep(home.archive, profile.path, profile.sha256)
                result.references = _archive_references(home, prepared.checks)
                published = {ctx.period: PeriodVersion(ctx.period, ctx.extracted.name, ctx.extracted.sha256,
                                                       profile.sha256, result.release.release_id)
                             for ctx in prepared.contexts}
                with _quarantine_file(con, home, prepared, result.lang) as kept:
                    commit_release(con, home, profile, result.release, result, published,
                                   new_rows_table(con, profile), workdir, on_step=on_step,
                                   policy=prepared.policy, decisions=prepared.decisions)
                result.quarantine_file = kept
            return result
        finally:
            con.close()
