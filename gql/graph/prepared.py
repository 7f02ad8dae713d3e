"""The lean path: a query already parsed and validated runs without ``Schema.execute``.

``Schema.execute`` costs every request the same fixed work before and after graphql-core
runs the operation: an execution context, a fresh instance of each schema extension,
their hooks entered and left as async context managers (Strawberry looks each hook up
and wraps it per request), the parser's and the validator's caches consulted through
those hooks, the operation type checked. For a query text (and operation name) it has
seen before, all of that gives the same answer again, so ``PreparedOperations`` runs it
directly: the operation the document names, executed by graphql-core as
``Schema.execute`` executes it (same executor, variables coerced by graphql-core, its
errors), with what the extensions do for a request as plain calls, in the same order:

- the request guard (``gql.graph.guard``): the deadline (a timer cancelling the task and
  ``request_deadline``), the list bounds, the document's shape and cost
  (``Costing.check_document``), and after execution the answer's size and objects
  (``Costing.check_answer``), reported as ``extensions.cost``;
- the SQL accounting and the error policy (``gql.graph.extensions``): the statements
  counted into the request's figures (and ``extensions.sql`` with ``explain``), every
  error given its code, unexpected ones logged (``GqlSchema.process_errors``) and masked.

Everything else is left to ``Schema.execute`` (``execute`` returns None): a text not
parsed, validated and found valid before (so its first request, and any invalid one),
an operation that is not a query (mutations over GET, subscriptions), a document whose
operation must be named, a request the guard refuses (it refuses it again there, with
the same error), a schema with extensions of another kind (a user's own) or resolver
middleware, and contexts other than a request's ``Context``. Answers are the same
either way: ``tests/http/test_prepared.py`` runs both entries side by side.
"""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    MiddlewareManager,
    OperationDefinitionNode,
    OperationType,
    execute,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types import ExecutionResult as StrawberryResult

from gql.errors import LimitExceeded, QueryTimeout, RequestTimeout, UserError
from gql.execution.compat import graphql_schema, optimized_is_awaitable
from gql.execution.documents import DocumentCaching
from gql.graph.context import Context
from gql.graph.costing import (
    Costing,
    KnownDocument,
    as_graphql_error,
    parse_options,
    schema_state,
)
from gql.graph.extensions import (
    ErrorPolicy,
    SqlAccounting,
    record_sql,
    shape_errors,
    sql_results,
)
from gql.graph.guard import RequestGuard, list_bounds
from gql.graph.limits import limit_of_syntax_error
from gql.graph.schema import GqlSchema
from gql.store import recording_queries, request_deadline

REPLICATED: tuple[type[SchemaExtension], ...] = (
    RequestGuard,
    DocumentCaching,
    SqlAccounting,
    ErrorPolicy,
)
"""The schema's own extensions, whose work for a prepared query this module does."""


