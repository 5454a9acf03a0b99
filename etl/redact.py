"""Redact: personal data replaced in stg_ before anything is loaded or written.

Rows keep their amount, date, department and expense type, so totals stay true; the supplier's
name (and a purpose text that could identify the person) is replaced by a fixed label, the
supplier_id is cleared, the source texts of those fields are blanked, and the row says why
(redaction_reason). Everything runs set-based in DuckDB on the stg_<dataset> table.

The rules come from the shared default policy (datasets/reference/redaction-policy.yaml) and the
profile's `redaction:` block. A publisher's private state lives under its home, never in site/:

    <home>/redaction/<publisher_id>/decisions.csv   a person's decisions on detector candidates
    <home>/redaction/<publisher_id>/names.txt       every name ever redacted (the leak gate's list)
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import getpass
import hashlib
import io
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import duckdb
import jsonschema
import yaml

from . import leakgate
from .errors import ProfileError, SpendpubError, UsageError
from .paths import DATASETS_DIR, SCHEMAS_DIR
from .extract import extract
from .profile import Profile, load_profile
from .sqltext import quote_ident, quote_literal
from .transform import FileContext, build_staging, mirrors_text, stg_table, text_column

REDACTED_LABEL = "Redacted – personal data"
# In order of precedence when several apply to a row.
REASONS = ("source-marker", "natural-person", "confirmed-person", "sensitive-expense", "named-person")
POLICY_FILE = DATASETS_DIR / "reference" / "redaction-policy.yaml"
RULES_SCHEMA = SCHEMAS_DIR / "profile-redaction.schema.json"
REDACTED_FIELDS = ("supplier_name", "supplier_id", "purpose")

REDACTION_NOTE = (
    "Personal data are never published. A payment to a natural person keeps its amount, date, "
    "department and expense type, so totals stay true, but its supplier_name (and a purpose that "
    "could identify the person) reads 'Redacted – personal data', its supplier_id is empty, "
    "is_redacted is true and redaction_reason says why: source-marker (the source had already "
    "withheld the name), natural-person (the supplier type is an individual), named-person (a name "
    "on a list of names to redact, including every name redacted in an earlier release), "
    "confirmed-person (a person confirmed it after review) or sensitive-expense (an expense type "
    "that always concerns an individual, such as care packages or fostering). The counts per reason "
    "are given under spendpub.redactions."
)


# --------------------------------------------------------------------------- policy

@dataclass(frozen=True)
class Policy:
    markers: tuple[str, ...] = ()
    individual_types: tuple[str, ...] = ()
    sole_trader_types: tuple[str, ...] = ()
    organisation_types: tuple[str, ...] = ()
    sole_traders: bool = False
    expense_types: tuple[str, ...] = ()
    keep_organisations: bool = True
    redact_purpose: frozenset[str] = frozenset(REASONS)
    names: tuple[str, ...] = ()
    detect: bool = True
    pending: str = "report"
    titles: tuple[str, ...] = ()
    organisation_words: tuple[str, ...] = ()
    given_names: tuple[str, ...] = ()
    common_words: tuple[str, ...] = ()

    @classmethod
    def from_rules(cls, *blocks: dict) -> "Policy":
        """Merge rule blocks in order (the shared default first): lists add up, scalars replace."""
        lists: dict[str, list[str]] = {}
        scalars: dict = {}
        for block in blocks:
            flat = dict(block)
            for kind, values in (flat.pop("supplier_types", None) or {}).items():
                flat[f"{kind}_types"] = values
            for key, value in flat.items():
                if isinstance(value, list):
                    acc = lists.setdefault(key, [])
                    acc += [v for v in value if v not in acc]
                else:
                    scalars[key] = value
        kwargs = {k: tuple(v) for k, v in lists.items()}
        kwargs.update(scalars)
        if "redact_purpose" in kwargs:
            kwargs["redact_purpose"] = frozenset(kwargs["redact_purpose"])
        return cls(**kwargs)

    @property
    def person_types(self) -> tuple[str, ...]:
        return self.individual_types + (self.sole_trader_types if self.sole_traders else ())

    @property
    def expense_regex(self) -> str | None:
        """One RE2 expression for every sensitive expense type, ignoring case."""
        if not self.expense_types:
            return None
        return "(?i)" + "|".join(f"(?:{rx})" for rx in self.expense_types)


@lru_cache(maxsize=1)
def _rules_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(RULES_SCHEMA.read_text(encoding="utf-8")))


def _checked_rules(block, where: str, prefix: str) -> dict:
    if block is None:
        return {}
    if not isinstance(block, dict):
        raise ProfileError(f"{prefix or '(top level)'}: redaction rules are a mapping of keys", where=where)
    errors = sorted(_rules_validator().iter_errors(block), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [f"{'.'.join([prefix, *map(str, e.absolute_path)]).strip('.') or '(top level)'}: {e.message}"
                 for e in errors]
        raise ProfileError("invalid redaction rules:\n  " + "\n  ".join(lines), where=where)
    expressions = block.get("expense_types", [])
    with _keys_lock:
        con = _private_connection()
        try:  # every expression at once; one by one only to name a bad one
            con.execute("select regexp_matches('', rx) from unnest(?::varchar[]) t(rx)", [expressions])
        except duckdb.Error:
            for i, rx in enumerate(expressions):
                try:
                    con.execute("select regexp_matches('', ?)", [rx])
                except duckdb.Error as e:
                    key = ".".join(p for p in (prefix, "expense_types", str(i)) if p)
                    raise ProfileError(f"{key}: bad regular expression {rx!r}: {str(e).splitlines()[0]}",
                                       where=where) from None
            raise
    return block


def _read_yaml(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
        try:  # libyaml's parser when it is there (8 times faster); the Python one has the last word
            return yaml.load(text, Loader=yaml.CSafeLoader)
        except (AttributeError, yaml.YAMLError):
            return yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ProfileError(f"cannot read redaction rules: {e}", where=str(path)) from None


def profile_rules(profile: Profile) -> dict:
    """The profile's `redaction:` block (from profile.redaction once the profile carries it)."""
    block = getattr(profile, "redaction", None)
    if block is None:
        doc = _read_yaml(profile.path) if profile.path and Path(profile.path).is_file() else {}
        block = (doc or {}).get("redaction") or {}
    block = dict(block)
    if profile.redaction_markers:
        block["markers"] = list(dict.fromkeys([*block.get("markers", []), *profile.redaction_markers]))
    return _checked_rules(block, str(profile.path), "redaction")


