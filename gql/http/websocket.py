"""Subscriptions over WebSocket at ``/graphql``: the ``graphql-transport-ws`` protocol.

The protocol of the graphql-ws library (what Apollo Client's ``GraphQLWsLink``, urql,
Relay and GraphiQL speak): the client opens the socket with subprotocol
``graphql-transport-ws``, sends ``connection_init`` (within ``connection_init_timeout_ms``,
else 4408), gets ``connection_ack``, then ``subscribe``s with an id and a GraphQL
document; the server answers each event with ``next``, ends with ``complete`` (or
``error``, for a document refused before it ran, over a limit of ``gql.graph.guard``
included); either side may ``complete`` a subscription, and ``ping``/``pong`` any time.
The legacy ``graphql-ws`` subprotocol (subscriptions-transport-ws) is refused (4406).
A page of an origin the server does not allow (``gql.http.origins``: its own, and those
``--cors-origin`` names) is refused before the handshake completes: HTTP 403 with a JSON
error (``ORIGIN_NOT_ALLOWED``), so that no site can subscribe through a visitor's browser.

Bounds, so that no client can hold a worker or slow the others:

- at most ``subscriptions_per_connection`` on one connection and ``max_subscriptions``
  in one worker; one more is answered with an ``error`` (``TOO_MANY_SUBSCRIPTIONS``);
- every message to a client waits in the connection's own buffer, written by one task:
  a client that stops reading stalls only its connection, and once the buffer holds
  ``subscription_buffer_bytes`` the connection is closed with ``4413`` (too slow), as it
  is when one of its subscriptions falls ``subscription_queue_versions`` behind the feed.

This is our own implementation rather than Strawberry's handler, which reaches the
socket through its view classes (ours is ``gql.http.view``) and has neither bound; it
talks to the schema through ``Schema.subscribe`` only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Final

import orjson
from graphql import GraphQLError
from starlette.types import Receive, Scope, Send
from strawberry import Schema
from strawberry.types import ExecutionResult

from gql.errors import OriginNotAllowed, SubscriberTooSlow, TooManySubscriptions
from gql.execution.compat import InvalidOperationTypeError
from gql.http.origins import is_origin_allowed, origin_of
from gql.http.responses import is_request_error, rejection_body, result_body
from gql.settings import Settings

logger = logging.getLogger("gql.websocket")

PROTOCOL: Final = "graphql-transport-ws"
# Close codes of the protocol (graphql-ws's ``CloseCode``), and ours for a slow client.
BAD_REQUEST: Final = 4400
UNAUTHORIZED: Final = 4401
SUBPROTOCOL_NOT_ACCEPTABLE: Final = 4406
CONNECTION_INIT_TIMEOUT: Final = 4408
SUBSCRIBER_EXISTS: Final = 4409
TOO_MANY_INITIALISATION_REQUESTS: Final = 4429
TOO_SLOW: Final = 4413
"""Ours: the client read too slowly (or one of its subscriptions fell too far behind)."""
CLOSE_TIMEOUT_S: Final = 5.0
"""How long closing waits for a client that does not read: then the socket just goes."""

ContextFactory = Callable[[Scope], Any]
"""Builds the context of one subscription (with the worker's feed) from the scope; its
``subscribed`` event is set once the subscription is registered."""


@dataclass(frozen=True)
class SubscriptionLimits:
    """The bounds of the module docstring, from ``Settings``."""

    per_connection: int
    per_worker: int
    buffer_bytes: int
    init_timeout_s: float

    @classmethod
    def of(cls, settings: Settings) -> SubscriptionLimits:
        return cls(
            per_connection=settings.subscriptions_per_connection,
            per_worker=settings.max_subscriptions,
            buffer_bytes=settings.subscription_buffer_bytes,
            init_timeout_s=settings.connection_init_timeout_ms / 1000,
        )


class _Closed(Exception):
    """The connection is being closed: stop reading it."""


class GraphQLWebSocket:
    """ASGI app serving subscriptions of one schema over WebSocket (module docstring)."""

    def __init__(
        self,
        schema: Schema,
        *,
        context: ContextFactory,
        limits: SubscriptionLimits,
        origins: Sequence[str] = (),
    ) -> None:
        self.schema = schema
        self.context = context
        self.limits = limits
        self.origins = tuple(origins)
        """Other origins whose pages may connect (``--cors-origin``; ``*``: any)."""
        self.running = 0
        """Subscriptions running in this worker, on every connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket", "GraphQLWebSocket serves WebSocket only"
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        if not is_origin_allowed(scope, self.origins):
            await _refuse(scope, send, OriginNotAllowed(origin_of(scope) or ""))
            return
        if PROTOCOL not in scope.get("subprotocols", ()):
            await send({"type": "websocket.accept"})
            await send(_close(SUBPROTOCOL_NOT_ACCEPTABLE, "Subprotocol not acceptable"))
            return
        await send({"type": "websocket.accept", "subprotocol": PROTOCOL})
        await _Connection(self, scope, receive, send).serve()


async def _refuse(scope: Scope, send: Send, error: OriginNotAllowed) -> None:
    """Refuse the handshake with the error's status and body (the ASGI "WebSocket Denial
    Response" extension, which uvicorn gives), or a bare 403 from a server without it."""
    logger.warning("refused a WebSocket: %s", error)
    if "websocket.http.response" not in (scope.get("extensions") or {}):
        await send({"type": "websocket.close", "code": 1008})
        return
    body = orjson.dumps(rejection_body(error))
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send(
        {"type": "websocket.http.response.start", "status": error.status, "headers": headers}
    )
    await send({"type": "websocket.http.response.body", "body": body})


def _close(code: int, reason: str) -> dict[str, Any]:
    return {"type": "websocket.close", "code": code, "reason": reason[:120]}


class _Connection:
    """One client's socket: its subscriptions, and the buffer of what it has to read."""

    def __init__(self, app: GraphQLWebSocket, scope: Scope, receive: Receive, send: Send) -> None:
        self.app = app
        self.scope = scope
        self.receive = receive
        self.send = send
        self.acknowledged = False
        self.initialised = False
        self.subscriptions: dict[str, asyncio.Task[None]] = {}
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.outbox_bytes = 0
        self.closing: tuple[int, str] | None = None
        self.closed = asyncio.Event()

    async def serve(self) -> None:
        """Read the client's messages until it leaves or the connection is closed."""
        writer = asyncio.create_task(self._write(), name="gql websocket writer")
        reader = asyncio.create_task(self._read(), name="gql websocket reader")
        closed = asyncio.create_task(self.closed.wait())
        init_timer = asyncio.get_running_loop().call_later(
            self.app.limits.init_timeout_s, self._init_timed_out
        )
        try:
            await asyncio.wait({reader, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            init_timer.cancel()
            tasks = [reader, closed, writer, *self.subscriptions.values()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self.closing is not None:
            try:
                await asyncio.wait_for(self.send(_close(*self.closing)), CLOSE_TIMEOUT_S)
            except (TimeoutError, OSError, RuntimeError):
                pass  # the client is gone, or reads nothing: the server drops the socket

    def close(self, code: int, reason: str) -> None:
        """Close the connection (once), whatever it is doing."""
        if self.closing is None:
            self.closing = (code, reason)
            self.closed.set()

    def _init_timed_out(self) -> None:
        if not self.acknowledged:
            self.close(CONNECTION_INIT_TIMEOUT, "Connection initialisation timeout")

    def post(self, message: dict[str, Any]) -> None:
        """Queue ``message`` for the client; past the buffer's bound, close the connection."""
        if self.closing is not None:
            return
        data = orjson.dumps(message)
        if self.outbox_bytes + len(data) > self.app.limits.buffer_bytes:
            logger.warning(
                "closing a WebSocket whose client read too slowly (%d bytes waiting)",
                self.outbox_bytes,
            )
            self.close(TOO_SLOW, "Too slow: the client did not read its messages")
            return
        self.outbox_bytes += len(data)
        self.outbox.put_nowait(data)

    async def _write(self) -> None:
        while True:
            data = await self.outbox.get()
            await self.send({"type": "websocket.send", "text": data.decode()})
            self.outbox_bytes -= len(data)

    async def _read(self) -> None:
        while True:
            message = await self.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                text = (message.get("bytes") or b"").decode("utf-8", "replace")
            try:
                parsed = orjson.loads(text)
            except orjson.JSONDecodeError:
                parsed = None
            if not isinstance(parsed, dict) or not isinstance(parsed.get("type"), str):
                self.close(BAD_REQUEST, "Invalid message received")
                return
            if not await self._handle(parsed):
                return

    async def _handle(self, message: dict[str, Any]) -> bool:
        """Act on one client message; False once the connection is being closed."""
        kind = message["type"]
        if kind == "connection_init":
            if self.initialised:
                self.close(TOO_MANY_INITIALISATION_REQUESTS, "Too many initialisation requests")
                return False
            self.initialised = self.acknowledged = True
            self.post({"type": "connection_ack"})
        elif kind == "ping":
            self.post({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "subscribe":
            return await self._subscribe(message)
        elif kind == "complete":
            # Gone at once: the client may start another in its place right away.
            task = self.subscriptions.pop(str(message.get("id")), None)
            if task is not None:
                task.cancel()
        else:
            self.close(BAD_REQUEST, f"Invalid message type {kind[:40]!r}")
        return self.closing is None

    async def _subscribe(self, message: dict[str, Any]) -> bool:
        if not self.acknowledged:
            self.close(UNAUTHORIZED, "Unauthorized")
            return False
        sid, payload = message.get("id"), message.get("payload")
        if not isinstance(sid, str) or not sid or not isinstance(payload, dict):
            self.close(BAD_REQUEST, "Invalid message received")
            return False
        query = payload.get("query")
        variables = payload.get("variables")
        name = payload.get("operationName")
        if not isinstance(query, str) or not isinstance(variables, dict | None):
            self.close(BAD_REQUEST, "Invalid message received")
            return False
        if sid in self.subscriptions:
            self.close(SUBSCRIBER_EXISTS, f"Subscriber for {sid[:60]} already exists")
            return False
        limits = self.app.limits
        refusal = None
        if len(self.subscriptions) >= limits.per_connection:
            refusal = TooManySubscriptions(limits.per_connection, scope="on one connection")
        elif self.app.running >= limits.per_worker:
            refusal = TooManySubscriptions(limits.per_worker, scope="on this server")
        if refusal is not None:
            self.post({"id": sid, "type": "error", "payload": [_error(refusal)]})
            return True
        context = self.app.context(self.scope)
        task = asyncio.create_task(
            self._run(sid, context, query, variables, name if isinstance(name, str) else None)
        )
        self.subscriptions[sid] = task
        self.app.running += 1
        task.add_done_callback(lambda _: self._ended(sid, task))
        # Read on once the subscription is registered (or refused): a change committed
        # after the client's next message reaches it.
        subscribed = asyncio.ensure_future(context.subscribed.wait())
        await asyncio.wait({task, subscribed}, return_when=asyncio.FIRST_COMPLETED)
        subscribed.cancel()
        return self.closing is None

    def _ended(self, sid: str, task: asyncio.Task[None]) -> None:
        self.app.running -= 1
        if self.subscriptions.get(sid) is task:
            del self.subscriptions[sid]

    async def _run(
        self,
        sid: str,
        context: Any,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
    ) -> None:
        try:
            stream = await self.app.schema.subscribe(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
            )
            async with aclosing(stream):
                async for result in stream:
                    if is_request_error(result):
                        payload = [_refusal(error) for error in result.errors or ()]
                        self.post({"id": sid, "type": "error", "payload": payload})
                        return
                    if _too_slow(result):
                        self.close(TOO_SLOW, "Too slow: a subscription fell behind the changes")
                        return
                    self.post({"id": sid, "type": "next", "payload": result_body(result)})
            self.post({"id": sid, "type": "complete"})
        except GraphQLError as error:
            # A limit of the guard, refused before validation.
            self.post({"id": sid, "type": "error", "payload": [error.formatted]})


def _error(error: TooManySubscriptions) -> dict[str, Any]:
    return {"message": str(error), "extensions": {"code": error.code, "limit": error.limit}}


def _refusal(error: GraphQLError) -> dict[str, Any]:
    """A refusal as the client reads it: a query or mutation sent here is told where to go."""
    if isinstance(error.original_error, InvalidOperationTypeError):
        return {
            "message": "Only subscriptions are served over WebSocket: send queries and"
            " mutations over HTTP, to the same URL.",
            "extensions": {"code": "OPERATION_NOT_ALLOWED"},
        }
    return dict(error.formatted)


def _too_slow(result: ExecutionResult) -> bool:
    return any(
        (error.extensions or {}).get("code") == SubscriberTooSlow.code
        for error in result.errors or ()
    )
