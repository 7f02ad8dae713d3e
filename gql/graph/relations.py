"""Relations: how each argument-free relation of a type loads, for many objects at once.

Every type with relations declares them once, right below its class, with ``register``:
per field, a function that loads that field's values for a list of objects through the
request's DataLoaders (one batch per relation and response position). Two paths use the
same declaration:

- prefetching (``gql.graph.prefetch``) calls it for all objects of a page at once and
  stores the values in each object's ``prefetched``;
- the field's resolver calls ``relation_of``, which returns the prefetched value, or else
  calls it for this one object, so it still shares a batch with its position's others.

The compiled plans and fast resolvers read the same table (``RELATIONS``) to know which
fields a prefetch may have filled. Nothing here knows a type: types import this module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, Protocol, TypeVar, cast

from gql.graph.context import Info
from gql.graph.positions import position
from gql.loaders import DataLoader, Loaders, Position

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
T = TypeVar("T")
ObjT = TypeVar("ObjT")


class Prefetchable(Protocol):
    """An object with relations: prefetched values are kept in ``prefetched`` by name."""

    prefetched: dict[str, Any]


Relation = Callable[[Loaders, Position, list[Any]], Awaitable[list[Any]]]
"""Loads one relation's values for many objects (in order) at one response position."""

RELATIONS: dict[type, dict[str, Relation]] = {}
"""Per GraphQL type: field name -> how that field's values load for many objects."""


def register(
    cls: type[ObjT],
    relations: Mapping[str, Callable[[Loaders, Position, list[ObjT]], Awaitable[list[Any]]]],
) -> None:
    """Declare how the relations of ``cls`` load (once per type, below its class).

    Keys are the fields' names, one word each so that the GraphQL name (which prefetching
    matches) and the Python name (which the resolvers and fast resolvers use) agree. Each
    value takes the request's loaders, the response position and the objects, and returns
    their values in the same order.
    """
    assert cls not in RELATIONS, f"relations of {cls.__name__} are declared twice"
    assert all(name.isalpha() for name in relations), f"{sorted(relations)}: one word each"
    RELATIONS[cls] = dict(relations)


def later(value: Awaitable[T]) -> T:
    """Return an awaitable from a sync resolver: graphql-core awaits it (typed as its value)."""
    return cast(T, value)


def relation_of(obj: Prefetchable, name: str, info: Info) -> Any:
    """Relation ``name`` of ``obj`` (an Article, Provider, Topic or RelatedLink).

    Its prefetched value when there is one; else it is loaded the way a prefetch would
    load it (``RELATIONS``), for this one object, through the request's DataLoaders, so
    it still shares a batch with the other objects at this position. Returns the value,
    or an awaitable of it for graphql-core to await.
    """
    prefetched = obj.prefetched
    if name in prefetched:
        return prefetched[name]
    load = RELATIONS[type(obj)][name]
    return later(_only(load(info.context.loaders, position(info), [obj])))


async def _only(values: Awaitable[list[T]]) -> T:
    return (await values)[0]


async def load_each_one(
    loader: DataLoader[K, R | None], keys: list[K | None], wrap: Callable[[R], T]
) -> list[T | None]:
    """For a to-one relation: the wrapped row of each key, None for a None key or a miss.

    An object per key, not per distinct key: shared objects make a document that doubles
    through a cycle (``related { article { related ...``) prefetch in a few batches and
    then complete its exponential answer in one synchronous stretch, where the request's
    deadline (a task cancellation) cannot stop it (tests/http/test_deadline.py).
    """
    present = [key for key in keys if key is not None]
    rows = dict(zip(present, await loader.load_many(present), strict=True))
    return [
        wrap(row) if key is not None and (row := rows.get(key)) is not None else None
        for key in keys
    ]


async def load_each_many(
    loader: DataLoader[K, list[R]], keys: list[K], wrap: Callable[[R], T]
) -> list[list[T]]:
    """For a to-many relation: the wrapped rows of each key, in the store's order."""
    return [[wrap(row) for row in rows] for rows in await loader.load_many(keys)]
