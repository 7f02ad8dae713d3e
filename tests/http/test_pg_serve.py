"""``gql serve --db postgresql://...``: a real uvicorn over PostgreSQL answers as over SQLite.

The same seeds are loaded into a SQLite file and into a PostgreSQL database by ``gql
load``; a server over each answers the same documents (lists with filters and orderings,
relations both ways, facets, a search page's matches) with the same data, and the
PostgreSQL one passes its health checks and stops a request at its deadline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests import attacks
from tests.conftest import SEEDS
from tests.corpus import read_articles
from tests.pg import Cluster
from tests.serving import NO_SHAPE_LIMITS, serving

DOCUMENTS = [
    "{ articles(first: 5) { totalCount nodes { title url publishedAt provider { name domain }"
    " topics { name } related { title url provider { name } article { slug } } } } }",
    "{ articles(first: 4, orderBy: [TITLE_ASC, QUALITY_DESC],"
    ' filter: {title: {contains: "ai"}, published: true}) { totalCount'
    " pageInfo { hasNextPage endCursor } nodes { title } } }",
    "{ providers(first: 3) { nodes { domain name articles(first: 2) { totalCount"
    " nodes { title topics { name } } } } } }",
    "{ topics(first: 5) { totalCount nodes { name slug children { name }"
    " articles(first: 3, orderBy: [HEAT_ASC]) { nodes { url citedBy { url } } } } } }",
    '{ search(query: "ai OR artificial", first: 50) { totalCount edges { node { url } } } }',
]


def _load(db: Path | str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "gql.cli", "load", str(SEEDS), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def _search_urls(answer: dict[str, Any]) -> dict[str, Any]:
    """A search's matches as a set: the two engines rank them differently (README)."""
    search = answer["data"]["search"]
    return {"total": search["totalCount"], "urls": {e["node"]["url"] for e in search["edges"]}}


def test_a_server_over_postgresql_answers_as_one_over_sqlite(
    tmp_path: Path, pg_cluster: Cluster
) -> None:
    url, db = pg_cluster.new_database(), tmp_path / "gql.db"
    _load(url)
    _load(db)
    with serving(url, tmp_path) as over_pg, serving(db, tmp_path) as over_sqlite:
        for document in DOCUMENTS:
            pg, sqlite = over_pg.post(document), over_sqlite.post(document)
            assert "errors" not in pg, (document, pg)
            if document.startswith("{ search"):
                assert _search_urls(pg) == _search_urls(sqlite)
            else:
                assert pg["data"] == sqlite["data"], document
        ready = httpx.get(f"{over_pg.base}/readyz", timeout=10)
        assert ready.status_code == 200
        urls = {str(m["webUrl"]).strip() for m in read_articles(SEEDS).values()}
        assert ready.json()["articles"] == len(urls)


def test_a_request_past_its_deadline_is_stopped_on_postgresql(
    tmp_path: Path, pg_cluster: Cluster
) -> None:
    url = pg_cluster.new_database()
    _load(url)
    # The "related { article { ..." doubling: only the deadline stops it.
    with serving(url, tmp_path, *NO_SHAPE_LIMITS, "--request-time-limit-ms", "1500") as server:
        answer = server.post(attacks.doubling_related(25), timeout=120)
        assert answer["data"] is None
        [error] = answer["errors"]
        assert error["extensions"]["code"] == "TIMEOUT" and "1500 ms" in error["message"]
        assert "postgresql" not in json.dumps(answer)  # no URL, SQL or traceback
        assert server.post("{ __typename }")["data"] == {"__typename": "Query"}


def test_reads_go_to_the_read_database(tmp_path: Path, pg_cluster: Cluster) -> None:
    """``--read-db``: requests are answered from the replica's data, not from ``--db``'s
    (two databases stand in for a primary and its streaming replica)."""
    primary, replica = pg_cluster.new_database(), pg_cluster.new_database()
    _load(primary)
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "2024-01-01-only.md").write_text(
        '---\ntitle: "The only one"\nwebUrl: https://e.x/only\n---\n'
    )
    completed = subprocess.run(
        [sys.executable, "-m", "gql.cli", "load", str(folder), "--db", replica],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    with serving(primary, tmp_path, "--read-db", replica) as server:
        answer = server.post("{ articles(first: 5) { totalCount nodes { title } } }")
        assert answer["data"]["articles"] == {"totalCount": 1, "nodes": [{"title": "The only one"}]}
