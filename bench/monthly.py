"""A year of monthly publishes: how each step's time grows with what is already published.

    .venv/bin/python -m bench.monthly                       # Leeds, April 2012 to March 2013
    .venv/bin/python -m bench.monthly --profile hyndburn --folder spending/hyndburn-monthly-fy2019-20

Publishes a real export folder of ../shared/realdata one file (one month) at a time into a fresh
home, as a finance team does over a year, and prints the wall time of every publish and of each
of its steps. A step whose time grows month after month works on the whole history rather than
on the month published.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import publish_steps  # noqa: E402

REALDATA = ROOT.parent / "shared" / "realdata"


def publish_month(profile: str, export: Path, home: Path) -> tuple[float, list[tuple[str, float]]]:
    """One publish: its wall time and each step's (the first word of its label)."""
    result, steps, seconds = publish_steps(profile, [export], home)
    if not result.published:
        raise SystemExit(f"{export.name} was not published")
    return seconds, [(label.split()[0], wall) for label, wall, _ in steps]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="leeds")
    parser.add_argument("--folder", default="spending/leeds-monthly-fy2012-13", help="under ../shared/realdata")
    args = parser.parse_args(argv)
    folder = REALDATA / args.folder
    exports = sorted(folder.glob("*.csv"))
    if not exports:
        print(f"no CSV export in {folder}: this benchmark reads the real exports of ../shared/realdata",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="spendpub-monthly-") as tmp:
        totals = []
        for export in exports:
            seconds, steps = publish_month(args.profile, export, Path(tmp))
            totals.append(seconds)
            print(f"{export.name:<32} {seconds:6.2f}s  " + "  ".join(f"{name} {s:.2f}s" for name, s in steps),
                  flush=True)
    print(f"{len(totals)} publishes: the first {totals[0]:.2f} s, the last {totals[-1]:.2f} s, "
          f"{sum(totals):.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
