"""`spendpub redactions ...`: review the detector's candidates, confirm or reject them.

A typer sub-app mounted on the main command (etl/cli.py) as `redactions`; like cli.py it is an
edge that speaks to people: one clear sentence on an error, exit 1 when something is refused,
2 when the command is used wrongly. The decisions go to the publisher's private home.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from . import redact
from .redact.decisions import name_keys
from .terminal import FilesArg, PeriodOpt, ProfileOpt, guarded, out
from .profile import load_profile

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Review probable natural persons; confirm or reject them (decisions are private).")
NamesArg = Annotated[list[str], typer.Argument(help="Names exactly as the review listed them (case and punctuation do not matter).")]
NoteOpt = Annotated[str, typer.Option(help="Why: kept with the decision.")]


def _home(ctx: typer.Context) -> Path:
    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    return Path(obj.get("home", "var"))


def _totals(c: redact.Candidate) -> str:
    return ", ".join(f"{cur} {total:,.2f}".strip() for cur, total in sorted(c.totals.items())) or "-"


def _table(title: str, candidates: list[redact.Candidate]) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("name", "payments", "total", "first rows", "why"):
        table.add_column(col, justify="right" if col in ("payments", "total") else "left", overflow="fold")
    for c in candidates:
        table.add_row(c.name, f"{c.payments:,}", _totals(c), "\n".join(c.examples), "; ".join(c.why))
    return table


@app.command()
def review(ctx: typer.Context, files: FilesArg, profile: ProfileOpt, period: PeriodOpt = None,
           as_json: Annotated[bool, typer.Option("--json", help="Print the candidates as JSON.")] = False):
    """List the probable natural persons in the files (nothing is written or redacted)."""
    candidates = guarded(lambda: redact.review(profile, files, _home(ctx), period=period))
    if as_json:
        sys.stdout.write(json.dumps([
            {"name": c.name, "payments": c.payments, "totals": {k: str(v) for k, v in c.totals.items()},
             "examples": list(c.examples), "why": list(c.why), "withheld": c.withheld}
            for c in candidates], indent=2, ensure_ascii=False) + "\n")
        return
    open_ones = [c for c in candidates if not c.withheld]
    withheld = [c for c in candidates if c.withheld]
    if open_ones:
        out.print(_table("Probable natural persons, published by name until confirmed", open_ones))
    if withheld:
        out.print(_table("Withheld by a sensitive expense type: reject the organisations to publish their names",
                         withheld))
    if not candidates:
        out.print("[green]no probable natural person to review[/]")
        return
    out.print(f"{len(open_ones):,} to review, {len(withheld):,} withheld. A person decides: "
              f"`spendpub redactions confirm --profile {profile} NAME...` redacts a name at every publish, "
              f"`spendpub redactions reject --profile {profile} NAME...` says it is not a natural person.")


def _decide(ctx: typer.Context, profile: str, names: list[str], decision: str, note: str) -> None:
    def run() -> tuple[str, int]:
        p = load_profile(profile)
        redact.decide(_home(ctx), p.publisher_id, names, decision, note=note)
        return p.publisher_id, len(names)

    publisher, n = guarded(run)
    what = "will be redacted at every publish" if decision == "confirmed" else "will be published and not reported again"
    out.print(f"{decision} {n:,} name{'s' if n != 1 else ''} for {publisher}: {what}.")


@app.command()
def confirm(ctx: typer.Context, names: NamesArg, profile: ProfileOpt, note: NoteOpt = ""):
    """Confirm that each name is a natural person: redacted (confirmed-person) at every later publish."""
    _decide(ctx, profile, names, "confirmed", note)


@app.command()
def reject(ctx: typer.Context, names: NamesArg, profile: ProfileOpt, note: NoteOpt = ""):
    """Say that each name is not a natural person: published, and never reported again."""
    _decide(ctx, profile, names, "rejected", note)


@app.command("list")
def list_decisions(ctx: typer.Context, profile: ProfileOpt):
    """Show the decisions taken for a publisher and how many names its private register holds."""
    def run():
        p = load_profile(profile)
        return p.publisher_id, redact.load_decisions(_home(ctx), p.publisher_id)

    publisher, decisions = guarded(run)
    table = Table(title=f"Decisions for {publisher}", title_justify="left")
    table.add_column("name")
    table.add_column("decision")
    for name in sorted(decisions.confirmed.values(), key=str.casefold):
        table.add_row(name, "confirmed")
    for name in sorted(decisions.rejected.values(), key=str.casefold):
        table.add_row(name, "rejected")
    out.print(table)
    out.print(f"{len(decisions.register):,} names in the private register of redacted names.")
    _print_register(publisher, decisions)


def _print_register(publisher: str, decisions: redact.Decisions) -> None:
    """Every name the register hides at each publish, and why: a name withheld only as a precaution
    (paid once under a sensitive expense type, with no sign of a person) may be an organisation's,
    hidden on all its payments until a person rejects it."""
    if not decisions.register:
        return
    table = Table(title=f"Private register of {publisher}", title_justify="left")
    table.add_column("name")
    table.add_column("hidden as")
    keys = name_keys(decisions.register)
    for name, key in sorted(zip(decisions.register, keys), key=lambda nk: nk[0].casefold()):
        table.add_row(name, "rejected: published in each period published again" if key in decisions.rejected
                      else "a precaution: paid under a sensitive expense type" if name in decisions.register_whole
                      else "a person")
    out.print(table)
    if decisions.registered(whole=True):
        out.print(f"A name hidden as a precaution is hidden on every payment to it. If it is an organisation, "
                  f"`spendpub redactions reject --profile {publisher} NAME` publishes it again in each period "
                  "published after that, its sensitive payments included.")
