"""Where a field sits in the response, and what the client selected there.

DataLoaders are kept per *position*, the response path without list indices (see
``gql.loaders``), so that every parent at one position shares one batch per relation.
Prefetching and list batching read the client's selections below a field, once per
position and request, with fragments flattened and ``@skip``/``@include`` applied.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql.pyutils import Path
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from gql.execution.selections import selection_cache_of
from gql.graph.context import Info
from gql.loaders import Position


def position(info: Info) -> Position:
    """The current field's place in the response: its path without list indices."""
    keys: list[str] = []
    path: Path | None = info.path
    while path is not None:
        if isinstance(path.key, str):
            keys.append(path.key)
        path = path.prev
    return tuple(keys)


def selections(info: Info, owner: str = "") -> Any:
    """The current field's selected fields, converted once per position and request.

    ``owner`` tells apart fields of different types that share a position (fragments):
    graphql-core gives each type only its own fragment's selections.
    """
    key = (owner, position(info))
    found = info.context.selections.get(key)
    if found is None:
        cache = selection_cache_of(info)
        selected = cache.get(info) if cache is not None else info.selected_fields
        found = info.context.selections[key] = selected
    return found


def _skipped(field: SelectedField) -> bool:
    skip = field.directives.get("skip")
    include = field.directives.get("include")
    return bool(skip and skip.get("if")) or bool(include is not None and not include.get("if"))


def selected(selections: list[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, fragments flattened, skipped fields left out."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if not _skipped(selection):
                yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from selected(selection.selections)
