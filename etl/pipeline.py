"""The publish flow: extract -> transform -> validate -> redact -> load -> publish.

Library code: it returns results and raises SpendpubError; only the CLI and the app speak to people.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

import duckdb

from . import __version__, publish, redact
from .errors import UsageError
from .extract import ExtractedFile, extract
from .profile import Profile, load_profile
from .sqltext import quote_ident
from .transform import FileContext, build_staging, stg_table
from .validate import validate
from .validate.report import Report
from .warehouse import StagedWarehouse, publish_lock

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


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


@dataclass(frozen=True)
class Total:
    period: str
    currency: str
    payments: int
    total: Decimal


@dataclass
class RunResult:
    profile: Profile
    release_id: str
    report: Report
    files: list[FileSummary] = field(default_factory=list)
    totals: list[Total] = field(default_factory=list)
    rejected_rows: int = 0
    redacted_rows: int = 0
    published: bool = False
    package_dir: Path | None = None

    @property
    def records(self) -> int:
        return sum(f.records - f.blank - sum(f.skipped.values()) for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    def totals_by_currency(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for t in self.totals:
            out[t.currency] = out.get(t.currency, Decimal(0)) + t.total
        return out


def period_from_filename(name: str, patterns: tuple[str, ...]) -> str | None:
    for rx in patterns:
        m = re.search(rx, name, flags=re.IGNORECASE)
        if not m:
            continue
        year, month = m.group("year"), m.group("month")
        year_n = int(year) + (2000 if len(year) == 2 else 0)
        month_n = int(month) if month.isdigit() else MONTHS.get(month[:3].casefold())
        if month_n and 1 <= month_n <= 12:
            return f"{year_n:04d}-{month_n:02d}"
    return None


def _periods(profile: Profile, extracted: list[ExtractedFile], given: str | None) -> list[str | None]:
    if given is not None and not PERIOD.match(given):
        raise UsageError(f"--period {given!r} is not a month written YYYY-MM")
    periods = [given or period_from_filename(e.name, profile.period_patterns) for e in extracted]
    for e, p in zip(extracted, periods):
        if p is None and profile.period_field is None:
            raise UsageError("cannot tell which month this file covers: its name matches none of the "
                             "profile's period.from_filename patterns; give --period YYYY-MM", where=e.name)
    return periods


def _fill_periods_from_dates(con: duckdb.DuckDBPyConnection, profile: Profile,
                             contexts: list[FileContext]) -> list[FileContext]:
    """period.from_field: the most frequent month of that date field in each file."""
    table = quote_ident(stg_table(profile))
    col = quote_ident(profile.period_field or "")
    out = []
    for ctx in contexts:
        if ctx.period is None:
            row = con.execute(
                f"select strftime({col}, '%Y-%m') from {table} where source_file_index = ? and "
                f"row_kind = 'record' and {col} is not null group by 1 order by count(*) desc, 1 desc limit 1",
                [ctx.index]).fetchone()
            if row is None:
                raise UsageError(f"cannot tell which month this file covers: no {profile.period_field} "
                                 "could be read; give --period YYYY-MM", where=ctx.extracted.name)
            con.execute(f"update {table} set period = ? where source_file_index = ?", [row[0], ctx.index])
            ctx = FileContext(ctx.index, ctx.extracted, row[0], ctx.release_id)
        out.append(ctx)
    return out


def _check_one_file_per_period(contexts: list[FileContext]) -> None:
    seen: dict[str, str] = {}
    for ctx in contexts:
        if ctx.period in seen:
            raise UsageError(f"two files cover {ctx.period}: {seen[ctx.period]} and {ctx.extracted.name}; "
                             "publish one file per period")
        seen[ctx.period] = ctx.extracted.name


def new_release_id(profile: Profile, extracted: list[ExtractedFile]) -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    digest = hashlib.sha256("".join(e.sha256 for e in extracted).encode()).hexdigest()[:8]
    return f"{profile.publisher_id}-{stamp}-{digest}"


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
               {'sum(amount) filter (where row_kind = ' + "'total')" if has_amount else 'null'}
        from {table} group by 1""").fetchall()}
    out = []
    for ctx in contexts:
        records, blank, totals, notes, loaded, control = rows.get(ctx.index, (0, 0, 0, 0, 0, None))
        e = ctx.extracted
        out.append(FileSummary(name=e.name, sha256=e.sha256, bytes=e.bytes, encoding=e.encoding,
                               period=ctx.period or "", header_line=e.header_line, records=records,
                               blank=blank, skipped={"total": totals, "note": notes}, loaded=loaded,
                               control_total=control))
    return out


def _totals(con: duckdb.DuckDBPyConnection, profile: Profile) -> list[Total]:
    if not {"amount", "currency"} <= set(profile.schema.field_names):
        return []
    return [Total(*r) for r in con.execute(
        f"select period, currency, count(*), sum(amount) from {quote_ident(stg_table(profile))} "
        "where row_kind = 'record' group by all order by all").fetchall()]