def load_policy(profile: Profile | None = None, shared: Path = POLICY_FILE) -> Policy:
    """The shared default policy, with the profile's rules added."""
    base = _checked_rules(_read_yaml(shared), str(shared), "")
    return Policy.from_rules(base, profile_rules(profile) if profile is not None else {})


def markers_only(profile: Profile) -> Policy:
    """Only the markers the profile declares: what spendpub did before the policy existed."""
    return Policy(markers=tuple(profile.redaction_markers), redact_purpose=frozenset(REASONS))


# --------------------------------------------------------------------------- private state

DECISIONS_FILE = "decisions.csv"
REGISTER_FILE = "names.txt"
DECISION_COLUMNS = ("name", "decision", "decided_at", "decided_by", "note")


@dataclass(frozen=True)
class Decisions:
    """A publisher's private redaction state: decisions on candidates, and the names register."""

    confirmed: dict[str, str] = field(default_factory=dict)   # key -> name as written
    rejected: dict[str, str] = field(default_factory=dict)
    register: tuple[str, ...] = ()        # every name redacted in an earlier release...
    register_whole: tuple[str, ...] = ()  # ...of which these were withheld only as a precaution

    @classmethod
    def empty(cls) -> "Decisions":
        return cls()

    def registered(self, whole: bool) -> list[str]:
        """Register names of one kind that no person has rejected."""
        names = [n for n in self.register if (n in self.register_whole) == whole]
        return [n for n, k in zip(names, name_keys(names)) if k not in self.rejected]


_keys_lock = threading.Lock()
_keys_con: list[duckdb.DuckDBPyConnection] = []


