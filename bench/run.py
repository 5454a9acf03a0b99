"""The validation and publish benchmark (`make bench`).

    .venv/bin/python -m bench.run --rows 1000000
    .venv/bin/python -m bench.run --rows 1000000 --rows 10000000             # frictionless skipped at 10M
    .venv/bin/python -m bench.run --rows 10000000 --frictionless-large        # ~15 min more

For each size it generates a synthetic export (bench/generate.py, cached under var/bench/), then
times, each as its own process with its peak memory taken from the kernel (os.wait4):

(a) `frictionless validate` on the export's datapackage.json (errors up to --limit-errors);
(b) spendpub's SQL validator on the same resource (bench/validate_table.py), and checks that the
    two find the same errors (type, row, field);
(c) `spendpub publish` of the export into a fresh home (read, transform, validate, load, write
    CSV + Parquet + datapackage.json, the period and cumulative packages, their zips and the UK
    transparency-code CSV), with `validation: {quarantine: true}`: the rows with errors are set
    aside and the rest is published;
(d) the floor (bench/floor.py): DuckDB alone reading, loading and writing the same export, the
    least any publish of it takes, timed by its own steps (without its interpreter's start).

It prints rows/s, wall time, peak memory and CPU time (every thread) of each, the ratio (a)/(b),
(c) over (d), the targets (each met or not), and the machine's load average (other work on the
machine slows every figure). `--repeat N` measures (a) to (d) in N rounds, one after the other in
each round, and prints the median run of each with the range, and the ratio of each round.
`--steps` adds a run of the publish that times each pipeline step, in wall and CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from etl.pipeline import RunResult

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
PROFILE_PATH = BENCH_DIR / "profile.yaml"

PYTHON = sys.executable
BIN = Path(PYTHON).parent
TARGET_RATIO = 30
TARGET_PUBLISH_SECONDS = 6.0
TARGET_PUBLISH_MB_1M = 1500
TARGET_PUBLISH_MB_10M = 4000


@dataclass
class Measured:
    label: str
    command: list[str]
    seconds: float
    peak_mb: float
    returncode: int
    cpu_seconds: float = 0.0     # user + system, every thread: on 2 cores, wall time is at least half of it
    stdout: str = field(repr=False, default="")
    stderr: str = field(repr=False, default="")


# A child's peak RSS as the kernel reports it includes what its parent had when it forked, so
# every measured command is started by this small launcher (a fresh interpreter of a few MB),
# which times it and reads its rusage with os.wait4.
LAUNCHER = r"""
import json, os, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:], stdout=open(sys.argv[1] + ".out", "wb"), stderr=open(sys.argv[1] + ".err", "wb"))
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - started
json.dump({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
           "returncode": os.waitstatus_to_exitcode(status)},
          open(sys.argv[1] + ".json", "w"))
