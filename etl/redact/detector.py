"""The detector: probable natural persons the rules left unredacted, reported for a person to
confirm or reject (never redacted here), and the refusal of a publish while some wait."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from .. import engine
from ..errors import SpendpubError, UsageError
from ..extract import extract
from ..home import Home
from ..profile import Profile, load_profile
from ..sqltext import quote_ident
from ..transform import FileContext, build_staging, stg_table
from .enforce import apply
from .decisions import Decisions, load_decisions
from .policy import Policy, load_policy


@dataclass(frozen=True)
class Candidate:
    """A probable natural person, for a person to confirm or reject."""

    name: str
    key: str
    payments: int
    totals: dict[str, Decimal]
    examples: tuple[str, ...]     # 'file:line' of the first rows
    why: tuple[str, ...]
    withheld: bool = False        # already redacted by the sensitive-expense rule until decided


DETECT_SQL = """
with rows as (
    select * from redaction_plan
    where key is not null and not is_confirmed and not is_rejected and not is_listed
),
open_candidates as (
    select key, signs, false as withheld, file_index, line, name
    from rows
    where not hide_name and not is_org and len(signs) > 0
),
withheld_keys as (  -- withheld only as a precaution, now or in an earlier release
    select key from rows where reason = 'sensitive-expense' and hide_name
    union
    select key from rd_keys where kind = 'registered_whole'
),
withheld_candidates as (
    select key, [case when reason = 'sensitive-expense'
                      then 'paid under a sensitive expense type (' || expense_type || ')'
                      when is_named then 'withheld in an earlier release'
                      else 'redacted on another row of this release' end] as signs, true as withheld,
           file_index, line, name
    from rows
    where hide_name and not was_redacted and not is_marker and not is_person_type
      and key in (select key from withheld_keys)
),
final as (
    select * from open_candidates
    union all by name
    select * from withheld_candidates
)
select key, mode(name) as name, count(*) as payments, bool_or(withheld) as withheld,
       list_distinct(flatten(list(signs))) as why,
       list(file_index || ':' || line order by file_index, line)[1:3] as examples
from final
group by key
order by withheld, payments desc, key
"""


def detect(con: duckdb.DuckDBPyConnection, profile: Profile, policy: Policy,
           decisions: Decisions | None = None, file_names: list[str] | None = None) -> list[Candidate]:
    """Probable natural persons in stg_<dataset> after apply(): reported, never redacted here.

    Rejected names are never reported again; confirmed ones are already redacted. Names withheld
    only because of a sensitive expense type are reported too (withheld=True), so that a person can
    reject an organisation and publish its name.
    """
    if not policy.detect or "supplier_name" not in profile.schema.field_names:
        return []
    rows = con.execute(DETECT_SQL).fetchall()
    totals: dict[str, dict[str, Decimal]] = {}  # per currency: money is never added across currencies
    fields = profile.schema.field_names
    if rows and "amount" in fields:
        currency = f"s.{quote_ident('currency')}" if "currency" in fields else "''"
        for key, cur, total in con.execute(f"""
                select p.key, {currency}, sum(s.{quote_ident('amount')})
                from redaction_plan p
                join {quote_ident(stg_table(profile))} s
                  on s.source_file_index = p.file_index and s.source_line = p.line
                where p.key in (select unnest(?::varchar[]))
                group by all""", [[r[0] for r in rows]]).fetchall():
            if total is not None:
                totals.setdefault(key, {})[cur or ""] = Decimal(total)
    names = file_names or []

    def where(example: str) -> str:
        index, line = example.split(":")
        i = int(index)
        return f"{names[i] if i < len(names) else f'file {i + 1}'}:{line}"

    return [Candidate(name=name, key=key, payments=payments, totals=totals.get(key, {}),
                      examples=tuple(where(e) for e in examples),
                      why=tuple(why) if withheld else ("no company identifier", *why), withheld=withheld)
            for key, name, payments, withheld, why, examples in rows]


def review(profile_ref: str | Path, files: list[Path], home: Path, *, period: str | None = None) -> list[Candidate]:
    """Read the files as a publish would (nothing written) and return the detector's candidates."""
    profile = load_profile(profile_ref)
    if not files:
        raise UsageError("no input file given")
    policy = load_policy(profile)
    decisions = load_decisions(home, profile.publisher_id)
    # the rows read are not redacted yet: what DuckDB spills goes to the home's private work folder
    with Home(home).work_folder(make_home=False) as work, \
            engine.connect(temp_directory=str(work / "duckdb.tmp")) as con:
        extracted = [extract(con, Path(p), profile, i, work) for i, p in enumerate(files)]
        build_staging(con, profile, [FileContext(i, e, period, "review") for i, e in enumerate(extracted)])
        apply(con, profile, policy, decisions)
        return detect(con, profile, policy, decisions, [e.name for e in extracted])


class PendingReview(SpendpubError):
    """Candidates wait for a decision and the policy says `pending: refuse`."""

    def __init__(self, candidates: list[Candidate], profile: Profile):
        self.candidates = candidates
        super().__init__(
            f"{len(candidates):,} probable natural "
            f"{'persons await' if len(candidates) != 1 else 'person awaits'} a decision; "
            f"run `spendpub redactions review --profile {profile.publisher_id} FILES...`, then confirm or "
            "reject each one", where=str(profile.path))


def check_pending(candidates: list[Candidate], policy: Policy, profile: Profile) -> None:
    """Refuse the publish when the policy says so and open candidates are left."""
    open_ones = [c for c in candidates if not c.withheld]
    if policy.pending == "refuse" and open_ones:
        raise PendingReview(open_ones, profile)