def _private_connection() -> duckdb.DuckDBPyConnection:
    """One private in-memory connection, made once, with the name macros; hold _keys_lock."""
    if not _keys_con:
        _keys_con.append(duckdb.connect())
        leakgate.install_macros(_keys_con[0])
    return _keys_con[0]


def name_keys(names: Iterable[str]) -> list[str | None]:
    """The comparison key of each name (words, lower case, no accents): the same SQL everywhere."""
    names = list(names)
    if not names:
        return []
    with _keys_lock:
        return [r[0] for r in _private_connection().execute(
            "select redaction_key(n) from unnest(?::varchar[]) with ordinality as t(n, i) order by i",
            [names]).fetchall()]


def redaction_dir(home: Path, publisher_id: str, create: bool = False) -> Path:
    if not publisher_id or "/" in publisher_id or publisher_id.startswith("."):
        raise UsageError(f"not a publisher id: {publisher_id!r}")
    folder = Path(home) / "redaction" / publisher_id
    if create:
        for d in (folder.parent, folder):
            d.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(d, 0o700)
    return folder


def _write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only, atomically (a crash leaves the old one whole)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_decision_rows(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    bad = [i for i, r in enumerate(rows, start=2) if r.get("decision") not in ("confirmed", "rejected")]
    if bad:
        raise SpendpubError(f"line {bad[0]}: decision must be 'confirmed' or 'rejected'", where=str(path))
    return rows


WHOLE_CELL = "whole-cell"  # register mark of a name withheld only as a precaution (see leakgate)


def _read_register(path: Path) -> list[tuple[str, bool]]:
    """(name, withheld only as a precaution) for each line: 'name' or 'name<TAB>whole-cell'."""
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, mark = line.partition("\t")
            out.append((name.strip(), mark.strip() == WHOLE_CELL))
    return out


def load_decisions(home: Path, publisher_id: str) -> Decisions:
    folder = redaction_dir(home, publisher_id)
    rows = _read_decision_rows(folder / DECISIONS_FILE)
    confirmed: dict[str, str] = {}
    rejected: dict[str, str] = {}
    for row, key in zip(rows, name_keys(r["name"] for r in rows)):
        if key is None:
            continue
        confirmed.pop(key, None)
        rejected.pop(key, None)
        (confirmed if row["decision"] == "confirmed" else rejected)[key] = row["name"]
    register = _read_register(folder / REGISTER_FILE)
    return Decisions(confirmed=confirmed, rejected=rejected, register=tuple(n for n, _ in register),
                     register_whole=tuple(n for n, whole in register if whole))


def decide(home: Path, publisher_id: str, names: Iterable[str], decision: str, *,
           decided_by: str | None = None, note: str = "") -> list[str]:
    """Record that each name is ('confirmed') or is not ('rejected') a natural person; returns keys."""
    if decision not in ("confirmed", "rejected"):
        raise UsageError(f"a decision is 'confirmed' or 'rejected', not {decision!r}")
    names = [" ".join(n.split()) for n in names]
    keys = name_keys(names)
    empty = [n for n, k in zip(names, keys) if k is None]
    if empty:
        raise UsageError(f"{empty[0]!r} has no letters or digits: it cannot be a name")
    folder = redaction_dir(home, publisher_id, create=True)
    path = folder / DECISIONS_FILE
    rows = _read_decision_rows(path)
    new_keys = set(keys)
    kept = [r for r, k in zip(rows, name_keys(r["name"] for r in rows)) if k not in new_keys]
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    who = decided_by or _user()
    kept += [{"name": n, "decision": decision, "decided_at": stamp, "decided_by": who, "note": note}
             for n in dict.fromkeys(names)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=DECISION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: r.get(c, "") for c in DECISION_COLUMNS} for r in kept)
    _write_private(path, out.getvalue())
    return keys


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): the decision is still recorded
        return ""


