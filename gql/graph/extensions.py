"""Schema extensions: the error policy and per-operation SQL accounting.

Errors are shaped here, in one place: ``UserError`` keeps its message and gains
``extensions.code``; anything unexpected is logged with its traceback (by
``GqlSchema.process_errors``) and reaches the client only as "Internal server error" with
the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gql.errors import QueryTimeout, UserError
from gql.graph.context import Context
from gql.store import recording_queries

logger = logging.getLogger("gql.errors")

INTERNAL_ERROR_MESSAGE = "Internal server error"


def is_visible(error: GraphQLError) -> bool:
    """Errors a client may read: its own mistakes, and anything not raised by our code."""
    original = error.original_error
    return original is None or isinstance(original, UserError | QueryTimeout | GraphQLError)


class ErrorPolicy(SchemaExtension):
    """Give user errors a code; replace unexpected ones by a generic message and request id."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        context = self.execution_context.context
        request_id = context.request_id if isinstance(context, Context) else None
        result.errors = [self._shape(error, request_id) for error in result.errors]

    @staticmethod
    def _shape(error: GraphQLError, request_id: str | None) -> GraphQLError:
        original = error.original_error
        if isinstance(original, UserError | QueryTimeout):
            code = getattr(original, "code", "QUERY_TIMEOUT")
            extensions = {**(error.extensions or {}), "code": code}
        elif is_visible(error):
            extensions = {"code": "GRAPHQL_VALIDATION_FAILED", **(error.extensions or {})}
        else:
            return GraphQLError(
                INTERNAL_ERROR_MESSAGE,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            )
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )


class SqlAccounting(SchemaExtension):
    """Count and time the SQL each operation issues; report it when ``explain`` is on."""

    def on_operation(self) -> Iterator[None]:
        with recording_queries() as log:
            context = self.execution_context.context
            if isinstance(context, Context):
                context.query_log = log
            try:
                yield
            finally:
                # For the request's access log line and metrics (gql.http.observability),
                # also when the operation ends in an exception (an unknown operation name).
                if isinstance(context, Context) and context.figures is not None:
                    context.figures.sql_statements += log.statements
                    context.figures.operation_name = self.execution_context.operation_name

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if not isinstance(context, Context) or not context.settings.explain:
            return {}
        log = context.query_log
        if log is None:
            return {}
        return {"sql": {"statements": log.statements, "ms": round(log.ms, 3)}}
