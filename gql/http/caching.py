"""HTTP caching of GET answers: ``ETag``, ``Cache-Control``, ``Vary`` and ``304 Not Modified``.

A GET (or HEAD) answer is a function of the data, the code serving it and the request:
its query string (``query``, ``variables``, ``operationName``, ``extensions``) and its
``Accept`` (the media type, and GraphiQL's page for browsers). The ETag is a hash of
exactly those: the data's tag (the release id each load writes into the database, and
its data version: ``gql.store.Release.tag``), a seed that stands for the code (the
schema's SDL and the GraphiQL page, given by the app), the query string and the
``Accept`` header. Nothing of the process goes in, so every replica serving a copy of
the same database file with the same code gives the same tag, and a load that changes
the data changes every tag; two databases built apart differ in their release id even
when their data versions are equal. Tags are weak (``W/"..."``): compression may send
other bytes of the same answer (RFC 9110, 8.8.1), and If-None-Match compares weakly
anyway.

- An ``If-None-Match`` naming the current tag (one of several, weak or not) is answered
  ``304`` before GraphQL runs; ``*`` is ``304`` when the answer would carry a tag.
- Only a ``200`` without ``errors`` gets a tag and the configured ``Cache-Control``
  (default ``no-cache``: clients and caches keep it but revalidate); any other GET
  answer is ``no-store``, since errors (a time limit, say) may not repeat.
- Every GET answer has ``Vary: Accept, Accept-Encoding``, and ``Origin`` when CORS
  names origins (``gql.http.cors``).
- ``POST`` answers are ``Cache-Control: no-store``.
- ``HEAD`` runs as ``GET`` (so it has the same tag and length) and sends no body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TagFn = Callable[[Scope], Awaitable[str]]

NO_STORE: Final = (b"cache-control", b"no-store")
VARY: Final = b"Accept, Accept-Encoding"
DEFAULT_CACHE_CONTROL: Final = "no-cache"


def code_seed(*parts: bytes) -> bytes:
    """A digest standing for the code behind the answers (schema SDL, page bytes...)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def entity_tag(seed: bytes, data_tag: str, query_string: bytes, accept: bytes) -> bytes:
    """The weak ETag of a GET answer (see the module docstring)."""
    digest = hashlib.sha256(seed)
    for part in (data_tag.encode(), query_string, accept):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return b'W/"' + digest.hexdigest()[:32].encode() + b'"'


def none_match(header: bytes, etag: bytes) -> bool:
    """Whether ``If-None-Match: header`` names ``etag`` by weak comparison (RFC 9110 13.1.2)."""
    opaque = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == opaque for tag in header.split(b","))


class HttpCaching:
    """ASGI wrapper adding the caching headers above to the GraphQL endpoint's answers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        data_tag: TagFn,
        seed: bytes,
        cache_control: str = DEFAULT_CACHE_CONTROL,
        vary_origin: bool = False,
    ) -> None:
        self.app = app
        self.data_tag = data_tag
        self.seed = seed
        self.cache_control = (b"cache-control", cache_control.encode("latin-1"))
        self.vary = (b"vary", VARY + b", Origin" if vary_origin else VARY)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"] if scope["type"] == "http" else None
        if method == "POST":
            await self.app(scope, receive, _with_headers(send, [NO_STORE]))
            return
        if method not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        accept = if_none_match = b""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value
            elif name == b"if-none-match":
                if_none_match = value.strip()
        etag = entity_tag(self.seed, await self.data_tag(scope), scope["query_string"], accept)
        validators = [(b"etag", etag), self.cache_control, self.vary]
        if if_none_match and if_none_match != b"*" and none_match(if_none_match, etag):
            await _not_modified(send, validators)
            return
        head = method == "HEAD"
        start: Message = {}
        answered = False  # a 304 went out instead: the rest of the answer is dropped

        async def send_with_validators(message: Message) -> None:
            nonlocal start, answered
            if answered:
                return
            if message["type"] == "http.response.start":
                start = message
                return
            if start:
                # The first body part decides: the view sends its answer in one part.
                cacheable = start["status"] == 200 and b'"errors"' not in message.get("body", b"")
                if cacheable and if_none_match == b"*":
                    answered = True
                    await _not_modified(send, validators)
                    return
                added = validators if cacheable else [NO_STORE, self.vary]
                await send({**start, "headers": [*start.get("headers", ()), *added]})
                start = {}
            if head:
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_with_validators)


async def _not_modified(send: Send, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def send_with(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *extra]}
        await send(message)

    return send_with
