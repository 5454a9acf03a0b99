"""Reading an Excel export: the benchmark's export saved as a workbook, then read as a publish reads it.

    .venv/bin/python -m bench.excel --rows 200000
    .venv/bin/python -m bench.excel --rows 1000000 --publish

Saves the first N rows of the benchmark's synthetic export (bench/generate.py) as an xlsx workbook,
with amounts as numbers and dates as dates as a finance system's export has them (cached under
var/bench/: openpyxl takes about a minute per 200,000 rows). Then, in its own process, turns the
workbook into the CSV working copy the rest of the publish reads (etl/extract/excel_reader.py),
and prints the wall time, CPU time and peak memory of that process. `--publish` then also measures
`spendpub publish` of the workbook into a fresh home, with the benchmark's profile read as Excel
(quarantine on, as `make bench` publishes the CSV).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
from pathlib import Path

import yaml

from bench.generate import HEADER
from bench.run import BIN, PROFILE_PATH, PYTHON, ROOT, generate, measure, quarantine_profile, release_counts

# the amount and date columns, and how they are written, as the benchmark's profile reads them
_FIELDS = yaml.safe_load(PROFILE_PATH.read_text(encoding="utf-8"))["fields"]
AMOUNT, DATE = HEADER.index(_FIELDS["amount"]["column"]), HEADER.index(_FIELDS["payment_date"]["column"])
THOUSANDS, DATE_FORMAT = _FIELDS["amount"]["thousands"], _FIELDS["payment_date"]["date_formats"][0]

CONVERT = """
import sys
from pathlib import Path
from etl.extract.excel_reader import to_csv
to_csv(Path(sys.argv[1]), None, Path(sys.argv[2]), sys.argv[1])
"""


def _typed(row: list[str]) -> list:
    """A row as a spreadsheet holds it: the amount a number, the date a date, where they parse."""
    cells: list = list(row)
    try:
        cells[AMOUNT] = float(row[AMOUNT].replace(THOUSANDS, ""))
    except (ValueError, IndexError):
        pass
    try:
        cells[DATE] = dt.datetime.strptime(row[DATE], DATE_FORMAT)
    except (ValueError, IndexError):
        pass
    return cells


def workbook(rows: int, out: Path) -> Path:
    """The export's header and first `rows` rows as an xlsx workbook (made once, then reused)."""
    from openpyxl import Workbook

    target = out / f"spend-2024-05-{rows}.xlsx"
    if target.exists():
        return target
    export = generate(rows, out, error_rate=0.001)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Payments")
    with open(export.path, encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.reader(fh)):
            if i > rows:
                break
            sheet.append(_typed(row) if i else row)
    partial = target.with_name(f".{target.name}.partial")
    book.save(partial)
    partial.replace(target)
    return target


def excel_profile(out: Path) -> Path:
    """The benchmark's profile, reading a workbook: the dates are the sheet's own, written as ISO dates."""
    profile = yaml.safe_load(quarantine_profile(out).read_text(encoding="utf-8"))
    profile["read"].pop("encoding", None)
    profile["read"]["format"] = "excel"
    dates = profile["fields"]["payment_date"]
    dates["date_formats"] = ["%Y-%m-%d", *dates["date_formats"]]
    target = out / "profile-excel.yaml"
    target.write_text(yaml.safe_dump(profile, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench", help="where the files are cached")
    parser.add_argument("--publish", action="store_true", help="also time a publish of the workbook")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    book = workbook(args.rows, args.out)
    with tempfile.TemporaryDirectory(prefix="spendpub-excel-") as tmp:
        copy = Path(tmp) / "working-copy.csv"
        run = measure("reading the workbook", [PYTHON, "-c", CONVERT, str(book), str(copy)], cwd=ROOT)
        if run.returncode:
            print(run.stderr, file=sys.stderr)
            return run.returncode
        with open(copy, encoding="utf-8") as fh:
            lines = sum(1 for _ in fh)
    print(f"{book.name}: {book.stat().st_size / 1e6:.1f} MB, {lines:,} lines in its CSV working copy")
    print(f"read in {run.seconds:.2f} s ({run.cpu_seconds:.2f} s of CPU), peak {run.peak_mb:,.0f} MB")
    if args.publish:
        with tempfile.TemporaryDirectory(prefix="spendpub-excel-home-") as home:
            run = measure("spendpub publish", [str(BIN / "spendpub"), "--home", home, "publish", "--profile",
                                               str(excel_profile(args.out)), str(book)], cwd=ROOT)
            if run.returncode:
                print(run.stdout[-2000:], run.stderr[-2000:], file=sys.stderr)
                return run.returncode
            loaded, rejected = release_counts(Path(home))
        print(f"published in {run.seconds:.2f} s ({run.cpu_seconds:.2f} s of CPU), peak {run.peak_mb:,.0f} MB: "
              f"{loaded:,} rows loaded, {rejected:,} set aside")
    return 0


if __name__ == "__main__":
    sys.exit(main())
