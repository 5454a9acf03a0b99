"""The spendpub command: the only place that prints or exits.

Exit codes: 0 success, 1 the data or a file were refused, 2 the command was used wrongly,
3 an unexpected failure (a bug: run with SPENDPUB_DEBUG=1 to see the traceback).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Collection, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__, cli_redaction, pipeline, releases, replay
from .demo import demo_sources
from .errors import SpendpubError, UsageError
from .files import write_private
from .terminal import EXIT_REFUSED, EXIT_USAGE, FilesArg, PeriodOpt, ProfileOpt, err, guarded, out
from .home import Home
from .validate import messages, quarantine, render
from .validate.report import Report

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Publish public-spending exports as validated open data packages.")
app.add_typer(cli_redaction.app, name="redactions")


def money(amount: Decimal | None, lang: str = messages.DEFAULT_LANG) -> str:
    return "" if amount is None else messages.number(amount, lang, decimals=2)


def _home(ctx: typer.Context) -> Path:
    return ctx.obj["home"]


@app.callback()
def main(ctx: typer.Context,
         home: Annotated[Path, typer.Option(help="Folder of the warehouse and the published site/.")] = Path("var"),
         version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False):
    if version:
        out.print(f"spendpub {__version__}")
        raise typer.Exit()
    # a service manager stops a run with SIGTERM: handled as Ctrl-C, so that the run removes its
    # staged version and work folder and says it changed nothing, rather than dying in its tracks
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    ctx.obj = {"home": home}


def _run(home: Path, profile: str, files: list[Path], period: str | None, dry_run: bool,
         quiet: bool = False, wait: float = 0, control_totals: dict[str, Decimal] | None = None,
         lang: str | None = None, issues: Path | None = None) -> pipeline.RunResult:
    steps = len(files) + (3 if dry_run else 5)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=quiet or not err.is_terminal) as progress:
        task = progress.add_task("starting", total=steps)

        def on_step(label: str) -> None:
            progress.update(task, description=label, advance=1)

        return pipeline.run(profile, files, home, period=period, dry_run=dry_run, wait_seconds=wait,
                            control_totals=control_totals, lang=lang, issues_file=issues, on_step=on_step)


# --------------------------------------------------------------------------- validation options

Lang = Enum("Lang", {lang: lang for lang in messages.LANGUAGES}, type=str)
LangOpt = Annotated[Optional[Lang], typer.Option(
    "--lang", help="Language of the report and of the reasons in --issues and the quarantine file (default: "
                   "the profile's validation.lang, else en).")]
ControlTotalOpt = Annotated[Optional[list[str]], typer.Option(
    "--control-total", metavar="FILE_OR_PERIOD=AMOUNT",
    help="The amount a file (by name) or a period must add up to, e.g. 2024-05=40292334.84. Repeatable.")]
ReportOpt = Annotated[Optional[Path], typer.Option(
    "--report", metavar="PATH", help=f"Also write the report to PATH, as {', '.join(render.FILE_FORMATS)} "
                                     "(by its suffix), readable by its owner only: its examples quote cells "
                                     "of the source.")]
ISSUES_FORMATS = (".csv",)
IssuesOpt = Annotated[Optional[Path], typer.Option(
    "--issues", metavar="PATH", help="Also write every issue, one row each (file, line, code, field, column, "
                                     "value, reason), to PATH, a .csv file readable by its owner only: it "
                                     "keeps cells of the source.")]

# Digits with a point for decimals (at most two, as amounts are published, and zeros after them:
# 40292334.840 is the same amount), thousands commas allowed.
AMOUNT = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2}0*)?")
CENT = Decimal("0.01")


def parse_control_totals(values: list[str] | None) -> dict[str, Decimal]:
    """--control-total KEY=AMOUNT options as {key: amount}; a malformed one is a usage error."""
    totals: dict[str, Decimal] = {}
    for text in values or []:
        key, _, amount = text.rpartition("=")
        key, amount = key.strip(), amount.strip()
        if not key or not AMOUNT.fullmatch(amount):
            raise typer.BadParameter(
                f"{text!r}: write FILE_OR_PERIOD=AMOUNT, the amount in digits with a point for decimals "
                "(e.g. spend-2024-05.csv=1234.56 or 2024-05=-12.50)", param_hint="'--control-total'")
        if key in totals:
            raise typer.BadParameter(f"{key!r} is given twice", param_hint="'--control-total'")
        totals[key] = Decimal(amount.replace(",", "")).quantize(CENT)   # money: to the cent (zeros after it allowed)
    return totals


def check_output_path(path: Path | None, formats: Collection[str], option: str = "--report") -> None:
    """Refuse, before any work, an output file whose format is unknown or whose folder cannot be written."""
    if path is None:
        return
    if path.suffix.lower() not in formats:
        raise typer.BadParameter(f"{str(path)!r}: name the file with one of {', '.join(formats)}",
                                 param_hint=f"'{option}'")
    folder = next((p for p in path.absolute().parents if p.exists()), None)   # the folder to write in, or create
    if path.is_dir() or folder is None or not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise typer.BadParameter(f"{str(path)!r} cannot be written", param_hint=f"'{option}'")


def check_output_paths(report: Path | None, issues: Path | None) -> None:
    check_output_path(report, render.FILE_FORMATS)
    check_output_path(issues, ISSUES_FORMATS, "--issues")


def save_report(path: Path | None, result: pipeline.RunResult, given: dict[str, Decimal] | None = None,
                notices: Console = out) -> None:
    """Write the report where --report says, atomically (a reader never sees half of it) and for
    its owner only (its examples quote the source, names a redaction withholds included), with
    the files read and the totals loaded (`given`: the control totals of the command line). Its
    notice goes to `notices` (stderr when stdout carries JSON)."""
    if path is None:
        return
    # the files read, and those refused as a whole, which the report names though nothing was read
    names = ", ".join(dict.fromkeys([*(f.name for f in result.files), *result.report.files_named()]))
    title = f"{messages.label('report_title', result.lang)} – {result.profile.publisher_name} ({names})"
    sections = summary_sections(result, given) if result.files else []   # none when every file was refused
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, render.for_file(result.report, path.suffix, result.lang, title, sections).encode("utf-8"))
    except OSError as e:   # checked writable before the run: a full disk, say
        done = f" (release {result.release_id} was published all the same)" if result.published else ""
        err.print(f"[bold red]error:[/] the report could not be written to {path}: {e.strerror or e}{done}")
        raise typer.Exit(EXIT_REFUSED)
    notices.print(messages.cli("report_written", result.lang, path=path))


def print_issue_list(path: Path | None, result: pipeline.RunResult, notices: Console = out) -> None:
    if path is not None and result.issues_listed is not None:
        notices.print(messages.cli_counted("issues_listed", result.issues_listed, result.lang, path=path))


def print_report(report: Report, lang: str) -> None:
    if report.summaries:
        out.print(render.rich_table(report, lang))


def refusal(report: Report, lang: str) -> str:
    """Why errors refuse a publish, in one sentence."""
    errors = messages.counted("errors", report.error_count, lang)
    if report.quarantine and report.file_error_count:
        return messages.cli("refusal_file_level", lang, errors=errors,
                            file_errors=messages.number(report.file_error_count, lang))
    if report.quarantine:
        return messages.cli("refusal_every_row", lang, errors=errors)
    return errors


def _control_total(f: pipeline.FileSummary, stated: Decimal | None, lang: str) -> str:
    """The file's total row, and the total given on the command line for it."""
    shown = [money(f.control_total, lang)] if f.control_total is not None else []
    shown += [messages.cli("given", lang, amount=money(stated, lang))] if stated is not None else []
    return " · ".join(shown) or "-"


