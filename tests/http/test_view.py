"""GraphQL over HTTP by the spec: status codes, media types and error bodies of /graphql.

Expected statuses come from the GraphQL-over-HTTP draft's "Status Codes" section and
RFC 9110, expected data from the seed files themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gql.app import create_app
from gql.settings import Settings
from tests import corpus
from tests.conftest import SEEDS
from tests.http.bodies import without_cost

GRJ = "application/graphql-response+json"
JSON = "application/json"
TOPICS = len(corpus.read_topics(SEEDS))
TOPIC_QUERY = "{ topics(first: 1) { totalCount } }"


@pytest.fixture(scope="module")
def client(seeds_db: Path) -> Iterator[TestClient]:
    app = create_app(Settings(db_path=seeds_db, response_cache_entries=0))
    with TestClient(app) as test_client:
        yield test_client


def post(
    client: TestClient, body: dict[str, Any], accept: str | None = None
) -> tuple[int, str, dict[str, Any]]:
    headers = {"accept": accept} if accept else {}
    response = client.post("/graphql", json=body, headers=headers)
    return response.status_code, response.headers["content-type"], without_cost(response.json())


def assert_request_error(body: dict[str, Any], code: str) -> None:
    assert "data" not in body, body
    assert body["errors"] and {e["extensions"]["code"] for e in body["errors"]} == {code}, body
    assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"])


def test_a_query_answers_in_the_media_type_asked_for(client: TestClient) -> None:
    for accept, media_type in [(GRJ, GRJ), (JSON, JSON), ("*/*", JSON), (None, JSON)]:
        status, content_type, body = post(client, {"query": TOPIC_QUERY}, accept)
        assert status == 200
        assert content_type == f"{media_type}; charset=utf-8"
        assert body == {"data": {"topics": {"totalCount": TOPICS}}}


# (query, variables, operationName, code): request errors, raised before execution.
REQUEST_ERRORS = [
    pytest.param(
        "{ articles(first: 1) { nope } }", None, None, "GRAPHQL_VALIDATION_FAILED", id="validation"
    ),
    pytest.param(
        "{ topics(first: 1) { totalCount }", None, None, "GRAPHQL_PARSE_FAILED", id="parse"
    ),
    pytest.param("", None, None, "GRAPHQL_PARSE_FAILED", id="empty-document"),
    pytest.param(
        "query($url: String!) { article(url: $url) { title } }",
        {"url": 5},
        None,
        "BAD_USER_INPUT",
        id="variable-coercion",
    ),
    pytest.param(
        "query($url: String!) { article(url: $url) { title } }",
        {},
        None,
        "BAD_USER_INPUT",
        id="missing-variable",
    ),
    pytest.param(
        "query A { __typename } query B { __typename }",
        None,
        None,
        "OPERATION_RESOLUTION_FAILURE",
        id="two-operations-no-name",
    ),
    pytest.param(
        "query A { __typename }", None, "B", "OPERATION_RESOLUTION_FAILURE", id="unknown-name"
    ),
    pytest.param("mutation { __typename }", None, None, "GRAPHQL_VALIDATION_FAILED", id="mutation"),
]


@pytest.mark.parametrize(("query", "variables", "operation", "code"), REQUEST_ERRORS)
def test_request_errors_are_400_in_graphql_response_json(
    client: TestClient, query: str, variables: Any, operation: str | None, code: str
) -> None:
    body = {"query": query, "variables": variables, "operationName": operation}
    status, content_type, answer = post(client, body, GRJ)
    assert (status, content_type) == (400, f"{GRJ}; charset=utf-8")
    assert_request_error(answer, code)


@pytest.mark.parametrize(("query", "variables", "operation", "code"), REQUEST_ERRORS)
def test_request_errors_are_200_in_plain_json(
    client: TestClient, query: str, variables: Any, operation: str | None, code: str
) -> None:
    body = {"query": query, "variables": variables, "operationName": operation}
    status, content_type, answer = post(client, body, JSON)
    assert (status, content_type) == (200, f"{JSON}; charset=utf-8")
    assert_request_error(answer, code)


def test_the_named_operation_of_several_runs(client: TestClient) -> None:
    document = "query A { a: __typename } query B { topics(first: 1) { totalCount } }"
    status, _, body = post(client, {"query": document, "operationName": "B"}, GRJ)
    assert status == 200 and body == {"data": {"topics": {"totalCount": TOPICS}}}


def test_field_errors_keep_data_and_200(client: TestClient) -> None:
    # The spec: once execution ran, the response has data (maybe null) and status 200.
    status, _, body = post(client, {"query": "{ articles(first: 1000) { totalCount } }"}, GRJ)
    assert status == 200
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
    assert body["errors"][0]["path"] == ["articles"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{ "not a JSON', "not valid JSON"),
        (b"", "empty"),
        (b'"{ __typename }"', "JSON object"),
        (b'{"qeury": "{ __typename }"}', "no `query`"),
        (b'{"query": null}', "no `query`"),
        (b'{"query": 1}', "`query` must be a string"),
        (b'{"query": "{ __typename }", "variables": [7]}', "`variables` must be an object"),
        (b'{"query": "{ __typename }", "variables": "{}"}', "`variables` must be an object"),
        (b'{"query": "{ __typename }", "extensions": 0}', "`extensions` must be an object"),
        (b'{"query": "{ __typename }", "operationName": false}', "`operationName` must be"),
        (b'{"query": "\xff"}', "not valid JSON"),
    ],
)
@pytest.mark.parametrize("accept", [GRJ, JSON])
def test_malformed_requests_are_400_with_a_json_error(
    client: TestClient, content: bytes, problem: str, accept: str
) -> None:
    response = client.post(
        "/graphql", content=content, headers={"content-type": JSON, "accept": accept}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    body = response.json()
    assert_request_error(body, "BAD_REQUEST")
    assert problem in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/jsonfoo",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
    ],
)
def test_bodies_that_are_not_json_are_415(client: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 415
    assert_request_error(response.json(), "UNSUPPORTED_MEDIA_TYPE")


def test_json_with_a_charset_is_json(client: TestClient) -> None:
    response = client.post(
        "/graphql",
        content=b'{"query": "{ __typename }"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200 and without_cost(response.json()) == {
        "data": {"__typename": "Query"}
    }


@pytest.mark.parametrize("accept", ["application/xml", "text/plain", "application/jsonfoo"])
def test_nothing_acceptable_is_406(client: TestClient, accept: str) -> None:
    status, content_type, body = post(client, {"query": TOPIC_QUERY}, accept)
    assert status == 406 and content_type.startswith(JSON)
    assert_request_error(body, "NOT_ACCEPTABLE")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_405_with_allow(client: TestClient, method: str) -> None:
    response = client.request(method, "/graphql")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert_request_error(response.json(), "METHOD_NOT_ALLOWED")


def test_get_runs_queries_with_json_variables(client: TestClient) -> None:
    params = {
        "query": "query($first: Int) { topics(first: $first) { totalCount nodes { name } } }",
        "variables": '{"first": 2}',
    }
    response = client.get("/graphql", params=params, headers={"accept": GRJ})
    assert response.status_code == 200
    topics = response.json()["data"]["topics"]
    assert topics["totalCount"] == TOPICS and len(topics["nodes"]) == 2


def test_mutations_over_get_are_405_with_allow_post(client: TestClient) -> None:
    for accept in (GRJ, JSON):
        response = client.get(
            "/graphql", params={"query": "mutation { __typename }"}, headers={"accept": accept}
        )
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert_request_error(response.json(), "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"query": "{ __typename }", "variables": "{nope"}, "`variables` is not valid JSON"),
        ({"query": "{ __typename }", "variables": "[1]"}, "`variables` must be an object"),
        ({"variables": "{}"}, "no `query`"),
    ],
)
def test_malformed_get_requests_are_400(
    client: TestClient, params: dict[str, str], problem: str
) -> None:
    response = client.get("/graphql", params=params, headers={"accept": JSON})
    assert response.status_code == 400
    assert problem in response.json()["errors"][0]["message"]


def test_a_parameter_given_twice_is_400(client: TestClient) -> None:
    response = client.get("/graphql?query=%7B__typename%7D&query=%7Bnope%7D")
    assert response.status_code == 400
    assert_request_error(response.json(), "BAD_REQUEST")


def test_head_is_get_without_a_body(client: TestClient) -> None:
    params = {"query": TOPIC_QUERY}
    got = client.get("/graphql", params=params, headers={"accept": GRJ})
    head = client.head("/graphql", params=params, headers={"accept": GRJ})
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) == len(got.content) > 0


def test_browsers_get_graphiql_with_a_policy_for_its_assets(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/graphql", headers={"accept": browser})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "graphiql" in response.text.lower()
    policy = response.headers["content-security-policy"]
    # Every script and stylesheet of the page is served by us, as the policy demands.
    for url in re.findall(r'(?:src|href)="([^"]+)"', response.text):
        assert url.startswith(("/graphiql/", "data:")), url
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    # A browser URL with a query runs it instead.
    ran = client.get("/graphql", params={"query": TOPIC_QUERY}, headers={"accept": browser})
    assert without_cost(ran.json()) == {"data": {"topics": {"totalCount": TOPICS}}}


def test_every_response_has_security_headers(client: TestClient) -> None:
    responses = [
        client.post("/graphql", json={"query": TOPIC_QUERY}),
        client.post("/graphql", content=b"{", headers={"content-type": JSON}),
        client.get("/graphql", headers={"accept": "text/html"}),
        client.get("/healthz"),
        client.get("/nowhere"),
    ]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "server" not in response.headers
    assert responses[0].headers["content-security-policy"].startswith("default-src 'none'")


def test_production_switches(seeds_db: Path) -> None:
    settings = Settings(
        db_path=seeds_db, response_cache_entries=0, graphiql=False, introspection=False
    )
    with TestClient(create_app(settings)) as client:
        page = client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 406 and "graphiql" not in page.text.lower()
        for query in (
            "{ __schema { queryType { name } } }",
            '{ __type(name: "Article") { name } }',
        ):
            status, _, body = post(client, {"query": query}, GRJ)
            assert status == 400
            assert_request_error(body, "GRAPHQL_VALIDATION_FAILED")
            assert "introspection" in body["errors"][0]["message"].lower()
        status, _, body = post(client, {"query": "{ __typename }"}, GRJ)
        assert (status, body) == (200, {"data": {"__typename": "Query"}})
