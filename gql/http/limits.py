"""The request size limit: bodies and query strings over ``max_request_bytes`` are refused.

Without it one request of 100 MB of query text holds a worker while it is received,
decoded and parsed. The limit is enforced before anything buffers the request (the
response cache reads whole bodies to build its key, the view to decode JSON): a declared
``Content-Length`` over the limit is refused before a byte of the body is read, and a
chunked body is counted as it arrives and refused at the first chunk past the limit,
so an oversize body is never held whole. Refusals are GraphQL error bodies with code
``REQUEST_TOO_LARGE``: 413 for a body, 414 for a query string.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gql.errors import RequestTooLarge
from gql.http.negotiation import choose_response_type
from gql.http.responses import send_rejection


class RequestSizeLimit:
    """ASGI middleware that reads the request body under a byte limit, then replays it."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        assert max_bytes > 0, "a request size limit must be positive"
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self.max_bytes:
            await self._refuse(
                scope, send, RequestTooLarge("query string", self.max_bytes, status=414)
            )
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._refuse(scope, send, RequestTooLarge("body", self.max_bytes))
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its whole request
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, send, RequestTooLarge("body", self.max_bytes))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, error: RequestTooLarge) -> None:
        accept = next((v for k, v in scope["headers"] if k == b"accept"), None)
        await send_rejection(
            send,
            error,
            media_type=choose_response_type(accept),
            # The rest of the body is not read: the connection cannot carry another request.
            headers=[(b"connection", b"close")],
            head=scope["method"] == "HEAD",
        )
