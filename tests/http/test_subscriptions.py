"""Subscriptions end to end: a real ``gql serve --watch --workers 2``, real WebSocket
clients (the ``websockets`` package) speaking graphql-transport-ws, and seed files
written on disk while they listen.

Expected values come from the files (``tests.corpus``) and from global IDs built here
by their definition (base64url of ``Article:<url>``), never from the server's own output.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests import corpus
from tests.conftest import SEEDS
from tests.http.servers import gql_serve
from tests.serving import Server, free_port

WAIT_S = 30.0
BUFFER_BYTES = 256 * 1024
OPTIONS = (
    *("--watch", "--workers", "2", "--response-cache", "100"),
    *("--subscriptions-per-connection", "3", "--connection-init-timeout-ms", "1000"),
    *("--subscription-buffer-bytes", str(BUFFER_BYTES), "--max-depth", "8"),
)
CHANGES = (
    "subscription { articleChanged { kind url id dataVersion"
    " article { title provider { domain } } } }"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """One ``gql serve --watch --workers 2`` over a copy of seeds/, for the module."""
    root = tmp_path_factory.mktemp("live")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    port = free_port()
    command = [sys.executable, "-m", "gql.cli", "serve", "--db", str(root / "gql.db")]
    command += ["--seeds", str(seeds), "--port", str(port), *OPTIONS]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = Server(f"http://127.0.0.1:{port}", process)
    lines: queue.Queue[str] = server.lines

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        server.wait_for_line("watch: watching", timeout=60)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, server.seen
            time.sleep(0.1)
        yield server, seeds
    finally:
        process.terminate()
        process.wait(timeout=60)


class Client:
    """One graphql-transport-ws connection; messages kept per subscription id."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.by_id: dict[str, list[dict[str, Any]]] = {}

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def _read(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), WAIT_S))
        if "id" in message:
            self.by_id.setdefault(message["id"], []).append(message)
        return message

    async def subscribe(self, sid: str, query: str, **variables: Any) -> None:
        """Subscribe, then ping: the pong comes once the subscription is registered."""
        payload = {"query": query, "variables": variables or None}
        await self.send({"type": "subscribe", "id": sid, "payload": payload})
        await self.send({"type": "ping"})
        while (await self._read())["type"] != "pong":
            pass

    async def next(self, sid: str) -> dict[str, Any]:
        """The next message of subscription ``sid``."""
        while not self.by_id.get(sid):
            await self._read()
        return self.by_id[sid].pop(0)

    async def data(self, sid: str) -> dict[str, Any]:
        message = await self.next(sid)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        data: dict[str, Any] = message["payload"]["data"]
        return data


@asynccontextmanager
async def client(server: Server, **options: Any) -> AsyncIterator[Client]:
    url = server.base.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"], **options) as ws:  # type: ignore[list-item]
        c = Client(ws)
        await c.send({"type": "connection_init"})
        assert (await c._read())["type"] == "connection_ack"
        yield c


def _files(seeds: Path) -> list[Path]:
    return sorted((seeds / "articles").glob("*.md"))


def _url(path: Path) -> str:
    return str(corpus.read_articles(path.parent)[path]["webUrl"]).strip()


def _retitle(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'^title: ".*"$', f'title: "{title}"', text, count=1, flags=re.M))


def _global_id(url: str) -> str:
    return base64.urlsafe_b64encode(f"Article:{url}".encode()).decode().rstrip("=")


