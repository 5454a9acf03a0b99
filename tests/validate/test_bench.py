"""The benchmark's synthetic export: every kind of error is injected, frictionless and spendpub's
SQL validator find the same errors in it, and the runner measures a process's time and memory."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sys
from collections import Counter

import frictionless
import pytest

from bench import excel, floor, monthly, statements
from bench.generate import ERROR_KINDS, HEADER, generate
from bench.run import Measured, bench_size, measure, median_run, quarantine_profile
from etl.validate.tablecsv import validate_package_resource


def test_the_export_has_every_error_kind_and_both_validators_agree(tmp_path):
    made = generate(4000, tmp_path, error_rate=0.06)
    assert set(made.injected) == set(ERROR_KINDS)
    lines = made.path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(HEADER) and lines[-1].startswith(",,,,,,,,,\"")
    report = frictionless.validate(str(made.datapackage), resource_name="spending", limit_errors=10**6)
    expected = Counter((t, r, f or None) for t, r, f in report.flatten(["type", "rowNumber", "fieldName"]))
    ours = validate_package_resource(made.datapackage, "spending", limit_errors=None)
    assert ours.counter() == expected
    assert {t for t, _, _ in expected} >= {"type-error", "constraint-error", "unique-error", "primary-key",
                                             "foreign-key", "missing-cell", "extra-cell", "blank-row"}
    again = generate(4000, tmp_path / "again", error_rate=0.06)
    assert again.path.read_bytes() == made.path.read_bytes()          # the same file at every run
    package = json.loads(made.datapackage.read_text())
    assert [r["name"] for r in package["resources"]] == ["spending", "cofog"]


def test_a_clean_export_errs_only_on_its_grand_total_row(tmp_path):
    """The total row (every cell empty but the amount) breaks the schema, as in Leeds' exports;
    spendpub's profile skips it and reconciles the records with it."""
    made = generate(2000, tmp_path, error_rate=0)
    report = validate_package_resource(made.datapackage, "spending")
    assert made.injected == {} and report.errors and {e.row for e in report.errors} == {2002}


def test_measure_reports_time_memory_and_output(tmp_path):
    m = measure("probe", [sys.executable, "-c", "x = bytearray(60_000_000); sum(range(10**7)); print('done')"],
                cwd=tmp_path)
    assert m.returncode == 0 and m.stdout.strip() == "done" and m.peak_mb >= 60 and m.seconds > 0
    assert 0.05 < m.cpu_seconds <= m.seconds * 2


def test_the_median_run_is_the_middle_one():
    runs = [Measured(str(s), [], s, 1.0, 0) for s in (3.0, 1.0, 2.0, 9.0)]
    assert median_run(runs).seconds == 2.0 and median_run(runs[:3]).seconds == 2.0 and median_run(runs[:1]).seconds == 3.0


def test_the_benchmark_runs_every_command_in_rounds(tmp_path, capsys):
    """`make bench` end to end, small: two rounds of frictionless, the validator and a publish."""
    results = bench_size(1500, tmp_path, frictionless=True, limit_errors=10**6, publish=True, steps=True,
                         error_rate=0.02, repeat=2)
    printed = capsys.readouterr().out
    assert results["frictionless_errors"] == results["our_errors"] > 0 and "same errors" in printed
    assert len(results["round_ratios"]) == 2 and "ratio of each round" in printed
    for key in ("frictionless", "ours", "publish", "floor"):
        assert len(results[key]["runs"]) == 2 and results[key]["seconds"] in [r["seconds"] for r in results[key]["runs"]]
    assert 0 < results["floor"]["seconds"] < results["publish"]["seconds"]
    assert "(d) the floor: DuckDB alone" in printed and "x the floor's time" in printed
    ratio_met = results["ratio"] >= 30
    assert results["targets"]["validation at least 30x faster"] == ratio_met
    assert f"(target >= 30x: {'met' if ratio_met else 'NOT met'})" in printed
    publish_run, targets = results["publish"], results["targets"]
    assert targets["publish under 6 s"] == (publish_run["seconds"] < 6)
    assert targets["publish under 1,500 MB"] == (publish_run["peak_mb"] < 1500)
    verdicts = {True: "met", False: "NOT met"}
    assert (f"targets: under 6 s ({verdicts[targets['publish under 6 s']]}), "
            f"under 1,500 MB ({verdicts[targets['publish under 1,500 MB']]})") in printed
    assert not list(tmp_path.glob(".floor-*"))
    assert results["publish"]["returncode"] == 0 and "rows loaded" in results["publish_input"]
    assert "median of 2" in printed and not (tmp_path / "home-1500").exists()
    steps = results["steps"]["steps"]
    assert [label for label, _, _ in steps][-2:] == ["writing the data packages", "checking for personal data"]
    assert all(wall > 0 and cpu > 0 for _, wall, cpu in steps) and "; checking for personal data " in printed and "s (CPU " in printed


