"""Redaction's private state: decisions on candidates and the register of redacted names."""

from __future__ import annotations

import stat

import pytest

from etl import redact
from etl.errors import SpendpubError, UsageError


def test_decisions_and_register_are_private_and_outside_the_site(home):
    keys = redact.decide(home, "testco", ["Mr J Smith", "Mme Dupont"], "confirmed", decided_by="clerk")
    assert keys == ["mr j smith", "mme dupont"]
    redact.decide(home, "testco", ["MR J. SMITH"], "rejected", note="a company after all")
    d = redact.load_decisions(home, "testco")
    assert d.confirmed == {"mme dupont": "Mme Dupont"} and d.rejected == {"mr j smith": "MR J. SMITH"}
    assert len(redact.record_names(home, "testco", ["Mme Dupont", "mme  dupont", "P H Jones"])) == 2
    assert len(redact.record_names(home, "testco", ["P. H. JONES"])) == 0
    assert redact.load_decisions(home, "testco").register == ("Mme Dupont", "P H Jones")
    folder = redact.redaction_dir(home, "testco")
    assert folder == home / "redaction" / "testco" and "site" not in folder.parts
    for f in (folder / "decisions.csv", folder / "names.txt"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == ["decisions.csv", "names.txt"]  # no temp left


def test_the_register_keeps_whether_a_name_was_withheld_only_as_a_precaution(home):
    assert len(redact.record_names(home, "testco", [("Let Leeds", True), "Mr J Smith", ("Mme Dupont", False)])) == 3
    path = redact.redaction_dir(home, "testco") / "names.txt"
    assert path.read_text().splitlines()[1:] == ["Let Leeds\twhole-cell", "Mr J Smith", "Mme Dupont"]
    d = redact.load_decisions(home, "testco")
    assert d.register == ("Let Leeds", "Mr J Smith", "Mme Dupont") and d.register_whole == ("Let Leeds",)
    assert len(redact.record_names(home, "testco", [("LET LEEDS", True), ("mr j smith", True)])) == 0
    assert len(redact.record_names(home, "testco", [("Let Leeds", False)])) == 1  # a person after all
    assert redact.load_decisions(home, "testco").register_whole == ()


def test_bad_decisions_are_refused(home):
    with pytest.raises(UsageError, match="no letters"):
        redact.decide(home, "testco", ["--"], "confirmed")
    with pytest.raises(UsageError):
        redact.decide(home, "testco", ["X"], "maybe")
    with pytest.raises(UsageError):
        redact.redaction_dir(home, "../elsewhere")
    folder = redact.redaction_dir(home, "testco", create=True)
    (folder / "decisions.csv").write_text("name,decision\nX,perhaps\n")
    with pytest.raises(SpendpubError, match="line 2"):
        redact.load_decisions(home, "testco")