def _http(server: Server, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{server.base}/graphql", json={"query": query, "variables": variables}, timeout=WAIT_S
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


def _title_over_http(server: Server, url: str) -> str | None:
    data = _http(server, "query ($url: String) { article(url: $url) { title } }", url=url)
    article = data["data"]["article"]
    return None if article is None else str(article["title"])


async def test_an_edit_reaches_every_connection_with_its_kind_and_fields(
    served: tuple[Server, Path],
) -> None:
    server, seeds = served
    path = _files(seeds)[0]
    url = _url(path)
    domain = corpus.domain(corpus.read_articles(seeds)[path]["provider"]["domain"])
    async with client(server) as a, client(server) as b, client(server) as c:
        for each in (a, b, c):
            await each.subscribe("changes", CHANGES)
            await each.subscribe("corpus", "subscription { corpusChanged { dataVersion updated } }")
        _retitle(path, "Live edit")
        for each in (a, b, c):
            change = (await each.data("changes"))["articleChanged"]
            version = httpx.get(f"{server.base}/healthz", timeout=WAIT_S).json()["dataVersion"]
            assert change == {
                "kind": "UPDATED",
                "url": url,
                "id": _global_id(url),
                "dataVersion": version,
                "article": {"title": "Live edit", "provider": {"domain": domain}},
            }
            corpus_change = (await each.data("corpus"))["corpusChanged"]
            assert corpus_change == {"dataVersion": version, "updated": 1}
    # Visible over HTTP as soon as it was pushed, whichever worker answers.
    assert {_title_over_http(server, url) for _ in range(6)} == {"Live edit"}


async def test_a_filtered_subscription_receives_only_matching_changes(
    served: tuple[Server, Path],
) -> None:
    server, seeds = served
    matching, other = _files(seeds)[1:3]
    matching_url = _url(matching)
    async with client(server) as c:
        await c.subscribe(
            "zebra",
            "subscription ($f: ArticleFilter) { articleChanged(filter: $f) { kind url } }",
            f={"title": {"contains": "zebra"}},
        )
        _retitle(other, "Not this one")
        _retitle(matching, "A Zebra crossing")
        first = (await c.data("zebra"))["articleChanged"]
        _retitle(other, "Still not this one")
        _retitle(matching, "Two zebras")
        second = (await c.data("zebra"))["articleChanged"]
        assert [first, second] == [{"kind": "UPDATED", "url": matching_url}] * 2


async def test_rename_atomic_save_and_delete(served: tuple[Server, Path]) -> None:
    server, seeds = served
    path = _files(seeds)[3]
    url = _url(path)
    async with client(server) as c:
        await c.subscribe("changes", CHANGES)
        moved = path.with_name("2040-01-01-moved-here.md")
        path.rename(moved)
        change = (await c.data("changes"))["articleChanged"]
        assert (change["kind"], change["url"]) == ("UPDATED", url)

        temporary = moved.with_name(f".{moved.name}.swap")
        shutil.copy(moved, temporary)
        _retitle(temporary, "Saved atomically")
        os.replace(temporary, moved)
        change = (await c.data("changes"))["articleChanged"]
        assert (change["kind"], change["article"]["title"]) == ("UPDATED", "Saved atomically")

        moved.unlink()
        change = (await c.data("changes"))["articleChanged"]
        assert change["kind"] == "REMOVED" and change["article"] is None
        assert (change["url"], change["id"]) == (url, _global_id(url))
    assert _title_over_http(server, url) is None


async def test_a_bad_file_is_logged_and_the_rest_still_served(
    served: tuple[Server, Path],
) -> None:
    server, seeds = served
    bad, good = _files(seeds)[4:6]
    bad_url, good_url = _url(bad), _url(good)
    bad_title, bad_text = _title_over_http(server, bad_url), bad.read_text(encoding="utf-8")
    async with client(server) as c:
        await c.subscribe("changes", CHANGES)
        bad.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
        server.wait_for_line(f"watch: rejected {bad}")
        _retitle(good, "After the bad file")
        change = (await c.data("changes"))["articleChanged"]
        assert (change["url"], change["article"]["title"]) == (good_url, "After the bad file")
    assert _title_over_http(server, bad_url) == bad_title
    bad.write_text(bad_text, encoding="utf-8")  # mended, for the tests after this one


async def test_limits_apply_to_subscriptions(served: tuple[Server, Path]) -> None:
    server, _ = served
    deep = "subscription { articleChanged { article { %s } } }" % (
        "provider { articles(first: 1) { nodes { " * 3 + "title" + " } } }" * 3
    )
    async with client(server) as c:
        await c.send({"type": "subscribe", "id": "deep", "payload": {"query": deep}})
        refused = await c.next("deep")
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"
        for sid in ("1", "2", "3"):
            await c.subscribe(sid, "subscription { corpusChanged { dataVersion } }")
        await c.send({"type": "subscribe", "id": "4", "payload": {"query": CHANGES}})
        refused = await c.next("4")
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"] == {"code": "TOO_MANY_SUBSCRIPTIONS", "limit": 3}
        # Completing one makes room.
        await c.send({"type": "complete", "id": "1"})
        await c.subscribe("5", "subscription { corpusChanged { dataVersion } }")
        assert "5" not in c.by_id


@pytest.mark.parametrize(
    ("subprotocol", "messages", "code"),
    [
        ("graphql-transport-ws", [], 4408),  # no connection_init within the timeout
        ("graphql-transport-ws", [{"type": "subscribe", "id": "1", "payload": {}}], 4401),
        ("graphql-transport-ws", [{"type": "connection_init"}] * 2, 4429),
        ("graphql-transport-ws", [{"type": "nonsense"}], 4400),
        ("graphql-ws", [], 4406),  # the legacy protocol
    ],
)
async def test_protocol_errors_close_with_their_codes(
    served: tuple[Server, Path], subprotocol: str, messages: list[dict[str, Any]], code: int
) -> None:
    server, _ = served
    url = server.base.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[subprotocol]) as ws:  # type: ignore[list-item]
        for message in messages:
            await ws.send(json.dumps(message))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), WAIT_S)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == code


