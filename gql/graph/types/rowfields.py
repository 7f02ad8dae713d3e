"""Scalar fields served from the store row: an object built from a row holds the row alone.

A Strawberry type is a dataclass, and building one copied each scalar of its row into an
attribute of its own (sixteen for an article) through the dataclass ``__init__``, about
1.7 µs an article, though a response reads two or three of them: a topic page builds 100
such objects, a deep traversal ~450. A field declared with ``row_field`` is not taken
by ``__init__``; ``serve_from_row`` (below the class) makes it a property reading the
row's attribute of the same name (``operator.attrgetter``, run in C), and ``built``
makes an object of the row and an empty ``prefetched`` in 0.2 µs. The schema is the same:
the field keeps its name, type and description, and graphql-core reads it by attribute,
as any plain field.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Any, Protocol, TypeVar

import strawberry

ROW_FIELD = "gql.row_field"
"""The dataclass metadata key that marks a field served from the row."""

T = TypeVar("T")


class _RowObject(Protocol):
    row: Any
    prefetched: dict[str, Any]


R = TypeVar("R", bound=_RowObject)


def row_field(*, description: str) -> Any:
    """A scalar field whose value is the row's attribute of the same name."""
    field = strawberry.field(description=description, metadata={ROW_FIELD: True})
    # Out of the dataclass ``__init__`` (dataclasses read ``init`` when they build it, as
    # Strawberry's own resolver fields set it): the row is all such an object holds.
    field.init = False
    return field


def serve_from_row(cls: type[T], row_type: type[tuple[Any, ...]]) -> type[T]:
    """Serve the ``row_field`` fields of ``cls`` from ``self.row`` (a ``row_type``)."""
    columns: tuple[str, ...] = row_type._fields  # type: ignore[attr-defined]
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.metadata.get(ROW_FIELD):
            assert field.name in columns, f"{row_type.__name__} has no {field.name}"
            setattr(cls, field.name, property(attrgetter(f"row.{field.name}")))
    return cls


_new = object.__new__


def built(cls: type[R], row: Any) -> R:
    """An object of ``cls`` over ``row``, with nothing prefetched, without ``__init__``
    (its keyword arguments are what cost: the row and a new dict are all it sets)."""
    obj = _new(cls)
    obj.row = row
    obj.prefetched = {}
    return obj
