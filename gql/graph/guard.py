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

What is derived from a document is kept with it, keyed by its text: its verdict (the
settings whose limits it was found within, so a repeated query is neither scanned nor
measured again), its operations' shapes, and their costs per value of the variables that
size lists. The parser's cache hands out the same document for the same text, and an
entry is used only with that very document. A text refused before parsing is kept too,
with its error, so a repeated attack costs one lookup.

A refusal before execution is raised from the parse hook, and leaves the operation hook
as a ``GraphQLError`` carrying its code: Strawberry answers such an exception with that
error alone, without the error policy (``gql.graph.extensions``) seeing it.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Hashable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

import orjson
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    build_schema,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult, StreamExecutionResult

from gql.errors import LimitExceeded, QueryTimeout, RequestTimeout, ResponseTooLarge, UserError
from gql.execution.documents import CostedLRU, document_bytes
from gql.graph.context import Context, SubscriptionContext
from gql.graph.cost import Sizes, requested_cost, returned_objects
from gql.graph.limits import (
    QUERY_TOO_COMPLEX,
    QUERY_TOO_LONG,
    TOO_MANY_REPEATED_FIELDS,
    Measures,
    check_measures,
    check_tokens,
    limit_of_syntax_error,
    measure_document,
)
from gql.graph.shape import OperationShape, SchemaFacts, shape_operation
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
MAX_COSTS_PER_DOCUMENT = 64
"""Costs kept per document, one per distinct value of its list-sizing variables."""


def as_graphql_error(error: UserError | QueryTimeout) -> GraphQLError:
    """``error`` as the GraphQL error a client reads: its message, code and figures."""
    extensions: dict[str, Any] = {"code": getattr(error, "code", "QUERY_TIMEOUT")}
    if isinstance(error, LimitExceeded):
        extensions["limit"] = error.limit
        if error.found is not None:
            extensions["found"] = error.found
    return GraphQLError(str(error), original_error=error, extensions=extensions)