async def test_a_client_that_never_reads_is_closed_and_stalls_no_one(
    served: tuple[Server, Path],
) -> None:
    server, seeds = served
    path = _files(seeds)[6]
    url = _url(path)
    body = base64.b64encode(os.urandom(75_000)).decode()  # 100 kB that do not compress
    reading = "subscription { articleChanged { url article { title body } } }"
    # A small receive buffer and no queue in the client library: unread messages stay on
    # the server, as with a stuck browser tab.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.connect(("127.0.0.1", int(server.base.rsplit(":", 1)[1])))
    async with (
        client(server) as good,
        client(server, sock=sock, max_queue=1, compression=None) as stuck,
    ):
        await stuck.subscribe("changes", reading)
        await good.subscribe("changes", reading)
        text = path.read_text(encoding="utf-8")
        for round_ in range(60):
            path.write_text(f"{text}\n{round_}{body}\n", encoding="utf-8")
            change = (await good.data("changes"))["articleChanged"]
            assert (change["url"], change["article"]["body"].strip()) == (url, f"{round_}{body}")
            if any("read too slowly" in line for line in server.seen) or _drain(server):
                break
        else:
            raise AssertionError("the stuck client was never closed")
        # Reading at last, the client gets what the server had sent, then the close
        # frame with its code.
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(stuck.ws.recv(), WAIT_S)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4413


def _drain(server: Server) -> bool:
    """Read the server's pending output lines; whether one says a client was too slow."""
    found = False
    while True:
        try:
            line = server.lines.get_nowait()
        except queue.Empty:
            return found
        server.seen.append(line)
        found = found or "read too slowly" in line