def _section(key: str, columns: tuple[str, ...], figures: tuple[str, ...], rows: list[tuple[str, ...]],
             records: list[dict], lang: str, title: str | None = None) -> render.Section:
    """A summary table, its title and headers in `lang` (the `_cli` messages named by title or key,
    and by columns); `key` names it in JSON."""
    return render.Section(key=key, title=messages.cli(title or key, lang),
                          columns=tuple(messages.cli(c, lang) for c in columns),
                          right=tuple(c in figures for c in columns), rows=tuple(rows), records=tuple(records))


def _nothing_loaded(result: pipeline.RunResult) -> bool:
    """A dry run or a refused publish: the rows are to load, not loaded (JSON keeps its keys)."""
    return not (result.published or result.unchanged_since)


def summary_sections(result: pipeline.RunResult, given: dict[str, Decimal] | None = None) -> list[render.Section]:
    """The files read and the totals loaded, for the terminal and the report alike."""
    lang, given = result.lang, given or {}
    quarantined = result.quarantined > 0
    rows, records = [], []
    for f in result.files:
        stated = given.get(f.name, given.get(f.period))   # given on the command line, by name or period
        skipped = ", ".join(messages.cli(f"skipped_{k}", lang, n=messages.number(n, lang))
                            for k, n in (("blank", f.blank), *f.skipped.items()) if n)
        rows.append((f.name, f.period, f.encoding, str(f.header_line),
                     messages.number(f.rows_read, lang), messages.number(f.loaded, lang),
                     *([messages.number(f.quarantined, lang)] if quarantined else []), skipped or "-",
                     _control_total(f, stated, lang)))
        records.append({"file": f.name, "sha256": f.sha256, "period": f.period, "encoding": f.encoding,
                        "header_line": f.header_line, "rows_read": f.rows_read, "loaded": f.loaded,
                        "quarantined": f.quarantined, "skipped": {"blank": f.blank, **f.skipped},
                        "control_total": f.control_total, "control_total_given": stated})
    to_load, refused = _nothing_loaded(result), result.report.blocks_publish
    loaded = "records" if refused else "to_load" if to_load else "loaded"   # refused: nothing is to load
    files = _section("files", ("file", "period", "encoding", "header_line", "rows_read", loaded,
                               *(["quarantined"] if quarantined else []), "skipped", "control_total"),
                     ("rows_read", loaded, "quarantined", "header_line"), rows, records, lang)
    by_currency: dict[str, list] = {}
    for t in result.totals:
        acc = by_currency.setdefault(t.currency, [0, Decimal(0)])
        acc[0] += t.payments
        acc[1] += t.total
    currencies = sorted(by_currency.items())
    totals = _section("totals_loaded", ("currency", "rows", "total"), ("rows", "total"),
                      [(currency, messages.number(n, lang), money(total, lang)) for currency, (n, total) in currencies],
                      [{"currency": currency, "rows": n, "total": total} for currency, (n, total) in currencies], lang,
                      title="totals_of_records" if refused else "totals_to_load" if to_load else None)
    return [files, totals]


