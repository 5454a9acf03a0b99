"""The one rule for tests whose input may be missing: skip in a user's fresh clone, fail in CI."""

from __future__ import annotations

import pytest

from tests.conftest import skip_unless_ci


@pytest.mark.parametrize("ci", ["true", "True", "1", "yes", "woodpecker"])
def test_a_missing_input_fails_where_ci_is_true(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="no such input .CI must have it."):
        skip_unless_ci("no such input")


@pytest.mark.parametrize("ci", [None, "false", "", "0", "no"])
def test_a_missing_input_skips_elsewhere(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="no such input"):
        skip_unless_ci("no such input")
