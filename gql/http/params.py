"""The parameters of a GraphQL-over-HTTP request, read from a JSON body or a query string.

A request is well formed when ``query`` is a string, ``operationName`` a string or null,
and ``variables`` and ``extensions`` maps or null (the spec's "Request Parameters"); null
is the same as absent, and so is an empty ``operationName``. Anything else is a
``MalformedRequest`` (400 with a JSON error body), never a guess: a request whose
``variables`` are a list is refused rather than run without them. Whether ``query``
parses is GraphQL's business, not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from gql.errors import MalformedRequest

_MAP_PARAMETERS = ("variables", "extensions")


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    """One well-formed request: the document, and what to run of it with which values."""

    query: str
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None


def _checked(data: dict[str, Any]) -> GraphQLParams:
    query = data.get("query")
    if query is None:
        raise MalformedRequest("the request has no `query` parameter")
    if not isinstance(query, str):
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
    return GraphQLParams(query, operation_name or None, maps[0], maps[1])


def params_from_body(body: bytes) -> GraphQLParams:
    """The parameters of a POST body (JSON, UTF-8), or ``MalformedRequest``."""
    if not body:
        raise MalformedRequest("the request body is empty; send a JSON object with `query`")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedRequest(f"the request body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        # A list would be a batch of operations, which this server does not run.
        raise MalformedRequest(f"the request body must be a JSON object, got {_kind(data)}")
    return _checked(data)


def params_from_query_string(query_string: bytes) -> GraphQLParams:
    """The parameters of a GET request's URL (``variables`` and ``extensions`` as JSON)."""
    try:
        pairs = parse_qsl(query_string.decode(), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise MalformedRequest("the query string is not valid UTF-8") from exc
    data: dict[str, Any] = {}
    for name, value in pairs:
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


def has_query_parameter(query_string: bytes) -> bool:
    """Whether a GET request carries ``query`` (otherwise a browser may want GraphiQL)."""
    pairs = parse_qsl(query_string.decode(errors="replace"), keep_blank_values=True)
    return any(name == "query" for name, _ in pairs)


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
