"""The home switches whole versions: one publish at a time, no stray copies, reference lists loaded."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pytest

import etl.home
from etl import pipeline
from etl.errors import SpendpubError
from etl.home import Home

GOOD = "Department,Supplier,Date,Amount\nParks,Acme Ltd,03/05/2024,10.00\n"


def test_layout_after_a_publish(home, mini_profile, export):
    result = pipeline.run(mini_profile(), [export(GOOD)], home)
    assert result.published
    assert sorted(p.name for p in home.iterdir()) == [
        ".publish.lock", "archive", "current", "site", "versions", "warehouse.duckdb", "work"]
    assert list((home / "work").iterdir()) == []   # the run's scratch went with it
    assert (home / "current").resolve() == home / "versions" / result.release_id
    assert sorted(p.name for p in (home / "site").iterdir()) == ["catalog.json", "testco"]
    # the source file and the profile are archived by their sha256
    assert (home / "archive" / result.files[0].sha256[:2] / result.files[0].sha256).exists()
    assert (home / "archive" / result.profile.sha256[:2] / result.profile.sha256).exists()


def test_the_site_and_warehouse_can_be_served_by_another_account(home, mini_profile, export):
    """A web server runs under its own account: the published version follows the umask (022 here)
    while the sources, kept for replays, stay their owner's."""
    previous = os.umask(0o022)
    try:
        result = pipeline.run(mini_profile(), [export(GOOD)], home)
    finally:
        os.umask(previous)
    version = home / "versions" / result.release_id
    assert stat.S_IMODE(version.stat().st_mode) == 0o755
    published = [p for p in (version / "site").rglob("*") if p.is_file()] + [version / "warehouse.duckdb"]
    assert published and all(p.stat().st_mode & stat.S_IROTH for p in published)
    archived = home / "archive" / result.files[0].sha256[:2] / result.files[0].sha256
    assert stat.S_IMODE(archived.stat().st_mode) == 0o600


def test_old_versions_are_pruned(home, mini_profile, export):
    for amount in ("1.00", "2.00", "3.00"):
        assert pipeline.run(mini_profile(), [export(GOOD.replace("10.00", amount))], home).published
    assert len([p for p in (home / "versions").iterdir()]) == 2


def test_cofog_reference_list_is_in_the_warehouse(home, mini_profile, export):
    pipeline.run(mini_profile(), [export(GOOD)], home)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*), count(*) filter (where level = 1) from cofog").fetchone() == (188, 10)
    assert con.execute("select label_fr from cofog where cofog_code = '07'").fetchone() == ("Santé",)


def test_a_second_publish_is_refused_while_one_runs(home, mini_profile, export):
    with Home(home).lock():
        with pytest.raises(SpendpubError, match="another publish is running"):
            pipeline.run(mini_profile(), [export(GOOD)], home)
    assert not (home / "warehouse.duckdb").exists()
    assert pipeline.run(mini_profile(), [export(GOOD)], home).published


def test_a_run_works_in_a_private_folder_of_the_home_removed_when_it_ends(home):
    with Home(home).work_folder() as folder:
        assert folder.parent == home / "work"
        assert stat.S_IMODE(folder.stat().st_mode) == stat.S_IMODE((home / "work").stat().st_mode) == 0o700
        (folder / "spill").write_text("rows before redaction", encoding="utf-8")
    assert not folder.exists()
    with pytest.raises(ZeroDivisionError), Home(home).work_folder() as failed:
        1 / 0
    assert not failed.exists()


# A run in another process: it takes a work folder, says which, and waits for a line on stdin; an
# empty line lets it end normally, "kill" kills it with SIGKILL, as a crash would.
RUN_IN_A_WORK_FOLDER = """
import os, signal, sys
from etl.home import Home
with Home(sys.argv[1]).work_folder() as folder:
    (folder / "spill").write_text("rows before redaction", encoding="utf-8")
    print(folder, flush=True)
    if sys.stdin.readline().strip() == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
"""


def run_in_a_work_folder(home) -> tuple[subprocess.Popen, Path]:
    run = subprocess.Popen([sys.executable, "-c", RUN_IN_A_WORK_FOLDER, str(home)],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return run, Path(run.stdout.readline().strip())


def test_the_folder_of_a_run_that_died_is_removed_by_the_next(home):
    dead, left = run_in_a_work_folder(home)
    dead.communicate("kill\n", timeout=60)
    assert dead.returncode == -signal.SIGKILL and (left / "spill").exists()
    with Home(home).work_folder() as folder:
        assert not left.exists()
        assert list((home / "work").iterdir()) == [folder]


def test_the_folder_of_a_live_run_is_kept(home):
    live, kept = run_in_a_work_folder(home)
    try:
        with Home(home).work_folder():
            assert (kept / "spill").exists()
    finally:
        live.communicate("\n", timeout=60)
    assert live.returncode == 0 and not kept.exists()


def test_a_folder_swept_before_its_run_locked_it_is_made_again(home, monkeypatch):
    """A sweep in another run can lock a new folder in the instant before its own run does, take it
    for a dead run's and remove it: the run must not go on in a folder that is gone."""
    made = []
    mkdtemp = tempfile.mkdtemp

    def swept_once(**kwargs):
        folder = mkdtemp(**kwargs)
        made.append(folder)
        if len(made) == 1:   # the sweep locks it first, and removes it a moment later
            sweep = os.open(folder, os.O_RDONLY)
            fcntl.flock(sweep, fcntl.LOCK_EX)

            def remove_and_let_go():
                time.sleep(0.3)
                shutil.rmtree(folder)
                os.close(sweep)
            threading.Thread(target=remove_and_let_go).start()
        return folder

    monkeypatch.setattr(etl.home.tempfile, "mkdtemp", swept_once)
    with Home(home).work_folder() as folder:
        assert len(made) == 2 and str(folder) == made[1] and folder.is_dir()
