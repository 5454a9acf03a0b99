"""The redaction policy: the shared default rules (datasets/reference/redaction-policy.yaml) and the
profile's `redaction:` block, checked against their schema and merged into one Policy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import jsonschema
import yaml

from .. import yamltext
from ..errors import ProfileError
from ..paths import DATASETS_DIR, SCHEMAS_DIR
from ..profile import Profile
from .decisions import _keys_lock, _private_connection

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
        return yamltext.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ProfileError(f"cannot read redaction rules: {yamltext.describe(e)}", where=str(path)) from None


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
