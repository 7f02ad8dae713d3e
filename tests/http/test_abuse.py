"""The issue's attacks over real HTTP, under the default limits: each refused with its
code, and the next request answered; every answer reports its cost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gql.settings import Settings
from tests.graph.test_cost import MOST_TOPICS
from tests.graph.test_limits import ATTACKS
from tests.serving import Server, serving

# Bodies this big may meet the HTTP edge's own size limit before the query limits.
BIG_BODY_CODES = {"QUERY_TOO_LONG", "REQUEST_TOO_LARGE"}


@pytest.fixture(scope="module")
def server(seeds_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(seeds_db, tmp_path_factory.mktemp("abuse")) as running:
        yield running


@pytest.mark.parametrize(
    ("query", "variables", "code"), [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS]
)
def test_each_attack_is_refused_and_the_next_request_answered(
    server: Server, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    answer = server.post(query, variables=variables or {})
    codes = {error["extensions"]["code"] for error in answer["errors"]}
    expected = BIG_BODY_CODES if code == "QUERY_TOO_LONG" and len(query) > 1_000_000 else {code}
    assert codes & expected, answer["errors"]
    assert not any(answer.get("data") or {})
    assert server.post("{ __typename }")["data"] == {"__typename": "Query"}


def test_every_answer_reports_its_cost(server: Server) -> None:
    ok = server.post("{ topics(first: 2) { nodes { name } } }")
    assert ok["extensions"]["cost"] == {
        "requestedQueryCost": 3,
        "actualQueryCost": 3,
        "maximumQueryCost": Settings().max_cost,
    }
    refused = server.post(
        "{ articles(first: 100) { nodes { provider { articles(first: 100) {"
        " nodes { topics { articles(first: 10) { nodes { title } } } } } } } } }"
    )
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    # 100 nodes with their provider and its connection of 100 nodes, each with its topics
    # and their connections of 10 nodes
    expected = 1 + 100 * (1 + 1 + 1 + 100 * (1 + MOST_TOPICS * (1 + 1 + 10)))
    assert refused["extensions"]["cost"]["requestedQueryCost"] == expected
    invalid = server.post("{ nope }")
    assert invalid["extensions"]["cost"]["actualQueryCost"] == 0