def print_summary(result: pipeline.RunResult, given: dict[str, Decimal] | None = None) -> None:
    lang = result.lang
    if not result.files:   # every file was refused as a whole: the report says why, nothing was read
        return
    for section in summary_sections(result, given):
        out.print(render.rich_section(section))
    counts = {key: messages.number(n, lang) for key, n in (
        ("read", result.records), ("loaded", result.loaded), ("rejected", result.rejected_rows),
        ("redacted", result.redacted_rows))}
    # (validate) when a publish would be refused, nothing would be loaded: say how many rows have errors
    summary = ("summary_refused" if result.report.blocks_publish
               else "summary_to_load" if _nothing_loaded(result) else "summary")
    out.print(messages.cli(summary, lang, **counts))


def print_quarantine(result: pipeline.RunResult, dry_run: bool = False) -> None:
    """How many rows with errors were set aside, and where they are (a private file, never published)."""
    n = result.quarantined
    if not n or result.unchanged_since:
        return
    rows = messages.cli_counted("rows_with_errors", n, result.lang)
    if dry_run:
        out.print(messages.cli("would_quarantine", result.lang, rows=rows,
                               folder=Path(quarantine.QUARANTINE_DIR) / result.profile.publisher_id))
    elif result.quarantine_file is not None:
        out.print(messages.cli("quarantined_in", result.lang, rows=rows, path=result.quarantine_file))


def print_changes(changes: list[releases.PeriodChange], lang: str = messages.DEFAULT_LANG) -> None:
    if not changes:
        return
    rows = []
    for c in changes:
        totals = "; ".join(f"{cur} {money(c.totals_before.get(cur), lang)} → {money(c.totals_after.get(cur), lang)}"
                           for cur in sorted(set(c.totals_before) | set(c.totals_after)))
        n = [messages.number(x, lang) for x in (c.added, c.removed, c.changed, c.rows_before, c.rows_after)]
        rows.append((c.period, c.previous_release_id, messages.cli(f"matched_by_{c.matched_by}", lang), *n[:3],
                     f"{n[3]} → {n[4]}", totals))
    out.print(render.rich_section(_section(
        "changes", ("period", "replaces", "matched_by", "added", "removed", "changed", "rows", "totals"),
        ("added", "removed", "changed"), rows, [], lang)))


def print_redactions(result: pipeline.RunResult) -> None:
    if result.redactions:
        out.print(messages.cli("redacted", result.lang,
                               counts=" · ".join(f"{reason} {messages.number(n, result.lang)}"
                                                 for reason, n in result.redactions.items())))
    if result.registered:   # counts only: the names are private (redactions list shows them)
        precautions = result.registered_as_precaution
        out.print(messages.cli_counted(
            "registered", result.registered, result.lang,
            precautions=messages.cli_counted("registered_precautions", precautions, result.lang) if precautions else "",
            command=f"spendpub redactions list --profile {result.profile.publisher_id}"))
    waiting = [c for c in result.redaction_candidates if not c.withheld]
    if waiting:
        out.print(messages.cli_counted(
            "persons_waiting", len(waiting), result.lang,
            command=f"spendpub redactions review --profile {result.profile.publisher_id} FILES..."))


