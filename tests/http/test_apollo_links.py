"""Apollo Client's own links against `gql serve`: ``PersistedQueryLink`` and ``BatchHttpLink``.

tests/node/apollo.mjs runs @apollo/client (pinned in tests/node/package-lock.json) in
Node against a real uvicorn with batching on, through a fetch that records every HTTP
request. What must happen is what Apollo's links do against Apollo Server: the first
hash-only request misses, the link re-sends it with the query (which registers it), the
second round is hash-only and hits; a batch goes out as one request and comes back in
order. Expected data come from the seed files. The test skips, loudly, only when Node
cannot be had (tests/node/setup.sh tries Debian's and npm's).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests import corpus
from tests.conftest import SEEDS
from tests.http.servers import gql_serve
from tests.http.test_audit import NODE_DIR

TOPICS = {"topics": {"__typename": "TopicConnection", "totalCount": len(corpus.read_topics(SEEDS))}}
ARTICLES = {
    "articles": {"__typename": "ArticleConnection", "totalCount": len(corpus.read_articles(SEEDS))}
}
AI = {"topic": {"__typename": "Topic", "name": "AI"}}
assert any(t["name"] == "AI" for t in corpus.read_topics(SEEDS))


@pytest.fixture(scope="module")
def scenarios(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with gql_serve(tmp_path_factory.mktemp("apollo"), "--batch-limit", "10") as base:
        run = subprocess.run(
            [node, str(NODE_DIR / "apollo.mjs"), f"{base}/graphql"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        yield json.loads(run.stdout)


def sent(scenario: dict[str, Any]) -> list[tuple[str, int, list[tuple[str, list[str]]]]]:
    """Each HTTP request: its method, status and, per operation, what it carried (the
    query text, or only the hash) and the error codes it got."""
    return [
        (
            request["method"],
            request["status"],
            [
                ("query" if op["query"] else "hash" if op["hashOnly"] else "?", op["codes"])
                for op in request["operations"]
            ],
        )
        for request in scenario["requests"]
    ]


MISS = ("hash", ["PERSISTED_QUERY_NOT_FOUND"])
REGISTER = ("query", [])
HIT = ("hash", [])


def test_persisted_query_link_misses_registers_then_hits(scenarios: dict[str, Any]) -> None:
    scenario = scenarios["apqPost"]
    assert scenario["rounds"] == [[TOPICS], [TOPICS]]
    assert sent(scenario) == [
        ("POST", 200, [MISS]),
        ("POST", 200, [REGISTER]),
        ("POST", 200, [HIT]),
    ]


def test_persisted_query_link_by_get_hits_a_cacheable_answer(scenarios: dict[str, Any]) -> None:
    scenario = scenarios["apqGet"]
    assert scenario["rounds"] == [[AI], [AI]]
    # The link falls back to POST to register, as Apollo's does.
    assert sent(scenario) == [("GET", 200, [MISS]), ("POST", 200, [REGISTER]), ("GET", 200, [HIT])]
    miss, _, hit = scenario["requests"]
    assert miss["etag"] is None and hit["etag"].startswith('W/"')


def test_batch_http_link_sends_one_request_answered_in_order(scenarios: dict[str, Any]) -> None:
    scenario = scenarios["batch"]
    assert scenario["rounds"] == [[TOPICS, AI, ARTICLES]] * 2
    assert [r["batch"] for r in scenario["requests"]] == [True, True]
    assert [op["operationName"] for op in scenario["requests"][0]["operations"]] == [
        "TopicCount",
        "AiTopic",
        "ArticleCount",
    ]
    assert sent(scenario) == [("POST", 200, [REGISTER] * 3)] * 2


def test_persisted_queries_inside_batches(scenarios: dict[str, Any]) -> None:
    scenario = scenarios["apqBatch"]
    more = {
        "articles": {
            **ARTICLES["articles"],
            "pageInfo": {"__typename": "PageInfo", "hasNextPage": True},
        }
    }
    assert scenario["rounds"] == [[{"topic": {"__typename": "Topic", "slug": "ai"}}, more]] * 2
    requests = sent(scenario)
    assert all(request[:2] == ("POST", 200) for request in requests)
    first, *_, last = scenario["requests"]
    assert first["batch"] and last["batch"]
    assert len(first["operations"]) == len(last["operations"]) == 2
    # Both miss in one batch; each is re-sent with its query; the second round hits.
    assert [op for request in requests for op in request[2]] == [
        MISS,
        MISS,
        *[REGISTER] * 2,
        HIT,
        HIT,
    ]
