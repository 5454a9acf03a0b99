"""Redaction policy: the rules of the shared policy and the profile, merged and checked."""

from __future__ import annotations

import duckdb
import pytest

from etl import redact
from etl.errors import ProfileError
from etl.profile import load_profile
from tests.redact.conftest import EXTRA_FIELDS, with_rules


def test_shared_policy_loads_and_every_expense_rule_compiles():
    policy = redact.load_policy()
    assert "REDACTED PERSONAL DATA" in policy.markers
    assert policy.sole_traders is False and policy.detect is True and policy.pending == "report"
    assert set(policy.redact_purpose) == set(redact.REASONS)
    con = duckdb.connect()
    # the sensitive types match what they must, and not the agencies paid for a service
    matches = dict(con.execute(
        "select t, regexp_matches(t, ?) from unnest(?::varchar[]) as u(t)",
        [policy.expense_regex, ["Direct Payments", "Personalised Budgets", "Adoptions - Allowances",
                                "Fostering - Placement Support", "Fees To Carers", "Section 17",
                                "Compensation Claims", "Care Package", "Famille d'accueil",
                                "Independent Fostering Agencies", "Stationery", "Home Care",
                                "Interagency Adoptions"]]).fetchall())
    assert [t for t, m in matches.items() if m] == [
        "Direct Payments", "Personalised Budgets", "Adoptions - Allowances", "Fostering - Placement Support",
        "Fees To Carers", "Section 17", "Compensation Claims", "Care Package", "Famille d'accueil"]


def test_profile_rules_add_to_the_shared_policy(mini_profile, tmp_path):
    profile = load_profile(mini_profile(EXTRA_FIELDS))
    assert "REDACTED PERSONAL DATA" in redact.load_policy(profile).markers  # today's `markers` key
    p = with_rules(profile, tmp_path, """\
  markers: [NAME REMOVED]
  expense_types: ['^Carer Respite$']
  sole_traders: true
  names: [Jane Q Citizen]
""")
    policy = redact.load_policy(p)
    assert {"NAME REMOVED", "REDACTED PERSONAL DATA", "REDACTED"} <= set(policy.markers)
    assert "^Carer Respite$" in policy.expense_types and "direct payments?" in policy.expense_types
    assert policy.sole_traders is True and policy.names == ("Jane Q Citizen",)
    assert set(policy.person_types) >= {"sole trader", "individual"}


@pytest.mark.parametrize("rules, message", [
    ("  expense_types: ['(unclosed']\n", "redaction.expense_types.0: bad regular expression"),
    ("  sole_traderz: true\n", "Additional properties are not allowed"),
    ("  pending: later\n", "redaction.pending"),
])
def test_bad_rules_are_refused_naming_the_key(mini_profile, tmp_path, rules, message):
    p = with_rules(load_profile(mini_profile(EXTRA_FIELDS)), tmp_path, rules)
    with pytest.raises(ProfileError, match=message.replace("(", r"\(")) as e:
        redact.load_policy(p)
    assert str(p.path) in str(e.value)
