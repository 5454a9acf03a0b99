"""spendpub's SQL validator from the command line, shaped like `frictionless validate`.

    .venv/bin/python -m bench.validate_table var/bench/spend.datapackage.json --resource-name spending \
        --limit-errors 100000000 --json

Prints the errors as JSON (type, rowNumber, fieldName, fieldNumber, cell, note, line) or a short
summary; exits 1 when the resource is invalid, as frictionless does.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from etl.validate.tablecsv import validate_package_resource


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datapackage", type=Path)
    parser.add_argument("--resource-name", required=True)
    parser.add_argument("--limit-errors", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = validate_package_resource(args.datapackage, args.resource_name, limit_errors=args.limit_errors or None)
    if args.json:
        json.dump({"valid": report.valid, "rows": report.rows, "seconds": report.seconds, "method": report.method,
                   "partial": report.partial,
                   "errors": [{"type": e.type, "rowNumber": e.row, "fieldName": e.field, "fieldNumber": e.field_number,
                               "cell": e.cell, "note": e.note, "line": e.line} for e in report.errors]},
                  sys.stdout)
        sys.stdout.write("\n")
    else:
        counts = Counter(e.type for e in report.errors)
        print(f"{'valid' if report.valid else 'invalid'}: {report.rows:,} rows, {len(report.errors):,} errors "
              f"({', '.join(f'{k} {v}' for k, v in counts.most_common())}) in {report.seconds:.2f} s "
              f"[{report.method}]")
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
