"""A response cache for repeated identical GraphQL requests, valid for one data version.

An ASGI wrapper around the GraphQL view: a request with the same method, query string,
body and content negotiation as an earlier one, against the same data version, gets the
earlier response's bytes without running GraphQL again. Every load that changes the
corpus bumps the data version, which retires every entry. Only successful answers
(status 200, ``application/json`` or ``application/graphql-response+json``) without
``errors`` are kept, in a bounded LRU per worker; ``X-GQL-Cache: hit|miss`` says
which happened.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

VersionFn = Callable[[Scope], Awaitable[int]]
Key = tuple[int, str, bytes, bytes, bytes, bytes]

# Bodies past this size are not kept: a few big answers must not evict many small ones.
MAX_BODY_BYTES = 1 << 20
CACHEABLE_TYPES = (b"application/json", b"application/graphql-response+json")


class ResponseCache:
    """Serve repeated identical requests from memory (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, max_entries: int, data_version: VersionFn) -> None:
        self.app = app
        self.max_entries = max_entries
        self.data_version = data_version
        self._entries: OrderedDict[Key, tuple[int, list[tuple[bytes, bytes]], bytes]] = (
            OrderedDict()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        headers = dict(scope["headers"])
        key: Key = (
            await self.data_version(scope),
            scope["method"],
            scope.get("query_string", b""),
            body,
            headers.get(b"accept", b""),
            headers.get(b"content-type", b""),
        )
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            status, response_headers, content = entry
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [*response_headers, (b"x-gql-cache", b"hit")],
                }
            )
            await send({"type": "http.response.body", "body": content})
            return
        await self._run_and_keep(key, scope, body, send)

    async def _run_and_keep(self, key: Key, scope: Scope, body: bytes, send: Send) -> None:
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
            start.get("status") == 200
            and content_type.startswith(CACHEABLE_TYPES)
            and len(content) <= MAX_BODY_BYTES
            and b'"errors"' not in content
        ):
            headers.append((b"content-length", str(len(content)).encode()))
            self._entries[key] = (200, headers, content)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)
