"""The response cache's bounds: keyed by digests, not request bodies; capped in bytes."""

from __future__ import annotations

import asyncio
import gc
import json
import tracemalloc

from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from gql.http.response_cache import ENTRY_OVERHEAD_BYTES, ResponseCache


class Answers:
    """An ASGI app answering every POST with ``{"data": {"n": ..., "pad": "x" * pad}}``,
    where ``n`` counts the requests it ran and ``pad`` comes from the request body."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.runs += 1
        pad = json.loads(body).get("pad", 0)
        content = json.dumps({"data": {"n": self.runs, "pad": "x" * pad}}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(content)),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def cached(*, max_entries: int = 1000, max_bytes: int = 64 << 20) -> tuple[ResponseCache, Answers]:
    answers = Answers()
    version = 1

    async def data_version(scope: Scope) -> int:
        return version

    return ResponseCache(
        answers, max_entries=max_entries, max_bytes=max_bytes, data_version=data_version
    ), answers


def test_large_requests_are_not_kept_by_their_bodies() -> None:
    """30 distinct 900 kB requests with small answers: the cache keeps 30 small entries,
    not 27 MB of request bodies."""
    cache, _ = cached()
    client = TestClient(cache)
    client.post("/", json={"query": "warm-up"})  # the client's own lazy allocations
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(30):
            body = json.dumps({"query": f"{{ n{i} }}", "comment": "#" * 900_000}).encode()
            response = client.post("/", content=body, headers={"content-type": "application/json"})
            assert response.headers["x-gql-cache"] == "miss"
        del body, response
        gc.collect()  # the client's requests and responses are in reference cycles
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(cache) == 31
    assert cache.bytes < 31 * (ENTRY_OVERHEAD_BYTES + 200)
    assert kept < 27_000_000 / 10


def test_the_cache_is_bounded_in_bytes_and_evicts_the_least_recently_used() -> None:
    cache, answers = cached(max_bytes=1_600_000)
    client = TestClient(cache)
    for i in range(40):
        client.post("/", json={"query": str(i), "pad": 90_000})
        assert cache.bytes <= 1_600_000
    # An entry costs ~91 kB (the answer, its headers, 1 kB of overhead): 17 fit, not 18.
    assert len(cache) == 17
    assert client.post("/", json={"query": "39", "pad": 90_000}).headers["x-gql-cache"] == "hit"
    runs = answers.runs
    assert client.post("/", json={"query": "0", "pad": 90_000}).headers["x-gql-cache"] == "miss"
    assert answers.runs == runs + 1


def test_an_answer_over_a_sixteenth_of_the_cache_is_not_kept() -> None:
    cache, _ = cached(max_bytes=1_600_000)
    client = TestClient(cache)
    client.post("/", json={"query": "big", "pad": 100_001})
    assert client.post("/", json={"query": "big", "pad": 100_001}).headers["x-gql-cache"] == "miss"
    assert len(cache) == 0 and cache.bytes == 0


def test_entries_are_counted_and_a_new_data_version_drops_them() -> None:
    answers = Answers()
    version = 1

    async def data_version(scope: Scope) -> int:
        return version

    cache = ResponseCache(answers, max_entries=3, max_bytes=1 << 20, data_version=data_version)
    client = TestClient(cache)
    for i in range(5):
        client.post("/", json={"query": str(i)})
    assert len(cache) == 3
    assert client.post("/", json={"query": "4"}).headers["x-gql-cache"] == "hit"
    version = 2
    assert client.post("/", json={"query": "4"}).headers["x-gql-cache"] == "miss"
    assert len(cache) == 1


async def test_an_answer_of_an_older_version_is_not_kept_under_a_newer_one() -> None:
    """A request that started on one version (an old release's file, say) and ends after
    another request saw a newer one: its answer is the old data's, so it is not kept,
    or the newer version would be answered with it."""
    version = 1
    waiting, go_on = asyncio.Event(), asyncio.Event()

    async def data_version(scope: Scope) -> int:
        return version

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        """Answers the version it started on; the request ``slow`` waits for ``go_on``."""
        started_on = version
        await receive()
        if scope["query_string"] == b"slow" and not go_on.is_set():
            waiting.set()
            await go_on.wait()
        content = json.dumps({"data": {"version": started_on}}).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    cache = ResponseCache(app, max_entries=10, max_bytes=1 << 20, data_version=data_version)

    async def get(query_string: bytes) -> tuple[str, object]:
        """(X-GQL-Cache, the answer) of a GET with ``query_string``."""
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "query_string": query_string, "headers": []}
        await cache(scope, receive, send)
        return dict(sent[0]["headers"])[b"x-gql-cache"].decode(), json.loads(sent[1]["body"])

    slow = asyncio.create_task(get(b"slow"))
    await waiting.wait()  # it read version 1
    version = 2
    assert await get(b"other") == ("miss", {"data": {"version": 2}})
    go_on.set()
    assert await slow == ("miss", {"data": {"version": 1}})
    assert await get(b"slow") == ("miss", {"data": {"version": 2}})
    assert await get(b"slow") == ("hit", {"data": {"version": 2}})
