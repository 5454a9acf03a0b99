"""What the command line's modules share: consoles, exit codes, option types, and the guard that
turns expected failures into one clear sentence instead of a traceback."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Annotated, Optional

import duckdb
import rich._wrap
import typer
from rich.console import Console

from . import home
from .errors import SpendpubError, UsageError
from .typography import NBSP, NNBSP

# Rich breaks a line at any Unicode space, no-break ones included (Textualize/rich#4196, open), so
# a wrapped French reason could start a line with its colon (typography.py). Rich's word pattern
# is replaced by one that counts those two no-break spaces as part of a word, as the fix proposed
# there does.
_NO_BREAK = NBSP + NNBSP
rich._wrap.re_word = re.compile(rf"[^\S{_NO_BREAK}]*[\S{_NO_BREAK}]+[^\S{_NO_BREAK}]*")

# Tables stay readable when the output goes to a file or a CI log rather than a terminal: 160
# columns there, unless COLUMNS says otherwise (Rich reads it).
def _width(stream) -> int | None:
    return None if stream.isatty() or os.environ.get("COLUMNS") else 160


out = Console(width=_width(sys.stdout))
err = Console(stderr=True, width=_width(sys.stderr))

EXIT_REFUSED, EXIT_USAGE, EXIT_BUG = 1, 2, 3

ProfileOpt = Annotated[str, typer.Option("--profile", "-p", help="Profile: a profile.yaml path or a publisher folder in datasets/.")]
FilesArg = Annotated[list[Path], typer.Argument(help="Export files, as the finance system wrote them.")]
PeriodOpt = Annotated[Optional[str], typer.Option(help="Month the files cover (YYYY-MM), when their names do not say.")]


def _interrupted(e: BaseException) -> bool:
    """Ctrl-C: KeyboardInterrupt, or, while DuckDB runs a query, the error DuckDB stops it with
    (a plain RuntimeError from some of its calls)."""
    return isinstance(e, (KeyboardInterrupt, duckdb.InterruptException)) or (
        isinstance(e, RuntimeError) and str(e) == "Query interrupted")


def guarded(action):
    """Run action; expected failures become one clear sentence and an exit code, never a traceback."""
    switches = len(home.SWITCHED)
    try:
        return action()
    except UsageError as e:
        err.print(f"[bold red]error:[/] {e}")
        raise typer.Exit(EXIT_USAGE)
    except SpendpubError as e:
        err.print(f"[bold red]refused:[/] {e}")
        raise typer.Exit(EXIT_REFUSED)
    except (KeyboardInterrupt, Exception) as e:
        if _interrupted(e):
            if len(home.SWITCHED) > switches:   # the release went live before the interruption
                err.print(f"interrupted after release {home.SWITCHED[-1]} went live: it is published "
                          "(spendpub diff says what it changed)")
            else:
                err.print("interrupted: nothing was published; the warehouse and the site are as they were")
            raise typer.Exit(130)
        # a bug: say so in one line, keep the traceback for those who ask
        if os.environ.get("SPENDPUB_DEBUG"):
            raise
        err.print(f"[bold red]unexpected error[/] ({type(e).__name__}: {e}). Nothing was changed. "
                  "Run again with SPENDPUB_DEBUG=1 to see the traceback.")
        raise typer.Exit(EXIT_BUG)