"""


def measure(label: str, command: list[str], cwd: Path | None = None) -> Measured:
    """Run a command as its own process: wall time, and its peak resident memory (kernel rusage)."""
    out = cwd or ROOT
    stem = out / f".bench-{os.getpid()}"
    subprocess.run([PYTHON, "-c", LAUNCHER, str(stem), *command], cwd=cwd, check=True)
    figures = json.loads(Path(f"{stem}.json").read_text())
    stdout = Path(f"{stem}.out").read_text(encoding="utf-8", errors="replace")
    stderr = Path(f"{stem}.err").read_text(encoding="utf-8", errors="replace")
    for suffix in ("json", "out", "err"):
        Path(f"{stem}.{suffix}").unlink(missing_ok=True)
    return Measured(label, command, figures["seconds"], figures["maxrss_kb"] / 1024, figures["returncode"],
                    figures["cpu_seconds"], stdout, stderr)


@dataclass(frozen=True)
class Export:
    path: Path
    datapackage: Path
    bytes: int
    seconds: float
    injected: dict[str, int]


def generate(rows: int, out: Path, *, error_rate: float) -> Export:
    """bench/generate.py in its own process (DuckDB's memory stays out of this one); a file made
    before with the same size and error rate is reused."""
    stem = f"spend-2024-05-{rows}{'-clean' if error_rate == 0 else ''}"
    manifest = out / f"{stem}.manifest.json"
    if manifest.exists():
        made = json.loads(manifest.read_text())
        if made.get("error_rate") == error_rate and Path(made["path"]).exists() \
                and Path(made["path"]).stat().st_size == made["bytes"]:
            return Export(Path(made["path"]), Path(made["datapackage"]), made["bytes"], 0.0, made["injected"])
    run = subprocess.run([PYTHON, "-m", "bench.generate", "--rows", str(rows), "--out", str(out),
                          "--error-rate", repr(error_rate), "--json"], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    made = json.loads(run.stdout.strip().splitlines()[-1])
    manifest.write_text(json.dumps({**made, "error_rate": error_rate}))
    return Export(Path(made["path"]), Path(made["datapackage"]), made["bytes"], made["seconds"], made["injected"])


def _errors_of_frictionless(text: str) -> Counter:
    report = json.loads(text)
    errors = [e for task in report.get("tasks", []) for e in task.get("errors", [])] or report.get("errors", [])
    return Counter((e["type"], e.get("rowNumber"), e.get("fieldName") or None) for e in errors)


def _errors_of_ours(text: str) -> Counter:
    report = json.loads(text)
    return Counter((e["type"], e.get("rowNumber"), e.get("fieldName") or None) for e in report["errors"])


def release_counts(home: Path) -> tuple[int, int]:
    """Rows loaded and rows set aside (quarantined) by the home's release."""
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select rows_loaded, rows_rejected from releases order by seq desc limit 1").fetchone()


def quarantine_profile(out: Path) -> Path:
    target = out / "profile-quarantine.yaml"
    target.write_text(PROFILE_PATH.read_text(encoding="utf-8") + "validation:\n  quarantine: true\n",
                      encoding="utf-8")
    return target


def _remove(home: Path) -> None:
    """Delete a home, and wait for the disk to have done so: freeing (discarding) a gigabyte of
    blocks in the background would slow the run measured next."""
    shutil.rmtree(home, ignore_errors=True)
    os.sync()


def median_run(runs: list[Measured]) -> Measured:
    """The run of median wall time (the lower middle one of an even number of runs)."""
    return sorted(runs, key=lambda m: m.seconds)[(len(runs) - 1) // 2]


def _spread(runs: list[Measured]) -> str:
    if len(runs) < 2:
        return ""
    times = sorted(m.seconds for m in runs)
    return f"median of {len(runs)}: {times[0]:.2f}-{times[-1]:.2f} s"


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _row(name: str, rows: int, m: Measured | None, note: str = "") -> str:
    if m is None:
        return f"{name:<34} {'skipped':>10} {'':>12} {'':>10} {'':>8}  {note}"
    rate = rows / m.seconds if m.seconds else 0
    return f"{name:<34} {m.seconds:>9.2f}s {rate:>11,.0f}/s {m.peak_mb:>8,.0f} MB {m.cpu_seconds:>7.1f}s  {note}"


def process_cpu_seconds() -> float:
    """User and system time of this process, every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def publish_steps(profile: Path | str, files: list[Path], home: Path,
                  on_step=lambda label: None) -> tuple[RunResult, list[tuple[str, float, float]], float]:
    """pipeline.run, with each step's (label, wall seconds, CPU seconds of the whole process) and
    the run's own wall time; `on_step` is told of each step too."""
    from etl import pipeline   # here: the runner's own process measures others and stays without DuckDB

    marks = []
    start = time.perf_counter()

    def mark(label: str) -> None:
        marks.append((label, time.perf_counter(), process_cpu_seconds()))
        on_step(label)

    result = pipeline.run(profile, files, home, on_step=mark)
    marks.append(("done", time.perf_counter(), process_cpu_seconds()))
    steps = [(a[0], b[1] - a[1], b[2] - a[2]) for a, b in zip(marks, marks[1:])]
    return result, steps, marks[-1][1] - start


# The publish with its steps timed, in its own process (measured as the others are)
STEPS_SCRIPT = r"""
import json, resource, sys
from pathlib import Path
from bench.run import publish_steps
result, steps, total = publish_steps(sys.argv[1], [Path(sys.argv[2])], Path(sys.argv[3]))
print(json.dumps({"steps": [(label, round(wall, 3), round(cpu, 3)) for label, wall, cpu in steps],
                  "total": round(total, 3), "published": result.published,
                  "errors": result.report.error_count, "warnings": result.report.warning_count,
                  "loaded": result.loaded,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _floor(rows: int, out: Path, error_rate: float) -> Measured:
    """bench/floor.py as its own process; its time is that of its steps, as it reports them."""
    figures = out / f".floor-{os.getpid()}.json"
    run = measure("DuckDB alone (floor)", [PYTHON, "-m", "bench.floor", "--rows", str(rows), "--out", str(out),
                                           "--error-rate", repr(error_rate), "--json", str(figures)], cwd=ROOT)
    if run.returncode != 0:
        raise SystemExit(f"bench.floor failed (exit {run.returncode}): {run.stderr[-2000:]}")
    reported = json.loads(figures.read_text())
    figures.unlink()
    return replace(run, seconds=reported["seconds"], cpu_seconds=reported["cpu_seconds"])


def bench_size(rows: int, out: Path, *, frictionless: bool, limit_errors: int, publish: bool, steps: bool,
               error_rate: float, repeat: int = 1) -> dict:
    print(f"\n== {rows:,} rows ==", flush=True)
    dirty = generate(rows, out, error_rate=error_rate)
    print(f"export {dirty.path.name}: {dirty.bytes / 1e6:,.0f} MB"
          f"{f' generated in {dirty.seconds:.1f} s' if dirty.seconds else ' (reused)'}; "
          f"{sum(dirty.injected.values()):,} rows with an injected error "
          f"({len(dirty.injected)} kinds)", flush=True)
    results: dict = {"rows": rows, "bytes": dirty.bytes, "injected": dirty.injected, "load_before": os.getloadavg()}
    runs: dict[str, list[Measured]] = {"frictionless": [], "ours": [], "publish": [], "floor": []}
    home = out / f"home-{rows}"
    profile = quarantine_profile(out) if publish else None
    for _ in range(repeat):
        if frictionless:
            runs["frictionless"].append(measure(
                "frictionless validate", [str(BIN / "frictionless"), "validate", dirty.datapackage.name,
                                          "--resource-name", "spending", "--limit-errors", str(limit_errors),
                                          "--json"], cwd=out))
        runs["ours"].append(measure(
            "spendpub SQL validator", [PYTHON, "-m", "bench.validate_table", str(dirty.datapackage),
                                       "--resource-name", "spending", "--limit-errors", str(limit_errors),
                                       "--json"], cwd=ROOT))
        if publish:
            _remove(home)
            runs["publish"].append(measure(
                "spendpub publish", [str(BIN / "spendpub"), "--home", str(home), "publish", "--profile",
                                     str(profile), str(dirty.path)], cwd=ROOT))
            runs["floor"].append(_floor(rows, out, error_rate))
    fl = median_run(runs["frictionless"]) if runs["frictionless"] else None
    ours = median_run(runs["ours"])
    pub = median_run(runs["publish"]) if runs["publish"] else None
    floor = median_run(runs["floor"]) if runs["floor"] else None
    same = None
    found = _errors_of_ours(ours.stdout)
    if fl is not None:
        expected = _errors_of_frictionless(fl.stdout)
        same = all(_errors_of_frictionless(f.stdout) == expected and _errors_of_ours(o.stdout) == found
                   for f, o in zip(runs["frictionless"], runs["ours"])) and expected == found
        results["frictionless_errors"] = sum(expected.values())
        if not same:
            results["only_frictionless"] = [list(k) for k in list((expected - found).elements())[:10]]
            results["only_ours"] = [list(k) for k in list((found - expected).elements())[:10]]
    results["our_errors"] = sum(found.values())
    if publish:
        kind = "with errors, quarantine on"
        if runs["publish"][-1].returncode == 0:
            loaded, rejected = release_counts(home)
            kind += f": {loaded:,} rows loaded, {rejected:,} set aside"
        results["publish_input"] = kind
        failed = [m for m in runs["publish"] if m.returncode != 0]
        if failed:
            results["publish_failed"] = failed[0].stderr[-2000:]
        if steps:
            _remove(home)
            run = measure("publish steps", [PYTHON, "-c", STEPS_SCRIPT, str(profile), str(dirty.path), str(home)],
                          cwd=ROOT)
            if run.returncode == 0:
                results["steps"] = json.loads(run.stdout.strip().splitlines()[-1])
            else:
                results["steps_failed"] = run.stderr[-2000:]
        _remove(home)
    results["load_after"] = os.getloadavg()

    print(f"{'':<34} {'wall':>10} {'rows/s':>13} {'peak':>11} {'CPU':>8}")
    print(_row("(a) frictionless validate", rows, fl, _spread(runs["frictionless"])))
    print(_row("(b) spendpub SQL validator", rows, ours,
               "; ".join(x for x in ("" if same is None else ("same errors" if same else "DIFFERENT errors"),
                                     _spread(runs["ours"])) if x)))
    if fl is not None:
        ratio = fl.seconds / ours.seconds
        results["ratio"] = ratio
        results["targets"] = {f"validation at least {TARGET_RATIO}x faster": same and ratio >= TARGET_RATIO}
        print(f"    (a)/(b) = {ratio:.1f}x faster (target >= {TARGET_RATIO}x: {_verdict(ratio >= TARGET_RATIO)}): "
              f"{results['frictionless_errors']:,} errors found by both" if same else
              f"    (a)/(b) = {ratio:.1f}x; errors differ: only frictionless {results.get('only_frictionless')}, "
              f"only ours {results.get('only_ours')}")
        if repeat > 1:
            results["round_ratios"] = [f.seconds / o.seconds for f, o in zip(runs["frictionless"], runs["ours"])]
            print("    ratio of each round: " + ", ".join(f"{r:.1f}x" for r in results["round_ratios"]))
    else:
        print(f"    spendpub found {results['our_errors']:,} errors (frictionless not run at this size)")
    if publish:
        target_mb = TARGET_PUBLISH_MB_1M if rows <= 1_000_000 else TARGET_PUBLISH_MB_10M
        note = "; ".join(x for x in (results["publish_input"], _spread(runs["publish"]),
                                     "" if not failed else f"FAILED exit {failed[0].returncode}") if x)
        print(_row("(c) spendpub publish", rows, pub, note))
        targets = {f"publish under {target_mb:,} MB": not failed and pub.peak_mb < target_mb}
        if rows <= 1_000_000:
            targets = {f"publish under {TARGET_PUBLISH_SECONDS:.0f} s": not failed and pub.seconds < TARGET_PUBLISH_SECONDS,
                       **targets}
        results.setdefault("targets", {}).update(targets)
        print("    targets: " + ", ".join(f"{label.removeprefix('publish ')} ({_verdict(met)})"
                                           for label, met in targets.items()))
        print(_row("(d) the floor: DuckDB alone", rows, floor,
                   "; ".join(x for x in ("reading, loading, one CSV and one Parquet file (bench/floor.py)",
                                         _spread(runs["floor"])) if x)))
        print(f"    (c)/(d) = {pub.seconds / floor.seconds:.1f}x the floor's time")
        if "steps" in results:
            s = results["steps"]
            print("    steps: " + "; ".join(f"{label} {secs:.2f}s (CPU {cpu:.2f}s)" for label, secs, cpu in s["steps"]) +
                  f" (total {s['total']:.2f}s, peak {s['peak_mb']:,.0f} MB)")
    for key, m in (("frictionless", fl), ("ours", ours), ("publish", pub), ("floor", floor)):
        if m is not None:
            results[key] = {"seconds": round(m.seconds, 3), "cpu_seconds": round(m.cpu_seconds, 3),
                            "peak_mb": round(m.peak_mb, 1), "returncode": m.returncode,
                            "runs": [{"seconds": round(r.seconds, 3), "cpu_seconds": round(r.cpu_seconds, 3),
                                      "peak_mb": round(r.peak_mb, 1)} for r in runs[key]]}
    print(f"    load average before {results['load_before'][0]:.2f}, after {results['load_after'][0]:.2f} "
          f"on {os.cpu_count()} CPUs", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="rows of the export (repeatable); default 1,000,000")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--error-rate", type=float, default=0.001)
    parser.add_argument("--limit-errors", type=int, default=100_000_000)
    parser.add_argument("--no-frictionless", action="store_true", help="skip frictionless at every size")
    parser.add_argument("--frictionless-large", action="store_true",
                        help="also run frictionless above 2M rows (about 15 minutes at 10M)")
    parser.add_argument("--no-publish", action="store_true")
    parser.add_argument("--steps", action="store_true", help="time each publish step too")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of (a), (b) and (c); the median run is shown")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    sizes = args.rows or [1_000_000]
    print(f"spendpub benchmark on {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    results = []
    for rows in sizes:
        results.append(bench_size(
            rows, args.out, frictionless=not args.no_frictionless and (rows <= 2_000_000 or args.frictionless_large),
            limit_errors=args.limit_errors, publish=not args.no_publish, steps=args.steps,
            error_rate=args.error_rate, repeat=max(args.repeat, 1)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