@dataclass
class _Document:
    """What the guard derived from one parsed document."""

    document: DocumentNode
    measures: Measures
    passed: Settings | None = None
    """The settings whose shape limits the document was last found within."""
    shapes: dict[str | None, OperationShape | None] = field(default_factory=dict)
    costs: dict[Hashable, int] = field(default_factory=dict)

    def shape(self, name: str | None, facts: SchemaFacts) -> OperationShape | None:
        """The shape of the operation that runs (None: no such query operation)."""
        if name in self.shapes:
            return self.shapes[name]
        operations = [
            d for d in self.document.definitions if isinstance(d, OperationDefinitionNode)
        ]
        chosen = next(
            (o for o in operations if name is None or (o.name and o.name.value == name)), None
        )
        shape = None
        if chosen is not None and chosen.operation is not OperationType.MUTATION:
            fragments = {
                d.name.value: d
                for d in self.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            shape = shape_operation(facts, chosen, fragments)
        self.shapes[name] = shape
        return shape


class _SchemaState:
    """Per schema: how the cost model reads it, and the documents seen lately."""

    def __init__(self, facts: SchemaFacts) -> None:
        self.facts = facts
        # Within a budget of bytes, as the parser's cache: each entry keeps its document
        # alive, and a large one is measured again per request rather than kept.
        self.documents: CostedLRU[str, _Document] = CostedLRU(1)
        self.refused: CostedLRU[str, tuple[Settings, LimitExceeded]] = CostedLRU(1)
        """Texts refused before parsing, with the settings and the error."""

    def document(self, query: str, document: DocumentNode, max_documents: int) -> _Document:
        """The entry of ``document``, parsed from ``query``: kept, or made now."""
        entry = self.documents.get(query)
        if entry is not None and entry.document is document:
            return entry
        entry = _Document(document, measure_document(document))
        self.documents.max_entries = max(max_documents, 1)
        self.documents.put(query, entry, document_bytes(document))
        return entry

    def check_text(self, query: str, settings: Settings) -> None:
        """``check_tokens``, its refusals kept (a repeated attack costs a lookup)."""
        refused = self.refused.get(query)
        if refused is not None and refused[0] is settings:
            raise refused[1]
        try:
            check_tokens(query, settings)
        except LimitExceeded as error:
            self.refused.max_entries = max(settings.document_cache_entries, 1)
            self.refused.put(query, (settings, error), sys.getsizeof(query))
            raise


# Caches keyed weakly by the objects they describe (a schema, an open store), so they
# live exactly as long as those.
_schemas: WeakKeyDictionary[Any, _SchemaState] = WeakKeyDictionary()


@dataclass
class _Bounds:
    bounds: ListBounds
    data_version: int
    checked_at: float


_bounds: WeakKeyDictionary[Store, _Bounds] = WeakKeyDictionary()


def _schema_state(schema: Any) -> _SchemaState:
    state = _schemas.get(schema)
    if state is None:
        # Read from the schema's SDL (public), not Strawberry's private compiled schema;
        # once per schema, on its first request.
        state = _SchemaState(SchemaFacts(build_schema(schema.as_str())))
        _schemas[schema] = state
    return state


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


class RequestGuard(SchemaExtension):
    """Limits, deadline, cost and response size of every operation (module docstring)."""

    settings: Settings
    requested: int | None = None
    actual: int = 0
    shape: OperationShape | None = None
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
        self._check_answer(settings)

    def _expire(self, task: asyncio.Task[Any]) -> None:
        self.expired = True
        task.cancel()

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        settings = self.settings
        query = context.query or ""
        state = _schema_state(context.schema)
        known = state.documents.get(query)
        if known is None or known.passed is not settings:
            QUERY_TOO_LONG.check(len(query), settings)
            state.check_text(query, settings)
        context.parse_options["max_tokens"] = settings.max_tokens
        yield
        if context.graphql_document is not None:
            self._check_document(state, query, known, context.graphql_document, settings)

    def _check_document(
        self,
        state: _SchemaState,
        query: str,
        known: _Document | None,
        document: DocumentNode,
        settings: Settings,
    ) -> None:
        entry = (
            known
            if known is not None and known.document is document
            else state.document(query, document, settings.document_cache_entries)
        )
        if entry.passed is not settings:
            check_measures(entry.measures, settings)
            entry.passed = settings
        shape = entry.shape(self.execution_context.operation_name, state.facts)
        if shape is None:
            return
        self.shape = shape
        if shape.most_repeated > settings.max_field_repeats:
            raise LimitExceeded(
                TOO_MANY_REPEATED_FIELDS.code,
                what=f"{TOO_MANY_REPEATED_FIELDS.what} ({shape.repeated_at})",
                found=shape.most_repeated,
                limit=settings.max_field_repeats,
                unit=TOO_MANY_REPEATED_FIELDS.unit,
                advice=TOO_MANY_REPEATED_FIELDS.advice,
            )
        bounds = self.bounds
        variables = self.execution_context.variables or {}
        key = (
            self.execution_context.operation_name,
            bounds,
            settings.default_page_size,
            settings.max_page_size,
            *(_hashable(variables.get(n, shape.defaults.get(n))) for n in shape.variables),
        )
        cost = entry.costs.get(key)
        if cost is None:
            sizes = Sizes.for_request(shape, variables, bounds, state.facts, settings)
            cost = requested_cost(shape, sizes)
            if len(entry.costs) >= MAX_COSTS_PER_DOCUMENT:
                entry.costs.clear()
            entry.costs[key] = cost
        self.requested = cost
        QUERY_TOO_COMPLEX.check(cost, settings)

    def _check_answer(self, settings: Settings) -> None:
        result = self.execution_context.result
        if result is None:
            return
        errors = result.errors or []
        if any((e.extensions or {}).get("code") == RequestTimeout.code for e in errors):
            # Some reads ran out of time before the execution was cancelled: the request
            # as a whole did.
            result.data = None
            result.errors = [as_graphql_error(RequestTimeout(settings.request_time_limit_ms))]
            return
        if result.data is None:
            return
        try:
            size = len(orjson.dumps(result.data))
        except orjson.JSONEncodeError:
            size = 0  # the view's encoder reports it
        if size > settings.max_response_bytes:
            result.data = None
            result.errors = [
                *errors,
                as_graphql_error(ResponseTooLarge(size, settings.max_response_bytes)),
            ]
            return
        if self.shape is not None:
            self.actual = returned_objects(result.data, self.shape)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """Each event of a subscription: its actual cost is the objects it returned (the
        operation hook only sees the subscription end, after its last event)."""
        if isinstance(result, ExecutionResult) and self.shape is not None and result.extensions:
            cost = result.extensions.get("cost")
            if isinstance(cost, dict):
                cost["actualQueryCost"] = returned_objects(result.data, self.shape)
        yield

    def get_results(self) -> dict[str, Any]:
        settings = getattr(self, "settings", None) or _default_settings()
        return {
            "cost": {
                "requestedQueryCost": self.requested,
                "actualQueryCost": self.actual,
                "maximumQueryCost": settings.max_cost,
            }
        }


def _hashable(value: Any) -> Hashable:
    """A variable's value as a cache key: list sizes matter, not the items."""
    if isinstance(value, list | tuple):
        return ("list", len(value))
    if isinstance(value, int | str | float | bool) or value is None:
        return value
    return repr(value)
