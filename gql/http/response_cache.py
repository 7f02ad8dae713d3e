"""A response cache for repeated identical GraphQL requests, valid for one data version.

An ASGI wrapper around the GraphQL view: a request with the same method, query string,
body and content negotiation as an earlier one, against the same data version, gets the
earlier response's bytes without running GraphQL again. Every load that changes the
corpus bumps the data version, which retires every entry. Only successful answers
(status 200, ``application/json`` or ``application/graphql-response+json``) without
``errors`` are kept, in an LRU per worker bounded both by entries and by bytes;
``X-GQL-Cache: hit|miss`` says which happened.

An entry is keyed by a SHA-256 digest of the request, not by the request itself: keyed
by their bodies, 30 distinct 20 MB requests kept 600 MB alive in one worker, whatever
their answers were. What an entry costs is its answer's bytes and headers, and that is
what ``max_bytes`` bounds.

An entry also keeps the name of the operation that made it, so that the access log and
the metrics (``gql.http.observability``) name the operation of a hit too.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gql.http.observability import request_record
from gql.http.params import read_body

# The data's version: any value that changes with the data (the app passes the release's
# tag, so that a new database file retires every entry even at an equal data version).
VersionFn = Callable[[Scope], Awaitable[object]]
Headers = list[tuple[bytes, bytes]]

# Bodies past this size (or past a sixteenth of the cache) are not kept: a few big
# answers must not evict many small ones.
MAX_BODY_BYTES = 1 << 20
CACHEABLE_TYPES = (b"application/json", b"application/graphql-response+json")
# What an entry costs beyond its body and header bytes: the key, the tuples, the header
# list and the OrderedDict's link (~500 bytes for an answer's six headers, measured with
# tracemalloc; 1 kB leaves room for more headers).
ENTRY_OVERHEAD_BYTES = 1024


def request_digest(*parts: bytes) -> bytes:
    """A SHA-256 digest of ``parts``, each prefixed by its length (so that no two
    different sequences of parts give the same input)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


class ResponseCache:
    """Serve repeated identical requests from memory (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, *, max_entries: int, max_bytes: int, data_version: VersionFn
    ) -> None:
        self.app = app
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(MAX_BODY_BYTES, max_bytes // 16)
        self.data_version = data_version
        self.bytes = 0
        """What the entries kept now cost (``ENTRY_OVERHEAD_BYTES`` each, and their bytes)."""
        self._version: object = None
        self._entries: OrderedDict[bytes, tuple[Headers, bytes, int, str | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        version = await self.data_version(scope)
        if version != self._version:
            # Entries of an earlier version can never be hit again.
            self._entries.clear()
            self.bytes = 0
            self._version = version
        headers = dict(scope["headers"])
        key = request_digest(
            scope["method"].encode(),
            scope.get("query_string", b""),
            headers.get(b"accept", b""),
            headers.get(b"content-type", b""),
            body,
        )
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            response_headers, content, _, operation_name = entry
            record = request_record(scope)
            if record is not None:
                record.operation_name = operation_name
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [*response_headers, (b"x-gql-cache", b"hit")],
                }
            )
            await send({"type": "http.response.body", "body": content})
            return
        await self._run_and_keep(key, scope, body, send, version)

    async def _run_and_keep(
        self, key: bytes, scope: Scope, body: bytes, send: Send, version: object
    ) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                message = {**message, "headers": [*message["headers"], (b"x-gql-cache", b"miss")]}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, replay, capture)
        content = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        content_type = dict(headers).get(b"content-type", b"")
        if (
            # Another request saw a newer version while this one ran on the older one
            # (a load, or a new release's file): its answer is not the newer data's.
            version == self._version
            and start.get("status") == 200
            and content_type.startswith(CACHEABLE_TYPES)
            and len(content) <= self.max_entry_bytes
            and b'"errors"' not in content
        ):
            headers.append((b"content-length", str(len(content)).encode()))
            record = request_record(scope)
            self._keep(key, headers, content, record.operation_name if record else None)

    def _keep(
        self, key: bytes, headers: Headers, content: bytes, operation_name: str | None = None
    ) -> None:
        cost = ENTRY_OVERHEAD_BYTES + len(content) + sum(len(k) + len(v) for k, v in headers)
        previous = self._entries.pop(key, None)
        if previous is not None:
            self.bytes -= previous[2]
        self._entries[key] = (headers, content, cost, operation_name)
        self.bytes += cost
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, _, evicted, _) = self._entries.popitem(last=False)
            self.bytes -= evicted