def record_names(home: Path, publisher_id: str, names: Iterable[str | tuple[str, bool]]) -> int:
    """Add names to the private register of redacted names; returns how many were new or changed.

    Each name is a string, or (name, whole_cell) where whole_cell marks a name withheld only as a
    precaution (the gate then finds it only as a whole cell). A name once registered as a person
    stays one.
    """
    path = redaction_dir(home, publisher_id) / REGISTER_FILE
    current = _read_register(path)
    entries = {}
    for name, key in zip((n for n, _ in current), name_keys(n for n, _ in current)):
        entries.setdefault(key, [name, dict(current).get(name, False)])
    fresh = [(n, False) if isinstance(n, str) else (n[0], bool(n[1])) for n in names]
    fresh = [(" ".join(n.split()), w) for n, w in fresh if n and n.strip()]
    changed = 0
    for (name, whole), key in zip(fresh, name_keys(n for n, _ in fresh)):
        if key is None:
            continue
        if key not in entries:
            entries[key] = [name, whole]
            changed += 1
        elif entries[key][1] and not whole:  # now known as a person: searched everywhere
            entries[key][1] = False
            changed += 1
    if not changed:
        return 0
    redaction_dir(home, publisher_id, create=True)
    header = "# Names redacted by spendpub for this publisher: private, never publish this file.\n"
    _write_private(path, header + "".join(f"{n}\t{WHOLE_CELL}\n" if whole else f"{n}\n"
                                          for n, whole in entries.values()))
    return changed


# --------------------------------------------------------------------------- applying the rules

def _keys_table(con: duckdb.DuckDBPyConnection, policy: Policy, decisions: Decisions) -> None:
    kinds = {
        "marker": [*policy.markers, REDACTED_LABEL],
        "person_type": list(policy.person_types),
        "organisation_type": list(policy.organisation_types),
        "named": [*policy.names, *decisions.registered(whole=False)],
        "registered_whole": decisions.registered(whole=True),
        "confirmed": list(decisions.confirmed.values()),
        "rejected": list(decisions.rejected.values()),
        "org_word": list(policy.organisation_words),
        "title": list(policy.titles),
        "given_name": list(policy.given_names),
    }
    pairs = [(kind, v) for kind, values in kinds.items() for v in values]
    con.execute("""
        create or replace temp table rd_keys as
        select distinct kind, redaction_key(value) as key
        from (select unnest(?::varchar[]) as kind, unnest(?::varchar[]) as value)
        where redaction_key(value) is not null""", [[k for k, _ in pairs], [v for _, v in pairs]])


def _field_sql(profile: Profile, name: str, cast: str = "varchar") -> str:
    return quote_ident(name) if name in profile.schema.field_names else f"cast(null as {cast})"