async def test_no_http_request_fails_while_files_change(served: tuple[Server, Path]) -> None:
    server, seeds = served
    path = _files(seeds)[7]
    url = _url(path)
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def traffic() -> None:
        nonlocal answered
        with httpx.Client(timeout=WAIT_S) as http:
            while not stop.is_set():
                response = http.post(
                    f"{server.base}/graphql",
                    json={"query": "{ articles(first: 20) { totalCount nodes { title } } }"},
                )
                if response.status_code != 200 or "errors" in response.json():
                    failures.append(response.text)
                answered += 1

    threads = [threading.Thread(target=traffic) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        async with client(server) as c:
            await c.subscribe("changes", CHANGES)
            for round_ in range(10):
                _retitle(path, f"Under traffic {round_}")
                change = (await c.data("changes"))["articleChanged"]
                assert change["article"]["title"] == f"Under traffic {round_}"
                assert _title_over_http(server, url) == f"Under traffic {round_}"
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == [] and answered > 0


FEED = re.compile(r"change feed: (started|stopped) in process \[(\d+)\]")
MAX_CONNECTIONS = 32


def _feeds_running(server: Server) -> set[str]:
    """The workers whose change feed runs, by the feed's last log line in each."""
    _drain(server)
    running: set[str] = set()
    for line in server.seen:
        found = FEED.search(line)
        if found is not None and found[1] == "started":
            running.add(found[2])
        elif found is not None:
            running.discard(found[2])
    return running


async def test_subscribers_on_every_worker_get_each_change(served: tuple[Server, Path]) -> None:
    """Connections are spread over both workers by the kernel: open them until each
    worker's feed says it started (its pid, as uvicorn names the worker), then every
    subscriber gets the change, whichever worker serves it and whichever process wrote."""
    server, seeds = served
    _drain(server)
    log = "".join(server.seen)
    workers = set(re.findall(r"Started server process \[(\d+)\]", log))
    assert len(workers) == 2, log
    deadline = time.monotonic() + WAIT_S
    while _feeds_running(server):  # the feeds of earlier tests' subscriptions stop first
        assert time.monotonic() < deadline, server.seen[-5:]
        await asyncio.sleep(0.05)
    path = _files(seeds)[9]
    url = _url(path)
    async with AsyncExitStack() as stack:
        clients: list[Client] = []
        while _feeds_running(server) != workers:
            assert len(clients) < MAX_CONNECTIONS, f"feeds in {_feeds_running(server)} only"
            c = await stack.enter_async_context(client(server))
            await c.subscribe("changes", "subscription { articleChanged { kind url } }")
            clients.append(c)
        _retitle(path, "Seen by every worker")
        for c in clients:
            assert (await c.data("changes"))["articleChanged"] == {"kind": "UPDATED", "url": url}


async def test_each_event_reports_the_objects_it_returned(served: tuple[Server, Path]) -> None:
    """``extensions.cost``: the requested cost is one event's, as for a query (each list at
    its longest in the data), and each event's actual cost counts its own objects."""
    server, seeds = served
    path = _files(seeds)[8]
    articles = corpus.read_articles(seeds)
    topics = len(set(articles[path]["topics"]))
    most_topics = max(len(set(a.get("topics") or ())) for a in articles.values())
    query = (
        "subscription { articleChanged { kind"
        " article { title provider { name } topics { name } } } }"
    )
    twin = path.with_name("2041-01-01-a-twin.md")
    text = path.read_text(encoding="utf-8")
    async with client(server) as c:
        await c.subscribe("changes", query)
        _retitle(path, "Costed")
        twin.write_text(
            re.sub(r"^webUrl: .*$", "webUrl: https://example.org/twin", text, count=1, flags=re.M),
            encoding="utf-8",
        )
        events = [(await c.next("changes"))["payload"] for _ in range(2)]
        twin.unlink()
        events.append((await c.next("changes"))["payload"])
    requested = 1 + 1 + 1 + most_topics  # the change, its article, its provider, topics
    # The change, the article, its provider and its topics; a removed article is null.
    expected = {"UPDATED": 3 + topics, "ADDED": 3 + topics, "REMOVED": 1}
    found = {
        event["data"]["articleChanged"]["kind"]: (
            event["extensions"]["cost"]["requestedQueryCost"],
            event["extensions"]["cost"]["actualQueryCost"],
        )
        for event in events
    }
    assert found == {kind: (requested, actual) for kind, actual in expected.items()}


def _ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/graphql"


async def _acknowledged(base: str, origin: str | None) -> bool:
    """Whether a page of ``origin`` gets to ``connection_ack``; False when the handshake
    is refused, after checking the refusal is a 403 with its JSON error."""
    try:
        async with connect(
            _ws_url(base),
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            origin=origin,  # type: ignore[arg-type]
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            return bool(
                json.loads(await asyncio.wait_for(ws.recv(), WAIT_S)) == {"type": "connection_ack"}
            )
    except InvalidStatus as refused:
        response = refused.response
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/json"
        (error,) = json.loads(response.body or b"")["errors"]
        assert error["extensions"] == {"code": "ORIGIN_NOT_ALLOWED"}
        assert str(origin) in error["message"]
        return False


async def test_pages_of_other_origins_cannot_open_the_websocket(
    served: tuple[Server, Path],
) -> None:
    """No ``--cors-origin``: the server's own pages (GraphiQL) and non-browsers only."""
    server, _ = served
    port = server.base.rsplit(":", 1)[1]
    assert await _acknowledged(server.base, None)
    assert await _acknowledged(server.base, server.base)
    for other in ("http://evil.example", f"http://localhost:{port}", "http://127.0.0.1:1", "null"):
        assert not await _acknowledged(server.base, other), other
    assert "refused a WebSocket" in server.wait_for_line("evil.example")


@pytest.mark.parametrize(
    ("origins", "expected"),
    [
        (
            ["http://app.example", "http://localhost:3000"],
            {
                "http://app.example": True,
                "http://localhost:3000": True,
                "http://evil.example": False,
            },
        ),
        (["*"], {"http://evil.example": True, "null": True}),
    ],
)
async def test_the_cors_allow_list_names_the_origins_that_may_connect(
    tmp_path: Path, origins: list[str], expected: dict[str, bool]
) -> None:
    options = [option for origin in origins for option in ("--cors-origin", origin)]
    with gql_serve(tmp_path, *options) as base:
        found = {origin: await _acknowledged(base, origin) for origin in expected}
        assert await _acknowledged(base, base)  # its own pages, whatever the list
    assert found == expected
