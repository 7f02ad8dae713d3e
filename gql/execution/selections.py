"""Strawberry's converted selections (``info.selected_fields``), kept per document.

Converting the syntax tree into ``SelectedField`` objects costs as much as a small page's
SQL, so ``SelectionCache`` keeps the result with the document (``gql.execution.documents``)
for as long as the parser cache keeps the document itself.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    VariableNode,
    Visitor,
    visit,
)

from gql.execution.compat import resolve_info
from gql.execution.documents import DocumentCache, values_key

Info = strawberry.Info[Any, Any]


class _VariableNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.fragments: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        self.names.add(node.name.value)

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.fragments.add(node.name.value)


def _variable_names(
    nodes: tuple[FieldNode, ...], fragments: dict[str, FragmentDefinitionNode]
) -> tuple[str, ...]:
    """The variables used anywhere below ``nodes``, fragments followed."""
    collector = _VariableNames()
    for node in nodes:
        visit(node, collector)
    done: set[str] = set()
    while pending := collector.fragments - done:
        name = pending.pop()
        done.add(name)
        if name in fragments:
            visit(fragments[name], collector)
    return tuple(sorted(collector.names))


class SelectionCache:
    """Strawberry's ``info.selected_fields``, converted once per document and variables.

    Converting the syntax tree into ``SelectedField`` objects costs as much as a small
    page's SQL. The result depends only on the field nodes and on the values of the
    variables used below them, so it is kept with the document
    (``gql.execution.documents``) under exactly that key. The schema holds one
    (``GqlSchema.selection_cache``), found with ``selection_cache_of``.
    """

    def __init__(self, max_documents: int) -> None:
        self.documents: DocumentCache[Any] = DocumentCache(max_documents)

    def get(self, info: Info) -> Any:
        raw = resolve_info(info)
        entries = self.documents.entries(raw.operation)
        if entries is None:
            return info.selected_fields
        # One table per document, two kinds of keys: field node ids -> the variables used
        # below them; (field node ids, their values) -> the converted selection.
        ids = tuple(map(id, raw.field_nodes))
        names = entries.get(ids)
        if names is None:
            names = entries[ids] = _variable_names(tuple(raw.field_nodes), raw.fragments)
        variables = info.variable_values
        values = values_key([variables.get(name) for name in names])
        if values is None:  # converted per request (``values_key``)
            return info.selected_fields
        key = (ids, values)
        found = entries.get(key)
        if found is None:
            found = entries[key] = info.selected_fields
        return found


def selection_cache_of(info: Info) -> SelectionCache | None:
    cache = getattr(info.schema, "selection_cache", None)
    return cache if isinstance(cache, SelectionCache) else None
