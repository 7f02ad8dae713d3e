"""The request guard: the one place every GraphQL request is limited, timed and costed.

``RequestGuard`` is a schema extension, first in the schema's list so that it wraps all
the others:

- before parsing, the query's length, then what its text alone shows (its tokens, and
  lower bounds of its depth and aliases: ``gql.graph.limits.check_tokens``, so that a
  document refused for those is never parsed); once parsed, its size and shape
  (``gql.graph.limits``: before validation, which such documents would hold for
  minutes), then its requested cost (``gql.graph.cost``). A query over a limit is
  refused with that limit's code, before validation or execution;
- the whole operation runs under the request's deadline: at ``request_time_limit_ms``
  the execution is cancelled and its SQL interrupted (``gql.store.request_deadline``),
  and the answer is one ``TIMEOUT`` error. It counts from the operation's start, waits
  for the event loop and for a read connection included: under overload a request that
  queued past its budget ends then, rather than start its work (why:
  ``gql.store.deadlines``);
- after execution, the answer's objects are counted and its size checked
  (``RESPONSE_TOO_LARGE``); ``extensions.cost`` reports ``requestedQueryCost``,
  ``actualQueryCost`` (objects in the answer) and ``maximumQueryCost``. A subscription's
  requested cost is one event's, and each event reports the objects it returned.

What is derived from a document is kept with it (``gql.graph.costing``), so a repeated
query is neither scanned nor measured again.

A refusal before execution is raised from the parse hook, and leaves the operation hook
as a ``GraphQLError`` carrying its code: Strawberry answers such an exception with that
error alone, without the error policy (``gql.graph.extensions``) seeing it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult, StreamExecutionResult

from gql.errors import LimitExceeded, QueryTimeout, RequestTimeout, UserError
from gql.execution.documents import ParsedDocuments
from gql.graph.context import Context, SubscriptionContext
from gql.graph.cost import returned_objects
from gql.graph.costing import Costing, as_graphql_error, parse_options, schema_state
from gql.graph.limits import QUERY_TOO_LONG, limit_of_syntax_error
from gql.settings import Settings
from gql.store import (
    ListBounds,
    Store,
    data_version,
    load_list_bounds,
    recording_queries,
    request_deadline,
)

BOUNDS_RECHECK_S = 1.0
"""How often the data version is read to learn whether the list bounds changed (a load
while serving): a cost may use bounds this old."""


@dataclass
class _Bounds:
    bounds: ListBounds
    data_version: int
    checked_at: float


# Keyed weakly by the open store it describes, so it lives exactly as long as it.
_bounds: WeakKeyDictionary[Store, _Bounds] = WeakKeyDictionary()


async def list_bounds(store: Store) -> ListBounds:
    """The store's list bounds, read again when a load changed the data.

    Their reads are not the request's own work, so they stay out of its ``QueryLog``
    (``--explain`` and the tests that pin a query's statement count).
    """
    now = time.monotonic()
    state = _bounds.get(store)
    if state is not None and now - state.checked_at < BOUNDS_RECHECK_S:
        return state.bounds
    with recording_queries():
        version = await data_version(store)
        if state is None or state.data_version != version:
            state = _Bounds(await load_list_bounds(store), version, now)
            _bounds[store] = state
    state.checked_at = now
    return state.bounds


@cache
def _default_settings() -> Settings:
    return Settings()


class RequestGuard(Costing, SchemaExtension):
    """Limits, deadline, cost and response size of every operation (module docstring)."""

    settings: Settings
    bounds: ListBounds | None = None
    expired = False

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        settings = context.settings if isinstance(context, Context) else _default_settings()
        self.settings = settings
        limit_ms = settings.request_time_limit_ms
        task = asyncio.current_task()
        assert task is not None
        # A subscription lives as long as its client wants: no deadline (its reads are
        # bounded one by one, by the statement time limit).
        lasting = isinstance(context, SubscriptionContext)
        # What asyncio.timeout does, at a third of its cost per request: a timer that
        # cancels the task, and that cancellation told apart from any other.
        loop = asyncio.get_running_loop()
        timer = None if lasting else loop.call_later(limit_ms / 1000, self._expire, task)
        with nullcontext() if lasting else request_deadline(limit_ms):
            try:
                if isinstance(context, Context):
                    # Read here, so that the parse hook needs no await (and is cheaper).
                    self.bounds = await list_bounds(context.store)
                yield
            except asyncio.CancelledError:
                if self.expired and task.uncancel() == 0:
                    raise as_graphql_error(RequestTimeout(limit_ms)) from None
                raise
            except (UserError, QueryTimeout) as exc:
                # A limit refused in ``on_parse``, or a read of it out of time: raised
                # past Strawberry's error policy, so given its code here.
                raise as_graphql_error(exc) from None
            except GraphQLError as error:
                # The parser's own limits, raised while the parse hooks are entered (so
                # past ``on_parse``, which is never resumed then).
                limit = limit_of_syntax_error(error, settings)
                if limit is None:
                    raise
                raise as_graphql_error(limit) from None
            finally:
                if timer is not None:
                    timer.cancel()
        self.check_answer(self.execution_context.result, settings)

    def _expire(self, task: asyncio.Task[Any]) -> None:
        self.expired = True
        task.cancel()

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        settings = self.settings
        query = context.query or ""
        state = schema_state(context.schema)
        known = state.documents.get(query)
        if known is None or known.passed is not settings:
            QUERY_TOO_LONG.check(len(query), settings)
            state.check_text(query, settings)
        context.parse_options.update(parse_options(settings))  # type: ignore[typeddict-item]
        yield
        if context.graphql_document is not None:
            try:
                self.check_document(
                    state,
                    query,
                    known,
                    context.graphql_document,
                    settings,
                    operation_name=context.operation_name,
                    variables=context.variables or {},
                    bounds=self.bounds,
                )
            except LimitExceeded:
                documents = getattr(context.schema, "documents", None)
                if isinstance(documents, ParsedDocuments) and state.refused.get(query):
                    # Refused by its text from now on: its parse need not be kept.
                    documents.forget(query, dict(context.parse_options))
                raise

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """Each event of a subscription: its actual cost is the objects it returned (the
        operation hook only sees the subscription end, after its last event)."""
        if isinstance(result, ExecutionResult) and self.shape is not None and result.extensions:
            cost = result.extensions.get("cost")
            if isinstance(cost, dict):
                cost["actualQueryCost"] = returned_objects(result.data, self.shape)
        yield

    def get_results(self) -> dict[str, Any]:
        return self.cost_results(getattr(self, "settings", None) or _default_settings())
