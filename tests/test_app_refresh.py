"""While the app runs, a publish completes and the app shows the new release without a restart."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from etl import pipeline
from etl.demo import demo_sources

APP = Path(__file__).resolve().parents[1] / "app.py"


def payments_shown(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "Payments")


def test_app_shows_a_new_release_without_restart(home, monkeypatch):
    monkeypatch.setenv("SPENDPUB_HOME", str(home))
    sources = dict((p.parent.name, (p, f)) for p, f in demo_sources())
    assert pipeline.run(*sources["lambeth"], home).published

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception and payments_shown(at) == "3,155"

    assert pipeline.run(*sources["us-treasury"], home).published
    at.run()  # the same running app, the same caches: only a rerun, as a browser refresh does
    assert not at.exception and payments_shown(at) == "3,155"
    assert at.sidebar.selectbox[0].options == ["London Borough of Lambeth",
                                               "US Department of the Treasury"]
    at.sidebar.selectbox[0].select("us-treasury").run()  # the new publisher is there
    assert not at.exception and payments_shown(at) == "126"
