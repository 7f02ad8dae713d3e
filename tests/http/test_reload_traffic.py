"""Reloads under traffic: `gql load` into the database a multi-worker `gql serve` answers.

The corpus is a copy of seeds/ plus a generated corpus. Every load is a new *round*
``k``: the titles of ``EDITED`` generated files end in the marker ``~vk~``, ``added(k)``
new files with that marker appear, and the previous round's new files are removed, so
version ``k`` has exactly ``EDITED + added(k)`` marked articles, all marked ``~vk~``.
Client threads send the marked-articles query (a page of titles, their providers and
the total count: three statements, each of which could see another commit) and
``/healthz`` over keep-alive connections they renew now and then, while the rounds are
loaded by the real CLI into the database `gql serve --workers 2` serves (response
cache on, the default).

Every response must be a success; each answer's titles must all carry one marker and
its count must be that round's; a connection (one worker) never goes back to an older
round or data version. One second after each commit (seen by polling the database's
data version), each worker, told apart by the process that owns the connection's
socket, must answer with the new round.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import strawberry
from starlette.testclient import TestClient
from starlette.types import Scope

from bench.generate import generate
from bench.servers import HOST, Server, gql_server
from gql.http.view import GraphQLView
from gql.settings import Settings
from tests.conftest import SEEDS

GENERATED = 400
EDITED = 200
ROUNDS = 5
CLIENTS = 3
REQUESTS_PER_CONNECTION = 15
FRESH_AFTER_S = 1.0
MARKER = re.compile(r"~v(\d+)~")
QUERY = (
    '{ articles(filter: {title: {contains: "~v"}}, orderBy: [TITLE_ASC], first: 50)'
    " { totalCount nodes { title provider { domain } } } }"
)
HEADERS = {"content-type": "application/json", "accept": "application/json"}


def added(round_: int) -> int:
    """How many new files round ``round_`` adds: a different count in every round."""
    return 40 + 10 * round_


def marked(round_: int) -> int:
    return EDITED + added(round_)


@dataclass
class Corpus:
    """The corpus folder and how to move it to the next round."""

    root: Path
    edited: list[tuple[Path, str]] = field(default_factory=list)

    @classmethod
    def build(cls, root: Path) -> Corpus:
        shutil.copytree(SEEDS, root / "seeds")
        generate(GENERATED, root / "generated", seed=11, definitions=False)
        files = sorted((root / "generated" / "articles").glob("*.md"))
        corpus = cls(root)
        for path in files[:EDITED]:
            corpus.edited.append((path, path.read_text(encoding="utf-8")))
        corpus.write_round(0)
        return corpus

    def write_round(self, round_: int) -> None:
        for path, original in self.edited:
            title = f"{_title_of(original)} ~v{round_}~"
            path.write_text(_with_title(original, title), encoding="utf-8")
        template = self.edited[0][1]
        added_dir = self.root / "added"
        if added_dir.exists():
            shutil.rmtree(added_dir)
        added_dir.mkdir()
        for i in range(added(round_)):
            url = f"https://example.org/round-{round_}/article-{i}"
            text = _with_title(template, f"Added {i} in round {round_} ~v{round_}~")
            text = re.sub(r'^(webUrl|originalUrl): ".*"$', rf'\1: "{url}"', text, flags=re.M)
            (added_dir / f"2024-01-01-round-{round_}-article-{i}.md").write_text(
                text, encoding="utf-8"
            )

    def load(self, db: Path) -> dict[str, Any]:
        """``gql load --json`` of the whole corpus, as a user runs it."""
        run = subprocess.run(
            [sys.executable, "-m", "gql.cli", "load", str(self.root), "--db", str(db), "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        report: dict[str, Any] = json.loads(run.stdout)
        return report


TITLE = re.compile(r'^title: "(.*)"$', flags=re.M)


def _title_of(text: str) -> str:
    match = TITLE.search(text)
    assert match is not None
    return match.group(1)


def _with_title(text: str, title: str) -> str:
    return TITLE.sub(lambda _: f'title: "{title}"', text, count=1)


@dataclass(frozen=True)
class Answer:
    """One response as a client saw it: when, through which connection, and what."""

    started: float
    finished: float
    connection: int
    worker: int
    path: str
    status: int
    body: dict[str, Any]


def round_of(body: dict[str, Any]) -> int:
    """The one round an answer of ``QUERY`` shows; fails if it shows several."""
    assert "errors" not in body, body
    articles = body["data"]["articles"]
    rounds = set()
    for node in articles["nodes"]:
        found = MARKER.findall(node["title"])
        assert len(found) == 1, node
        rounds.add(int(found[0]))
        assert node["provider"]["domain"], node
    assert len(rounds) == 1, f"one answer mixes rounds {sorted(rounds)}"
    [round_] = rounds
    assert len(articles["nodes"]) == 50
    assert articles["totalCount"] == marked(round_), (round_, articles["totalCount"])
    return round_


class Traffic:
    """Client threads sending ``QUERY`` and ``/healthz`` until stopped."""

    def __init__(self, workers: Workers) -> None:
        self.workers = workers
        self.answers: list[Answer] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(CLIENTS)]

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self) -> None:
        nonces = itertools.count()
        while not self._stop.is_set():
            connection = http.client.HTTPConnection(HOST, self.workers.port, timeout=10)
            try:
                for n in range(REQUESTS_PER_CONNECTION):
                    if self._stop.is_set():
                        break
                    if n % 3 == 0:
                        answer = exchange(self.workers, connection, "/healthz")
                    else:
                        # Half the queries repeat (the response cache answers them), half
                        # carry a fresh unused variable, so that GraphQL runs them.
                        nonce = next(nonces) if n % 3 == 1 else None
                        answer = exchange(self.workers, connection, "/graphql", nonce)
                    with self._lock:
                        self.answers.append(answer)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                with self._lock:
                    self.failures.append(repr(exc))
            finally:
                connection.close()


def exchange(
    workers: Workers,
    connection: http.client.HTTPConnection,
    path: str,
    nonce: int | None = None,
) -> Answer:
    """One request on ``connection``, answered by the worker that holds it."""
    started = time.monotonic()
    if path == "/healthz":
        connection.request("GET", path)
    else:
        variables = {} if nonce is None else {"nonce": f"{threading.get_ident()}-{nonce}"}
        body = json.dumps({"query": QUERY, "variables": variables}).encode()
        connection.request("POST", path, body=body, headers=HEADERS)
    response = connection.getresponse()
    body = json.loads(response.read())
    finished = time.monotonic()
    assert connection.sock is not None, "the server closed a keep-alive connection"
    worker, serial = workers.of(connection.sock)
    return Answer(started, finished, serial, worker, path, response.status, body)


class Workers:
    """Which worker process answers on a client connection, from /proc (Linux)."""

    def __init__(self, server: Server, port: int) -> None:
        self.pids = server.serving_pids()
        self.port = port
        # Sockets are kept referenced, so each key stays one connection.
        self._known: dict[socket.socket, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def of(self, client: socket.socket) -> tuple[int, int]:
        """The worker holding the other end of the open connection ``client``, and a
        serial number of the connection."""
        with self._lock:
            if client not in self._known:
                inode = self._socket_inode(client.getsockname()[1])
                owners = [pid for pid in self.pids if f"socket:[{inode}]" in _fd_links(pid)]
                assert len(owners) == 1, (client, inode, owners)
                self._known[client] = (owners[0], len(self._known))
            return self._known[client]

    def _socket_inode(self, client_port: int) -> str:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote = fields[1], fields[2]
                if int(local.rsplit(":", 1)[1], 16) == self.port and (
                    int(remote.rsplit(":", 1)[1], 16) == client_port
                ):
                    return fields[9]
        raise AssertionError(f"no server socket for client port {client_port}")


def _fd_links(pid: int) -> set[str]:
    links = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            links.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            continue
    return links


class CommitWatch:
    """Polls the database's data version every 5 ms in a thread: when each was first seen.

    Polling lags behind the commit itself by up to a poll and a scheduling delay, so an
    answer may show a version a little before it is seen here (``LAG_S``)."""

    LAG_S = 0.5

    def __init__(self, db: Path) -> None:
        self.db = db
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CommitWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as conn:
            while not self._stop.is_set():
                row = conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
                self.seen.setdefault(int(row[0]), time.monotonic())
                self._stop.wait(0.005)

    def wait_for(self, version: int) -> float:
        deadline = time.monotonic() + 60
        while version not in self.seen:
            assert time.monotonic() < deadline, f"data version {version} never committed"
            time.sleep(0.005)
        return self.seen[version]


def probe_every_worker(workers: Workers, port: int) -> dict[int, int]:
    """Open connections until every worker answered ``QUERY``; the round each showed."""
    seen: dict[int, int] = {}
    for _ in range(200):
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            answer = exchange(workers, connection, "/graphql")
        finally:
            connection.close()
        assert answer.status == 200, answer
        seen.setdefault(answer.worker, round_of(answer.body))
        if len(seen) == len(workers.pids):
            return seen
    raise AssertionError(f"only workers {sorted(seen)} of {workers.pids} answered")


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return Corpus.build(tmp_path / "corpus")


@pytest.fixture
def served(corpus: Corpus, tmp_path: Path) -> Iterator[tuple[Server, Path, int]]:
    db = tmp_path / "gql.db"
    report = corpus.load(db)
    assert report["rejected"] == [], report["rejected"]
    with gql_server(
        db, workers=2, explain=False, log_path=tmp_path / "serve.log", response_cache=1000
    ) as server:
        yield server, db, report["data_version"]


def test_reloads_under_traffic_are_atomic_and_seen_by_every_worker(
    corpus: Corpus, served: tuple[Server, Path, int]
) -> None:
    server, db, first_version = served
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    workers = Workers(server, port)
    assert len(workers.pids) == 2
    versions = {0: first_version}
    commits: dict[int, float] = {}
    with CommitWatch(db) as watch, Traffic(workers) as traffic:
        assert set(probe_every_worker(workers, port).values()) == {0}
        for round_ in range(1, ROUNDS + 1):
            corpus.write_round(round_)
            report = corpus.load(db)
            assert report["added"] == added(round_) and report["removed"] == added(round_ - 1)
            assert report["updated"] == EDITED
            versions[round_] = report["data_version"]
            commits[round_] = watch.wait_for(report["data_version"])
            time.sleep(FRESH_AFTER_S)
            # Every worker serves the new round one second after the commit.
            assert probe_every_worker(workers, port) == dict.fromkeys(workers.pids, round_)
    assert traffic.failures == []
    assert len(traffic.answers) > 200
    round_by_version = {v: r for r, v in versions.items()}
    last: dict[int, tuple[int, int]] = {}
    served_rounds: dict[int, set[int]] = {pid: set() for pid in workers.pids}
    for answer in sorted(traffic.answers, key=lambda a: a.started):
        assert answer.status == 200, answer
        if answer.path == "/healthz":
            version = answer.body["dataVersion"]
            round_ = round_by_version[version]
        else:
            round_ = round_of(answer.body)
            version = versions[round_]
        served_rounds[answer.worker].add(round_)
        # Nothing newer than the last commit before the answer was complete...
        committed = max(
            [0, *(r for r, at in commits.items() if at <= answer.finished + CommitWatch.LAG_S)]
        )
        assert round_ <= committed, (answer, commits)
        # ...nothing older than a commit a second before it was sent...
        fresh = max([0, *(r for r, at in commits.items() if at + FRESH_AFTER_S <= answer.started)])
        assert round_ >= fresh, (answer, commits)
        # ...and no connection goes back in time.
        previous = last.get(answer.connection)
        assert previous is None or previous <= (round_, version), (answer, previous)
        last[answer.connection] = (round_, version)
    # The traffic itself met every worker, before and after reloads.
    assert all(len(rounds) > 1 for rounds in served_rounds.values()), served_rounds


def test_an_answer_runs_again_when_a_load_commits_while_it_runs() -> None:
    """The view's side of it, in process: an answer whose data version changed while
    it ran is not sent; the request runs again on the new version."""
    version = [1]
    runs: list[int] = []

    @strawberry.type
    class Query:
        @strawberry.field
        def seen(self) -> int:
            runs.append(version[0])
            if len(runs) == 1:
                version[0] += 1  # a load commits while the first run reads
            return version[0]

    async def data_version(scope: Scope) -> int:
        return version[0]

    view = GraphQLView(
        strawberry.Schema(query=Query),
        Settings(graphiql=False),
        context=lambda scope: None,
        data_version=data_version,
    )
    response = TestClient(view).post("/", json={"query": "{ seen }"})
    assert response.json() == {"data": {"seen": 2}}
    assert runs == [1, 2]
    assert TestClient(view).post("/", json={"query": "{ seen }"}).json() == {"data": {"seen": 2}}
    assert runs == [1, 2, 2]
