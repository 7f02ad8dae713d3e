"""The parameters of a GraphQL-over-HTTP request, read from a JSON body or a query string.

A request is well formed when ``query`` is a string, ``operationName`` a string or null,
and ``variables`` and ``extensions`` maps or null (the spec's "Request Parameters"); null
is the same as absent, and so is an empty ``operationName``. Anything else is a
``MalformedRequest`` (400 with a JSON error body), never a guess: a request whose
``variables`` are a list is refused rather than run without them. Whether ``query``
parses is GraphQL's business, not this module's.

A persisted document request names its document instead of sending it: by
``documentId`` (the GraphQL-over-HTTP draft's persisted documents appendix), Relay's
``doc_id`` or ``id``, or Apollo's ``extensions.persistedQuery``; ``query`` may then be
absent, and ``gql.http.persisted`` finds the text. A JSON array body is a batch
(``gql.http.batching``); a GET carries one operation, so batch-shaped query strings are
refused (405, ``Allow: POST``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import Receive

from gql.errors import MalformedRequest, MethodNotAllowed

_MAP_PARAMETERS = ("variables", "extensions")
# The names a persisted document request gives its document's id by, in the order read.
DOCUMENT_ID_PARAMETERS = ("documentId", "doc_id", "id")
# Query-string names of batches as PHP and Rails clients send them: ``0[query]=...``.
_INDEXED_NAME = re.compile(r"\[?\d+\]?\[")


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    """One well-formed request: the document, and what to run of it with which values."""

    query: str | None
    """The document's text; None when the request names a persisted document instead."""
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None
    document_id: str | None = None
    """The persisted document named by ``documentId``, ``doc_id`` or ``id``."""

    @property
    def persisted_query(self) -> object:
        """``extensions.persistedQuery`` (Apollo's APQ), None when absent."""
        return self.extensions.get("persistedQuery") if self.extensions else None


def _checked(data: dict[str, Any]) -> GraphQLParams:
    query = data.get("query")
    if query is not None and not isinstance(query, str):
        raise MalformedRequest(f"`query` must be a string, got {_kind(query)}")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise MalformedRequest(
            f"`operationName` must be a string or null, got {_kind(operation_name)}"
        )
    maps: list[dict[str, Any] | None] = []
    for name in _MAP_PARAMETERS:
        value = data.get(name)
        if value is not None and not isinstance(value, dict):
            raise MalformedRequest(f"`{name}` must be an object or null, got {_kind(value)}")
        maps.append(value)
    document_id = _document_id(data)
    params = GraphQLParams(query, operation_name or None, maps[0], maps[1], document_id)
    if query is None and document_id is None and params.persisted_query is None:
        raise MalformedRequest("the request has no `query` parameter")
    return params


def _document_id(data: dict[str, Any]) -> str | None:
    for name in DOCUMENT_ID_PARAMETERS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise MalformedRequest(f"`{name}` must be a non-empty string, got {_kind(value)}")
        return value
    return None


def json_from_body(body: bytes) -> object:
    """The JSON value of a POST body (UTF-8): an object, or a list for a batch; otherwise
    ``MalformedRequest``."""
    if not body:
        raise MalformedRequest("the request body is empty; send a JSON object with `query`")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedRequest(f"the request body is not valid JSON: {exc}") from exc


def params_from_json(data: object, *, what: str = "the request body") -> GraphQLParams:
    """The parameters of one request's JSON object (a POST body, or ``what``: one
    operation of a batch), or ``MalformedRequest``."""
    if not isinstance(data, dict):
        raise MalformedRequest(f"{what} must be a JSON object, got {_kind(data)}")
    return _checked(data)


def params_from_query_string(query_string: bytes) -> GraphQLParams:
    """The parameters of a GET request's URL (``variables`` and ``extensions`` as JSON)."""
    try:
        pairs = parse_qsl(query_string.decode(), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise MalformedRequest("the query string is not valid UTF-8") from exc
    data: dict[str, Any] = {}
    for name, value in pairs:
        if _INDEXED_NAME.match(name) or (name == "query" and value.lstrip().startswith("[")):
            raise MethodNotAllowed("GET", ("POST",), what="batches of operations over GET")
        if name in data:
            # Two values for one name: refusing beats guessing which one a proxy or a
            # cache in front of us would have used.
            raise MalformedRequest(f"`{name}` is given more than once in the query string")
        data[name] = value
    for name in _MAP_PARAMETERS:
        if data.get(name):
            try:
                data[name] = orjson.loads(data[name])
            except orjson.JSONDecodeError as exc:
                raise MalformedRequest(f"`{name}` is not valid JSON: {exc}") from exc
        else:
            data[name] = None
    return _checked(data)


_DOCUMENT_PARAMETERS = frozenset({"query", "extensions", *DOCUMENT_ID_PARAMETERS})


def has_query_parameter(query_string: bytes) -> bool:
    """Whether a GET request names a document (``query``, or a persisted one by
    ``documentId``, ``doc_id``, ``id`` or ``extensions``); otherwise a browser may want GraphiQL."""
    pairs = parse_qsl(query_string.decode(errors="replace"), keep_blank_values=True)
    return any(name in _DOCUMENT_PARAMETERS for name, _ in pairs)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


async def read_body(receive: Receive) -> bytes:
    """The whole body of an ASGI request (the size limit, ``gql.http.limits``, is upstream)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