# The decisions on the records, as a select of the records that pass {rows} (before the joins)
# and {where} (after), of names that pass {names}. apply() keeps the records some rule concerns,
# in two steps: those with a reason of their own, then the other records of every name that one
# of them hides.
PLAN_SQL = """
with records as not materialized (  -- scanned again by each use: cheaper than a copy of every row
    select source_file_index as file_index, source_line as line,
           {supplier_name} as name, {supplier_id} as supplier_id, {supplier_type} as supplier_type,
           {purpose} as purpose, {expense_type} as expense_type,
           coalesce({is_redacted}, false) as was_redacted, {redaction_reason} as was_reason
    from {stg}
    where row_kind = 'record'
),
-- What a name, a supplier type or an expense type says depends on that text alone: it is worked
-- out once per distinct text (thousands), not once per row (millions), then joined back.
names as (
    select *,
        coalesce(key in (select key from rd_keys where kind = 'marker'), false) as is_marker,
        coalesce(key in (select key from rd_keys where kind = 'named'), false) as is_listed,
        coalesce(key in (select key from rd_keys where kind in ('named', 'registered_whole')), false) as is_named,
        coalesce(key in (select key from rd_keys where kind = 'confirmed'), false) as is_confirmed,
        coalesce(key in (select key from rd_keys where kind = 'rejected'), false) as is_rejected,
        coalesce(list_has_any(tokens, (select coalesce(list(key), []) from rd_keys where kind = 'org_word')),
                 false) as has_org_word,
        -- what makes a name look like a person's (the detector's signs)
        list_filter([
            case when len(tokens) >= 2
                      and list_contains((select coalesce(list(key), []) from rd_keys where kind = 'title'), tokens[1])
                 then 'a title (' || tokens[1] || ')' end,
            case when regexp_full_match(key, '(\\pL )(\\pL ){{0,2}}\\pL{{2,}}')
                   or regexp_full_match(key, '\\pL{{2,}}( \\pL){{1,3}}')
                 then 'initials and a surname' end,
            case when len(tokens) between 2 and 4
                      and list_contains((select coalesce(list(key), []) from rd_keys where kind = 'given_name'), tokens[1])
                      and regexp_full_match(key, '[\\pL ]+')
                 then 'a common given name (' || tokens[1] || ')' end],
            lambda x: x is not null) as signs
    from (select name, redaction_key(name) as key, redaction_tokens(name) as tokens
          from (select distinct name from records))
    where {names}
),
types as (
    select *,
        coalesce(type_key in (select key from rd_keys where kind = 'person_type'), false) as is_person_type,
        coalesce(type_key in (select key from rd_keys where kind = 'organisation_type'), false) as is_org_type
    from (select supplier_type, redaction_key(supplier_type) as type_key from (select distinct supplier_type from records))
),
expenses as (
    select expense_type, {sensitive} as is_sensitive from (select distinct expense_type from records)
),
base as not materialized (
    select * from records b where {rows}
),
flags as (
    select b.file_index, b.line, b.name, n.key, n.tokens, b.supplier_id, t.type_key, b.purpose, b.expense_type,
        b.was_redacted, b.was_reason,
        n.is_marker, t.is_person_type, n.is_listed, n.is_named, n.is_confirmed, n.is_rejected, e.is_sensitive,
        b.supplier_id is not null or t.is_org_type or n.has_org_word as is_org,
        n.signs
    from base b
    join names n on n.name is not distinct from b.name
    join types t on t.supplier_type is not distinct from b.supplier_type
    join expenses e on e.expense_type is not distinct from b.expense_type
),
decided as (
    select *,
        -- the order keeps a row's reason stable from one release to the next (the register makes
        -- every redacted name a named one at the next publish)
        case when was_redacted then coalesce(was_reason, 'source-marker')
             when is_marker then 'source-marker'
             when is_person_type then 'natural-person'
             when is_confirmed then 'confirmed-person'
             when is_sensitive and not is_rejected then 'sensitive-expense'
             when is_named then 'named-person'
             when is_sensitive then 'sensitive-expense'
        end as reason,
        was_redacted or is_marker or is_person_type or is_named or is_confirmed
            or (is_sensitive and not is_rejected and not (is_org and {keep_organisations})) as hide_name,
        is_person_type or is_listed or is_confirmed or len(signs) > 0 as person_like
    from flags
)
-- what apply() and detect() read afterwards
select * exclude (tokens, supplier_id, type_key, was_reason, is_sensitive), false as hide_purpose
from decided
where {where}
"""

# A record no rule concerns: not redacted at the source, no marker, no person's supplier type, a
# name no list or decision names and with no sign of a person, no sensitive expense type, no
# purpose. It keeps no reason, hides nothing and the detector does not report it, unless another
# record hides its name; apply() adds those.
CONCERNED = ("was_redacted or is_marker or is_person_type or is_listed or is_named or is_confirmed "
             "or is_sensitive or len(signs) > 0 or purpose is not null")
# The same, tested before the joins: through semi-joins on the few texts concerned.
CONCERNED_ROWS = ("b.was_redacted or b.purpose is not null "
                  "or b.name in (select name from names where is_marker or is_listed or is_named or is_confirmed "
                  "or len(signs) > 0) "
                  "or b.supplier_type in (select supplier_type from types where is_person_type) "
                  "or b.expense_type in (select expense_type from expenses where is_sensitive)")


