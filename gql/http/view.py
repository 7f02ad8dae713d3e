"""The GraphQL view: GraphQL over HTTP by the spec (the draft graphql-http audits), in ASGI.

One URL serves it all:
- ``POST`` with a JSON body (``Content-Type: application/json``, 415 otherwise) runs
  queries (and would run mutations);
- ``GET`` runs queries from the query string; a mutation there is 405 (``Allow: POST``);
  a browser asking for HTML without a ``query`` gets GraphiQL (when enabled);
- ``HEAD`` is ``GET`` without the body; any other method is 405 with ``Allow``.

A request may name a persisted document instead of sending it (Apollo's APQ, the
draft's ``documentId``, an allow-list: ``gql.http.persisted``), and a POST may carry a
JSON array of requests, a batch (``gql.http.batching``).

The answer is ``application/graphql-response+json`` or ``application/json`` as the
client's ``Accept`` says (406 when neither; ``gql.http.negotiation``), with the status
codes of ``gql.http.responses``. Each request gets a fresh context (and DataLoaders) from
the factory the app passes in: the HTTP edge knows HTTP, not the graph.

This replaces Strawberry's ASGI view, which answers malformed requests in plain text,
has one status code for every media type, and parses ``Content-Type`` with
``email.message`` on every request; it talks to the schema only through
``Schema.execute``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol

import orjson
from graphql import GraphQLError
from starlette.types import Receive, Scope, Send
from strawberry import Schema
from strawberry.exceptions import MissingQueryError
from strawberry.types import ExecutionResult

from gql.errors import (
    MethodNotAllowed,
    NotAcceptable,
    RequestRejected,
    UnsupportedMediaType,
)
from gql.execution.compat import (
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
    OperationType,
)
from gql.http.assets import ASSETS_DIR
from gql.http.batching import run_batch
from gql.http.graphiql import GraphiQLPage
from gql.http.negotiation import (
    JSON,
    RESPONSE_TYPES,
    accepts_html,
    choose_response_type,
    is_json_body,
)
from gql.http.observability import observe_batch, observe_rejection, observe_result
from gql.http.operations import OPERATION_RESOLUTION_FAILURE, PARSE_FAILED
from gql.http.params import (
    GraphQLParams,
    has_query_parameter,
    json_from_body,
    params_from_json,
    params_from_query_string,
    read_body,
)
from gql.http.persisted import PersistedQueries
from gql.http.responses import (
    content_type,
    result_body,
    result_status,
    send_rejection,
    send_response,
)
from gql.settings import Settings

METHODS: Final = ("GET", "HEAD", "POST")
# Subscriptions are served over WebSocket (``gql.http.websocket``), at the same URL.
_POST_OPERATIONS: Final = frozenset({OperationType.QUERY, OperationType.MUTATION})
_GET_OPERATIONS: Final = frozenset({OperationType.QUERY})
SUBSCRIPTION_OVER_HTTP: Final = "SUBSCRIPTION_OVER_HTTP"

ContextFactory = Callable[[Scope], Any]
"""Builds the per-request GraphQL context from the request's ASGI scope (lifespan state)."""
VersionFn = Callable[[Scope], Awaitable[int]]
"""Reads the version of the data the request's context reads (bumped by every load)."""
SeenVersionFn = Callable[[Scope], int | None]
"""The version last read (by anyone) before now, without reading it: None if none was."""


