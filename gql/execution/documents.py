"""Per-document caches: parsed and validated documents, and what the server derives from
them, kept across requests within a budget of bytes.

Parsing and validating a query costs more than running a small one, so both are cached
by query text (``ParsedDocuments``, with the ``DocumentCaching`` extension in place of
Strawberry's ``ParserCache`` and ``ValidationCache``). Those two are ``lru_cache``s
bounded by entry count only, and a parsed document costs ~600 bytes a token: 30
distinct 1 MB queries of ``__typename`` kept 1.8 GB in one worker. Here every cache
estimates what a document keeps alive (``document_bytes``: its text and its tokens) and
keeps the most recently used ones within ``max_bytes``; a document over a sixteenth of
that, or longer than ``max_document_chars``, is never kept.

Strawberry's parser cache hands out the same parsed document for the same query text, so
whatever is derived from a document's syntax nodes (compiled plans, converted selections)
can be kept across requests, keyed by node identity. ``DocumentCache`` holds such entries
per operation, for the most recently used operations only. Within one operation, keys made
of node ids are safe: the operation object is the cache key (compared by identity, and
kept alive by its entry), and while a request runs its whole document is alive, so no id
can be reused by another node meanwhile.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    Source,
    Token,
    parse,
)
from strawberry.extensions import SchemaExtension

from gql.execution.compat import graphql_schema, validate_document

V = TypeVar("V")

DEFAULT_MAX_DOCUMENT_CHARS = 100_000
"""Longer queries are rare and large: deriving for them per request costs little next
to keeping megabytes alive."""
DEFAULT_MAX_BYTES = 32 << 20
"""What the documents one cache keeps may cost: 256 typical documents (the front page is
39 tokens, ~25 kB parsed; GraphiQL's introspection query ~110 kB) take a few MB."""
TOKEN_BYTES = 640
"""What one token of a parsed document keeps alive: its Token and its share of the
syntax nodes (measured with tracemalloc: 340-620 bytes a token, by document shape)."""
MAX_VARIABLES_BYTES = 2048
"""Variables larger than this (as JSON) key no derived entry: such values are rarely
repeated, and a key would keep them alive (``values_key``)."""
ERROR_BYTES = 1024
"""What one kept validation error costs (its message, locations and path)."""
REFUSED_SHARE = 256
"""A document refused by validation is kept (with its errors) only when it costs at most
this share of the budget (128 kB of 32 MB, ~200 tokens): a client repeating a mistake is
answered from the cache, while distinct large refused documents (a query over the limits,
varied so no cache answers it) cannot push out the documents real screens send. Parsing
one again costs at most what the token limit allows."""


def document_bytes(node: Node) -> int:
    """An estimate of the memory the document of ``node`` (the document itself, or one of
    its operations) keeps alive: its text, and every one of its tokens, counted along
    their linked list once per document a cache takes in."""
    location = node.loc
    if location is None:
        return sys.getsizeof(node)
    first: Token = location.start_token
    while first.prev is not None:
        first = first.prev
    tokens = 0
    token: Token | None = first
    while token is not None:
        tokens += 1
        token = token.next
    return sys.getsizeof(location.source.body) + tokens * TOKEN_BYTES


def values_key(values: Any) -> bytes | None:
    """``values`` (variables' values) as a key of their JSON, for entries derived per
    variables; None when orjson cannot encode them or they exceed ``MAX_VARIABLES_BYTES``.
    The key is an exact copy: orjson's bytes keep their whole 4 kB output buffer (200
    cached fields of a document held 800 kB of empty buffers)."""
    try:
        encoded = orjson.dumps(values)
    except TypeError:
        return None
    if len(encoded) > MAX_VARIABLES_BYTES:
        return None
    return bytes(memoryview(encoded))


K = TypeVar("K", bound=Hashable)


class CostedLRU(Generic[K, V]):
    """Values by key, the most recently used within ``max_entries`` and ``max_bytes``:
    each is put with what it costs, and one costing over a sixteenth of ``max_bytes`` is
    not kept (a few big documents must not evict many small ones)."""

    def __init__(self, max_entries: int, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        """What the values kept now cost."""
        self._values: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._values)

    def values(self) -> list[V]:
        """The values kept, least recently used first."""
        return [value for value, _ in self._values.values()]

    def get(self, key: K) -> V | None:
        found = self._values.get(key)
        if found is None:
            return None
        self._values.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V, cost: int) -> bool:
        """Keep ``value`` (in place of any under ``key``); False when it costs too much."""
        self.pop(key)
        if self.max_entries <= 0 or cost > self.max_bytes // 16:
            return False
        self._values[key] = (value, cost)
        self.bytes += cost
        self._evict()
        return True

    def charge(self, key: K, cost: int) -> None:
        """Add ``cost`` to what the value under ``key`` costs (it grew)."""
        found = self._values.get(key)
        if found is not None:
            self._values[key] = (found[0], found[1] + cost)
            self.bytes += cost
            self._evict()

    def pop(self, key: K) -> None:
        found = self._values.pop(key, None)
        if found is not None:
            self.bytes -= found[1]

    def _evict(self) -> None:
        while len(self._values) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, cost) = self._values.popitem(last=False)
            self.bytes -= cost


@dataclass
class _Parsed:
    document: DocumentNode
    validated: dict[Hashable, list[GraphQLError]] = field(default_factory=dict)


