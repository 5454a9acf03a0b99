"""Redaction's detector: probable natural persons reported for a decision, never redacted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from etl import redact
from tests.redact.conftest import EXTRA_FIELDS, LABEL, records, row, stage, with_rules, write_rows


def test_detector_reports_probable_people_without_redacting_them(staged, home):
    con, profile = staged([
        row("Mr J Smith", "100.00"), row("Mr J Smith", "50.50"), row("Mrs A Patel"), row("Mme Dupont"),
        row("P H Jones"), row("Smith J A"), row("John Smith"), row("Acme Ltd"), row("J Smith Plumbing Ltd"),
        row("Mr Jones", company="01234567"), row("Leeds City Council"), row("Tarmac"),
        row("Linzi Spencer", expense="Direct Payments"), row("Action For Children", expense="Adoptions - Allowances"),
        row("WROXLEY, Jane"), row("Jane Ltd"),
    ])
    policy = redact.load_policy(profile)
    redact.apply(con, profile, policy)
    found = {c.name: c for c in redact.detect(con, profile, policy, file_names=["spend-2024-05.csv"])}
    assert set(found) == {"Mr J Smith", "Mrs A Patel", "Mme Dupont", "P H Jones", "Smith J A", "John Smith",
                          "Linzi Spencer", "Action For Children", "WROXLEY, Jane"}
    smith = found["Mr J Smith"]
    assert smith.payments == 2 and smith.totals == {"GBP": Decimal("150.50")}
    assert smith.examples == ("spend-2024-05.csv:2", "spend-2024-05.csv:3")
    assert smith.why == ("no company identifier", "a title (mr)") and not smith.withheld
    assert "a title (mme)" in found["Mme Dupont"].why
    assert "initials and a surname" in found["P H Jones"].why and "initials and a surname" in found["Smith J A"].why
    assert "a common given name (john)" in found["John Smith"].why
    assert "a common given name (jane)" in found["WROXLEY, Jane"].why   # surname first
    assert found["Linzi Spencer"].withheld and found["Action For Children"].withheld
    # candidates are reported, not redacted
    assert ("Mr J Smith", False) in records(con, "supplier_name", "is_redacted")


def test_decisions_silence_the_detector(staged, home):
    rows = [row("Mr J Smith"), row("Mrs A Patel"), row("Action For Children", expense="Adoptions - Allowances")]
    redact.decide(home, "testco", ["Mr J Smith"], "confirmed")
    redact.decide(home, "testco", ["mrs a patel", "Action for Children"], "rejected")
    con, profile = staged(rows)
    policy, decisions = redact.load_policy(profile), redact.load_decisions(home, "testco")
    assert redact.apply(con, profile, policy, decisions) == {"confirmed-person": 1}
    assert redact.detect(con, profile, policy, decisions) == []
    assert records(con, "supplier_name") == [(LABEL,), ("Mrs A Patel",), ("Action For Children",)]


def test_pending_candidates_refuse_a_publish_only_when_the_policy_says_so(staged, tmp_path):
    con, profile = staged([row("Mr J Smith")])
    policy = redact.load_policy(profile)
    redact.apply(con, profile, policy)
    candidates = redact.detect(con, profile, policy)
    redact.check_pending(candidates, policy, profile)  # report: no refusal
    strict = redact.load_policy(with_rules(profile, tmp_path, "  pending: refuse\n"))
    with pytest.raises(redact.PendingReview, match="1 probable natural person awaits"):
        redact.check_pending(candidates, strict, profile)
    off = redact.load_policy(with_rules(profile, tmp_path, "  detect: false\n"))
    assert redact.detect(con, profile, off) == []


def test_review_reads_files_like_a_publish_and_writes_nothing(mini_profile, export, home):
    path = export(write_rows([row("Mr J Smith"), row("Acme Ltd")]))
    candidates = redact.review(mini_profile(EXTRA_FIELDS), [path], home)
    assert [(c.name, c.examples) for c in candidates] == [("Mr J Smith", ("spend-2024-05.csv:2",))]
    assert not home.exists()


# --------------------------------------------------------------------------- real files

@pytest.mark.realdata
def test_leeds_detector_finds_the_people_paid_by_name(realdata, tmp_path):
    path = realdata / "spending/leeds-monthly-fy2012-13/spending_2012_04.csv"
    con, profile = stage("leeds", [path], tmp_path)
    policy = redact.load_policy(profile)
    redact.apply(con, profile, policy)
    found = {c.name: c for c in redact.detect(con, profile, policy, file_names=[path.name])}
    assert {"P H Jones", "C Kent"} <= set(found)
    assert not any(n.endswith(" Ltd") or n.endswith(" Limited") for n in found)
    assert all(c.examples[0].startswith("spending_2012_04.csv:") for c in found.values())