class PreparedRun(Protocol):
    """Answers a request as ``Schema.execute`` would, without it, when the operation is
    one it has prepared (``gql.graph.prepared``); None when ``Schema.execute`` must."""

    async def __call__(
        self,
        query: str | None,
        *,
        variables: dict[str, Any] | None,
        context: Any,
        operation_name: str | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult | None: ...


# Each SQL statement of a request sees the data as committed when it starts, so a load
# committed while a request runs would give it a page of the old data and a count of
# the new. Such a request runs again (loads are seconds apart: twice is the rule). The
# version before it is the last one read before it began (versions only grow, so one read
# earlier still tells a change), which spares one read per request.
_RUNS_PER_VERSION_CHANGE: Final = 5


class GraphQLView:
    """ASGI app serving one schema over HTTP (see the module docstring)."""

    def __init__(
        self,
        schema: Schema,
        settings: Settings,
        *,
        context: ContextFactory,
        data_version: VersionFn | None = None,
        seen_version: SeenVersionFn | None = None,
        prepared: PreparedRun | None = None,
    ) -> None:
        self.schema = schema
        self.prepared = prepared
        self.context = context
        self.data_version = data_version
        self.seen_version = seen_version
        self.graphiql = (
            GraphiQLPage.build(settings.graphiql_assets or ASSETS_DIR)
            if settings.graphiql
            else None
        )
        self.persisted = PersistedQueries.for_settings(settings, schema)
        self.batch_limit = settings.batch_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http", "GraphQLView serves HTTP only"
        method: str = scope["method"]
        head = method == "HEAD"
        media_type: str | None = None
        try:
            if method not in METHODS:
                raise MethodNotAllowed(method, METHODS)
            accept = content_type_header = None
            for name, value in scope["headers"]:
                if name == b"accept":
                    accept = value
                elif name == b"content-type":
                    content_type_header = value
            if method != "POST" and self.graphiql is not None and accepts_html(accept):
                if not has_query_parameter(scope["query_string"]):
                    page = self.graphiql
                    await send_response(
                        send, page.status, page.body, headers=page.headers, head=head
                    )
                    return
            media_type = choose_response_type(accept)
            if media_type is None:
                raise NotAcceptable((accept or b"").decode("latin-1"), RESPONSE_TYPES)
            if method == "POST":
                if not is_json_body(content_type_header):
                    raise UnsupportedMediaType(
                        content_type_header.decode("latin-1") if content_type_header else None,
                        JSON,
                    )
                payload = json_from_body(await read_body(receive))
                if isinstance(payload, list):
                    await self._answer_batch(scope, payload, send, media_type)
                    return
                params = params_from_json(payload)
            else:
                params = params_from_query_string(scope["query_string"])
            result = await self._run(scope, params, method)
        except RequestRejected as error:
            observe_rejection(scope, error)
            allow = (
                [(b"allow", ", ".join(error.allowed).encode())]
                if isinstance(error, MethodNotAllowed)
                else []
            )
            await send_rejection(send, error, media_type=media_type, headers=allow, head=head)
            return
        answer_type = media_type or JSON
        await send_response(
            send,
            result_status(result, answer_type),
            orjson.dumps(result_body(result)),
            headers=[(b"content-type", content_type(answer_type))],
            head=head,
        )

    async def _answer_batch(
        self, scope: Scope, items: list[Any], send: Send, media_type: str
    ) -> None:
        """Run a POST's batch of requests and send their answers as one JSON array."""
        answers = await run_batch(
            items, limit=self.batch_limit, run=lambda params: self._run(scope, params, "POST")
        )
        observe_batch(scope)
        await send_response(
            send, 200, orjson.dumps(answers), headers=[(b"content-type", content_type(media_type))]
        )

    async def _run(self, scope: Scope, params: GraphQLParams, method: str) -> ExecutionResult:
        """Run one request: the text it sends or names (persisted), registered once run."""
        resolved = self.persisted.resolve(params)
        result = await self._execute(scope, resolved.query, params, method)
        self.persisted.remember(resolved, result)
        observe_result(scope, result)  # each operation of a batch adds its cost and errors
        return result

    async def _execute(
        self, scope: Scope, query: str, params: GraphQLParams, method: str
    ) -> ExecutionResult:
        """Run the request's operation on one version of the data: again if the version
        changed while it ran (see ``_RUNS_PER_VERSION_CHANGE``)."""
        if self.data_version is None:
            return await self._execute_once(scope, query, params, method)
        for _ in range(_RUNS_PER_VERSION_CHANGE):
            seen = self.seen_version(scope) if self.seen_version is not None else None
            version = seen if seen is not None else await self.data_version(scope)
            result = await self._execute_once(scope, query, params, method)
            if await self.data_version(scope) == version:
                break
        return result

    async def _execute_once(
        self, scope: Scope, query: str, params: GraphQLParams, method: str
    ) -> ExecutionResult:
        """Run the request's operation (prepared, or through ``Schema.execute``); refusals
        that depend on the document become errors."""
        context = self.context(scope)
        if self.prepared is not None:
            result = await self.prepared(
                query,
                variables=params.variables,
                context=context,
                operation_name=params.operation_name,
                operation_extensions=params.extensions,
            )
            if result is not None:
                return result
        try:
            return await self.schema.execute(
                query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=_POST_OPERATIONS if method == "POST" else _GET_OPERATIONS,
                operation_extensions=params.extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                message = (
                    "Subscriptions are served over WebSocket at this URL (subprotocol"
                    " graphql-transport-ws), not over HTTP."
                )
                return _error_result(message, SUBSCRIPTION_OVER_HTTP)
            raise MethodNotAllowed(
                method, ("POST",), what=f"{exc.operation_type.value}s over {method}"
            ) from exc
        except CannotGetOperationTypeError as exc:
            name = exc.operation_name
            message = f'Unknown operation named "{name}".' if name else "Must provide an operation."
            code = OPERATION_RESOLUTION_FAILURE
        except MissingQueryError:
            # Only an empty ``query`` gets here; it is a document that does not parse.
            message, code = "Syntax Error: Unexpected <EOF>.", PARSE_FAILED
        return _error_result(message, code)


def _error_result(message: str, code: str) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])
