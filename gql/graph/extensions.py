"""Schema extensions: the error policy and per-operation SQL accounting.

Errors are shaped here, in one place, each class with its own ``extensions.code``:

| error                                                         | code                      |
|---------------------------------------------------------------|---------------------------|
| a ``UserError`` (or a read out of time) raised by our code    | its own (``INVALID_ID``…) |
| one that already has a code (parse errors, operation rules)   | that code                 |
| raised before execution: the document is invalid              | GRAPHQL_VALIDATION_FAILED |
| graphql-core refusing a variable's or an argument's value     | BAD_USER_INPUT            |
| anything else raised while executing (an exception of ours,   | INTERNAL_SERVER_ERROR,    |
| or graphql-core finding a null for a non-null field, a list   | masked                    |
| that is not one: the server's fault, never the client's)      |                           |

``BAD_USER_INPUT`` is Apollo Server's code for invalid variable values (graphql-http
checks only the status, which stays 400 for a request error). A masked error is logged
with its traceback (by ``GqlSchema.process_errors``) and reaches the client only as
"Internal server error" with the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gql.errors import QueryTimeout, UserError
from gql.graph.context import Context
from gql.store import QueryLog, recording_queries

logger = logging.getLogger("gql.errors")

INTERNAL_ERROR_MESSAGE = "Internal server error"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
# How graphql-core words a value it cannot coerce (graphql/execution/values.py, 3.3):
# "Variable '$v' has invalid value: ...", "Argument 'a' of non-null type ... must not be
# null", "Argument 'a' has invalid value ...".
_COERCION_PREFIXES = ("Variable '$", "Argument '")


def is_visible(error: GraphQLError) -> bool:
    """Errors a client may read: its own mistakes (ours, or the ones GraphQL defines:
    invalid documents, variables and arguments); the rest is the server's fault."""
    original = error.original_error
    if isinstance(original, UserError | QueryTimeout):
        return True
    if original is not None and not isinstance(original, GraphQLError):
        return False
    # graphql-core's own errors: a field error is a value we gave it that it cannot
    # complete, unless it is a coercion of the client's argument.
    return error.path is None or error.message.startswith(_COERCION_PREFIXES)


def code_of(error: GraphQLError, *, executing: bool) -> str | None:
    """The code a client sees for ``error`` (module table); None when it is masked."""
    original = error.original_error
    if isinstance(original, UserError | QueryTimeout):
        return str(getattr(original, "code", "QUERY_TIMEOUT"))
    given = (error.extensions or {}).get("code")
    if given is not None:
        return str(given)
    if not is_visible(error):
        return None
    if not executing:
        return VALIDATION_FAILED
    # Raised once execution began yet visible: graphql-core refusing the variables (no
    # path) or an argument's value.
    return BAD_USER_INPUT


def shape_errors(
    errors: list[GraphQLError], request_id: str | None, *, executing: bool
) -> list[GraphQLError]:
    """Every error with its code (module table), the unexpected ones masked: what the
    client reads. ``executing``: raised once execution began (variables included)."""
    return [_shape(error, request_id, executing) for error in errors]


def _shape(error: GraphQLError, request_id: str | None, executing: bool) -> GraphQLError:
    code = code_of(error, executing=executing)
    if code is not None:
        extensions = {**(error.extensions or {}), "code": code}
    else:
        return GraphQLError(
            INTERNAL_ERROR_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": INTERNAL_SERVER_ERROR, "requestId": request_id},
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


def record_sql(context: object, log: QueryLog, operation_name: str | None) -> None:
    """Add an operation's statements to the request's figures (its access log line and
    metrics: ``gql.http.observability``), when the HTTP edge keeps them."""
    if isinstance(context, Context) and context.figures is not None:
        context.figures.sql_statements += log.statements
        context.figures.operation_name = operation_name


def sql_results(context: object) -> dict[str, Any]:
    """The ``extensions`` entry of an operation's SQL, when ``explain`` is on."""
    if not isinstance(context, Context) or not context.settings.explain:
        return {}
    log = context.query_log
    if log is None:
        return {}
    return {"sql": {"statements": log.statements, "ms": round(log.ms, 3)}}


class ErrorPolicy(SchemaExtension):
    """Give every error its code; replace unexpected ones by a generic message and request id."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        # Here an executed operation's result is still graphql-core's, while errors
        # raised before execution (the document's) are in Strawberry's own result: told
        # apart so, without a hook on execution (each hook costs every request
        # Strawberry's wrapping of it).
        executing = isinstance(result, GraphQLExecutionResult)
        context = self.execution_context.context
        request_id = context.request_id if isinstance(context, Context) else None
        result.errors = shape_errors(result.errors, request_id, executing=executing)


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
                record_sql(context, log, self.execution_context.operation_name)

    def get_results(self) -> dict[str, Any]:
        return sql_results(self.execution_context.context)
