"""``X-Request-ID`` against a real uvicorn: honoured when sane, else made; on every
response (GraphQL, GraphiQL, health, metrics, refusals, 404s, 304s) and in the logs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gql.http.request_id import MAX_ID_CHARS, sane_request_id
from tests.faults import damaged_copy
from tests.http.logs import entries_of, entry_of
from tests.serving import Server, serving

GENERATED = re.compile(r"[0-9a-f]{32}")
QUERY = "query Count { articles(first: 1) { totalCount } }"


@pytest.fixture(scope="module")
def server(seeds_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(seeds_db, tmp_path_factory.mktemp("request-id")) as running:
        yield running


def answers(base: str, request_id: str | None) -> list[tuple[str, int, httpx.Response]]:
    """One request of every kind, each with ``request_id``: (path, expected status, answer)."""
    headers = {} if request_id is None else {"x-request-id": request_id}
    with httpx.Client(base_url=base, headers=headers) as client:
        etag = client.get("/graphql", params={"query": QUERY}).headers["etag"]
        sent = [
            ("/graphql", 200, client.post("/graphql", json={"query": QUERY})),
            ("/graphql", 200, client.get("/graphql", params={"query": QUERY})),
            (
                "/graphql",
                304,
                client.get("/graphql", params={"query": QUERY}, headers={"if-none-match": etag}),
            ),
            ("/graphql", 200, client.get("/graphql", headers={"accept": "text/html"})),
            ("/graphql", 405, client.put("/graphql", json={"query": QUERY})),
            (
                "/graphql",
                400,
                client.post(
                    "/graphql", content=b"{not json", headers={"content-type": "application/json"}
                ),
            ),
            ("/healthz", 200, client.get("/healthz")),
            ("/readyz", 200, client.get("/readyz")),
            ("/metrics", 200, client.get("/metrics")),
            ("/nowhere", 404, client.get("/nowhere")),
        ]
    return [("/graphql", 200, httpx.Response(200)), *sent]  # the ETag's GET comes first


def test_a_sane_incoming_id_is_returned_on_every_response_and_logged(server: Server) -> None:
    request_id = "0af7651916cd43dd8448eb211c80319c-web.1:2=+/x"
    sent = answers(server.base, request_id)
    for _, status, response in sent[1:]:
        assert (response.status_code, response.headers["x-request-id"]) == (status, request_id)
    logged = entries_of(server, request_id, len(sent))
    assert [(e["request_id"], e["path"], e["status"]) for e in logged] == [
        (request_id, path, status) for path, status, _ in sent
    ]


def test_a_request_without_an_id_gets_a_new_one_each_time(server: Server) -> None:
    sent = answers(server.base, None)
    ids = [response.headers["x-request-id"] for _, _, response in sent[1:]]
    assert all(GENERATED.fullmatch(value) for value in ids), ids
    assert len(set(ids)) == len(ids)
    assert [entry_of(server, value)["request_id"] for value in ids] == ids


@pytest.mark.parametrize(
    "unsafe",
    [
        "a" * (MAX_ID_CHARS + 1),
        "two words",
        'quo"te',
        "semi;colon",
        "<script>alert(1)</script>",
        "tab\there",
        "",
    ],
)
def test_an_unsafe_id_is_replaced_and_never_echoed(server: Server, unsafe: str) -> None:
    response = httpx.get(f"{server.base}/healthz", headers={"x-request-id": unsafe})
    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["x-request-id"])
    entry = entry_of(server, response.headers["x-request-id"])
    assert entry["path"] == "/healthz"
    if unsafe:
        # As sent, or as a JSON log line would escape it.
        escaped = json.dumps(unsafe)[1:-1]
        assert not any(unsafe in line or escaped in line for line in server.seen)


def test_non_ascii_bytes_are_replaced_and_control_bytes_never_get_in(server: Server) -> None:
    for raw in ("é".encode(), "é".encode("latin-1"), b"\xff\xfe", b"\x80id"):
        response = httpx.get(f"{server.base}/healthz", headers=[(b"x-request-id", raw)])
        assert GENERATED.fullmatch(response.headers["x-request-id"]), raw
    # uvicorn's parser refuses a request with a control byte in a header before any app
    # sees it (a plain-text 400 of its own).
    refused = httpx.get(f"{server.base}/healthz", headers=[(b"x-request-id", b"id\x01")])
    assert refused.status_code == 400 and "x-request-id" not in refused.headers


def test_the_longest_sane_id_is_kept() -> None:
    longest = b"x" * MAX_ID_CHARS
    assert sane_request_id(longest) == longest.decode()
    assert sane_request_id(longest + b"x") is None
    assert sane_request_id(b"Root=1-5759e988-bd862e3fe1be46a994272793") is not None


def test_a_masked_error_is_answered_and_logged_with_the_request_id(
    seeds_db: Path, tmp_path: Path
) -> None:
    """A read meets a damaged full-text index: the client sees only "Internal server
    error" with its request id; the JSON error log line has the id and the traceback."""
    db = damaged_copy(seeds_db, tmp_path / "damaged.db", "articles_fts_data", "articles_fts_idx")
    with serving(db, tmp_path, "--log-format", "json") as server:
        response = httpx.post(
            f"{server.base}/graphql",
            json={"query": 'query Find { search(query: "ai") { totalCount } }'},
            headers={"x-request-id": "trace-7"},
        )
        [error] = response.json()["errors"]
        assert error["message"] == "Internal server error"
        assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "trace-7"}
        assert response.headers["x-request-id"] == "trace-7"
        line = json.loads(server.wait_for_line('"level":"ERROR"'))
        entry = json.loads(server.wait_for_line('"path":"/graphql"'))
    assert line["request_id"] == "trace-7" and line["logger"] == "gql.errors"
    assert "is damaged" in line["message"] and "Traceback" in line["exception"]
    assert (entry["request_id"], entry["operation"], entry["errors"]) == (
        "trace-7",
        "Find",
        ["INTERNAL_SERVER_ERROR"],
    )
