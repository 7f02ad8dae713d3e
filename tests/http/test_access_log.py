"""The JSON access log of a real uvicorn: one line per request, with what the client saw.

Expected values come from the answers themselves (their bytes, ``extensions.cost``,
``extensions.sql`` with ``--explain``) and from running the same document in process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from tests.http.logs import FIELDS, entry_of, parsed
from tests.serving import Server, serving

FRONT = """query Front { articles(first: 3) {
  nodes { title provider { name domain } topics { name } related { url provider { name } } }
} }"""
COUNT = "query Count { articles(first: 1) { totalCount } }"
IDENTITY = {"accept-encoding": "identity"}


@pytest.fixture(scope="module")
def explained(seeds_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server answering with ``extensions.sql`` (its statement count), a low depth limit."""
    with serving(seeds_db, tmp_path_factory.mktemp("log"), "--explain", "--max-depth", "5") as s:
        yield s


def one_request(
    server: Server, send: Callable[[httpx.Client], httpx.Response]
) -> tuple[httpx.Response, dict[str, Any]]:
    """Send one request; its answer and its access log entry (found by its request id:
    the server's own lines, such as its first /healthz, may still be on their way)."""
    with httpx.Client(base_url=server.base, headers={"x-request-id": uuid4().hex}) as client:
        response = send(client)
    return response, entry_of(server, response.headers["x-request-id"])


async def test_a_query_is_logged_with_its_figures(
    explained: Server, execute: Callable[..., Any]
) -> None:
    # An id of this run's own: the test runs once per backend against one server.
    request_id = f"front-{uuid4().hex}"
    response, entry = one_request(
        explained,
        lambda c: c.post(
            "/graphql", json={"query": FRONT}, headers={**IDENTITY, "x-request-id": request_id}
        ),
    )
    body = response.json()
    in_process = await execute(FRONT)
    assert set(entry) == FIELDS
    assert datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).tzinfo is not None
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] > 0
    assert {k: v for k, v in entry.items() if k not in ("time", "duration_ms")} == {
        "request_id": request_id,
        "method": "POST",
        "path": "/graphql",
        "operation": "Front",
        "status": 200,
        "sql_statements": body["extensions"]["sql"]["statements"],
        "cost_requested": body["extensions"]["cost"]["requestedQueryCost"],
        "cost_actual": body["extensions"]["cost"]["actualQueryCost"],
        "cache": None,
        "bytes": len(response.content),
        "errors": [],
    }
    assert entry["sql_statements"] == in_process.extensions["statements"] > 0


def test_the_operation_is_named_by_the_request_or_the_document(explained: Server) -> None:
    two = (
        "query A { articles(first: 1) { totalCount } } query B { topics(first: 1) { totalCount } }"
    )
    cases = [
        ({"query": COUNT}, "Count"),
        ({"query": "{ articles(first: 1) { totalCount } }"}, None),
        ({"query": two, "operationName": "B"}, "B"),
    ]
    for body, operation in cases:
        _, entry = one_request(explained, lambda c, body=body: c.post("/graphql", json=body))
        assert (entry["operation"], entry["errors"]) == (operation, [])


def test_errors_are_logged_by_code(explained: Server) -> None:
    deep = "{ articles { nodes { provider { articles { nodes { title } } } } } }"
    cases: list[tuple[Callable[[httpx.Client], httpx.Response], list[str]]] = [
        (lambda c: c.post("/graphql", json={"query": "{ nope }"}), ["GRAPHQL_VALIDATION_FAILED"]),
        (lambda c: c.post("/graphql", json={"query": deep}), ["QUERY_TOO_DEEP"]),
        (lambda c: c.put("/graphql", json={"query": COUNT}), ["METHOD_NOT_ALLOWED"]),
        (
            lambda c: c.post(
                "/graphql", content=b"[", headers={"content-type": "application/json"}
            ),
            ["BAD_REQUEST"],
        ),
    ]
    for send, codes in cases:
        response, entry = one_request(explained, send)
        assert response.json()["errors"][0]["extensions"]["code"] == codes[0]
        assert (entry["status"], entry["errors"]) == (response.status_code, codes)


def test_bytes_are_those_sent_compressed_or_not(explained: Server) -> None:
    plain, entry = one_request(explained, lambda c: c.post("/graphql", json={"query": FRONT}))
    compressed = plain.headers.get("content-encoding")
    assert compressed in ("br", "gzip"), plain.headers
    assert entry["bytes"] == int(plain.headers["content-length"]) < len(plain.content)
    head, entry = one_request(explained, lambda c: c.head("/graphql", params={"query": COUNT}))
    assert (head.status_code, entry["method"], entry["bytes"]) == (200, "HEAD", 0)


