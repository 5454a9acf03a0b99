"""The least a publish of the benchmark's export could take: DuckDB alone, nothing of spendpub.

    .venv/bin/python -m bench.floor --rows 1000000
    .venv/bin/python -m bench.floor --rows 1000000 --repeat 3      # the median of three rounds

The publish target at a million rows (under 6 s on two cores) covers reading, transforming,
validating, loading, and writing CSV, Parquet and datapackage.json. This runs, on the export
`make bench` publishes, the part of that work DuckDB does whatever the product, each the cheapest
way DuckDB offers:

1. reading: DuckDB's CSV reader, typing the cells as the export's Table Schema says (its date
   format, its thousands separator) into a table in memory; a row it cannot type is dropped,
   not reported;
2. loading: those rows, sorted by date and primary key, into a table of a new DuckDB database
   file, checkpointed;
3. writing: one CSV file and one Parquet file (zstd) of that table.

Nothing else: no validation, no mapping to the canonical table, no redaction, no provenance
columns, no second package, no zip, no hashing, no interpreter start-up. What a publish does beyond
this comes on top of this time, so the target minus it is what the rest can have.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from bench.run import TARGET_PUBLISH_SECONDS, generate, process_cpu_seconds  # noqa: E402
from etl.pipeline import WORK_MEMORY  # noqa: E402
from etl.sqltext import quote_ident, quote_literal  # noqa: E402

SCHEMA_PATH = Path(__file__).resolve().parent / "export.schema.json"
SQL_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DECIMAL(18,2)", "date": "DATE"}


def reader_options(schema: dict) -> str:
    """read_csv's options for a Table Schema: each field's type, and the one date format and the
    one thousands separator the reader takes for the whole file."""
    fields = schema["fields"]
    types = ", ".join(f"{quote_literal(f['name'])}: '{SQL_TYPES[f['type']]}'" for f in fields)
    options = [f"columns = {{{types}}}", "header = true", "ignore_errors = true"]
    date_formats = {f["format"] for f in fields if f["type"] == "date" and "format" in f}
    group_chars = {f["groupChar"] for f in fields if f["type"] == "number" and "groupChar" in f}
    if len(date_formats) > 1 or len(group_chars) > 1:
        raise SystemExit(f"{SCHEMA_PATH.name}: DuckDB's reader takes one date format and one thousands "
                         f"separator per file, the schema has {sorted(date_formats)} and {sorted(group_chars)}")
    options += [f"dateformat = {quote_literal(d)}" for d in date_formats]
    options += [f"thousands = {quote_literal(g)}" for g in group_chars]
    return ", ".join(options)


def sort_key(schema: dict) -> str:
    """The load's order: the date fields, then the primary key."""
    dates = [f["name"] for f in schema["fields"] if f["type"] == "date"]
    return ", ".join(quote_ident(name) for name in dates + list(schema.get("primaryKey", [])))


def floor_round(export: Path, schema: dict, work: Path) -> tuple[list[tuple[str, float, float]], int]:
    """One round in `work` (emptied first): each step's (label, wall, CPU), and the rows loaded."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # the publish's memory budget: at 10M rows the typed rows go to disk, as a publish's do
    con = duckdb.connect(config={"memory_limit": WORK_MEMORY, "temp_directory": str(work / "duckdb.tmp")})
    con.execute("set enable_progress_bar = false")
    steps = []

    def step(label: str, *statements: str) -> None:
        wall, cpu = time.perf_counter(), process_cpu_seconds()
        for sql in statements:
            con.execute(sql)
        steps.append((label, time.perf_counter() - wall, process_cpu_seconds() - cpu))

    try:
        step("reading and typing", f"create table rows as select * from read_csv({quote_literal(str(export))}, "
                                   f"{reader_options(schema)})")
        step("loading", f"attach {quote_literal(str(work / 'floor.duckdb'))} as db",
             f"create table db.spending as select * from rows order by {sort_key(schema)}", "checkpoint db")
        step("writing the CSV", f"copy db.spending to {quote_literal(str(work / 'floor.csv'))} (format csv, header true)")
        step("writing the Parquet file", f"copy db.spending to {quote_literal(str(work / 'floor.parquet'))} "
                                         "(format parquet, compression zstd)")
        loaded = con.execute("select count(*) from db.spending").fetchone()[0]
    finally:
        con.close()
    return steps, loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--error-rate", type=float, default=0.001)
    parser.add_argument("--repeat", type=int, default=1, help="rounds; each step's median is shown")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    export = generate(args.rows, args.out, error_rate=args.error_rate)
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    print(f"DuckDB {duckdb.__version__} alone on {export.path.name} ({export.bytes / 1e6:,.0f} MB), "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    rounds, loaded = [], 0
    with tempfile.TemporaryDirectory(prefix="spendpub-floor-", dir=args.out) as tmp:
        for n in range(args.repeat):
            steps, loaded = floor_round(export.path, schema, Path(tmp) / "round")
            rounds.append(steps)
            print(f"round {n + 1}: {sum(wall for _, wall, _ in steps):.2f} s, "
                  f"{sum(cpu for _, _, cpu in steps):.2f} s of CPU", flush=True)
    labels = [label for label, _, _ in rounds[0]]
    walls = [statistics.median(r[i][1] for r in rounds) for i in range(len(labels))]
    cpus = [statistics.median(r[i][2] for r in rounds) for i in range(len(labels))]
    totals = sorted(sum(wall for _, wall, _ in r) for r in rounds)
    total = statistics.median(totals)
    print(f"\n{'step' + (' (medians)' if args.repeat > 1 else ''):<28} {'wall':>8} {'CPU':>8}")
    for label, wall, cpu in zip(labels, walls, cpus):
        print(f"{label:<28} {wall:>7.2f}s {cpu:>7.2f}s")
    total_cpu = statistics.median(sum(c for _, _, c in r) for r in rounds)
    print(f"{'in all':<28} {total:>7.2f}s {total_cpu:>7.2f}s"
          + (f"  (rounds {totals[0]:.2f}-{totals[-1]:.2f} s)" if args.repeat > 1 else ""))
    print(f"{loaded:,} rows loaded.")
    if args.rows == 1_000_000:
        print(f"A publish of this export has {TARGET_PUBLISH_SECONDS - total:.2f} s of its "
              f"{TARGET_PUBLISH_SECONDS:.0f} s target left for everything else it does.")
    if args.json:
        args.json.write_text(json.dumps({"rows": args.rows, "loaded": loaded, "seconds": total,
                                         "cpu_seconds": total_cpu,
                                         "steps": [{"step": label, "seconds": w, "cpu_seconds": c}
                                                   for label, w, c in zip(labels, walls, cpus)]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
