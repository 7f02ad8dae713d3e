"""Fuzzed over real HTTP: whatever a client sends, `gql serve` answers well-formed GraphQL.

A real uvicorn serves the seeds with its production defaults (response cache on).
Hypothesis sends it valid queries generated from ``schema.graphql`` with real IDs,
cursors, aliases, directives and variables (``tests/fuzzing.requests``), and requests a
careless or hostile client sends (``tests/bad_requests.py``: one schema violation,
unknown fields, garbled documents, wrong or malformed variables, bodies that are not a
GraphQL request, other media types, GET). Each with one of the ``Accept`` headers
clients send. Every answer must be:

- below 500, and never an ``INTERNAL_SERVER_ERROR`` (a masked exception of ours) at any
  status, since every one of these requests is the client's doing;
- a JSON object of ``data`` and/or ``errors`` (and ``extensions``), each error with a
  ``message`` and an ``extensions.code``; no ``data`` unless the status is 200;

and the server must answer ``{ __typename }`` right after.

``GQL_FUZZ_EXAMPLES=5000 pytest tests/http/test_fuzz.py`` runs longer (100 examples per
test by default, derandomized); ``GQL_FUZZ_RANDOM=1`` draws new ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.bad_requests import ACCEPTS, HttpRequest, bad_requests
from tests.fuzzing import FUZZ, SAMPLES_QUERY, Samples, requests
from tests.http.bodies import without_cost
from tests.http.servers import gql_serve

MEDIA_TYPES = ("application/json", "application/graphql-response+json")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with (
        gql_serve(tmp_path_factory.mktemp("fuzz")) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def samples(client: httpx.Client) -> Samples:
    body = client.post("/graphql", json={"query": SAMPLES_QUERY}).json()
    assert "errors" not in body
    return Samples.from_data(body["data"])


def assert_well_formed(response: httpx.Response) -> dict[str, Any]:
    """The checks of the module docstring on one answer; returns its body."""
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPES), response.headers
    body = response.json()
    assert isinstance(body, dict) and body, body
    assert set(body) <= {"data", "errors", "extensions"}, body
    assert "data" in body or "errors" in body, body
    if "data" in body:
        assert response.status_code == 200, response.text
        assert body["data"] is None or isinstance(body["data"], dict), body
    if "errors" in body:
        errors = body["errors"]
        assert isinstance(errors, list) and errors, body
        for error in errors:
            assert isinstance(error["message"], str) and error["message"], error
            code = error["extensions"]["code"]
            assert isinstance(code, str) and code, error
            assert code != "INTERNAL_SERVER_ERROR", error
    else:
        assert response.status_code == 200 and body["data"] is not None, body
    return body


def assert_still_serving(client: httpx.Client) -> None:
    response = client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 200
    assert without_cost(response.json()) == {"data": {"__typename": "Query"}}


def send(client: httpx.Client, request: HttpRequest) -> httpx.Response:
    if request.method == "GET":
        return client.get("/graphql", params=request.params, headers=request.headers)
    return client.post("/graphql", content=request.content, headers=request.headers)


@FUZZ
@given(data=st.data())
def test_generated_queries_get_well_formed_answers(
    client: httpx.Client, samples: Samples, data: st.DataObject
) -> None:
    request = data.draw(requests(samples), label="request")
    accept = data.draw(st.sampled_from(ACCEPTS), label="accept")
    response = client.post(
        "/graphql", json=request.body(), headers={"accept": accept} if accept else {}
    )
    body = assert_well_formed(response)
    if response.status_code != 200:
        # Only a request GraphQL refuses before running it (here: variables left out,
        # or an argument the resolvers check) is not 200, and then only for clients
        # that asked for application/graphql-response+json.
        assert response.status_code == 400 and accept == MEDIA_TYPES[1], body
    assert_still_serving(client)


@FUZZ
@given(data=st.data())
def test_bad_requests_get_well_formed_refusals(
    client: httpx.Client, samples: Samples, data: st.DataObject
) -> None:
    request = data.draw(bad_requests(samples), label="request")
    assert_well_formed(send(client, request))
    assert_still_serving(client)