def print_published(result: pipeline.RunResult) -> None:
    print_redactions(result)
    if result.unchanged_since:
        out.print(messages.cli("unchanged", result.lang, release=result.unchanged_since))
        return
    out.print(messages.cli("published", result.lang, release=result.release_id, path=result.package_dir))


WaitOpt = Annotated[float, typer.Option(help="Seconds to wait for a publish already running in this home.")]


@app.command()
def publish(ctx: typer.Context, files: FilesArg, profile: ProfileOpt, period: PeriodOpt = None,
            wait: WaitOpt = 60, control_total: ControlTotalOpt = None, lang: LangOpt = None,
            report: ReportOpt = None, issues: IssuesOpt = None):
    """Validate the files and, if they pass, load them and write the data packages.

    With validation.quarantine in the profile, rows with errors go to a private file; the rest is published."""
    totals = parse_control_totals(control_total)
    check_output_paths(report, issues)
    result = guarded(lambda: _run(_home(ctx), profile, files, period, dry_run=False, wait=wait,
                                  control_totals=totals, lang=lang and lang.value, issues=issues))
    print_report(result.report, result.lang)
    save_report(report, result, totals)
    print_issue_list(issues, result)
    if result.report.blocks_publish:
        err.print(messages.cli("refused", result.lang, why=refusal(result.report, result.lang)))
        raise typer.Exit(EXIT_REFUSED)
    print_summary(result, totals)
    print_quarantine(result)
    print_changes(result.changes, result.lang)
    print_published(result)


@app.command()
def validate(ctx: typer.Context, files: FilesArg, profile: ProfileOpt, period: PeriodOpt = None,
             as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
             control_total: ControlTotalOpt = None, lang: LangOpt = None, report: ReportOpt = None,
             issues: IssuesOpt = None):
    """Dry run: read, transform and validate the files, and report. Nothing is written but --report and --issues.

    Exits 1 when a publish of these files would be refused."""
    totals = parse_control_totals(control_total)
    check_output_paths(report, issues)
    def dry_run() -> pipeline.RunResult:
        try:
            return _run(_home(ctx), profile, files, period, dry_run=True, quiet=as_json,
                        control_totals=totals, lang=lang and lang.value, issues=issues)
        except SpendpubError as e:   # a file refused as a whole: still a document for the machine
            if as_json and not isinstance(e, UsageError):
                sys.stdout.write(json.dumps({"valid": False, "blocks_publish": True,
                                             "refused": {"file": e.where, "reason": e.message}},
                                            indent=2, ensure_ascii=False) + "\n")
            raise

    result = guarded(dry_run)
    if as_json:
        sys.stdout.write(render.to_json(result.report, result.lang, summary_sections(result, totals)) + "\n")
    else:
        print_report(result.report, result.lang)
        print_summary(result, totals)
        print_quarantine(result, dry_run=True)
    notices = err if as_json else out    # stdout carries the JSON alone
    save_report(report, result, totals, notices)
    print_issue_list(issues, result, notices)
    if not as_json:
        lang = result.lang
        if result.report.ok:
            out.print(messages.cli("dry_valid", lang))
        elif result.report.blocks_publish:
            out.print(messages.cli("dry_refused", lang, why=refusal(result.report, lang)))
        else:
            out.print(messages.cli("dry_quarantine", lang,
                                   errors=messages.counted("errors", result.report.error_count, lang)))
    if result.report.blocks_publish:
        raise typer.Exit(EXIT_REFUSED)


@app.command()
def demo(ctx: typer.Context):
    """Build the demo warehouse and site from the openly licensed exports in datasets/."""
    for profile, files in demo_sources():
        out.print(f"[bold]{profile.parent.name}[/]: {', '.join(f.name for f in files)}")
        result = guarded(lambda: _run(_home(ctx), str(profile), files, None, dry_run=False))
        print_report(result.report, result.lang)
        if result.report.blocks_publish:
            err.print(f"[bold red]refused:[/] the demo data for {profile.parent.name} did not validate.")
            raise typer.Exit(EXIT_REFUSED)
        print_summary(result)
        print_published(result)
    out.print(f"[green]demo ready[/] in {_home(ctx)}: start the app with `make app` or `make demo`.")


def _read_current(ctx: typer.Context):
    home = Home(_home(ctx))
    current = home.current()
    if current is None:
        err.print(f"[bold red]error:[/] nothing has been published in {home.root} yet")
        raise typer.Exit(EXIT_USAGE)
    import duckdb
    con = duckdb.connect()
    con.execute("attach ? as wh (read_only)", [str(home.warehouse)])
    return con