class ParsedDocuments:
    """Documents by query text (and parse options), parsed once and validated once per
    rule set, for the most recently used texts within ``max_bytes``; a large document
    refused by validation is dropped (``REFUSED_SHARE``)."""

    def __init__(
        self,
        max_documents: int,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_document_chars: int = DEFAULT_MAX_DOCUMENT_CHARS,
    ) -> None:
        self.max_document_chars = max_document_chars
        self.kept: CostedLRU[Hashable, _Parsed] = CostedLRU(max_documents, max_bytes=max_bytes)
        """The documents kept, each costing ``document_bytes`` and its errors."""

    def __len__(self) -> int:
        return len(self.kept)

    def parse(self, query: str, options: dict[str, Any]) -> DocumentNode:
        """The document of ``query``, from the cache when it holds it. Raises graphql-core's
        ``GraphQLSyntaxError`` for a query that does not parse (never kept)."""
        key = _key(query, options)
        found = self.kept.get(key)
        if found is not None:
            return found.document
        document = parse(Source(query), **options)
        if len(query) <= self.max_document_chars:
            self.kept.put(key, _Parsed(document), document_bytes(document))
        return document

    def forget(self, query: str, options: dict[str, Any]) -> None:
        """Drop the document of ``query``: one refused for good (``gql.graph.guard``)."""
        self.kept.pop(_key(query, options))

    def validated(self, query: str, options: dict[str, Any]) -> DocumentNode | None:
        """The kept document of ``query`` when it was validated and found valid (under
        every rule set it was validated with); None when it must be parsed or validated
        first, or is invalid. Lets a request skip both (``gql.graph.prepared``)."""
        found = self.kept.get(_key(query, options))
        if found is None or not found.validated or any(found.validated.values()):
            return None
        return found.document

    def validate(
        self,
        schema: GraphQLSchema,
        query: str,
        options: dict[str, Any],
        document: DocumentNode,
        rules: tuple[Any, ...],
    ) -> list[GraphQLError]:
        """The validation errors of ``document`` (the parse of ``query``), kept with the
        document when the cache holds it."""
        key = _key(query, options)
        found = self.kept.get(key)
        if found is None or found.document is not document:
            return validate_document(schema, document, rules)
        rule_set = (id(schema), rules)
        errors = found.validated.get(rule_set)
        if errors is None:
            errors = validate_document(schema, document, rules)
            if errors and document_bytes(document) > self.kept.max_bytes // REFUSED_SHARE:
                self.kept.pop(key)
                return errors
            found.validated[rule_set] = errors
            self.kept.charge(key, len(errors) * ERROR_BYTES)
        return errors


def _key(query: str, options: dict[str, Any]) -> Hashable:
    return (query, tuple(sorted(options.items()))) if options else query


class DocumentCaching(SchemaExtension):
    """Parse and validate through a ``ParsedDocuments`` (Strawberry's ``ParserCache`` and
    ``ValidationCache`` in one, bounded in bytes). Pass it as a factory sharing one cache:
    ``lambda: DocumentCaching(documents)``."""

    def __init__(self, documents: ParsedDocuments) -> None:
        super().__init__()
        self.documents = documents

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            context.graphql_document = self.documents.parse(
                context.query, dict(context.parse_options)
            )
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if (
            context.validation_rules
            and context.pre_execution_errors is None
            and document is not None
            and context.query
        ):
            context.pre_execution_errors = self.documents.validate(
                graphql_schema(context.schema),
                context.query,
                dict(context.parse_options),
                document,
                tuple(context.validation_rules),
            )
        yield


class DocumentCache(Generic[V]):
    """Entries derived from operations, for the ``max_documents`` most recently used
    whose documents cost at most ``max_bytes`` together (``document_bytes``)."""

    def __init__(
        self,
        max_documents: int,
        *,
        max_entries_per_document: int = 1024,
        max_document_chars: int = DEFAULT_MAX_DOCUMENT_CHARS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.max_entries_per_document = max_entries_per_document
        self.max_document_chars = max_document_chars
        self._documents: CostedLRU[int, tuple[OperationDefinitionNode, dict[Hashable, V]]] = (
            CostedLRU(max_documents, max_bytes=max_bytes)
        )

    @property
    def bytes(self) -> int:
        """What the documents of the operations kept now cost."""
        return self._documents.bytes

    def __len__(self) -> int:
        return len(self._documents)

    def charge(self, operation: OperationDefinitionNode, cost: int) -> None:
        """Add ``cost`` bytes to what ``operation``'s entries cost (one was added)."""
        self._documents.charge(id(operation), cost)

    def entries(self, operation: OperationDefinitionNode) -> dict[Hashable, V] | None:
        """The entries kept for ``operation`` (empty at first); None when it is not kept."""
        key = id(operation)
        found = self._documents.get(key)
        if found is not None and found[0] is operation:
            entries = found[1]
            if len(entries) >= self.max_entries_per_document:
                entries.clear()
                # What was charged for the entries goes with them.
                self._documents.put(key, found, document_bytes(operation))
            return entries
        location = operation.loc
        if location is None or len(location.source.body) > self.max_document_chars:
            return None
        entries = {}
        kept = self._documents.put(key, (operation, entries), document_bytes(operation))
        return entries if kept else None
