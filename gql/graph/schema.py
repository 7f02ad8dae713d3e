"""The schema: the Query and Subscription roots and the types, with extensions and the
compiled executor.

``build_schema`` assembles it; unexpected errors are logged with their request id here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.execution import Executor
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from gql.execution.compat import (
    InvalidOperationTypeError,
    ObjectField,
    ResolverCall,
    object_fields,
)
from gql.execution.documents import DocumentCaching, ParsedDocuments
from gql.execution.plans import Read, compiled_executor
from gql.execution.resolvers import (
    batch_resolvers,
    relation_fields,
    resolver_calls,
    use_fast_resolvers,
)
from gql.execution.selections import SelectionCache
from gql.graph.context import Context
from gql.graph.extensions import ErrorPolicy, SqlAccounting, is_visible
from gql.graph.guard import RequestGuard
from gql.graph.lists import LIST_BATCHES
from gql.graph.prefetch import RELATIONS
from gql.graph.query import Query
from gql.graph.scalars import SCALAR_OVERRIDES
from gql.graph.statement import Statements
from gql.graph.subscription import Subscription
from gql.graph.types import (
    Article,
    Image,
    Provider,
    RelatedLink,
    Topic,
)

logger = logging.getLogger("gql.errors")


class GqlSchema(strawberry.Schema):
    """The schema, logging unexpected errors with their traceback and request id."""

    def __init__(
        self,
        *,
        query: type,
        subscription: type | None = None,
        types: Iterable[type] = (),
        extensions: Iterable[type[SchemaExtension] | Callable[[], SchemaExtension]] = (),
        execution_context_class: type[Executor[Any]] | None = None,
        selection_cache: SelectionCache | None = None,
        documents: ParsedDocuments | None = None,
    ) -> None:
        super().__init__(
            query=query,
            subscription=subscription,
            types=types,
            extensions=extensions,
            execution_context_class=execution_context_class,
            scalar_overrides=SCALAR_OVERRIDES,
        )
        self.selection_cache = selection_cache
        """Converted selections kept across requests (``gql.graph.resolving``)."""
        self.documents = documents
        """Parsed and validated documents kept across requests (``DocumentCaching``)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context else None
        request_id = context.request_id if isinstance(context, Context) else None
        for error in errors:
            # A query sent where only subscriptions run is the client's mistake, answered.
            if not is_visible(error) and not isinstance(
                error.original_error, InvalidOperationTypeError
            ):
                logger.error(
                    "request %s: %s",
                    request_id,
                    error.message,
                    exc_info=error.original_error,
                    extra={"request_id": request_id},
                )


def build_schema(
    *, compiled: bool = True, fast_resolvers: bool = True, document_cache_entries: int = 256
) -> GqlSchema:
    """The schema with its extensions (caches built to hit across requests).

    ``compiled`` completes objects through the plans of ``gql.execution.plans``; without it
    graphql-core completes every field (the reference the plans are checked against).
    ``fast_resolvers`` replaces Strawberry's per-field wrapper where it only reads a value
    (``gql.execution.resolvers``); without them (and without plans) every field takes
    Strawberry's own path, the reference for both.
    ``document_cache_entries``: how many distinct query documents stay parsed, validated,
    compiled and with their selections converted (each cache keeps this many).
    """
    # The plans read fields the way the fast resolvers do, and those exist only once the
    # schema has built its GraphQL fields: the executor's table is filled right after.
    reads: dict[tuple[str, str], Read] = {}
    calls: dict[tuple[str, str], ResolverCall] = {}
    relations: set[tuple[str, str]] = set()
    batches: dict[tuple[str, str], Callable[..., Any]] = {}
    fields: dict[tuple[str, str], ObjectField] = {}
    documents = ParsedDocuments(document_cache_entries)
    schema = GqlSchema(
        query=Query,
        subscription=Subscription,
        types=[Article, Provider, Topic, RelatedLink, Image],
        extensions=[
            RequestGuard,  # first: it wraps the others (limits, deadline, cost)
            lambda: DocumentCaching(documents),
            SqlAccounting,
            ErrorPolicy,
        ],
        execution_context_class=(
            compiled_executor(
                reads,
                max_documents=document_cache_entries,
                calls=calls,
                relations=relations,
                batches=batches,
                statements=Statements(fields, calls, document_cache_entries).answer,
            )
            if compiled
            else None
        ),
        selection_cache=SelectionCache(document_cache_entries),
        documents=documents,
    )
    if fast_resolvers:
        prefetchable = {cls: set(table) for cls, table in RELATIONS.items()}
        reads.update(use_fast_resolvers(schema, prefetchable))
        relations.update(relation_fields(prefetchable))
        calls.update(resolver_calls(schema))
        batches.update(batch_resolvers(calls, LIST_BATCHES))
        fields.update({(f.type_name, f.name): f for f in object_fields(schema)})
    return schema