def apply(con: duckdb.DuckDBPyConnection, profile: Profile, policy: Policy,
          decisions: Decisions | None = None) -> dict[str, int]:
    """Redact stg_<dataset> as the policy and the decisions say; returns record rows per reason.

    Also leaves two temp tables on `con`: redaction_plan (what was decided, one row per record
    that some rule concerns: see CONCERNED) and redaction_names (the names redacted in this run:
    see redacted_names()).
    """
    decisions = decisions or Decisions.empty()
    fields = profile.schema.field_names
    if "supplier_name" not in fields:
        return {}
    stg = quote_ident(stg_table(profile))
    leakgate.install_macros(con)
    _keys_table(con, policy, decisions)
    rx = policy.expense_regex
    sensitive = (f"coalesce(regexp_matches(expense_type, {quote_literal(rx)}), false)" if rx else "false")
    plan = functools.partial(
        PLAN_SQL.format,
        stg=stg, sensitive=sensitive, keep_organisations="true" if policy.keep_organisations else "false",
        supplier_name=quote_ident("supplier_name"), supplier_id=_field_sql(profile, "supplier_id"),
        supplier_type=_field_sql(profile, "supplier_type"), purpose=_field_sql(profile, "purpose"),
        expense_type=_field_sql(profile, "expense_type"),
        is_redacted=_field_sql(profile, "is_redacted", "boolean"),
        redaction_reason=_field_sql(profile, "redaction_reason"))
    # Most records concern no rule: the plan holds the others, then every record of a name they hide.
    con.execute("create or replace temp table redaction_plan as "
                f"{plan(names='true', rows=CONCERNED_ROWS, where=CONCERNED)}")
    con.execute("""
        create or replace temp table rd_hidden_keys as
        select distinct key from redaction_plan where hide_name and not is_marker and key is not null""")
    if con.execute("select count(*) from rd_hidden_keys").fetchone()[0]:
        con.execute(f"insert into redaction_plan "
                    f"{plan(names='key in (select key from rd_hidden_keys)', rows='true', where=f'not ({CONCERNED})')}")

    # A name redacted on one row is redacted on every row of the release (the leak gate would
    # otherwise find it), unless a person rejected it as not a natural person.
    con.execute("""
        update redaction_plan set hide_name = true, reason = coalesce(reason, 'named-person')
        where not hide_name and not is_rejected and key in (select key from rd_hidden_keys)""")
    purpose_reasons = sorted(policy.redact_purpose)
    con.execute("""
        update redaction_plan set hide_purpose = true
        where purpose is not null and list_contains(?::varchar[], reason)
          and (hide_name or reason = 'sensitive-expense')""", [purpose_reasons])

    # The names redacted now, and whether each was withheld only as a precaution (no sign of a person)
    con.execute("""
        create or replace temp table redaction_names as
        select distinct p.name, not k.person_like as whole_cell
        from redaction_plan p
        join (select key, bool_or(person_like) as person_like from redaction_plan group by key) k using (key)
        where p.hide_name and not p.is_marker and not p.was_redacted and p.name is not null""")

    # A purpose that mentions a redacted name is redacted too, whatever the row.
    names, whole = _gate_lists(con, policy, decisions)
    if "purpose" in fields and (names or whole):
        leakgate.names_table(con, "rd_mention_names", names, policy.common_words, whole)
        con.execute(f"""
            update redaction_plan set hide_purpose = true, reason = coalesce(reason, 'named-person')
            where not hide_purpose and purpose in (
                select value from ({leakgate.token_matches_sql(
                    "(select purpose as value from redaction_plan)", "rd_mention_names")}))""")
    con.execute("update redaction_plan set reason = null where not (hide_name or hide_purpose)")

    sets = [f"supplier_name = case when p.hide_name then {quote_literal(REDACTED_LABEL)} else s.supplier_name end",
            "is_redacted = true", "redaction_reason = p.reason"]
    if "supplier_id" in fields:
        sets.append("supplier_id = case when p.hide_name then null else s.supplier_id end")
    if "purpose" in fields:
        sets.append(f"purpose = case when p.hide_purpose then {quote_literal(REDACTED_LABEL)} else s.purpose end")
    stg_columns = {r[0] for r in con.execute(f"describe {stg}").fetchall()}
    for name, hidden in (("supplier_name", "p.hide_name"), ("supplier_id", "p.hide_name"),
                         ("purpose", "p.hide_purpose")):
        text = text_column(name)
        # no personal text survives in staging (a text column that mirrors its field follows it)
        if text in stg_columns and not mirrors_text(profile, name):
            sets.append(f"{quote_ident(text)} = case when {hidden} then null else s.{quote_ident(text)} end")
    con.execute(f"""
        update {stg} as s set {', '.join(sets)}
        from redaction_plan p
        where s.source_file_index = p.file_index and s.source_line = p.line and s.row_kind = 'record'
          and p.reason is not null""")
    counts = dict(con.execute(
        "select reason, count(*) from redaction_plan where reason is not null group by 1 order by 1").fetchall())
    return {r: counts[r] for r in REASONS if r in counts}


