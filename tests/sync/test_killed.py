"""A real ``gql load`` killed with ``kill -9`` mid-load, and two loads of one database at
once, on a generated corpus big enough to be parsed by worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gql.sync import workers
from tests.conftest import REPO, SEEDS
from tests.sync.helpers import dump, gql_load, query
from tests.sync.misbehaving import SLEEP_S

# Enough files to be parsed in worker processes (``PARALLEL_MIN_FILES``), and to take a
# while: the load is killed as soon as its workers are seen.
CORPUS_FILES = 3 * workers.PARALLEL_MIN_FILES
# Generous bounds on waiting for something that happens in well under a second.
WAIT_S = 60


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus (``python -m bench.generate``), shared by the tests here."""
    folder = tmp_path_factory.mktemp("generated")
    subprocess.run(
        [sys.executable, "-m", "bench.generate", str(CORPUS_FILES), str(folder)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=WAIT_S,
    )
    return folder


def _processes() -> Iterator[tuple[int, int, int, str]]:
    """Every live process: its pid, parent pid, process group and state (from ``/proc``)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as file:
                stat = file.read()
        except OSError:  # gone meanwhile
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        yield int(entry), int(fields[1]), int(fields[2]), fields[0]


def _children(pid: int) -> list[int]:
    return [p for p, parent, _, state in _processes() if parent == pid and state != "Z"]


def _group(pgid: int) -> list[int]:
    """The processes of group ``pgid`` still running (zombies wait for a reaper only)."""
    return [p for p, _, group, state in _processes() if group == pgid and state != "Z"]


def _wait_for(condition: str, check: object, seconds: float = WAIT_S) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"waited {seconds} s for {condition}"
        time.sleep(0.01)


def _start_load(generated: Path, db: Path) -> subprocess.Popen[bytes]:
    """``gql load`` of seeds and the generated corpus, in a process group of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "gql.cli", "load", str(SEEDS), str(generated), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="parses in worker processes")
def test_kill_9_mid_load_keeps_the_old_data_and_leaves_no_worker(
    generated: Path, tmp_path: Path
) -> None:
    db = tmp_path / "x.db"
    assert gql_load(SEEDS, "--db", db).returncode == 0
    old = dump(db)
    load = _start_load(generated, db)
    try:
        _wait_for("the load's parse workers", lambda: _children(load.pid))
        os.kill(load.pid, signal.SIGKILL)
        assert load.wait(timeout=WAIT_S) == -signal.SIGKILL
        # The workers die with their parent (and multiprocessing's resource tracker
        # once they are gone): nothing of the load's process group runs on.
        _wait_for("the killed load's processes to end", lambda: not _group(load.pid))
    finally:
        if _group(load.pid):
            os.killpg(load.pid, signal.SIGKILL)
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert dump(db) == old  # the killed load's transaction never happened

    again = gql_load(SEEDS, generated, "--db", db)
    assert again.returncode == 0, again.stderr
    fresh = tmp_path / "fresh.db"
    assert gql_load(SEEDS, generated, "--db", fresh).returncode == 0
    for sql in CONTENT:
        assert query(db, sql) == query(fresh, sql)


# What a load leaves, without the row ids (an incremental load numbers rows in its order).
CONTENT = [
    "SELECT url, slug, title, body FROM articles ORDER BY url",
    "SELECT path, digest FROM files ORDER BY path",
    "SELECT domain, name FROM providers ORDER BY domain",
    "SELECT name, slug FROM topics ORDER BY name",
    "SELECT a.url, r.position, r.url FROM related_links r JOIN articles a ON a.id = r.article_id"
    " ORDER BY 1, 2",
]


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="parses in worker processes")
def test_a_second_load_during_a_load_is_refused_and_the_first_completes(
    generated: Path, tmp_path: Path
) -> None:
    """The first load holds the database from its first write to its commit; its parse
    workers run inside that span, so once they are seen the second load must wait."""
    db = tmp_path / "x.db"
    first = _start_load(generated, db)
    try:
        _wait_for("the first load's parse workers", lambda: _children(first.pid))
        second = gql_load(SEEDS, "--db", db, "--lock-timeout", "0.2")
        assert first.poll() is None, "the first load ended before the second was refused"
        assert second.returncode == 1, second.stdout + second.stderr
        assert "is being written by another process" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.wait(timeout=WAIT_S) == 0
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    articles = len(list((generated / "articles").glob("*.md")))
    assert query(db, "SELECT count(*) > ? FROM articles", (articles - 1,)) == [(1,)]


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc")
def test_a_worker_busy_on_a_file_dies_with_its_killed_parent(tmp_path: Path) -> None:
    """A worker idle when its parent dies sees its queue close and ends; one busy on a file
    (in C code, for minutes) would parse on, were the kernel not told to kill it."""
    (tmp_path / "good.md").write_text("---\ntitle: Good\nwebUrl: https://e.x/good\n---\n")
    (tmp_path / "sleep-a.md").write_text("---\ntitle: Slow\nwebUrl: https://e.x/slow\n---\n")
    parent = subprocess.Popen(
        [sys.executable, "-m", "tests.sync.misbehaving", str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for("the worker to sleep on its file", (tmp_path / "sleep-a.sleeping").exists)
        os.kill(parent.pid, signal.SIGKILL)
        assert parent.wait(timeout=WAIT_S) == -signal.SIGKILL
        # Well before the worker would wake: it was killed, not left to finish.
        _wait_for("the busy worker to die", lambda: not _group(parent.pid), SLEEP_S / 3)
    finally:
        if _group(parent.pid):
            os.killpg(parent.pid, signal.SIGKILL)