def _typed_records(export, schema: dict) -> int:
    """Records whose every cell has the schema's type (Python's reading, the floor's reference)."""
    import csv
    from decimal import Decimal, InvalidOperation

    def typed(cell: str, f: dict) -> bool:
        try:
            if cell == "" or f["type"] == "string":
                return True
            if f["type"] == "integer":
                int(cell)
            elif f["type"] == "number":
                Decimal(cell.replace(f.get("groupChar", ""), "") if f.get("groupChar") else cell)
            else:
                dt.datetime.strptime(cell, f["format"])
            return True
        except (ValueError, InvalidOperation):
            return False

    with open(export, newline="", encoding="utf-8") as fh:
        records = list(csv.reader(fh))[1:]
    return sum(len(r) == len(schema["fields"]) and all(typed(c, f) for c, f in zip(r, schema["fields"]))
               for r in records)


def test_the_floor_loads_every_typable_row_sorted_and_writes_csv_and_parquet(tmp_path, capsys):
    import duckdb

    made = generate(3000, tmp_path, error_rate=0.05)
    schema = json.loads(floor.SCHEMA_PATH.read_text())
    steps, loaded = floor.floor_round(made.path, schema, tmp_path / "work")
    assert [label for label, _, _ in steps] == ["reading and typing", "loading", "writing the CSV",
                                                "writing the Parquet file"]
    assert all(wall > 0 and cpu >= 0 for _, wall, cpu in steps)
    assert 2500 < loaded == _typed_records(made.path, schema) < 3000
    csv_rows = (tmp_path / "work" / "floor.csv").read_text(encoding="utf-8").splitlines()
    assert csv_rows[0] == ",".join(HEADER)
    assert len(csv_rows) == loaded + 1
    dates = duckdb.sql(f"select \"Date paid\" from '{tmp_path / 'work' / 'floor.parquet'}'").fetchall()
    assert len(dates) == loaded and [d for (d,) in dates if d] == sorted(d for (d,) in dates if d)

    assert floor.main(["--rows", "3000", "--out", str(tmp_path), "--error-rate", "0.05", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    assert "step (medians)" in out and f"{loaded:,} rows loaded." in out and "rounds " in out
    assert "target left" not in out      # the 6 s target is for a million rows only


@pytest.mark.realdata
def test_the_monthly_benchmark_publishes_each_month_and_times_its_steps(realdata, tmp_path, capsys):
    months = tmp_path / "months"
    months.mkdir()
    for name in ("1904.csv", "1905.csv"):
        shutil.copy(realdata / "spending/hyndburn-monthly-fy2019-20" / name, months / name)
    assert monthly.main(["--profile", "hyndburn", "--folder", str(months)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["1904.csv", "1905.csv"]
    assert all(f" {step} " in lines[1] for step in ("reading", "transforming", "validating", "loading", "writing",
                                                     "checking"))
    assert lines[2].startswith("2 publishes: the first ")
    assert monthly.main(["--folder", str(tmp_path / "nothing")]) == 2


def test_the_statement_profile_times_every_statement_of_a_publish(tmp_path):
    made = generate(1500, tmp_path, error_rate=0.02)
    log, steps = statements.profile(quarantine_profile(tmp_path), made.path, tmp_path / "home")
    assert [label for label, _, _ in steps] == ["reading", "transforming", "validating", "loading", "writing",
                                                "checking"]
    by_step = {s.step for s in log}
    assert {"transforming", "validating", "loading", "writing"} <= by_step
    staging = [s for s in log if s.summary().startswith('insert into "stg_spending"')]
    exports = [s for s in log if s.step == "writing" and s.summary().startswith("copy (")]
    assert len(staging) == 1 and len(exports) >= 3    # the period CSV, its Parquet, the UK CSV
    assert all(s.seconds >= 0 and not s.summary().startswith("--") for s in log)
    for label, wall, _ in steps:
        assert sum(s.seconds for s in log if s.step == label) <= wall
    from etl import pipeline
    assert pipeline.work_connection.__module__ == "etl.pipeline"   # put back after the run


def test_the_excel_benchmark_saves_the_export_as_a_typed_workbook_and_reads_it(tmp_path, capsys):
    import openpyxl

    assert excel.main(["--rows", "300", "--out", str(tmp_path), "--publish"]) == 0
    book = tmp_path / "spend-2024-05-300.xlsx"
    rows = list(openpyxl.load_workbook(book, read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and len(rows) == 301
    typed = [r for r in rows[1:] if isinstance(r[excel.AMOUNT], float) and isinstance(r[excel.DATE], dt.datetime)]
    assert len(typed) > 250        # the others' amounts are whole: openpyxl reads them back as int
    out = capsys.readouterr().out
    assert "301 lines in its CSV working copy" in out and "peak" in out
    loaded, set_aside = map(int, re.search(r"([\d,]+) rows loaded, ([\d,]+) set aside", out).group(1, 2))
    assert (loaded, set_aside) == (300, 0)    # 300 payments: at 0.1%, too few rows to carry an injected error
    made = book.stat().st_mtime_ns
    assert excel.workbook(300, tmp_path) == book and book.stat().st_mtime_ns == made    # reused, not saved again
