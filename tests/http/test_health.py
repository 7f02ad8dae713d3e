"""``/healthz`` and ``/readyz`` tell the truth: a stuck read pool, a damaged file."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from gql.app import create_app
from gql.settings import Settings
from gql.store import Store
from tests.faults import damaged_copy
from tests.graph.helpers import ALL_URLS

# Runs until the store's time limit interrupts it.
ENDLESS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"


@pytest.fixture
def client(seeds_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db_path=seeds_db))) as client:
        yield client


def test_both_answer_ok_with_the_data_version_and_the_articles(
    client: TestClient, seeds_db: Path
) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "dataVersion": 1}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    with sqlite3.connect(seeds_db) as conn:
        [(release,)] = conn.execute("SELECT value FROM meta WHERE key = 'release_id'")
    assert ready.json() == {
        "status": "ok",
        "dataVersion": 1,
        "articles": len(ALL_URLS),
        "release": release,
    }


def test_a_stuck_read_pool_makes_both_503_until_it_is_free(seeds_db: Path) -> None:
    """Every pooled connection runs a statement that does not end before its 3 s limit:
    requests would wait, so the probes say so after their 1 s; then they recover."""
    settings = Settings(db_path=seeds_db, read_connections=1, sql_time_limit_ms=3000)
    with TestClient(create_app(settings)) as client:
        store: Store = client.app_state["store"]
        stuck = client.portal.start_task_soon(store.execute, ENDLESS)
        for path in ("/healthz", "/readyz"):
            response = client.get(path)
            assert response.status_code == 503
            assert response.json() == {
                "status": "error",
                "error": "no database read answered within 1000 ms:"
                " every read connection is busy or stuck",
            }
        with pytest.raises(Exception, match="interrupted after 3000 ms"):
            stuck.result(timeout=30)
        assert wait_for_status(client, "/readyz", 200).json()["articles"] == len(ALL_URLS)


def wait_for_status(client: TestClient | httpx.Client, url: str, status: int) -> Any:
    """The first response of ``url`` with ``status`` (the probes recover as soon as a
    connection is free; polled, not timed)."""
    deadline = time.monotonic() + 30
    while True:
        response = client.get(url)
        if response.status_code == status or time.monotonic() > deadline:
            assert response.status_code == status, response.text
            return response
        time.sleep(0.05)


def test_damaged_article_pages_make_readyz_503_and_name_the_file(
    seeds_db: Path, tmp_path: Path
) -> None:
    """The file opens and its data version reads (liveness holds: a restart would not
    mend the file), but the articles table is unreadable, and readiness says why."""
    db = damaged_copy(seeds_db, tmp_path / "damaged.db", "articles")
    with TestClient(create_app(Settings(db_path=db))) as client:
        assert client.get("/healthz").json() == {"status": "ok", "dataVersion": 1}
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "error",
            "error": f"database {db} is damaged (database disk image is malformed):"
            " restore a good copy, or remove it and build it again with `gql load`",
        }


def test_damage_a_request_meets_keeps_readyz_503(seeds_db: Path, tmp_path: Path) -> None:
    """Damage in the full-text index is not in what readiness reads; once a search
    meets it, readiness fails from then on, and the search fails with a masked error."""
    db = damaged_copy(seeds_db, tmp_path / "damaged.db", "articles_fts_data", "articles_fts_idx")
    with TestClient(create_app(Settings(db_path=db))) as client:
        assert client.get("/readyz").status_code == 200
        search = client.post("/graphql", json={"query": '{ search(query: "ai") { totalCount } }'})
        [error] = search.json()["errors"]
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert f"database {db} is damaged" in ready.json()["error"]
        # Reads that do not touch the damage still answer.
        articles = client.post("/graphql", json={"query": "{ articles { totalCount } }"})
        assert articles.json()["data"] == {"articles": {"totalCount": len(ALL_URLS)}}
