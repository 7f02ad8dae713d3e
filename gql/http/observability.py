"""What every request leaves behind: its request id, an access log line and its metrics.

``Observability`` is the outermost ASGI middleware, so it sees every response (GraphQL
answers, 304s, health, GraphiQL, Starlette's 404s and 500s) as the client gets it,
compressed and with every header. For each request it:

- takes or makes the request id (``gql.http.request_id``) and adds ``X-Request-ID`` to the
  response;
- puts a ``RequestRecord`` into the ASGI scope (``RECORD_KEY``) before calling the app:
  inner layers fill in what only they know. The GraphQL context gets the record from the
  app's context factory: the schema's SQL accounting adds the operation's name and its
  statement count, the DataLoaders add their batch sizes; the view adds the cost and the
  error codes of the result (``observe_result``, ``observe_rejection``). This middleware
  reads the rest from the response itself: status, bytes sent, and the response cache's
  ``X-GQL-Cache`` header;
- once the answer's last bytes are handed to the server (or the app ends without an
  answer), hands the record to the sinks: the access log (``gql.http.access_log``) and
  the metrics (``gql.http.metrics``). Before those bytes, not after: a client that has
  its answer finds its request in the log and in ``/metrics``.

A WebSocket connection gets a request id on its handshake's answer and one record when
it ends (``WEBSOCKET``, status 101 once accepted): a line in the access log; the metrics
leave it out, whose latencies are those of requests, not of connections that last hours.

A record is one small mutable object per request, written by one request's code only;
the sinks read it after the app is done with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gql.errors import RequestRejected
from gql.http.request_id import HEADER, request_id_of

logger = logging.getLogger("gql.http")

RECORD_KEY: Final = "gql.request"
"""The scope key of a request's ``RequestRecord``."""
CLIENT_CLOSED: Final = 499
"""The status logged for a request that ended without an answer: its client went away
(nginx's convention)."""
_CACHE_HEADER: Final = b"x-gql-cache"
WEBSOCKET: Final = "WEBSOCKET"
"""The method of a WebSocket connection's record (its log line is written when it ends)."""
BATCH: Final = "(batch)"
"""The operation name of a batch's record (no GraphQL name: counted as ``other``)."""


@dataclass(slots=True)
class RequestRecord:
    """What is known of one request, filled in by the layers that know it (see above)."""

    request_id: str
    method: str
    path: str
    timestamp: float = field(default_factory=time.time)
    """When the request arrived (seconds since the epoch)."""
    started: float = field(default_factory=time.perf_counter)
    operation_name: str | None = None
    sql_statements: int = 0
    """SQL statements the request's GraphQL operations issued."""
    cost_requested: int | None = None
    cost_actual: int | None = None
    error_codes: list[str] = field(default_factory=list)
    """``extensions.code`` of every error of the answer."""
    batch_sizes: list[int] = field(default_factory=list)
    """Keys of every DataLoader batch the request dispatched."""
    status: int = 0
    response_bytes: int = 0
    cache: str | None = None
    """``hit`` or ``miss`` of the response cache, ``not-modified`` for a 304."""
    duration_s: float = 0.0
    finished: bool = False
    """Handed to the sinks (once, when the answer ends)."""


Sink = Callable[[RequestRecord], None]
"""Takes a finished request's record (writes its log line, counts it)."""


def request_record(scope: Scope) -> RequestRecord | None:
    """The request's record, when ``Observability`` runs around the app."""
    record: RequestRecord | None = scope.get(RECORD_KEY)
    return record


def observe_result(scope: Scope, result: Any) -> None:
    """Note a GraphQL result's cost and error codes in the request's record.

    ``result`` is an ``ExecutionResult``: its ``extensions.cost`` is the request guard's
    report, its errors are shaped by the error policy (each with a code)."""
    record = scope.get(RECORD_KEY)
    if record is None:
        return
    cost = (result.extensions or {}).get("cost")
    if cost:
        requested, actual = cost.get("requestedQueryCost"), cost.get("actualQueryCost")
        if isinstance(requested, int):
            record.cost_requested = (record.cost_requested or 0) + requested
        if isinstance(actual, int):
            record.cost_actual = (record.cost_actual or 0) + actual
    for error in result.errors or ():
        code = (error.extensions or {}).get("code")
        record.error_codes.append(code if isinstance(code, str) else "UNKNOWN")


def observe_batch(scope: Scope) -> None:
    """Name a batch's record ``BATCH``: its operations ran at once, each setting its own
    name, and the record holds the sum of their figures."""
    record = scope.get(RECORD_KEY)
    if record is not None:
        record.operation_name = BATCH


def observe_rejection(scope: Scope, error: RequestRejected) -> None:
    """Note the code of a request the view refused before GraphQL ran."""
    record = scope.get(RECORD_KEY)
    if record is not None:
        record.error_codes.append(str(getattr(error, "code", "BAD_REQUEST")))


class Observability:
    """ASGI middleware: request ids, and a finished record for every sink (see above)."""

    def __init__(self, app: ASGIApp, *, sinks: Sequence[Sink] = ()) -> None:
        self.app = app
        self.sinks = tuple(sinks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._connection(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = RequestRecord(request_id_of(scope["headers"]), scope["method"], scope["path"])
        scope[RECORD_KEY] = record
        header = (HEADER, record.request_id.encode())

        async def send_observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                for name, value in headers:
                    if name == _CACHE_HEADER:
                        record.cache = value.decode("latin-1")
                headers.append(header)
                record.status = message["status"]
                if record.status == 304:
                    record.cache = "not-modified"
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                record.response_bytes += len(message.get("body", b""))
                if not message.get("more_body", False) and not record.finished:
                    # Before the last bytes go: a client that has its answer finds the
                    # request counted and logged.
                    self._finish(record)
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        except Exception:
            # Starlette has answered 500 by now (and re-raised for the server to log). A
            # cancelled request (its client gone) has no answer: CLIENT_CLOSED below.
            if record.status == 0:
                record.status = 500
            raise
        finally:
            if not record.finished:
                self._finish(record)

    async def _connection(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket: its request id on the handshake's answer, and one record when the
        connection ends (status 101 once accepted, else the refusal's; its duration is
        the connection's life; its bytes, those of the messages sent)."""
        record = RequestRecord(request_id_of(scope["headers"]), WEBSOCKET, scope["path"])
        scope[RECORD_KEY] = record
        header = (HEADER, record.request_id.encode())

        async def send_observed(message: Message) -> None:
            kind = message["type"]
            if kind == "websocket.send":
                text = message.get("text")
                record.response_bytes += len(
                    text.encode() if text is not None else message.get("bytes") or b""
                )
            elif kind == "websocket.http.response.body":
                record.response_bytes += len(message.get("body", b""))
            elif kind in ("websocket.accept", "websocket.http.response.start"):
                record.status = message.get("status", 101)
                message = {**message, "headers": [*message.get("headers", ()), header]}
            elif kind == "websocket.close" and record.status == 0:
                record.status = 403  # refused before the handshake was answered (ASGI)
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            self._finish(record)

    def _finish(self, record: RequestRecord) -> None:
        record.finished = True
        record.duration_s = time.perf_counter() - record.started
        if record.status == 0:
            record.status = CLIENT_CLOSED
        for sink in self.sinks:
            try:
                sink(record)
            except Exception:
                # A full disk under the metrics' files must not fail the answer itself.
                logger.exception("request %s: could not be counted or logged", record.request_id)
