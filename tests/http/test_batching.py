"""Batches of operations (a JSON array body) against a real uvicorn: off by default, at
most ``--batch-limit`` operations, answered in order, one failure never spoiling the
others, persisted queries inside, every operation under the limits on its own.

Expected answers come from the seed files (``tests.corpus``), the shape of a batch from
Apollo's ``BatchHttpLink`` (an array of requests, an array of responses in order).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import attacks, corpus
from tests.conftest import SEEDS
from tests.http.bodies import without_cost
from tests.serving import NO_SHAPE_LIMITS, Server, serving

GRJ = "application/graphql-response+json"
JSON = "application/json"
LIMIT = 4
TOPICS = len(corpus.read_topics(SEEDS))
ARTICLES = len(corpus.read_articles(SEEDS))
AI_TOPIC = next(t["name"] for t in corpus.read_topics(SEEDS) if t["name"] == "AI")

TOPICS_QUERY = "query Topics { topics(first: 1) { totalCount } }"
ARTICLES_QUERY = "query Articles { articles(first: 1) { totalCount } }"
AI_QUERY = 'query Ai { topic(slug: "ai") { name } }'
TOPICS_DATA = {"data": {"topics": {"totalCount": TOPICS}}}
ARTICLES_DATA = {"data": {"articles": {"totalCount": ARTICLES}}}
AI_DATA = {"data": {"topic": {"name": AI_TOPIC}}}


def post(server: Server, body: Any, *, accept: str = JSON) -> httpx.Response:
    return httpx.post(f"{server.base}/graphql", json=body, headers={"accept": accept}, timeout=60)


def codes(body: dict[str, Any]) -> set[str]:
    return {error["extensions"]["code"] for error in body.get("errors", [])}


def apq(query: str) -> dict[str, Any]:
    sha256 = hashlib.sha256(query.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


@pytest.fixture(scope="module")
def batching(seeds_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # A cost limit two front pages fit under one by one, but not together.
    options = ("--batch-limit", str(LIMIT), "--max-cost", "30")
    with serving(seeds_db, tmp_path_factory.mktemp("batching"), *options) as server:
        yield server


@pytest.fixture(scope="module")
def unbatched(seeds_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(seeds_db, tmp_path_factory.mktemp("unbatched")) as server:
        yield server


@pytest.mark.parametrize("accept", [JSON, GRJ])
def test_batches_are_off_by_default(unbatched: Server, accept: str) -> None:
    response = post(unbatched, [{"query": TOPICS_QUERY}], accept=accept)
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    body = response.json()
    assert codes(body) == {"BATCHING_NOT_ENABLED"} and "data" not in body
    assert "--batch-limit" in body["errors"][0]["message"]
    # A single request still runs.
    assert without_cost(post(unbatched, {"query": TOPICS_QUERY}).json()) == TOPICS_DATA


@pytest.mark.parametrize("accept", [JSON, GRJ])
def test_a_batch_is_answered_in_order(batching: Server, accept: str) -> None:
    response = post(
        batching,
        [{"query": AI_QUERY}, {"query": TOPICS_QUERY}, {"query": ARTICLES_QUERY}],
        accept=accept,
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert [without_cost(answer) for answer in response.json()] == [
        AI_DATA,
        TOPICS_DATA,
        ARTICLES_DATA,
    ]
    many = post(batching, [{"query": TOPICS_QUERY}] * LIMIT).json()
    assert [without_cost(answer) for answer in many] == [TOPICS_DATA] * LIMIT


def test_one_failure_never_spoils_the_others(batching: Server) -> None:
    answers = post(
        batching,
        [
            {"query": TOPICS_QUERY},
            {"query": "query Nope { nope }"},
            7,
            {"query": AI_QUERY, "variables": [1]},
        ],
    ).json()
    assert len(answers) == 4
    assert without_cost(answers[0]) == TOPICS_DATA
    assert codes(answers[1]) == {"GRAPHQL_VALIDATION_FAILED"} and "data" not in answers[1]
    assert codes(answers[2]) == {"BAD_REQUEST"}
    assert "operation 2 of the batch must be a JSON object" in answers[2]["errors"][0]["message"]
    assert codes(answers[3]) == {"BAD_REQUEST"}
    assert "`variables` must be an object" in answers[3]["errors"][0]["message"]
    field_error = post(batching, [{"query": '{ node(id: "nope") { id } }'}, {"query": AI_QUERY}])
    first, second = field_error.json()
    assert first["data"] == {"node": None} and codes(first) == {"INVALID_ID"}
    assert without_cost(second) == AI_DATA


def test_batches_over_the_limit_or_empty_are_refused(batching: Server) -> None:
    over = post(batching, [{"query": TOPICS_QUERY}] * (LIMIT + 1))
    assert over.status_code == 400 and codes(over.json()) == {"BATCH_TOO_LARGE"}
    assert f"{LIMIT + 1} operations, more than the {LIMIT}" in over.json()["errors"][0]["message"]
    empty = post(batching, [])
    assert empty.status_code == 400 and codes(empty.json()) == {"BAD_REQUEST"}


@pytest.mark.parametrize(
    "query_string",
    [
        "0[query]=%7B__typename%7D&1[query]=%7B__typename%7D",
        "[0][query]=%7B__typename%7D",
        "query=%5B%7B%22query%22%3A%22%7B__typename%7D%22%7D%5D",  # query=[{"query": ...}]
    ],
)
def test_batches_over_get_are_refused(
    batching: Server, unbatched: Server, query_string: str
) -> None:
    for server in (batching, unbatched):
        response = httpx.get(f"{server.base}/graphql?{query_string}", timeout=30)
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert codes(response.json()) == {"METHOD_NOT_ALLOWED"}
        assert "batches of operations over GET" in response.json()["errors"][0]["message"]


def test_persisted_queries_work_inside_batches(batching: Server) -> None:
    first = post(batching, [{"extensions": apq(AI_QUERY)}, {"query": TOPICS_QUERY, **_ext()}])
    missed, registered = first.json()
    assert codes(missed) == {"PERSISTED_QUERY_NOT_FOUND"}
    assert without_cost(registered) == TOPICS_DATA
    again = post(batching, [{"query": AI_QUERY, "extensions": apq(AI_QUERY)}, _ext()]).json()
    assert [without_cost(answer) for answer in again] == [AI_DATA, TOPICS_DATA]
    hits = post(batching, [{"extensions": apq(TOPICS_QUERY)}, {"extensions": apq(AI_QUERY)}])
    assert [without_cost(answer) for answer in hits.json()] == [TOPICS_DATA, AI_DATA]
    wrong = post(batching, [{"query": AI_QUERY, "extensions": apq(TOPICS_QUERY)}, _ext()])
    refused, hit = wrong.json()
    assert codes(refused) == {"INVALID_SHA256_HASH"} and without_cost(hit) == TOPICS_DATA


def _ext() -> dict[str, Any]:
    return {"extensions": apq(TOPICS_QUERY)}


def test_every_operation_is_limited_on_its_own(batching: Server) -> None:
    """Cost 21 each (a connection and 20 nodes) under a limit of 30: both run, each
    counted alone; one of cost 41 is refused and the other still runs."""
    page = "{ articles(first: 20) { nodes { title } } }"
    both = post(batching, [{"query": page}, {"query": page}]).json()
    for answer in both:
        assert len(answer["data"]["articles"]["nodes"]) == 20
        assert answer["extensions"]["cost"]["requestedQueryCost"] == 21
    over = post(batching, [{"query": page.replace("20", "40")}, {"query": page}]).json()
    assert (
        codes(over[0]) == {"QUERY_TOO_COMPLEX"}
        and over[0]["errors"][0]["extensions"]["found"] == 41
    )
    assert len(over[1]["data"]["articles"]["nodes"]) == 20


def test_every_operation_has_the_request_deadline(seeds_db: Path, tmp_path: Path) -> None:
    """Two operations that only a deadline ends are stopped; the third answers."""
    options = (*NO_SHAPE_LIMITS, "--request-time-limit-ms", "1500", "--batch-limit", "3")
    with serving(seeds_db, tmp_path, *options) as server:
        attack = attacks.doubling_related(25)
        answers = post(
            server, [{"query": attack}, {"query": "{ __typename }"}, {"query": attack}]
        ).json()
        assert [codes(answers[i]) for i in (0, 2)] == [{"TIMEOUT"}, {"TIMEOUT"}]
        assert answers[0]["data"] is None and answers[2]["data"] is None
        assert answers[1]["data"] == {"__typename": "Query"}
        assert server.post("{ __typename }")["data"] == {"__typename": "Query"}
