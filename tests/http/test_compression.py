"""Compression: brotli or gzip by Accept-Encoding above 1 kB, with honest length and headers.

Expected bodies are the uncompressed answers, decoded independently with the standard
library's gzip and the brotli package; coding choices follow RFC 9110 12.5.3.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import brotli
import httpx
import pytest
from starlette.testclient import TestClient

from gql.app import create_app
from gql.http.compression import choose_coding
from gql.settings import Settings

BIG = "{ articles(first: 20) { nodes { title url related { title url } } } }"
SMALL = "{ topics(first: 1) { totalCount } }"
DECODE: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
}


@pytest.fixture(scope="module")
def client(seeds_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db_path=seeds_db))) as test_client:
        yield test_client


def raw_post(client: TestClient, query: str, accept_encoding: str) -> tuple[httpx.Response, bytes]:
    """The answer and its bytes as sent (not decoded by the client)."""
    with client.stream(
        "POST", "/graphql", json={"query": query}, headers={"accept-encoding": accept_encoding}
    ) as response:
        return response, b"".join(response.iter_raw())


def test_large_answers_are_compressed_as_asked(client: TestClient) -> None:
    plain, identity = raw_post(client, BIG, "identity")
    assert "content-encoding" not in plain.headers and len(identity) > 1024
    assert int(plain.headers["content-length"]) == len(identity)
    for accept_encoding, coding in [
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, deflate, br, zstd", "br"),
        ("gzip;q=1, br;q=0.5", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("*", "br"),
    ]:
        response, sent = raw_post(client, BIG, accept_encoding)
        assert response.headers["content-encoding"] == coding, accept_encoding
        assert int(response.headers["content-length"]) == len(sent) < len(identity) / 2
        assert DECODE[coding](sent) == identity
        assert response.headers["vary"] == "Accept-Encoding"


def test_refused_codings_and_small_answers_stay_identity(client: TestClient) -> None:
    for accept_encoding in ("identity", "gzip;q=0, br;q=0", "deflate", "*;q=0", ""):
        response, sent = raw_post(client, BIG, accept_encoding)
        assert "content-encoding" not in response.headers, accept_encoding
        assert int(response.headers["content-length"]) == len(sent)
    response, sent = raw_post(client, SMALL, "br, gzip")
    assert "content-encoding" not in response.headers and len(sent) < 1024


def test_a_compressed_get_keeps_one_vary_and_a_weak_etag(client: TestClient) -> None:
    with client.stream(
        "GET", "/graphql", params={"query": BIG}, headers={"accept-encoding": "br"}
    ) as response:
        sent = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "br"
    assert response.headers["vary"] == "Accept, Accept-Encoding"
    assert response.headers["etag"].startswith('W/"')
    assert b'"data"' in brotli.decompress(sent)


def test_graphiql_files_are_compressed_with_weak_etags(client: TestClient) -> None:
    page = client.get("/graphql", headers={"accept": "text/html"}).text
    url = next(u for u in re.findall(r'src="([^"]+)"', page) if u.endswith("/graphiql.js"))
    plain = client.get(url, headers={"accept-encoding": "identity"})
    assert not plain.headers["etag"].startswith("W/")
    for coding in ("gzip", "br", "br"):
        with client.stream("GET", url, headers={"accept-encoding": coding}) as response:
            sent = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == coding
        assert int(response.headers["content-length"]) == len(sent) < len(plain.content) / 3
        assert response.headers["etag"] == f"W/{plain.headers['etag']}"
        assert response.headers["vary"] == "Accept-Encoding"
        assert DECODE[coding](sent) == plain.content


@pytest.mark.parametrize(
    ("header", "coding"),
    [
        ("gzip", "gzip"),
        ("GZIP", "gzip"),
        ("br;q=0.9, gzip;q=0.8", "br"),
        ("br;q=0.1, gzip", "gzip"),
        ("*;q=0.5, gzip;q=0", "br"),
        ("gzip;q=0", None),
        ("gzip;q=oops", None),
        ("compress, deflate", None),
        ("", None),
    ],
)
def test_the_coding_follows_quality_values(header: str, coding: str | None) -> None:
    assert choose_coding(header) == coding


@pytest.mark.parametrize("accept_encoding", ["br", "gzip", "identity"])
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/graphql?query=" + BIG.replace(" ", "%20"), {"accept": "application/json"}),
        ("/graphql", {"accept": "text/html"}),  # GraphiQL's page
        ("/healthz", {}),
    ],
    ids=["query", "graphiql", "healthz"],
)
def test_head_answers_with_the_headers_of_get(
    client: TestClient, path: str, headers: dict[str, str], accept_encoding: str
) -> None:
    """RFC 9110 9.3.2: the same header fields as GET, Content-Length and
    Content-Encoding of the encoded body included, and no body."""
    # One request id for both, or each gets its own X-Request-ID.
    asked = {**headers, "accept-encoding": accept_encoding, "x-request-id": "head-and-get"}
    with client.stream("GET", path, headers=asked) as response:
        get_body = b"".join(response.iter_raw())
        get = response
    head = client.head(path, headers=asked)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert int(get.headers["content-length"]) == len(get_body)

    def compared(response: httpx.Response) -> dict[str, str]:
        # The date moves, and the response cache says whether this one was a hit.
        return {k: v for k, v in response.headers.items() if k not in ("date", "x-gql-cache")}

    assert compared(head) == compared(get)
    if accept_encoding != "identity" and len(get_body) >= 1024:
        assert head.headers["content-encoding"] == accept_encoding