def apply_source_markers(con: duckdb.DuckDBPyConnection, profile: Profile) -> None:
    """Rows the source already marks as personal data (e.g. 'REDACTED PERSONAL DATA')."""
    if profile.redaction_markers:
        apply(con, profile, markers_only(profile))


def redacted_name_kinds(con: duckdb.DuckDBPyConnection) -> list[tuple[str, bool]]:
    """(name, withheld only as a precaution) for each name apply() redacted on this connection."""
    exists = con.execute("select count(*) from duckdb_tables() where table_name = 'redaction_names' "
                         "and temporary").fetchone()[0]
    return [tuple(r) for r in con.execute(
        "select name, whole_cell from redaction_names order by name").fetchall()] if exists else []


def redacted_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The names apply() redacted on this connection."""
    return [n for n, _ in redacted_name_kinds(con)]


def record_release(con: duckdb.DuckDBPyConnection, home: Path, publisher_id: str) -> int:
    """Add the names this run redacted to the publisher's private register (before the switch)."""
    return record_names(home, publisher_id, redacted_name_kinds(con))


def _gate_lists(con: duckdb.DuckDBPyConnection, policy: Policy, decisions: Decisions) -> tuple[list[str], list[str]]:
    """(names searched anywhere, names searched as whole cells): redacted now or before, confirmed,
    or listed; a name a person rejected (not a natural person) is left out, unless a list names it."""
    now = redacted_name_kinds(con)
    now_keys = name_keys(n for n, _ in now)
    everywhere = [*decisions.registered(whole=False), *decisions.confirmed.values(), *policy.names,
                  *(n for (n, w), k in zip(now, now_keys) if not w and k not in decisions.rejected)]
    whole = [*decisions.registered(whole=True),
             *(n for (n, w), k in zip(now, now_keys) if w and k not in decisions.rejected)]
    return sorted(set(everywhere)), sorted(set(whole) - set(everywhere))


def gate_names(con: duckdb.DuckDBPyConnection, policy: Policy, decisions: Decisions) -> list[str]:
    """Every name the leak gate must not find (anywhere, or as a whole cell)."""
    everywhere, whole = _gate_lists(con, policy, decisions)
    return sorted(set(everywhere) | set(whole))


def gate_arguments(con: duckdb.DuckDBPyConnection, profile: Profile, policy: Policy,
                   decisions: Decisions) -> dict:
    """Keyword arguments of leakgate.check()/assert_clean() for this publish, outputs aside."""
    everywhere, whole = _gate_lists(con, policy, decisions)
    return {"names": everywhere, "whole_names": whole, "publisher_id": profile.publisher_id,
            "common_words": policy.common_words, "organisation_words": policy.organisation_words}