def _load(con: duckdb.DuckDBPyConnection, profile: Profile, result: RunResult) -> None:
    """Replace the published periods' rows and record the release, in one transaction."""
    dataset = quote_ident(profile.dataset)
    columns = ", ".join(quote_ident(f) for f in profile.schema.field_names)
    periods = sorted({f.period for f in result.files})
    con.execute("begin transaction")
    con.execute(f"delete from wh.{dataset} where publisher_id = ? and period in (select unnest(?::varchar[]))",
                [profile.publisher_id, periods])
    con.execute(f"insert into wh.{dataset} ({columns}) select {columns} from {quote_ident(stg_table(profile))} "
                "where row_kind = 'record' order by source_file_index, source_line")
    con.execute("insert into wh.releases values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        result.release_id, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), profile.publisher_id,
        profile.dataset, periods, profile.sha256, __version__, result.records, result.loaded,
        result.rejected_rows, result.redacted_rows])
    con.executemany("insert into wh.release_sources values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        [result.release_id, f.name, f.sha256, f.bytes, f.encoding, f.period, f.header_line,
         f.records - f.blank - sum(f.skipped.values()), f.loaded, f.control_total]
        for f in result.files])
    if result.totals:
        con.executemany("insert into wh.release_totals values (?, ?, ?, ?, ?)",
                        [[result.release_id, t.period, t.currency, t.payments, t.total] for t in result.totals])
    con.execute("commit")


def _package_sources(con: duckdb.DuckDBPyConnection, profile: Profile) -> list[dict]:
    """Every source file behind the rows now published for this publisher."""
    rows = con.execute(f"""
        select distinct s.file_name, s.sha256, s.period
        from wh.release_sources s
        where s.sha256 in (select distinct source_file_sha256 from wh.{quote_ident(profile.dataset)}
                           where publisher_id = ?)
        order by s.period, s.file_name""", [profile.publisher_id]).fetchall()
    return [{"title": f"{name} ({period})", "sha256": sha} for name, sha, period in rows]


def run(profile_ref: str | Path, files: list[Path], home: Path, *, period: str | None = None,
        dry_run: bool = False, on_step: Callable[[str], None] = lambda _: None) -> RunResult:
    profile = load_profile(profile_ref)
    if not files:
        raise UsageError("no input file given")
    con = duckdb.connect()
    try:
        with tempfile.TemporaryDirectory(prefix="spendpub-") as tmp:
            extracted = []
            for i, path in enumerate(files):
                on_step(f"reading {path.name}")
                extracted.append(extract(con, Path(path), profile, i, Path(tmp)))
            release_id = new_release_id(profile, extracted)
            contexts = [FileContext(i, e, p, release_id)
                        for i, (e, p) in enumerate(zip(extracted, _periods(profile, extracted, period)))]
            on_step("transforming")
            mappings = build_staging(con, profile, contexts)
            if profile.period_field:
                contexts = _fill_periods_from_dates(con, profile, contexts)
            _check_one_file_per_period(contexts)
            on_step("validating")
            report = validate(con, profile, contexts, mappings)
            redact.apply_source_markers(con, profile)
            result = RunResult(profile=profile, release_id=release_id, report=report,
                               files=_summaries(con, profile, contexts), totals=_totals(con, profile))
            result.rejected_rows = con.execute(
                "select count(distinct (source_file_index, source_line)) from validation_issues "
                "where severity = 'error' and source_line is not null").fetchone()[0]
            result.redacted_rows = con.execute(
                f"select count(*) from {quote_ident(stg_table(profile))} where row_kind = 'record' and is_redacted"
            ).fetchone()[0]
            if dry_run or not report.ok:
                return result
            on_step("loading the warehouse")
            with publish_lock(home):
                site = home / "site"
                site.mkdir(parents=True, exist_ok=True)
                with StagedWarehouse(con, home) as wh:
                    wh.ensure_table(profile.dataset)
                    _load(con, profile, result)
                    wh.upsert_publisher(profile)
                    wh.refresh_aggregates()
                    on_step("writing the data package")
                    staging_dir = Path(tempfile.mkdtemp(prefix=f".{profile.publisher_id}.", dir=site))
                    try:
                        publish.build_package(con, profile, staging_dir, _package_sources(con, profile),
                                              release_id)
                        wh.detach()
                        wh.swap_in()
                        target = publish.publisher_site(site, profile)
                        publish.swap_directory(staging_dir, target)
                    finally:
                        if staging_dir.exists():
                            import shutil
                            shutil.rmtree(staging_dir, ignore_errors=True)
                result.published = True
                result.package_dir = publish.publisher_site(site, profile) / profile.dataset
            return result
    finally:
        con.close()
