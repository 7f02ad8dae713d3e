"""The schema: the Query root and the types, with extensions and the compiled executor.

``build_schema`` assembles it; unexpected errors are logged with their request id here.
"""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import ExecutionContext

from gql.execution.plans import compiled_executor
from gql.execution.resolvers import use_fast_resolvers
from gql.execution.selections import SelectionCache
from gql.graph.context import Context
from gql.graph.extensions import ErrorPolicy, SqlAccounting, is_visible
from gql.graph.guard import RequestGuard
from gql.graph.prefetch import RELATIONS
from gql.graph.query import Query
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

    selection_cache: SelectionCache | None = None
    """Converted selections kept across requests (``gql.graph.resolving``); set by build_schema."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context else None
        request_id = context.request_id if isinstance(context, Context) else None
        for error in errors:
            if not is_visible(error):
                logger.error(
                    "request %s: %s", request_id, error.message, exc_info=error.original_error
                )


def build_schema(*, compiled: bool = True, document_cache_entries: int = 256) -> GqlSchema:
    """The schema with its extensions (caches built to hit across requests).

    ``compiled`` completes objects through the plans of ``gql.execution.plans``; without it
    graphql-core completes every field (the reference the plans are checked against).
    ``document_cache_entries``: how many distinct query documents stay parsed, validated,
    compiled and with their selections converted (each cache keeps this many).
    """
    schema = GqlSchema(
        query=Query,
        types=[Article, Provider, Topic, RelatedLink, Image],
        extensions=[
            RequestGuard,  # first: it wraps the others (limits, deadline, cost)
            lambda: ParserCache(maxsize=document_cache_entries),
            lambda: ValidationCache(maxsize=document_cache_entries),
            SqlAccounting,
            ErrorPolicy,
        ],
    )
    reads = use_fast_resolvers(schema, {cls: set(table) for cls, table in RELATIONS.items()})
    schema.selection_cache = SelectionCache(document_cache_entries)
    if compiled:
        schema.execution_context_class = compiled_executor(
            reads, max_documents=document_cache_entries
        )
    return schema
