"""HTTP caching of /graphql: ETags, 304, Cache-Control and Vary, by RFC 9110.

Expected counts come from the seed files (``tests.corpus``); expected header semantics
from RFC 9110 (13.1.2 If-None-Match: weak comparison, lists, ``*``; 15.4.5 304).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from gql.app import create_app
from gql.settings import Settings
from gql.sync.pipeline import load_into
from tests import corpus
from tests.conftest import SEEDS
from tests.http.bodies import without_cost
from tests.http.servers import serve_database

QUERY = "{ topics(first: 1) { totalCount } }"
TOPICS = len(corpus.read_topics(SEEDS))


@pytest.fixture(scope="module")
def client(seeds_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db_path=seeds_db))) as test_client:
        yield test_client


def get(client: TestClient, *, query: str = QUERY, **headers: str) -> httpx.Response:
    return client.get("/graphql", params={"query": query}, headers=headers)


def test_get_answers_carry_a_weak_etag_and_revalidate_by_default(client: TestClient) -> None:
    response = get(client)
    assert without_cost(response.json()) == {"data": {"topics": {"totalCount": TOPICS}}}
    etag = response.headers["etag"]
    assert etag.startswith('W/"') and etag.endswith('"')
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["vary"] == "Accept, Accept-Encoding"
    # Same request, same tag; anything that changes the answer changes the tag.
    assert get(client).headers["etag"] == etag
    others = [
        get(client, query="{ topics(first: 2) { totalCount } }"),
        get(client, accept="application/graphql-response+json"),
        client.get("/graphql", params={"query": QUERY, "operationName": ""}),
        client.get(
            "/graphql",
            params={
                "query": "query($n: Int) { topics(first: $n) { totalCount } }",
                "variables": '{"n": 1}',
            },
        ),
    ]
    tags = {etag, *(other.headers["etag"] for other in others)}
    assert len(tags) == 1 + len(others)


def test_if_none_match_gives_304_by_weak_comparison(client: TestClient) -> None:
    etag = get(client).headers["etag"]
    opaque = etag.removeprefix("W/")
    for header in (etag, opaque, f'"other", {etag}', f'W/"a",{opaque} , "b"', "*"):
        response = get(client, **{"if-none-match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["vary"] == "Accept, Accept-Encoding"
    for header in ('"other"', 'W/"other", "more"', etag.upper()):
        assert get(client, **{"if-none-match": header}).status_code == 200, header


def test_head_has_the_etag_and_length_of_get(client: TestClient) -> None:
    got = get(client)
    head = client.head("/graphql", params={"query": QUERY})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert int(head.headers["content-length"]) == len(got.content)
    assert (
        client.head(
            "/graphql", params={"query": QUERY}, headers={"if-none-match": got.headers["etag"]}
        ).status_code
        == 304
    )


def test_errors_and_posts_are_not_stored(client: TestClient) -> None:
    failed = get(client, query="{ nope }")
    assert failed.status_code == 200 and "errors" in failed.json()
    assert "etag" not in failed.headers and failed.headers["cache-control"] == "no-store"
    assert get(client, query="{ nope }", **{"if-none-match": "*"}).status_code == 200
    posted = client.post("/graphql", json={"query": QUERY})
    assert without_cost(posted.json()) == {"data": {"topics": {"totalCount": TOPICS}}}
    assert "etag" not in posted.headers and posted.headers["cache-control"] == "no-store"


def test_a_load_that_changes_the_data_changes_the_etag(seeds_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "etag.db"
    asyncio.run(load_into(db, [seeds_copy]))
    query = '{ topic(slug: "ai") { articleCount } }'
    with TestClient(create_app(Settings(db_path=db))) as client:
        before = get(client, query=query)
        assert without_cost(before.json()) == {"data": {"topic": {"articleCount": 60}}}
        next((seeds_copy / "articles").glob("2013-*.md")).unlink()
        asyncio.run(load_into(db, [seeds_copy]))
        after = get(client, query=query, **{"if-none-match": before.headers["etag"]})
        assert after.status_code == 200
        assert without_cost(after.json()) == {"data": {"topic": {"articleCount": 59}}}
        assert after.headers["etag"] != before.headers["etag"]


def test_replicas_of_one_database_agree_on_etags_and_databases_built_apart_do_not(
    tmp_path: Path,
) -> None:
    """Two servers (processes) on copies of one database file give the same tags; a
    database loaded apart from the same seeds has the same data version (1) but is
    another release, so its tags differ."""
    built, apart = tmp_path / "built.db", tmp_path / "apart.db"
    for db in (built, apart):
        asyncio.run(load_into(db, [SEEDS]))
    copies = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        copies.append(shutil.copy(built, tmp_path / name / "gql.db"))
    params = {"query": QUERY}
    options = ("--cache-control", "public, max-age=60", "--immutable")
    with (
        serve_database(copies[0], *options) as one,
        serve_database(copies[1], *options) as two,
        serve_database(apart, *options) as other,
    ):
        first = httpx.get(f"{one.base}/graphql", params=params)
        second = httpx.get(f"{two.base}/graphql", params=params)
        again = httpx.get(
            f"{two.base}/graphql", params=params, headers={"if-none-match": first.headers["etag"]}
        )
        elsewhere = httpx.get(
            f"{other.base}/graphql",
            params=params,
            headers={"if-none-match": first.headers["etag"]},
        )
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=60"
    assert again.status_code == 304
    assert elsewhere.status_code == 200
    assert elsewhere.json() == first.json()
    assert elsewhere.headers["etag"] != first.headers["etag"]