def test_cache_hits_and_304s_are_logged(seeds_db: Path, tmp_path: Path) -> None:
    with serving(seeds_db, tmp_path, "--response-cache", "10") as server:
        first, miss = one_request(server, lambda c: c.get("/graphql", params={"query": COUNT}))
        again, hit = one_request(server, lambda c: c.get("/graphql", params={"query": COUNT}))
        etag = {"if-none-match": first.headers["etag"]}
        same, not_modified = one_request(
            server, lambda c: c.get("/graphql", params={"query": COUNT}, headers=etag)
        )
    assert again.headers["x-gql-cache"] == "hit" and same.status_code == 304
    assert (miss["cache"], miss["operation"], miss["sql_statements"] > 0) == ("miss", "Count", True)
    assert (hit["cache"], hit["operation"], hit["sql_statements"]) == ("hit", "Count", 0)
    assert (hit["bytes"], hit["status"]) == (len(again.content), 200)
    assert (not_modified["cache"], not_modified["status"], not_modified["bytes"]) == (
        "not-modified",
        304,
        0,
    )


def test_no_access_log_writes_no_lines(seeds_db: Path, tmp_path: Path) -> None:
    with serving(seeds_db, tmp_path, "--no-access-log") as server:
        for _ in range(3):
            assert httpx.post(f"{server.base}/graphql", json={"query": COUNT}).status_code == 200
    # Stopped: everything it wrote is in its output by the time it says it finished.
    server.wait_for_line("Finished server process")
    assert [line for line in server.seen if parsed(line) is not None] == []


def test_log_format_json_makes_the_other_lines_json(seeds_db: Path, tmp_path: Path) -> None:
    with serving(seeds_db, tmp_path, "--log-format", "json") as server:
        started = json.loads(server.wait_for_line("Application startup complete"))
    assert started["level"] == "INFO" and started["logger"] == "uvicorn.error"
    assert started["message"] == "Application startup complete."


def test_a_batch_is_one_line_with_the_costs_and_errors_of_all(
    seeds_db: Path, tmp_path: Path
) -> None:
    batch = [{"query": COUNT}, {"query": "{ nope }"}, {"query": FRONT}]
    with serving(seeds_db, tmp_path, "--batch-limit", "5", "--explain") as server:
        response, entry = one_request(server, lambda c: c.post("/graphql", json=batch))
    answers = response.json()
    costs = [a["extensions"]["cost"] for a in answers if "cost" in a.get("extensions", {})]
    assert entry["cost_requested"] == sum(c["requestedQueryCost"] for c in costs)
    assert entry["cost_actual"] == sum(c["actualQueryCost"] for c in costs)
    assert entry["sql_statements"] == sum(a["extensions"]["sql"]["statements"] for a in answers)
    assert entry["errors"] == ["GRAPHQL_VALIDATION_FAILED"]
    assert entry["operation"] == "(batch)"


async def test_a_websocket_is_one_line_when_it_ends(explained: Server) -> None:
    """Its request id is on the handshake's answer; its line, written when it closes, has
    status 101 and the bytes of the messages the client received."""
    url = explained.base.replace("http://", "ws://") + "/graphql"
    received = 0
    async with connect(
        url,
        subprotocols=[Subprotocol("graphql-transport-ws")],
        additional_headers={"x-request-id": "socket-1"},
    ) as ws:
        assert ws.response is not None
        assert ws.response.headers["x-request-id"] == "socket-1"
        await ws.send(json.dumps({"type": "connection_init"}))
        ack = await ws.recv()
        assert json.loads(ack)["type"] == "connection_ack"
        received += len(ack.encode() if isinstance(ack, str) else ack)
        await ws.send(json.dumps({"type": "ping"}))
        pong = await ws.recv()
        received += len(pong.encode() if isinstance(pong, str) else pong)
    entry = entry_of(explained, "socket-1")
    assert set(entry) == FIELDS
    assert (entry["method"], entry["path"], entry["status"]) == ("WEBSOCKET", "/graphql", 101)
    assert entry["bytes"] == received and entry["operation"] is None


async def test_a_refused_websocket_is_logged_with_its_status(explained: Server) -> None:
    url = explained.base.replace("http://", "ws://") + "/graphql"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            url,
            subprotocols=[Subprotocol("graphql-transport-ws")],
            additional_headers={"x-request-id": "socket-2", "origin": "https://elsewhere.test"},
        ):
            pass
    assert refused.value.response.status_code == 403
    assert refused.value.response.headers["x-request-id"] == "socket-2"
    entry = entry_of(explained, "socket-2")
    assert (entry["method"], entry["status"]) == ("WEBSOCKET", 403)
    assert entry["bytes"] == len(refused.value.response.body or b"")
