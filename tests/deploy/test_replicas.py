"""Two replicas behind a real HAProxy (Debian's), while a new release is published and one
replica restarts: no request fails, and every answer comes from one release.

Each replica is `gql serve --immutable` (response cache on, as by default) on its own copy
of release A, in a folder it cannot write; HAProxy runs ``deploy/haproxy.cfg`` itself.
Client threads send one query through the proxy over kept-alive connections (two root
fields, whose values differ between releases A and B, so an answer mixing the files
would show). Meanwhile release B is published into both folders as the README says
(copy aside, rename over), and once both replicas serve it, replica 2 is stopped
(SIGTERM) and started again. Then:

- every request was answered 200, without errors;
- every answer is A's or B's, exactly as the seed files of each say;
- a replica never answered A after it had answered B;
- all answers from one release carry one ETag, whichever replica gave it, and the
  two releases' differ (their data versions are equal: both are one load);
- the old file is no longer held open by either replica, and no ``-wal``/``-shm`` file
  was made beside either copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REPO
from tests.deploy.releases import QUERY, Release, build_both, held_deleted, publish
from tests.http.servers import free_port, serve_command

HAPROXY = shutil.which("haproxy") or next(
    (path for path in ("/usr/sbin/haproxy",) if os.access(path, os.X_OK)), None
)
CONFIG = REPO / "deploy" / "haproxy.cfg"
CLIENTS = 4
NAMES = ("replica1", "replica2")  # as deploy/haproxy.cfg names them
# Generous bounds on waiting for something to happen; never asserted as durations.
WAIT_S = 60

pytestmark = pytest.mark.skipif(
    HAPROXY is None,
    reason="REPLICA TEST NOT RUN: HAProxy cannot be installed here (make haproxy, as root)",
)


@dataclass(frozen=True)
class Answer:
    """One request through the proxy, as its client saw it."""

    started: float
    finished: float
    status: int
    body: dict[str, Any] | None
    etag: str | None
    served_by: str | None
    failure: str | None = None


@dataclass
class Replica:
    """One `gql serve` on its own copy of the database, on a fixed port (so that it can
    be restarted where HAProxy expects it)."""

    db: Path
    port: int
    process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        command = serve_command(self.db, "--immutable", "--release-check-ms", "100", port=self.port)
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
        )
        wait_until(lambda: _status(f"http://127.0.0.1:{self.port}/readyz") == 200, "replica up")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=WAIT_S)

    def release(self) -> str | None:
        ready: dict[str, str | None] = httpx.get(
            f"http://127.0.0.1:{self.port}/readyz", timeout=5
        ).json()
        return ready.get("release")


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.TransportError:
        return None


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


@contextmanager
def writable(folder: Path) -> Iterator[None]:
    """The deployer's moment of write access to a replica's folder (the servers never
    write it: they read the file immutable)."""
    folder.chmod(0o755)
    try:
        yield
    finally:
        folder.chmod(0o555)


@contextmanager
def haproxy(bind: int, replicas: list[Replica]) -> Iterator[str]:
    """HAProxy on ``deploy/haproxy.cfg``, in the foreground, in front of ``replicas``."""
    assert HAPROXY is not None
    env = {
        **os.environ,
        "GQL_PROXY_BIND": f"127.0.0.1:{bind}",
        **{f"GQL_REPLICA_{i}": f"127.0.0.1:{r.port}" for i, r in enumerate(replicas, 1)},
    }
    check = subprocess.run(
        [HAPROXY, "-c", "-f", str(CONFIG)], env=env, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    process = subprocess.Popen(
        [HAPROXY, "-db", "-f", str(CONFIG)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{bind}"
    try:
        wait_until(lambda: _status(f"{base}/readyz") == 200, "the proxy answers")
        yield base
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=WAIT_S)
        if output.strip():
            print("haproxy said:\n" + output)


class Traffic:
    """Client threads sending QUERY through the proxy until stopped."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(CLIENTS)]

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=WAIT_S)

    def since(self, moment: float) -> list[Answer]:
        with self._lock:
            return [answer for answer in self.answers if answer.started > moment]

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    response = client.get("/graphql", params={"query": QUERY})
                    answer = Answer(
                        started,
                        time.monotonic(),
                        response.status_code,
                        response.json(),
                        response.headers.get("etag"),
                        response.headers.get("x-served-by"),
                    )
                except (httpx.HTTPError, ValueError) as exc:
                    answer = Answer(started, time.monotonic(), 0, None, None, None, repr(exc))
                with self._lock:
                    self.answers.append(answer)


def served(answers: list[Answer], release: Release, replica: str) -> int:
    return sum(
        1
        for answer in answers
        if answer.served_by == replica and answer.body and answer.body["data"] == release.data
    )


def test_a_release_and_a_restart_behind_haproxy_fail_no_request(tmp_path: Path) -> None:
    a, b = build_both(tmp_path / "build")
    replicas = []
    for i in (1, 2):
        folder = tmp_path / f"replica{i}"
        folder.mkdir()
        publish(a, folder / "gql.db")
        folder.chmod(0o555)
        replicas.append(Replica(folder / "gql.db", free_port()))
    try:
        for replica in replicas:
            replica.start()
        with haproxy(free_port(), replicas) as base, Traffic(base) as traffic:
            wait_until(
                lambda: all(served(traffic.since(0), a, name) >= 5 for name in NAMES),
                "both replicas answer release A through the proxy",
            )
            published = time.monotonic()
            for replica in replicas:
                with writable(replica.db.parent):
                    publish(b, replica.db)
            wait_until(lambda: all(r.release() == b.release_id for r in replicas), "both serve B")
            pids = [replica.process.pid for replica in replicas if replica.process]
            wait_until(
                lambda: not any(held_deleted(pid, "gql.db") for pid in pids),
                "release A's file is closed by both",
            )
            wait_until(
                lambda: all(served(traffic.since(published), b, name) >= 5 for name in NAMES),
                "both replicas answer release B through the proxy",
            )
            replicas[1].stop()
            replicas[1].start()
            restarted = time.monotonic()
            wait_until(
                lambda: served(traffic.since(restarted), b, "replica2") >= 5,
                "the restarted replica answers through the proxy again",
            )
        answers = traffic.answers
    finally:
        for replica in replicas:
            replica.stop()
            replica.db.parent.chmod(0o755)

    failures = [answer for answer in answers if answer.failure or answer.status != 200]
    assert failures == [], failures[:5]
    assert all(answer.body and "errors" not in answer.body for answer in answers)
    assert {answer.served_by for answer in answers} == set(NAMES)
    by_release = {a.release_id: a, b.release_id: b}
    tags: dict[str, set[str | None]] = {release_id: set() for release_id in by_release}
    for answer in answers:
        assert answer.body is not None
        [release_id] = [r for r, rel in by_release.items() if answer.body["data"] == rel.data]
        tags[release_id].add(answer.etag)
    assert all(len(etags) == 1 and None not in etags for etags in tags.values()), tags
    assert tags[a.release_id] != tags[b.release_id]
    for name in NAMES:
        mine = [answer for answer in answers if answer.served_by == name]
        first_b = min(x.finished for x in mine if x.body and x.body["data"] == b.data)
        assert all(x.started < first_b for x in mine if x.body and x.body["data"] == a.data)
    for replica in replicas:
        assert sorted(p.name for p in replica.db.parent.iterdir()) == ["gql.db"]
    print(f"{len(answers)} requests through HAProxy, none failed")
