"""The notebooks run against a real published package and reproduce its figures."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from etl import pipeline
from etl.demo import demo_sources

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_package_walkthrough_reproduces_the_lambeth_total(home, capsys, monkeypatch):
    profile, files = next((p, f) for p, f in demo_sources() if p.parent.name == "lambeth")
    assert pipeline.run(profile, files, home).published
    monkeypatch.setattr(sys, "argv", ["walkthrough", str(home / "site/lambeth/spending")])
    runpy.run_path(str(NOTEBOOKS / "package_walkthrough.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "frictionless: valid" in out
    assert "2012-06 GBP   3,155 payments      40,292,334.84" in out
    assert "from 2012-06-payments.csv (2012-06) line 11" in out


def test_package_walkthrough_reproduces_the_apps_overview(home, capsys, monkeypatch):
    """The headline figures the app's Overview page shows (read from the warehouse) are what the
    walkthrough computes from the published CSV alone."""
    import app_data

    profile, files = next((p, f) for p, f in demo_sources() if p.parent.name == "lambeth")
    assert pipeline.run(profile, files, home).published
    monkeypatch.setenv("SPENDPUB_HOME", str(home))
    overview = app_data.overview("lambeth", 2012).current
    monkeypatch.setattr(sys, "argv", ["walkthrough", str(home / "site/lambeth/spending")])
    runpy.run_path(str(NOTEBOOKS / "package_walkthrough.py"), run_name="__main__")
    out = capsys.readouterr().out
    totals = ", ".join(f"{c} {t:,.2f}" for c, t in overview.totals.items())
    assert (f"overview 2012: {overview.payments:,} payments, {overview.suppliers:,} suppliers, "
            f"total spent {totals}") in out
    # 820 payees, one of them a person paid compensation, whom the default policy redacts
    assert "overview 2012: 3,155 payments, 819 suppliers, total spent GBP 40,292,334.84" in out
