"""Where one publish's time goes, SQL statement by SQL statement.

    .venv/bin/python -m bench.statements --rows 1000000            # the 20 slowest statements
    .venv/bin/python -m bench.statements --rows 1000000 --top 40

Publishes the benchmark's export (bench/generate.py, the same file `make bench` uses, with
quarantine on) into a fresh home, in this process, and times every statement the publish's work
connection runs: wall time, and the process's CPU time meanwhile (DuckDB's threads and any
background work, such as the zips deflated while the next file is written). It prints the
slowest, each with the step it ran in, and how much of each step's time the statements account
for: what is left is Python's own work, or waiting for background work.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import generate, process_cpu_seconds, publish_steps, quarantine_profile  # noqa: E402
from etl import pipeline  # noqa: E402


@dataclass(frozen=True)
class Statement:
    step: str
    seconds: float
    cpu_seconds: float
    sql: str

    def summary(self, width: int = 110) -> str:
        """The statement on one line, its leading comments left out (the verb first)."""
        text = " ".join(re.sub(r"--[^\n]*", " ", self.sql).split())
        return text if len(text) <= width else text[:width - 1] + "…"


class _Timed:
    """A DuckDB connection whose statements are timed into `log`; anything else is passed through."""

    def __init__(self, con, log: list[Statement], step: list[str]):
        self._con, self._log, self._step = con, log, step

    def __getattr__(self, name):
        return getattr(self._con, name)

    def _run(self, method: str, sql, *args, **kwargs):
        wall, cpu = time.perf_counter(), process_cpu_seconds()
        result = getattr(self._con, method)(sql, *args, **kwargs)
        self._log.append(Statement(self._step[0], time.perf_counter() - wall, process_cpu_seconds() - cpu, str(sql)))
        return self if result is self._con else result

    def execute(self, sql, *args, **kwargs):
        return self._run("execute", sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):
        return self._run("executemany", sql, *args, **kwargs)

    def sql(self, sql, *args, **kwargs):
        return self._run("sql", sql, *args, **kwargs)


def profile(profile_path: Path, export: Path, home: Path) -> tuple[list[Statement], list[tuple[str, float, float]]]:
    """Publish `export` into `home`, timing every statement of the work connection; returns the
    statements in the order they ran and each step's (label, wall, CPU)."""
    log: list[Statement] = []
    step = ["starting"]   # the step running, named by the first word of its label

    def on_step(label: str) -> None:
        step[0] = label.split()[0]

    connect = pipeline.work_connection
    pipeline.work_connection = lambda workdir: _Timed(connect(workdir), log, step)
    try:
        result, steps, _ = publish_steps(profile_path, [export], home, on_step=on_step)
    finally:
        pipeline.work_connection = connect
    if not result.published:
        raise SystemExit(f"{export.name} was not published")
    return log, [(label.split()[0], wall, cpu) for label, wall, cpu in steps]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--top", type=int, default=20, help="how many of the slowest statements to print")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench", help="where the export is cached")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    export = generate(args.rows, args.out, error_rate=0.001)
    with tempfile.TemporaryDirectory(prefix="spendpub-statements-") as home:
        log, steps = profile(quarantine_profile(args.out), export.path, Path(home))
    print(f"{args.rows:,} rows, {len(log)} statements; the {min(args.top, len(log))} slowest "
          "(wall, CPU of the whole process meanwhile):")
    for s in sorted(log, key=lambda s: s.seconds, reverse=True)[:args.top]:
        print(f"{s.seconds:7.2f}s {s.cpu_seconds:7.2f}s  {s.step:<12} {s.summary()}")
    print("\nsteps: wall, CPU, and the share of the wall time spent in the statements")
    for label, wall, cpu in steps:
        in_sql = sum(s.seconds for s in log if s.step == label)
        print(f"{label:<12} {wall:7.2f}s {cpu:7.2f}s  statements {in_sql:6.2f}s")
    print(f"{'in all':<12} {sum(w for _, w, _ in steps):7.2f}s {sum(c for _, _, c in steps):7.2f}s  "
          f"statements {sum(s.seconds for s in log):6.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
