"""Per-document caches: what the server derives from a parsed query, kept with the query.

Strawberry's parser cache hands out the same parsed document for the same query text, so
whatever is derived from a document's syntax nodes (compiled plans, converted selections)
can be kept across requests, keyed by node identity. ``DocumentCache`` holds such entries
per operation, for the most recently used operations only, so that the memory they keep
alive (each entry keeps its operation's nodes, tokens and text) stays bounded like the
parser cache's; queries longer than ``max_document_chars`` are not kept at all.

Within one operation, keys made of node ids are safe: the operation object is the cache
key (compared by identity, and kept alive by its entry), and while a request runs its
whole document is alive, so no id can be reused by another node meanwhile.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from graphql import OperationDefinitionNode

V = TypeVar("V")

DEFAULT_MAX_DOCUMENT_CHARS = 100_000
"""Longer queries are rare and large: deriving for them per request costs little next
to keeping megabytes alive."""


class DocumentCache(Generic[V]):
    """Entries derived from operations, for the ``max_documents`` most recently used."""

    def __init__(
        self,
        max_documents: int,
        *,
        max_entries_per_document: int = 1024,
        max_document_chars: int = DEFAULT_MAX_DOCUMENT_CHARS,
    ) -> None:
        self.max_documents = max_documents
        self.max_entries_per_document = max_entries_per_document
        self.max_document_chars = max_document_chars
        self._documents: OrderedDict[int, tuple[OperationDefinitionNode, dict[Hashable, V]]] = (
            OrderedDict()
        )

    def entries(self, operation: OperationDefinitionNode) -> dict[Hashable, V] | None:
        """The entries kept for ``operation`` (empty at first); None when it is not kept."""
        if self.max_documents <= 0:
            return None
        key = id(operation)
        found = self._documents.get(key)
        if found is not None and found[0] is operation:
            self._documents.move_to_end(key)
            entries = found[1]
            if len(entries) >= self.max_entries_per_document:
                entries.clear()
            return entries
        location = operation.loc
        if location is None or len(location.source.body) > self.max_document_chars:
            return None
        while len(self._documents) >= self.max_documents:
            self._documents.popitem(last=False)
        entries = {}
        self._documents[key] = (operation, entries)
        return entries
