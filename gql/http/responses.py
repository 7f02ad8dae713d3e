"""GraphQL responses as HTTP: status codes by media type, bodies, raw ASGI sends.

The spec's status codes (its "Status Codes" section):

| outcome                                   | application/json | graphql-response+json |
|-------------------------------------------|------------------|-----------------------|
| executed (``data`` present, maybe null)   | 200              | 200                   |
| request error: parse, validation, variable| 200, no ``data`` | 400, no ``data``      |
| coercion, operation cannot be determined  |                  |                       |
| request error that is our fault (masked)  | 200, no ``data`` | 500, no ``data``      |
| not a well-formed request, refused method,| the error's status (400, 405, 406, 413, 414, |
| media type, size                          | 415), whatever the media type                |

A request error is told from an executed operation the way GraphQL defines them: field
errors have a ``path``, request errors never do, and only execution produces ``data``.
Every error body is ``{"errors": [{"message": ..., "extensions": {"code": ...}}]}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import orjson
from starlette.types import Send
from strawberry.types import ExecutionResult

from gql.errors import RequestRejected
from gql.http.negotiation import GRAPHQL_RESPONSE_JSON, JSON

INTERNAL_SERVER_ERROR: Final = "INTERNAL_SERVER_ERROR"
# Errors that end an operation once it runs (the request's deadline, the answer's size
# cap): its result is an executed one, ``data`` null, although the error has no path.
EXECUTION_STOPPED_CODES: Final = frozenset({"TIMEOUT", "RESPONSE_TOO_LARGE"})

_CONTENT_TYPES: Final = {
    JSON: b"application/json; charset=utf-8",
    GRAPHQL_RESPONSE_JSON: b"application/graphql-response+json; charset=utf-8",
}


def content_type(media_type: str | None) -> bytes:
    """The ``Content-Type`` value for a response media type (plain JSON when none was agreed)."""
    return _CONTENT_TYPES[media_type or JSON]


def is_request_error(result: ExecutionResult) -> bool:
    """Whether GraphQL refused the request before executing it (no ``data`` then)."""
    errors = result.errors or ()
    return (
        result.data is None
        and bool(errors)
        and all(error.path is None for error in errors)
        and not any(
            (error.extensions or {}).get("code") in EXECUTION_STOPPED_CODES for error in errors
        )
    )


def result_status(result: ExecutionResult, media_type: str) -> int:
    """The status of a GraphQL result sent as ``media_type`` (see the module table)."""
    if media_type != GRAPHQL_RESPONSE_JSON or not is_request_error(result):
        return 200
    codes = {(error.extensions or {}).get("code") for error in result.errors or ()}
    return 500 if INTERNAL_SERVER_ERROR in codes else 400


def result_body(result: ExecutionResult) -> dict[str, Any]:
    """The JSON object of a GraphQL response: ``data`` only when execution ran."""
    body: dict[str, Any] = {} if is_request_error(result) else {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        body["extensions"] = result.extensions
    return body


def rejection_body(error: RequestRejected) -> dict[str, Any]:
    """The body of a request the HTTP edge refused, in GraphQL's error format."""
    return {"errors": [{"message": str(error), "extensions": {"code": error.code}}]}


async def send_response(
    send: Send,
    status: int,
    body: bytes,
    *,
    headers: Sequence[tuple[bytes, bytes]],
    head: bool = False,
) -> None:
    """Send one complete response; ``head`` keeps its headers (length too) but no body."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else body})


async def send_json(
    send: Send,
    status: int,
    body: dict[str, Any],
    *,
    media_type: str | None,
    headers: Sequence[tuple[bytes, bytes]] = (),
    head: bool = False,
) -> None:
    """Send ``body`` as JSON with the agreed media type (plain JSON when none was)."""
    await send_response(
        send,
        status,
        orjson.dumps(body),
        headers=[(b"content-type", content_type(media_type)), *headers],
        head=head,
    )


async def send_rejection(
    send: Send,
    error: RequestRejected,
    *,
    media_type: str | None = None,
    headers: Sequence[tuple[bytes, bytes]] = (),
    head: bool = False,
) -> None:
    """Answer a refused request with its status and a GraphQL error body."""
    await send_json(
        send, error.status, rejection_body(error), media_type=media_type, headers=headers, head=head
    )
