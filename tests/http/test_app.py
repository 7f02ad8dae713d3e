"""End to end over real HTTP: `gql serve` (uvicorn) started on a free port by the test."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from gql.app import create_app
from gql.settings import Settings
from gql.sync.pipeline import load_into
from tests import corpus
from tests.conftest import REPO
from tests.http.servers import gql_serve

SEED_URL = "https://venturebeat.com/ai/microsoft-recommits-to-open-source-ai-models-despite-openai-investment/"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server: `gql serve` loads a copy of seeds/ into a fresh database, then serves."""
    with gql_serve(tmp_path_factory.mktemp("server"), "--explain") as base:
        yield base


def post(base: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_health(server: str) -> None:
    assert httpx.get(f"{server}/healthz").json() == {"status": "ok", "dataVersion": 1}


def test_the_seed_article_over_http(server: str) -> None:
    body = post(
        server,
        "query($url: String!) { article(url: $url) { title provider { name domain }"
        " topics { name } related { title provider { name domain } } } }",
        {"url": SEED_URL},
    )
    assert "errors" not in body
    article = body["data"]["article"]
    assert article["provider"] == {"name": "VentureBeat", "domain": "venturebeat.com"}
    assert [t["name"] for t in article["topics"]] == ["Facebook AI", "AI", "Microsoft AI"]
    domains = [r["provider"]["domain"] for r in article["related"]]
    assert len(domains) == 7 and "forbes.com" in domains and "bloomberg.com" in domains
    # One statement: the database builds the whole answer (``gql.graph.statement``).
    assert body["extensions"]["sql"]["statements"] == 1


def test_pages_of_a_topic_over_http(server: str) -> None:
    query = (
        'query($after: String) { topic(slug: "ai") { articleCount'
        " articles(first: 7, after: $after) { pageInfo { hasNextPage endCursor }"
        " nodes { id } } } }"
    )
    seen: list[str] = []
    after = None
    while True:
        topic = post(server, query, {"after": after})["data"]["topic"]
        seen += [n["id"] for n in topic["articles"]["nodes"]]
        if not topic["articles"]["pageInfo"]["hasNextPage"]:
            break
        after = topic["articles"]["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == topic["articleCount"] == 60


def test_pages_of_a_provider_over_http(server: str) -> None:
    query = (
        'query($after: String) { provider(domain: "prnewswire.com") { articleCount'
        " articles(first: 1, after: $after) { pageInfo { hasNextPage endCursor }"
        " nodes { url } } } }"
    )
    seen: list[str] = []
    after = None
    while True:
        provider = post(server, query, {"after": after})["data"]["provider"]
        seen += [n["url"] for n in provider["articles"]["nodes"]]
        if not provider["articles"]["pageInfo"]["hasNextPage"]:
            break
        after = provider["articles"]["pageInfo"]["endCursor"]
    files = corpus.read_articles(REPO / "seeds").values()
    expected = {
        m["webUrl"].strip()
        for m in files
        if corpus.domain(m["provider"]["domain"]) == "prnewswire.com"
    }
    assert len(seen) == len(set(seen)) == provider["articleCount"] == len(expected) > 1
    assert set(seen) == expected


def test_node_and_nodes_over_http(server: str) -> None:
    ids = post(server, '{ a: article(url: "%s") { id } t: topic(slug: "ai") { id } }' % SEED_URL)
    article_id, topic_id = ids["data"]["a"]["id"], ids["data"]["t"]["id"]
    body = post(
        server,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Topic { name } } }",
        {"ids": [topic_id, "QXJ0aWNsZTpub3BlOi8v", article_id]},
    )
    assert [n and n["id"] for n in body["data"]["nodes"]] == [topic_id, None, article_id]
    assert body["data"]["nodes"][0]["name"] == "AI"


def test_get_runs_queries(server: str) -> None:
    response = httpx.get(
        f"{server}/graphql", params={"query": "{ topics(first: 1) { totalCount } }"}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"topics": {"totalCount": 22}}


def test_browsers_get_graphiql(server: str) -> None:
    response = httpx.get(f"{server}/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_introspection(server: str) -> None:
    body = post(server, "{ __schema { queryType { name } types { name } } }")
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {
        "Article",
        "Provider",
        "Topic",
        "RelatedLink",
        "Image",
        "Node",
        "ArticleConnection",
        "PageInfo",
    } <= names


def test_a_bad_request_does_not_hurt_the_next(server: str) -> None:
    bad = httpx.post(
        f"{server}/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400
    error = post(server, "{ articles(first: 1000) { totalCount } }")
    assert error["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
    assert post(server, "{ articles(first: 1) { totalCount } }")["data"]["articles"] == {
        "totalCount": 60
    }


def test_internal_errors_are_masked_and_logged(
    seeds_db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.db"
    shutil.copy(seeds_db, broken)
    with sqlite3.connect(broken) as conn:
        conn.execute("ALTER TABLE related_links RENAME COLUMN excerpt TO summary")
    app = create_app(Settings(db_path=broken))
    with TestClient(app) as client, caplog.at_level(logging.ERROR, logger="gql"):
        body = client.post(
            "/graphql",
            json={"query": '{ article(url: "%s") { title related { excerpt } } }' % SEED_URL},
        ).json()
        [error] = body["errors"]
        assert error["message"] == "Internal server error"
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        request_id = error["extensions"]["requestId"]
        assert "excerpt" not in str(body)
        logged = [r for r in caplog.records if request_id in r.getMessage()]
        assert logged and logged[0].exc_info is not None
        assert "excerpt" in str(logged[0].exc_info[1])
        again = client.post("/graphql", json={"query": "{ topics(first: 1) { totalCount } }"})
        assert again.json()["data"] == {"topics": {"totalCount": 22}}


def test_identical_requests_are_cached_until_the_data_changes(
    seeds_copy: Path, tmp_path: Path
) -> None:
    db = tmp_path / "cache.db"
    asyncio.run(load_into(db, [seeds_copy]))
    query = {"query": '{ topic(slug: "ai") { articleCount } }'}
    with TestClient(create_app(Settings(db_path=db, response_cache_entries=10))) as client:
        first = client.post("/graphql", json=query)
        second = client.post("/graphql", json=query)
        assert first.headers["x-gql-cache"] == "miss" and second.headers["x-gql-cache"] == "hit"
        assert second.json() == first.json()
        assert first.json()["data"] == {"topic": {"articleCount": 60}}
        other = client.post("/graphql", json={"query": "{ topics(first: 1) { totalCount } }"})
        assert other.headers["x-gql-cache"] == "miss"
        bad = {"query": "{ articles(first: 1000) { totalCount } }"}
        client.post("/graphql", json=bad)
        assert client.post("/graphql", json=bad).headers["x-gql-cache"] == "miss"
        # A load that changes the corpus retires every cached answer.
        next((seeds_copy / "articles").glob("2013-*.md")).unlink()
        asyncio.run(load_into(db, [seeds_copy]))
        after = client.post("/graphql", json=query)
        assert after.headers["x-gql-cache"] == "miss"
        assert after.json()["data"] == {"topic": {"articleCount": 59}}
    explained = Settings(db_path=db, response_cache_entries=10, explain=True)
    with TestClient(create_app(explained)) as client:
        client.post("/graphql", json=query)
        assert "x-gql-cache" not in client.post("/graphql", json=query).headers
