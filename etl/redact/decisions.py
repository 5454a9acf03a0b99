"""A publisher's private redaction state, under its home and never in site/: a person's decisions on
the detector's candidates (decisions.csv) and the register of every name ever redacted (names.txt)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import getpass
import io
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import duckdb

from .. import leakgate
from ..errors import SpendpubError, UsageError
from ..files import private_dir, write_private

DECISIONS_FILE = "decisions.csv"
REGISTER_FILE = "names.txt"
DECISION_COLUMNS = ("name", "decision", "decided_at", "decided_by", "note")


@dataclass(frozen=True)
class Decisions:
    """A publisher's private redaction state: decisions on candidates, and the names register."""

    confirmed: dict[str, str] = field(default_factory=dict)   # key -> name as written
    rejected: dict[str, str] = field(default_factory=dict)
    register: tuple[str, ...] = ()        # every name redacted in an earlier release...
    register_whole: tuple[str, ...] = ()  # ...of which these were withheld only as a precaution

    @classmethod
    def empty(cls) -> "Decisions":
        return cls()

    def registered(self, whole: bool) -> list[str]:
        """Register names of one kind that no person has rejected."""
        names = [n for n in self.register if (n in self.register_whole) == whole]
        return [n for n, k in zip(names, name_keys(names)) if k not in self.rejected]


_keys_lock = threading.Lock()
_keys_con: list[duckdb.DuckDBPyConnection] = []


def _private_connection() -> duckdb.DuckDBPyConnection:
    """One private in-memory connection, made once, with the name macros; hold _keys_lock."""
    if not _keys_con:
        _keys_con.append(duckdb.connect())
        leakgate.install_macros(_keys_con[0])
    return _keys_con[0]


def name_keys(names: Iterable[str]) -> list[str | None]:
    """The comparison key of each name (words, lower case, spelt in ASCII: leakgate.fold_name): the
    same SQL everywhere."""
    names = list(names)
    if not names:
        return []
    with _keys_lock:
        return [r[0] for r in _private_connection().execute(
            "select redaction_key(n) from unnest(?::varchar[]) with ordinality as t(n, i) order by i",
            [names]).fetchall()]


def redaction_dir(home: Path, publisher_id: str, create: bool = False) -> Path:
    if not publisher_id or "/" in publisher_id or publisher_id.startswith("."):
        raise UsageError(f"not a publisher id: {publisher_id!r}")
    folder = Path(home) / "redaction" / publisher_id
    return private_dir(folder) if create else folder


def _read_decision_rows(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    bad = [i for i, r in enumerate(rows, start=2) if r.get("decision") not in ("confirmed", "rejected")]
    if bad:
        raise SpendpubError(f"line {bad[0]}: decision must be 'confirmed' or 'rejected'", where=str(path))
    return rows


WHOLE_CELL = "whole-cell"  # register mark of a name withheld only as a precaution (see leakgate)


def _read_register(path: Path) -> list[tuple[str, bool]]:
    """(name, withheld only as a precaution) for each line: 'name' or 'name<TAB>whole-cell'."""
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, mark = line.partition("\t")
            out.append((name.strip(), mark.strip() == WHOLE_CELL))
    return out


def load_decisions(home: Path, publisher_id: str) -> Decisions:
    folder = redaction_dir(home, publisher_id)
    rows = _read_decision_rows(folder / DECISIONS_FILE)
    confirmed: dict[str, str] = {}
    rejected: dict[str, str] = {}
    for row, key in zip(rows, name_keys(r["name"] for r in rows)):
        if key is None:
            continue
        confirmed.pop(key, None)
        rejected.pop(key, None)
        (confirmed if row["decision"] == "confirmed" else rejected)[key] = row["name"]
    register = _read_register(folder / REGISTER_FILE)
    return Decisions(confirmed=confirmed, rejected=rejected, register=tuple(n for n, _ in register),
                     register_whole=tuple(n for n, whole in register if whole))


def snapshot(decisions: Decisions, redacted_now: Iterable[tuple[str, bool]]) -> bytes:
    """The redaction state a release was made under, as the bytes archived for its replay: the
    decisions and register it started from, and the names it redacted itself (private: names)."""
    doc = {**dataclasses.asdict(decisions), "redacted_now": [[n, w] for n, w in redacted_now]}
    return json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")


def from_snapshot(data: bytes) -> tuple[Decisions, list[tuple[str, bool]]]:
    """snapshot() read back: (the decisions, the names the release redacted itself)."""
    doc = json.loads(data)
    now = [(n, bool(w)) for n, w in doc.pop("redacted_now")]
    return Decisions(confirmed=doc["confirmed"], rejected=doc["rejected"], register=tuple(doc["register"]),
                     register_whole=tuple(doc["register_whole"])), now


def decide(home: Path, publisher_id: str, names: Iterable[str], decision: str, *,
           decided_by: str | None = None, note: str = "") -> list[str]:
    """Record that each name is ('confirmed') or is not ('rejected') a natural person; returns keys."""
    if decision not in ("confirmed", "rejected"):
        raise UsageError(f"a decision is 'confirmed' or 'rejected', not {decision!r}")
    names = [" ".join(n.split()) for n in names]
    keys = name_keys(names)
    empty = [n for n, k in zip(names, keys) if k is None]
    if empty:
        raise UsageError(f"{empty[0]!r} has no letters or digits: it cannot be a name")
    folder = redaction_dir(home, publisher_id, create=True)
    path = folder / DECISIONS_FILE
    rows = _read_decision_rows(path)
    new_keys = set(keys)
    kept = [r for r, k in zip(rows, name_keys(r["name"] for r in rows)) if k not in new_keys]
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    who = decided_by or _user()
    kept += [{"name": n, "decision": decision, "decided_at": stamp, "decided_by": who, "note": note}
             for n in dict.fromkeys(names)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=DECISION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: r.get(c, "") for c in DECISION_COLUMNS} for r in kept)
    write_private(path, out.getvalue().encode("utf-8"))
    return keys


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): the decision is still recorded
        return ""


def record_names(home: Path, publisher_id: str,
                 names: Iterable[str | tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Add names to the private register of redacted names; returns the entries new or changed,
    as (name, whole_cell).

    Each name is a string, or (name, whole_cell) where whole_cell marks a name withheld only as a
    precaution (the gate then finds it only as a whole cell). A name once registered as a person
    stays one.
    """
    path = redaction_dir(home, publisher_id) / REGISTER_FILE
    current = _read_register(path)
    entries = {}
    for name, key in zip((n for n, _ in current), name_keys(n for n, _ in current)):
        entries.setdefault(key, [name, dict(current).get(name, False)])
    fresh = [(n, False) if isinstance(n, str) else (n[0], bool(n[1])) for n in names]
    fresh = [(" ".join(n.split()), w) for n, w in fresh if n and n.strip()]
    changed = []
    for (name, whole), key in zip(fresh, name_keys(n for n, _ in fresh)):
        if key is None:
            continue
        if key not in entries:
            entries[key] = [name, whole]
            changed.append((name, whole))
        elif entries[key][1] and not whole:  # now known as a person: searched everywhere
            entries[key][1] = False
            changed.append((name, False))
    if not changed:
        return []
    redaction_dir(home, publisher_id, create=True)
    header = "# Names redacted by spendpub for this publisher: private, never publish this file.\n"
    write_private(path, (header + "".join(f"{n}\t{WHOLE_CELL}\n" if whole else f"{n}\n"
                                          for n, whole in entries.values())).encode("utf-8"))
    return changed
