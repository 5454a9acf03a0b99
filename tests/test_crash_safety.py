"""A publish killed or failing at any step leaves the warehouse and site/ as the last good release."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl import pipeline, publish
from tests.conftest import tree_digest

GOOD = "Department,Supplier,Date,Amount\nParks,Acme Ltd,03/05/2024,10.00\nRoads,Big Co,04/05/2024,5.50\n"
# the same payments dated in April, for a file named for April
APRIL = GOOD.replace("/05/2024", "/04/2024")


def spendpub(home: Path, *args: str, fault: str | None = None, system_temp: Path | None = None,
             **kw) -> subprocess.Popen:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("SPENDPUB_FAULT_AT", None)
    if fault:
        env["SPENDPUB_FAULT_AT"] = fault
    if system_temp:
        env["TMPDIR"] = str(system_temp)
    return subprocess.Popen([sys.executable, "-m", "etl", "--home", str(home), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kw)


def state(home: Path) -> tuple:
    return tree_digest(home / "site"), hashlib.sha256((home / "warehouse.duckdb").read_bytes()).hexdigest()


@pytest.fixture
def last_good(home, mini_profile, export):
    """A home after one good release, and the arguments of a second, different publish."""
    done = spendpub(home, "publish", "--profile", str(mini_profile()), str(export(APRIL, name="spend-2024-04.csv")))
    assert done.wait(120) == 0, done.stderr.read()
    next_args = ["publish", "--profile", str(mini_profile()),
                 str(export(APRIL.replace("10.00", "11.00"), name="spend-2024-04.csv")),
                 str(export(GOOD, name="spend-2024-05.csv"))]
    return state(home), next_args


@pytest.mark.parametrize("step", ["extract", "load", "package", "swap"])
def test_sigkill_at_any_step_changes_nothing(home, last_good, step, tmp_path):
    """Nor does it leave its scratch (staged rows, names not yet redacted) in the system's temporary
    folder: it stays in the home, private, until the next publish removes it."""
    before, args = last_good
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    proc = spendpub(home, *args, fault=step, system_temp=system_temp)
    assert proc.wait(120) == -signal.SIGKILL
    assert state(home) == before
    assert list(system_temp.iterdir()) == []
    (left,) = (home / "work").iterdir()
    rerun = spendpub(home, *args, system_temp=system_temp)
    assert rerun.wait(120) == 0, rerun.stderr.read()
    assert state(home) != before
    assert not list((home / "versions").glob(".staging-*"))
    assert list((home / "work").iterdir()) == [] and list(system_temp.iterdir()) == []


def test_sigterm_while_packaging_cleans_up_and_changes_nothing(home, last_good):
    """A service manager's stop (SIGTERM) is an interruption like Ctrl-C: the staged version and
    the work folder are removed, and the run says it changed nothing."""
    before, args = last_good
    proc = spendpub(home, *args, fault="package:sleep=60")
    deadline = time.monotonic() + 60
    while not list((home / "versions").glob(".staging-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 130
    assert "interrupted: nothing was published; the warehouse and the site are as they were" in proc.stderr.read()
    assert state(home) == before
    assert not list((home / "versions").glob(".staging-*")) and not list((home / "work").iterdir())


def test_an_interruption_after_the_switch_says_the_release_is_published(home, last_good):
    before, args = last_good
    proc = spendpub(home, *args, fault="switched:sleep=60")
    current = (home / "current").resolve()
    deadline = time.monotonic() + 60
    while (home / "current").resolve() == current and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 130
    live = (home / "current").resolve().name
    said = " ".join(proc.stderr.read().split())
    assert f"interrupted after release {live} went live: it is published" in said and "nothing" not in said
    assert state(home) != before and not list((home / "work").iterdir())


def test_a_full_disk_while_writing_packages_changes_nothing(home, mini_profile, export, monkeypatch):
    pipeline.run(mini_profile(), [export(APRIL, name="spend-2024-04.csv")], home)
    before = state(home)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publish, "write_package", full)
    with pytest.raises(OSError):
        pipeline.run(mini_profile(), [export(GOOD.replace("10.00", "12.00"), name="spend-2024-05.csv")], home)
    assert state(home) == before and not list((home / "versions").glob(".staging-*"))


def test_a_second_publish_waits_or_is_refused(home, last_good):
    before, args = last_good
    first = spendpub(home, *args, fault="load:sleep=4")
    time.sleep(1.5)  # the first now holds the lock, paused inside its load
    (first_work,) = (home / "work").iterdir()
    refused = spendpub(home, *args[:1], "--wait", "0", *args[1:])
    assert refused.wait(60) == 1
    assert "another publish is running" in refused.stderr.read()
    assert first_work.is_dir()   # the refused run removed no folder of a live one
    waiting = spendpub(home, *args[:1], "--wait", "60", *args[1:])
    assert first.wait(60) == 0
    assert waiting.wait(60) == 0
    assert "nothing to publish" in waiting.stdout.read()  # the first already published these files
    assert state(home) != before
