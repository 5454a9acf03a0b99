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
