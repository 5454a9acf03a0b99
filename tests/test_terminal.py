"""The command line's guard: expected failures become one sentence and an exit code."""

from __future__ import annotations

import duckdb
import pytest
import typer

from etl import terminal


def _raise(error: BaseException):
    def action():
        raise error
    return action


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("Query interrupted"),
                                   duckdb.InterruptException("INTERRUPT Error: Interrupted!")])
def test_ctrl_c_during_a_query_is_an_interruption_not_a_bug(error, capsys):
    """DuckDB turns Ctrl-C during a query into its own error: still exit 130, not 3 (a bug)."""
    with pytest.raises(typer.Exit) as e:
        terminal.guarded(_raise(error))
    assert e.value.exit_code == 130
    assert "interrupted: nothing was published; the warehouse and the site are as they were" in capsys.readouterr().err


def test_any_other_failure_is_reported_as_a_bug(capsys, monkeypatch):
    monkeypatch.delenv("SPENDPUB_DEBUG", raising=False)
    with pytest.raises(typer.Exit) as e:
        terminal.guarded(_raise(RuntimeError("something else")))
    assert e.value.exit_code == terminal.EXIT_BUG
    assert "unexpected error (RuntimeError: something else)" in " ".join(capsys.readouterr().err.split())
