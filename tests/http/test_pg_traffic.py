"""A load into PostgreSQL while two ``gql serve`` processes answer: no request fails.

Both servers read one database; ``gql load`` (another process) adds hundreds of articles
in one transaction meanwhile. Clients keep asking both servers for the article count:
every answer succeeds, each is the count before the load or after it (never half of
it), a server that answered the new count never answers the old one again, and both end
on the new one. Request loops are bounded in count and time.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.corpus import read_articles
from tests.pg import Cluster
from tests.serving import Server, serving

COUNT = "{ articles(first: 1) { totalCount nodes { title } } }"
ADDED = 300
MAX_REQUESTS = 3000
MAX_SECONDS = 120


def _load(folder: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gql.cli", "load", str(folder), "--db", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _add_articles(folder: Path) -> None:
    for i in range(ADDED):
        (folder / f"2025-01-01-added-{i}.md").write_text(
            f'---\ntitle: "Added article {i}"\nexcerpt: "About widgets, number {i}."\n'
            f"webUrl: https://added.example/{i}\npublishedDateTime: 2025-01-01T00:00:00Z\n"
            "topics:\n  - AI\nprovider:\n  name: Added\n  domain: added.example\n---\nBody.\n"
        )


def _ask(server: Server, loading: subprocess.Popen[str], answers: list[Any]) -> None:
    """Ask ``server`` for the count until the load is done (and a little after)."""
    started, after = time.monotonic(), 0
    with httpx.Client(base_url=server.base, timeout=30) as client:
        while len(answers) < MAX_REQUESTS and time.monotonic() - started < MAX_SECONDS:
            try:
                response = client.post("/graphql", json={"query": COUNT})
                answers.append((response.status_code, response.json()))
            except (httpx.HTTPError, ValueError) as exc:
                answers.append((0, repr(exc)))
            if loading.poll() is not None:
                after += 1
                if after > 20:
                    return


def test_a_load_fails_no_request_of_two_servers_on_one_database(
    tmp_path: Path, seeds_copy: Path, pg_cluster: Cluster
) -> None:
    url = pg_cluster.new_database()
    assert _load(seeds_copy, url).wait(timeout=120) == 0
    before = len({str(m["webUrl"]).strip() for m in read_articles(seeds_copy).values()})
    _add_articles(seeds_copy / "articles")
    with serving(url, tmp_path) as one, serving(url, tmp_path) as two:
        loading = _load(seeds_copy, url)
        answers: dict[str, list[Any]] = {"one": [], "two": []}
        clients = [
            threading.Thread(target=_ask, args=(server, loading, answers[name]))
            for name, server in (("one", one), ("two", two))
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=MAX_SECONDS + 30)
        output, _ = loading.communicate(timeout=60)
        assert loading.returncode == 0, output
    for name, seen in answers.items():
        failed = [a for a in seen if a[0] != 200 or "errors" in a[1]]
        assert seen and not failed, (name, failed[:3])
        counts = [a[1]["data"]["articles"]["totalCount"] for a in seen]
        # Answered while the load ran (the old count) and after it (the new one).
        assert set(counts) == {before, before + ADDED}, name
        first_new = counts.index(before + ADDED)
        assert all(c == before + ADDED for c in counts[first_new:]), name
