"""What the request guard derives from a document, and the cost of one operation.

What is derived from a document is kept with it, keyed by its text: its verdict (the
settings whose limits it was found within, so a repeated query is neither scanned nor
measured again), its operations' shapes, and their costs per value of the variables that
size lists. The parser's cache hands out the same document for the same text, and an
entry is used only with that very document. A text refused by a limit, before parsing or
by its document's shape, is kept with its error instead of its document, so a repeated
attack costs one lookup.

``Costing`` checks a parsed document's shape and cost and, once executed, counts and
sizes its answer: the request guard's hooks (``gql.graph.guard``) call it, and so does the
lean path of prepared operations (``gql.graph.prepared``), without the hooks.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable
from dataclasses import dataclass, field
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

from gql.errors import LimitExceeded, QueryTimeout, RequestTimeout, ResponseTooLarge, UserError
from gql.execution.documents import CostedLRU, document_bytes
from gql.graph.cost import Sizes, requested_cost, returned_objects
from gql.graph.limits import (
    QUERY_TOO_COMPLEX,
    TOO_MANY_REPEATED_FIELDS,
    Measures,
    check_measures,
    check_tokens,
    measure_document,
)
from gql.graph.shape import OperationShape, SchemaFacts, shape_operation
from gql.settings import Settings
from gql.store import ListBounds

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
class KnownDocument:
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


class SchemaState:
    """Per schema: how the cost model reads it, and the documents seen lately."""

    def __init__(self, facts: SchemaFacts) -> None:
        self.facts = facts
        # Within a budget of bytes, as the parser's cache: each entry keeps its document
        # alive, and a large one is measured again per request rather than kept.
        self.documents: CostedLRU[str, KnownDocument] = CostedLRU(1)
        self.refused: CostedLRU[str, tuple[Settings, LimitExceeded]] = CostedLRU(1)
        """Texts refused before parsing, with the settings and the error."""

    def document(self, query: str, document: DocumentNode, max_documents: int) -> KnownDocument:
        """The entry of ``document``, parsed from ``query``: kept, or made now."""
        entry = self.documents.get(query)
        if entry is not None and entry.document is document:
            return entry
        entry = KnownDocument(document, measure_document(document))
        self.documents.max_entries = max(max_documents, 1)
        self.documents.put(query, entry, document_bytes(document))
        return entry

    def refuse(self, query: str, settings: Settings, error: LimitExceeded) -> None:
        """Keep ``query``'s refusal by its text alone, as ``check_text`` does, and let its
        document go: a repeated query over a shape limit costs a lookup, and distinct ones
        (an attack varied so no cache answers it) keep only their texts alive, never the
        megabytes of their parsed documents."""
        self.documents.pop(query)
        self.refused.max_entries = max(settings.document_cache_entries, 1)
        self.refused.put(query, (settings, error.again()), sys.getsizeof(query))

    def check_text(self, query: str, settings: Settings) -> None:
        """``check_tokens``, its refusals kept (a repeated attack costs a lookup)."""
        refused = self.refused.get(query)
        if refused is not None and refused[0] is settings:
            raise refused[1].again()
        try:
            check_tokens(query, settings)
        except LimitExceeded as error:
            self.refuse(query, settings, error)
            raise


# Keyed weakly by the schema it describes, so it lives exactly as long as it.
_schemas: WeakKeyDictionary[Any, SchemaState] = WeakKeyDictionary()


def schema_state(schema: Any) -> SchemaState:
    state = _schemas.get(schema)
    if state is None:
        # Read from the schema's SDL (public), not Strawberry's private compiled schema;
        # once per schema, on its first request.
        state = SchemaState(SchemaFacts(build_schema(schema.as_str())))
        _schemas[schema] = state
    return state


def parse_options(settings: Settings) -> dict[str, Any]:
    """The options documents are parsed with (and kept by, in the parser's cache)."""
    return {"max_tokens": settings.max_tokens}


class Costing:
    """The cost of one operation: its shape, requested cost and the objects it returned.
    ``RequestGuard`` is one; the lean path of prepared operations (``gql.graph.prepared``)
    makes one per request and calls what the guard's hooks call."""

    requested: int | None = None
    actual: int = 0
    shape: OperationShape | None = None

    def check_document(
        self,
        state: SchemaState,
        query: str,
        known: KnownDocument | None,
        document: DocumentNode,
        settings: Settings,
        *,
        operation_name: str | None,
        variables: dict[str, Any],
        bounds: ListBounds | None,
    ) -> None:
        """Check the parsed ``document`` of ``query`` (``known``: its entry, if kept) against
        the shape and cost limits; raises ``LimitExceeded`` when over one."""
        entry = (
            known
            if known is not None and known.document is document
            else state.document(query, document, settings.document_cache_entries)
        )
        if entry.passed is not settings:
            try:
                check_measures(entry.measures, settings)
            except LimitExceeded as over:  # the document's measures, whatever its operation
                state.refuse(query, settings, over)
                raise
            entry.passed = settings
        shape = entry.shape(operation_name, state.facts)
        if shape is None:
            return
        self.shape = shape
        if shape.most_repeated > settings.max_field_repeats:
            repeated = LimitExceeded(
                TOO_MANY_REPEATED_FIELDS.code,
                what=f"{TOO_MANY_REPEATED_FIELDS.what} ({shape.repeated_at})",
                found=shape.most_repeated,
                limit=settings.max_field_repeats,
                unit=TOO_MANY_REPEATED_FIELDS.unit,
                advice=TOO_MANY_REPEATED_FIELDS.advice,
            )
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) == 1:  # else another operation of the text may pass
                state.refuse(query, settings, repeated)
            raise repeated
        key = (
            operation_name,
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

    def check_answer(self, result: Any, settings: Settings) -> None:
        """Count the executed ``result``'s objects; a timed-out read or an answer over the
        size cap replaces its data with the error."""
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

    def cost_results(self, settings: Settings) -> dict[str, Any]:
        """The ``extensions`` entry of the answer."""
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
