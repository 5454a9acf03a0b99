"""`spendpub redactions review | confirm | reject | list`, mounted as the main CLI will mount it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from etl import cli_redaction, redact

EXTRA_FIELDS = """\
  purpose: {column: Purpose, optional: true}
  expense_type: {column: Expense, optional: true}
redaction:
  markers: [REDACTED PERSONAL DATA]
"""


def main_app() -> typer.Typer:
    """A stand-in for etl/cli.py: its --home callback, and the sub-app mounted with one line."""
    app = typer.Typer(add_completion=False, no_args_is_help=True)

    @app.callback()
    def main(ctx: typer.Context, home: Path = Path("var")):
        ctx.obj = {"home": home}

    app.add_typer(cli_redaction.app, name="redactions")
    return app


@pytest.fixture
def spendpub(home):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main_app(), ["--home", str(home), *args])
    return run


@pytest.fixture
def files(mini_profile, export):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Department", "Supplier", "Purpose", "Expense", "Date", "Amount"])
    w.writerows([
        ["Housing", "Mr J Smith", "Repairs", "Stationery", "02/05/2024", "100.00"],
        ["Housing", "Mr J Smith", "Repairs", "Stationery", "03/05/2024", "1,250.50"],
        ["Housing", "Acme Ltd", "Repairs", "Stationery", "03/05/2024", "99.00"],
        ["Children", "Action For Children", "", "Adoptions - Allowances", "04/05/2024", "10.00"],
    ])
    return str(mini_profile(EXTRA_FIELDS)), export(buf.getvalue())


def test_review_lists_candidates_then_decisions_are_remembered(spendpub, files, home):
    profile, path = files
    r = spendpub("redactions", "review", "--profile", profile, str(path))
    assert r.exit_code == 0, r.output
    assert "Mr J Smith" in r.output and "1,350.50" in r.output and "spend-2024-05.csv:2" in r.output
    assert "Action For Children" in r.output and "Acme Ltd" not in r.output
    assert "1 to review, 1 withheld" in r.output
    assert not home.exists()  # a review writes nothing

    r = spendpub("redactions", "confirm", "--profile", profile, "Mr J. Smith", "--note", "a foster carer")
    assert r.exit_code == 0 and "confirmed 1 name for testco" in r.output
    r = spendpub("redactions", "reject", "--profile", profile, "action for children")
    assert r.exit_code == 0 and "rejected 1 name" in r.output
    d = redact.load_decisions(home, "testco")
    assert list(d.confirmed) == ["mr j smith"] and list(d.rejected) == ["action for children"]

    r = spendpub("redactions", "review", "--profile", profile, str(path))
    assert r.exit_code == 0 and "no probable natural person to review" in r.output

    r = spendpub("redactions", "list", "--profile", profile)
    assert r.exit_code == 0
    assert "Mr J. Smith" in r.output and "action for children" in r.output and "0 names in the private" in r.output


def test_list_shows_the_register_and_how_to_publish_an_organisation_hidden_as_a_precaution(spendpub, files, home):
    """A supplier paid once under a sensitive expense type is hidden on every payment: the owner
    sees which names the register hides, why, and how to publish one that is an organisation."""
    profile, _ = files
    redact.record_names(home, "testco", [("Caremark (Leeds)", True), ("Action For Children", True), "Jane Wroxley"])
    assert spendpub("redactions", "reject", "--profile", profile, "Action For Children").exit_code == 0
    r = spendpub("redactions", "list", "--profile", profile)
    assert r.exit_code == 0, r.output
    shown = [" ".join(line.replace("│", " ").split()) for line in r.output.splitlines()]
    assert "Action For Children rejected: published in each period published again" in shown
    assert "Caremark (Leeds) a precaution: paid under a sensitive expense type" in shown
    assert "Jane Wroxley a person" in shown
    assert "spendpub redactions reject --profile testco NAME" in " ".join(r.output.split())


def test_review_as_json(spendpub, files):
    profile, path = files
    r = spendpub("redactions", "review", "--profile", profile, "--json", str(path))
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc[0] == {"name": "Mr J Smith", "payments": 2, "totals": {"GBP": "1350.50"},
                      "examples": ["spend-2024-05.csv:2", "spend-2024-05.csv:3"],
                      "why": ["no company identifier", "a title (mr)"], "withheld": False}
    assert doc[1]["withheld"] is True


@pytest.mark.parametrize("args, code, says", [
    (["redactions", "review", "--profile", "no-such-publisher", "x.csv"], 2, "error: no-such-publisher: no such profile"),
    (["redactions", "review", "--profile", "{profile}", "{missing}"], 2, "no such file"),
    (["redactions", "confirm", "--profile", "{profile}", "..."], 2, "error: '...' has no letters"),
    (["redactions", "confirm", "--profile", "{profile}"], 2, "Missing argument"),
    (["redactions", "review", "--profile", "{profile}"], 2, "Missing argument"),
])
def test_errors_are_one_sentence_with_the_right_exit_code(spendpub, files, tmp_path, args, code, says):
    profile, _ = files
    r = spendpub(*[a.format(profile=profile, missing=tmp_path / "missing.csv") for a in args])
    assert r.exit_code == code, r.output
    assert says in r.output
    assert "Traceback" not in r.output
