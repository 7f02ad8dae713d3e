"""Cursor pagination of the API: argument checks, cursors, and connection objects.

``first``/``after`` read forward, ``last``/``before`` backward (Relay cursor connections).
A cursor holds the sort-key values of its row, tagged with the list's ordering, so a
cursor issued for one ordering is refused by another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from gql.errors import InvalidArgument, InvalidCursor
from gql.graph.ids import decode_cursor, encode_cursor
from gql.settings import Settings
from gql.store import OrderKey, Page, Window

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")

FIRST_HELP = "Return the first N items (default 20, at most 100)."
AFTER_HELP = "Return items after this cursor (`pageInfo.endCursor` of the previous page)."
LAST_HELP = "Return the last N items (at most 100); with `before`, the page before it."
BEFORE_HELP = "Return items before this cursor (`pageInfo.startCursor` of the next page)."

# The four pagination arguments every list field takes, described once.
FirstArg = Annotated[int | None, strawberry.argument(description=FIRST_HELP)]
AfterArg = Annotated[str | None, strawberry.argument(description=AFTER_HELP)]
LastArg = Annotated[int | None, strawberry.argument(description=LAST_HELP)]
BeforeArg = Annotated[str | None, strawberry.argument(description=BEFORE_HELP)]


def order_tag(list_name: str, order: tuple[OrderKey, ...]) -> str:
    """The cursor tag of a list in one ordering, e.g. ``articles:publishedAt-``."""
    return list_name + ":" + ",".join(k.field + ("-" if k.descending else "+") for k in order)


def _size(name: str, value: int, settings: Settings) -> int:
    if value < 0:
        raise InvalidArgument(name, f"must be 0 or more, got {value}")
    if value > settings.max_page_size:
        raise InvalidArgument(name, f"must be at most {settings.max_page_size}, got {value}")
    return value


def _cursor(value: str | None, tag: str, arity: int) -> tuple[object, ...] | None:
    if value is None:
        return None
    values = decode_cursor(value, tag, arity)
    for v in values:
        if isinstance(v, bool) or not (v is None or isinstance(v, str | int | float)):
            raise InvalidCursor(value)
        if isinstance(v, int) and not -(2**63) <= v < 2**63:  # SQLite integers are 64-bit
            raise InvalidCursor(value)
    return tuple(values)


def make_window(
    settings: Settings,
    tag: str,
    arity: int,
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Window:
    """Check the pagination arguments and decode their cursors (``arity`` sort keys + id)."""
    if first is not None and last is not None:
        raise InvalidArgument("first/last", "give first or last, not both")
    if first is None and last is None:
        first = settings.default_page_size
    return Window(
        first=_size("first", first, settings) if first is not None else None,
        last=_size("last", last, settings) if last is not None else None,
        after=_cursor(after, tag, arity),
        before=_cursor(before, tag, arity),
    )


@strawberry.type(description="Where a page sits in its list (Relay cursor connections).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow (when paging backward: true if `before` was given)."
    )
    has_previous_page: bool = strawberry.field(
        description="Items precede (when paging forward: true if `after` was given)."
    )
    tag: strawberry.Private[str]
    first_key: strawberry.Private[tuple[Any, ...] | None]
    last_key: strawberry.Private[tuple[Any, ...] | None]

    @strawberry.field(
        description="Cursor of the first item: pass it as `before` for the previous page."
    )
    def start_cursor(self) -> str | None:
        return None if self.first_key is None else encode_cursor(self.tag, *self.first_key)

    @strawberry.field(description="Cursor of the last item: pass it as `after` for the next page.")
    def end_cursor(self) -> str | None:
        return None if self.last_key is None else encode_cursor(self.tag, *self.last_key)


def page_info(page: Page[RowT], tag: str) -> PageInfo:
    keys = page.keys
    return PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        tag=tag,
        first_key=keys[0] if keys else None,
        last_key=keys[-1] if keys else None,
    )


@strawberry.type(description="An item of a page with its cursor.")
class Edge(Generic[NodeT]):
    node: NodeT = strawberry.field(description="The item.")
    tag: strawberry.Private[str]
    key: strawberry.Private[tuple[Any, ...]]

    @strawberry.field(description="Opaque position of this item in its list.")
    def cursor(self) -> str:
        return encode_cursor(self.tag, *self.key)


@strawberry.type(description="A page of a list, paginated by cursor (keyset in SQL).")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items with their cursors.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items the whole list holds (counted only if asked).")
    async def total_count(self) -> int:
        return await self.count()


def make_connection(
    page: Page[RowT],
    tag: str,
    node: Callable[[RowT], NodeT],
    count: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    edges = [
        Edge(node=node(row), tag=tag, key=key)
        for key, row in zip(page.keys, page.rows, strict=True)
    ]
    return Connection(edges=edges, page_info=page_info(page, tag), count=count)
