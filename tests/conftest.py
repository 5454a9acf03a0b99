"""Shared fixtures: the real exports in ../shared/realdata, a fresh --home, small profiles."""

from __future__ import annotations

import hashlib
import os
import textwrap
import zipfile
from pathlib import Path

import duckdb
import pytest

# The command line sizes its tables once, when etl.terminal is imported: 160 columns when the output
# is not a terminal, unless COLUMNS says otherwise. pytest-xdist's workers set COLUMNS=80; the
# in-process command-line tests expect the width of a CI log whoever runs them.
os.environ.pop("COLUMNS", None)

from etl.files import file_digest  # noqa: E402

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


def skip_unless_ci(reason: str) -> None:
    """Skip a test whose input is missing, saying why: in a user's fresh clone. Where CI is set
    (to anything but empty, 0, false or no: services set true, 1 or their own name) the input
    must be there, so the test fails instead: CI never passes by skipping."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason} (CI must have it)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The real exports. Absent in a user's fresh clone (skip); CI always has them (fail)."""
    if not REALDATA.is_dir():
        skip_unless_ci(f"real exports not found at {REALDATA} (they sit beside the checkout in CI)")
    return REALDATA


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home where every demo publisher in datasets/ was published, one after the other (read only)."""
    from etl import pipeline
    from etl.demo import demo_sources

    home = tmp_path_factory.mktemp("demo")
    for profile, files in demo_sources():
        assert pipeline.run(profile, files, home).published
    return home


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under root with its sha256: equal digests mean byte-for-byte unchanged."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


MINI_PROFILE = """\
publisher: {id: testco, name: Test Borough Council, country: GB}
dataset: spending
licence: {name: OGL-UK-3.0, title: Open Government Licence v3.0}
read:
  encoding: auto
  skip_rows:
    - {kind: total, column: Supplier, matches: '^Total'}
period:
  from_filename: ['(?P<year>\\d{4})-(?P<month>\\d{2})']
fields:
  department: {column: [Department, Directorate]}
  supplier_name: {column: Supplier}
  payment_date: {column: Date, date_formats: ['%d/%m/%Y', '%d/%m/%y', '%d-%b-%Y', '%d-%b-%y'], excel_serial: true}
  amount: {column: [Amount, Net Amount], thousands: ","}
  transaction_id: {column: Ref, optional: true}
  capital_or_revenue: {column: CapRev, optional: true, map: {C: capital, R: revenue}}
  currency: {value: GBP}
"""


@pytest.fixture
def mini_profile(tmp_path: Path):
    """Write a small profile (optionally with extra YAML appended) and return its path."""
    def make(extra: str = "", base: str = MINI_PROFILE) -> Path:
        path = tmp_path / "profile.yaml"
        path.write_text(base + textwrap.dedent(extra), encoding="utf-8")
        return path
    return make


@pytest.fixture
def export(tmp_path: Path):
    """Write an export file from text (or bytes) under a name that gives its period."""
    def make(content: str | bytes, name: str = "spend-2024-05.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path
    return make


def rebuild_report(home: Path, rebuilt) -> str:
    """Why a rebuild is not identical: its result, and for each zip that differs, the members
    whose CRC, sizes or time differ from the published zip's, when a version the home still keeps
    holds a zip with the digest the release recorded (a zip can differ while every file in it matches)."""
    lines = [repr(rebuilt)]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        recorded = dict(con.execute("select path, sha256 from release_packages where release_id = ?",
                                    [rebuilt.release_id]).fetchall())
    finally:
        con.close()
    for rel in (r for r in rebuilt.mismatched if r.endswith(".zip")):
        published = [p for p in sorted(home.glob(f"versions/*/site/*/{rel}"))
                     if file_digest(p)[1] == recorded.get(rel)]
        if not published:
            lines.append(f"{rel}: no version the home keeps holds the published zip")
            continue
        members = []
        for path in (published[0], next(rebuilt.out.glob(f"site/*/{rel}"))):
            with zipfile.ZipFile(path) as z:
                members.append({i.filename: (i.CRC, i.file_size, i.compress_size, i.date_time) for i in z.infolist()})
        before, after = members
        lines.append(f"{rel}: " + "; ".join(f"{name} published {before.get(name)} rebuilt {after.get(name)}"
                                             for name in sorted(before.keys() | after.keys())
                                             if before.get(name) != after.get(name)))
    return "\n".join(lines)