def redact_published(con: duckdb.DuckDBPyConnection, relation: str, profile: Profile, policy: Policy,
                     decisions: Decisions) -> dict[str, int]:
    """Redact rows already in a published table (e.g. wh.spending) whose name is now to be redacted.

    A name confirmed, listed or redacted after an earlier release had published it is redacted in
    that release's rows too, so that the leak gate passes and no later package shows it. Returns
    the rows changed per period: the caller rewrites those periods' packages.
    """
    fields = profile.schema.field_names
    if "supplier_name" not in fields:
        return {}
    leakgate.install_macros(con)
    everywhere, whole = _gate_lists(con, policy, decisions)
    keys = {"confirmed-person": [k for k in name_keys(decisions.confirmed.values()) if k],
            "named-person": [k for k in name_keys([*everywhere, *whole]) if k]}
    purpose = "purpose" in fields
    sets = [f"supplier_name = {quote_literal(REDACTED_LABEL)}", "is_redacted = true",
            "redaction_reason = case when list_contains($confirmed, redaction_key(supplier_name)) "
            "then 'confirmed-person' else 'named-person' end"]
    if "supplier_id" in fields:
        sets.append("supplier_id = null")
    if purpose:
        sets.append(f"purpose = case when purpose is not null and list_contains($purpose_reasons, "
                    f"case when list_contains($confirmed, redaction_key(supplier_name)) then 'confirmed-person' "
                    f"else 'named-person' end) then {quote_literal(REDACTED_LABEL)} else purpose end")
    params = {"publisher": profile.publisher_id, "confirmed": keys["confirmed-person"],
              "named": keys["named-person"], "purpose_reasons": sorted(policy.redact_purpose)}
    changed = con.execute(f"""
        update {relation} set {', '.join(sets)}
        where publisher_id = $publisher and not coalesce(is_redacted, false)
          and (list_contains($confirmed, redaction_key(supplier_name))
               or list_contains($named, redaction_key(supplier_name)))
        returning period""", params).fetchall()
    if purpose and (keys["confirmed-person"] or keys["named-person"]):
        # no temp table here: this runs inside the load's transaction on the attached warehouse
        names = leakgate.names_sql(everywhere, policy.common_words, whole)
        publisher = quote_literal(profile.publisher_id)
        changed += con.execute(f"""
            update {relation} set purpose = {quote_literal(REDACTED_LABEL)}, is_redacted = true,
                   redaction_reason = coalesce(redaction_reason, 'named-person')
            where publisher_id = {publisher} and purpose is not null and purpose <> {quote_literal(REDACTED_LABEL)}
              and purpose in (select value from ({leakgate.token_matches_sql(
                  f"(select purpose as value from {relation} where publisher_id = {publisher})", names)}))
            returning period""").fetchall()
    out: dict[str, int] = {}
    for (period,) in changed:
        out[period] = out.get(period, 0) + 1
    return dict(sorted(out.items()))


def state_digest(policy: Policy, decisions: Decisions) -> str:
    """sha256 of what decides a redaction outside the files and the profile: the policy and a
    person's decisions. When it differs from the last release's, publishing the same files again
    is not 'unchanged': it must run, so that a name confirmed since is redacted. (The register is
    left out: it only grows during a publish, which applies it then.)"""
    doc = {"policy": {k: sorted(v) if isinstance(v, (tuple, frozenset)) else v
                      for k, v in sorted(dataclasses.asdict(policy).items())},
           "confirmed": sorted(decisions.confirmed), "rejected": sorted(decisions.rejected)}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def published_counts(con: duckdb.DuckDBPyConnection, relation: str, publisher_id: str,
                     period: str | None = None) -> dict[str, int]:
    """Rows per redaction reason in a published table (every reason listed, zeros included)."""
    rows = dict(con.execute(
        f"select redaction_reason, count(*) from {relation} where publisher_id = ? and is_redacted "
        "and (?::varchar is null or period = ?) group by 1", [publisher_id, period, period]).fetchall())
    return {r: rows.get(r, 0) for r in REASONS}


# --------------------------------------------------------------------------- the detector

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
    con = duckdb.connect()
    try:
        with tempfile.TemporaryDirectory(prefix="spendpub-review-") as tmp:
            extracted = [extract(con, Path(p), profile, i, Path(tmp)) for i, p in enumerate(files)]
            build_staging(con, profile, [FileContext(i, e, period, "review") for i, e in enumerate(extracted)])
            apply(con, profile, policy, decisions)
            return detect(con, profile, policy, decisions, [e.name for e in extracted])
    finally:
        con.close()


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