@app.command("releases")
def list_releases(ctx: typer.Context,
                  publisher: Annotated[Optional[str], typer.Option(help="Only this publisher's releases.")] = None):
    """List the releases published in this home, newest first."""
    con = _read_current(ctx)
    table = Table(title="Releases", title_justify="left")
    for col in ("release", "published (UTC)", "kind", "publisher", "periods", "loaded", "rejected", "redacted"):
        table.add_column(col, overflow="fold", justify="right" if col in ("loaded", "rejected", "redacted") else "left")
    for rid, _, kind, back, at, pub, dataset, periods, loaded, rejected, redacted in releases.history(con, publisher):
        table.add_row(rid, f"{at:%Y-%m-%d %H:%M:%S}", kind + (f" to {back}" if back else ""), pub,
                      ", ".join(periods), f"{loaded:,}", f"{rejected:,}", f"{redacted:,}")
    out.print(table)


MOVED = {"withdrawn": "withdrawn: it held the rows of", "restored": "restored: the rows of"}


def print_periods_moved(con, release: str, period: str | None = None) -> list[releases.PeriodRows]:
    """The periods `release` withdrew (a rollback to before they were published) or, a rollback to a
    later release, brought back, with what they hold."""
    moved = [(how, held) for how, held in releases.periods_moved(con, release) if period in (None, held.period)]
    for how, held in moved:
        totals = held.totals_text(money)
        out.print(f"{held.period} {MOVED[how]} {held.published_by}" + (f" ({totals})" if totals else ""))
    return [held for _, held in moved]


@app.command()
def diff(ctx: typer.Context,
         release: Annotated[Optional[str], typer.Argument(help="Release id (default: the latest).")] = None,
         period: Annotated[Optional[str], typer.Option(help="Only this period.")] = None,
         limit: Annotated[int, typer.Option(help="Row changes to show.")] = 50):
    """What a release changed in the periods it re-published: rows added, removed and changed."""
    con = _read_current(ctx)
    history = releases.history(con)
    if not history:
        err.print("[bold red]error:[/] no release yet")
        raise typer.Exit(EXIT_USAGE)
    release = release or history[0][0]
    if release not in {h[0] for h in history}:
        err.print(f"[bold red]error:[/] no release {release!r} (spendpub releases lists them)")
        raise typer.Exit(EXIT_USAGE)
    changes = [c for c in releases.period_changes(con, release) if period in (None, c.period)]
    moved = print_periods_moved(con, release, period)
    if not changes:
        if not moved:
            out.print(f"{release} re-published no period: it only added new ones.")
        return
    print_changes(changes)
    rows = Table(title=f"Row changes (first {limit})", title_justify="left")
    for col in ("period", "change", "key", "line before", "line after", "fields", "amount before", "amount after"):
        rows.add_column(col)
    for per, change, key, lb, la, fields, ab, aa in releases.row_changes(con, release, period, limit):
        rows.add_row(per, change, key, str(lb or ""), str(la or ""), ", ".join(fields or []), money(ab), money(aa))
    out.print(rows)


@app.command()
def rollback(ctx: typer.Context, release: Annotated[str, typer.Argument(help="Release to go back to.")],
             wait: WaitOpt = 60):
    """Publish again, as a new release, what the publisher's data were right after RELEASE."""
    result = guarded(lambda: replay.rollback(_home(ctx), release, wait))
    print_changes(result.changes)
    with _read_current(ctx) as con:
        print_periods_moved(con, result.release_id)
    print_published(result)


@app.command()
def rebuild(ctx: typer.Context, release: Annotated[str, typer.Argument(help="Release to rebuild.")],
            out_dir: Annotated[Optional[Path], typer.Option("--out", help="Where to write (default: HOME/rebuild/RELEASE, which only you can open: the packages as published may hold names redacted since).")] = None):
    """Rebuild a release's packages from the source archive and check them byte for byte."""
    result = guarded(lambda: replay.rebuild(_home(ctx), release, out_dir))
    if result.identical:
        out.print(f"[green]identical:[/] {result.files} files of {result.release_id} rebuilt byte for byte in {result.out}")
        return
    for label, paths in (("differs", result.mismatched), ("missing", result.missing), ("extra", result.extra)):
        for p in paths:
            err.print(f"{label}: {p}")
    err.print(f"[bold red]not identical:[/] the rebuild of {result.release_id} differs from what was published")
    raise typer.Exit(EXIT_REFUSED)


def run() -> None:
    app()
