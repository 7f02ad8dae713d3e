"""The request size limit and the response cache behind it, over a real uvicorn.

Raw sockets send what an abusive client would: a huge declared length with no body, or
a chunked body that never ends. The server must answer while the body is still
incomplete; a socket timeout is only a guard against a hang, not a timed assertion.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests import corpus
from tests.conftest import SEEDS
from tests.http.bodies import without_cost
from tests.http.servers import gql_serve

LIMIT = 4096
GRJ = "application/graphql-response+json"
TOPICS = len(corpus.read_topics(SEEDS))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("limits")
    with gql_serve(root, "--max-request-bytes", str(LIMIT), "--response-cache", "100") as base:
        yield base


def raw_exchange(
    base: str, head: bytes, body_chunks: list[bytes]
) -> tuple[int, dict[str, str], bytes]:
    """Send ``head`` and the chunks on a fresh connection, then read one response."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=20) as sock:
        sock.sendall(head)
        for chunk in body_chunks:
            sock.sendall(chunk)
        received = b""
        while b"\r\n\r\n" not in received:
            data = sock.recv(65536)
            assert data, f"connection closed before a response: {received!r}"
            received += data
        head_bytes, _, content = received.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        while len(content) < int(headers.get("content-length", "0")):
            data = sock.recv(65536)
            if not data:
                break
            content += data
    return status, headers, content


def request_head(base: str, extra: str) -> bytes:
    host = urlsplit(base).netloc
    return (
        f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Accept: {GRJ}\r\n{extra}\r\n"
    ).encode()


def assert_too_large(content: bytes) -> None:
    body = json.loads(content)
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert str(LIMIT) in error["message"]


def test_a_declared_oversize_body_is_refused_before_it_is_sent(server: str) -> None:
    head = request_head(server, f"Content-Length: {100 * 1024 * 1024}\r\n")
    status, headers, content = raw_exchange(server, head, [])
    assert status == 413
    assert headers["content-type"].startswith(GRJ)
    assert "x-gql-cache" not in headers  # refused before the cache read anything
    assert_too_large(content)


def test_a_chunked_body_is_refused_at_the_first_chunk_past_the_limit(server: str) -> None:
    chunk = b"400\r\n" + b" " * 1024 + b"\r\n"
    # Five 1 kB chunks pass the 4 kB limit; the body's last chunk is never sent.
    head = request_head(server, "Transfer-Encoding: chunked\r\n")
    status, headers, content = raw_exchange(server, head, [chunk] * 5)
    assert status == 413
    assert "x-gql-cache" not in headers
    assert_too_large(content)
    # The server is fine afterwards.
    assert httpx.get(f"{server}/healthz").status_code == 200


def test_a_body_at_the_limit_is_served(server: str) -> None:
    query = json.dumps({"query": "{ topics(first: 1) { totalCount } }"}).encode()
    body = query[:-1] + b" " * (LIMIT - len(query)) + b"}"
    assert len(body) == LIMIT
    response = httpx.post(
        f"{server}/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert without_cost(response.json()) == {"data": {"topics": {"totalCount": TOPICS}}}
    too_big = httpx.post(
        f"{server}/graphql", content=body + b" ", headers={"content-type": "application/json"}
    )
    assert too_big.status_code == 413
    assert_too_large(too_big.content)


def test_a_long_query_string_is_414(server: str) -> None:
    response = httpx.get(f"{server}/graphql", params={"query": "{ __typename }" + " " * LIMIT})
    assert response.status_code == 414
    assert_too_large(response.content)


def post(server: str, body: dict[str, Any], accept: str) -> httpx.Response:
    return httpx.post(f"{server}/graphql", json=body, headers={"accept": accept})


def test_the_cache_keeps_answers_and_never_errors(server: str) -> None:
    good = {"query": '{ topic(slug: "ai") { name } }'}
    for accept in (GRJ, "application/json"):
        first, second = post(server, good, accept), post(server, good, accept)
        assert (first.headers["x-gql-cache"], second.headers["x-gql-cache"]) == ("miss", "hit")
        assert second.headers["content-type"] == first.headers["content-type"]
        assert second.headers["content-type"].startswith(accept)
        assert (
            without_cost(second.json())
            == without_cost(first.json())
            == {"data": {"topic": {"name": "AI"}}}
        )
        assert second.headers["x-content-type-options"] == "nosniff"
    bad = [
        ({"query": "{ nope }"}, GRJ, 400),
        ({"query": "{ nope }"}, "application/json", 200),
        ({"query": "{"}, GRJ, 400),
        ({"query": "{ articles(first: 1000) { totalCount } }"}, GRJ, 200),
    ]
    for body, accept, status in bad:
        for _ in range(2):
            response = post(server, body, accept)
            assert response.status_code == status
            assert response.headers["x-gql-cache"] == "miss"
            assert response.json()["errors"]


def test_no_server_banner(server: str) -> None:
    response = httpx.get(f"{server}/healthz")
    assert "server" not in response.headers
    assert response.headers["x-frame-options"] == "DENY"