class PreparedOperations:
    """Runs the prepared queries of one schema (see the module docstring).

    ``validation_only``: further extension classes on the schema whose whole effect is
    on validation (e.g. the HTTP edge's request rules), already in the verdict a prepared
    document carries. With any other extension, the lean path is off.
    """

    def __init__(
        self, schema: GqlSchema, *, validation_only: tuple[type[SchemaExtension], ...] = ()
    ) -> None:
        self.schema = schema
        self.known = (*REPLICATED, *validation_only)
        self._checked: Any = None
        self._lean = False

    def _is_lean(self) -> bool:
        """Whether the schema's extensions are all ones this path accounts for (checked
        again whenever its list changes)."""
        extensions = self.schema.extensions
        if extensions is not self._checked:
            schema = self.schema
            instances = schema.get_extensions()
            self._lean = (
                schema.documents is not None
                and not schema.config.enable_experimental_incremental_execution
                and all(type(extension) in self.known for extension in instances)
            )
            self._checked = extensions
        return self._lean

    async def execute(
        self,
        query: str | None,
        *,
        variables: dict[str, Any] | None,
        context: Any,
        operation_name: str | None,
        operation_extensions: dict[str, Any] | None,
    ) -> StrawberryResult | None:
        """The answer ``Schema.execute`` would give, or None when it must give it."""
        if not query or type(context) is not Context or not self._is_lean():
            return None
        documents = self.schema.documents
        assert documents is not None
        settings = context.settings
        document = documents.validated(query, parse_options(settings))
        if document is None:
            return None
        operation = _operation(document, operation_name)
        if operation is None or operation.operation is not OperationType.QUERY:
            return None
        state = schema_state(self.schema)
        known = state.documents.get(query)
        if known is None or known.document is not document or known.passed is not settings:
            return None
        # What ``ExecutionContext.operation_name`` is: the one asked for, or the document's.
        name = operation_name if operation_name is not None else _name(operation)
        return await self._run(
            query, document, known, context, name, variables, operation_extensions
        )

    async def _run(
        self,
        query: str,
        document: DocumentNode,
        known: KnownDocument,
        context: Context,
        name: str | None,
        variables: dict[str, Any] | None,
        operation_extensions: dict[str, Any] | None,
    ) -> StrawberryResult | None:
        settings = context.settings
        costing = Costing()
        limit_ms = settings.request_time_limit_ms
        task = asyncio.current_task()
        assert task is not None
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            task.cancel()

        # As the request guard's operation hook: its timer, deadline and error handling.
        timer = asyncio.get_running_loop().call_later(limit_ms / 1000, expire)
        with request_deadline(limit_ms):
            try:
                bounds = await list_bounds(context.store)
                try:
                    costing.check_document(
                        schema_state(self.schema),
                        query,
                        known,
                        document,
                        settings,
                        operation_name=name,
                        variables=variables or {},
                        bounds=bounds,
                    )
                except LimitExceeded:
                    return None  # refused: Schema.execute refuses it in its own words
                with recording_queries() as log:
                    context.query_log = log
                    try:
                        result = await self._executed(
                            document, context, name, variables, operation_extensions
                        )
                    finally:
                        record_sql(context, log, name)
            except asyncio.CancelledError:
                if expired and task.uncancel() == 0:
                    error = as_graphql_error(RequestTimeout(limit_ms))
                    return self._refused(query, context, name, variables, costing, error)
                raise
            except (UserError, QueryTimeout) as exc:
                error = as_graphql_error(exc)
                return self._refused(query, context, name, variables, costing, error)
            except GraphQLError as exc:
                limit = limit_of_syntax_error(exc, settings)
                error = exc if limit is None else as_graphql_error(limit)
                return self._refused(query, context, name, variables, costing, error)
            except Exception as exc:
                # As Schema.execute answers an exception out of the operation hooks.
                error = GraphQLError(str(exc), original_error=exc)
                return self._refused(query, context, name, variables, costing, error)
            finally:
                timer.cancel()
        costing.check_answer(result, settings)
        extensions = {**costing.cost_results(settings), **sql_results(context)}
        return StrawberryResult(data=result.data, errors=result.errors, extensions=extensions)

    async def _executed(
        self,
        document: DocumentNode,
        context: Context,
        name: str | None,
        variables: dict[str, Any] | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        """graphql-core's result as ``Schema.execute`` executes the operation (the call
        of its private ``_execute_operation``, strawberry 0.341, without incremental
        delivery or middleware), errors logged, then shaped by the error policy."""
        result = execute(
            graphql_schema(self.schema),
            document,
            root_value=None,
            middleware=MiddlewareManager(),
            variable_values=variables,
            operation_name=name,
            context_value=context,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # as Strawberry's
            executor_class=self.schema.execution_context_class,  # None: graphql-core's own
            operation_extensions=operation_extensions,
        )
        if not isinstance(result, ExecutionResult):
            result = await result
        if result.errors:
            self.schema.process_errors(result.errors, self._context(context, name, variables))
            result.errors = shape_errors(result.errors, context.request_id, executing=True)
        return result

    def _refused(
        self,
        query: str,
        context: Context,
        name: str | None,
        variables: dict[str, Any] | None,
        costing: Costing,
        error: GraphQLError,
    ) -> StrawberryResult:
        """The answer to an operation ended by an exception: that error alone, as the
        guard raises it and ``Schema.execute`` answers it (the error policy unseen)."""
        self.schema.process_errors([error], self._context(context, name, variables, query))
        extensions = {**costing.cost_results(context.settings), **sql_results(context)}
        return StrawberryResult(data=None, errors=[error], extensions=extensions)

    def _context(
        self,
        context: Context,
        name: str | None,
        variables: dict[str, Any] | None,
        query: str | None = None,
    ) -> ExecutionContext:
        """An execution context for ``process_errors`` (built only when there are errors)."""
        return ExecutionContext(
            query=query,
            schema=self.schema,
            allowed_operations=(),
            context=context,
            variables=variables,
            provided_operation_name=name,
        )


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    """The operation a request runs, when it can be told without a request error: the
    only one when no name is given (several need a name: ``OperationRules``)."""
    chosen = None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if name is None:
                if chosen is not None:
                    return None
                chosen = definition
            elif definition.name is not None and definition.name.value == name:
                chosen = definition
    return chosen


def _name(operation: OperationDefinitionNode) -> str | None:
    return operation.name.value if operation.name is not None else None
