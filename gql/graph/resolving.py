"""Resolver plumbing shared by the GraphQL types: where a field sits in the response, what
the client selected there, DataLoader helpers, and the batching of nested article lists.

Nothing here defines a GraphQL type; ``gql.graph.types`` builds its resolvers from these pieces.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import replace
from typing import Any, TypeVar

import strawberry
from graphql.pyutils import Path

from gql.execution.selections import selection_cache_of
from gql.graph.context import Context
from gql.graph.inputs import ArticleFilter, ArticleOrder, article_order, optional_article_condition
from gql.graph.pagination import make_window, order_tag
from gql.graph.prefetch import RELATIONS, later, selected
from gql.loaders import DataLoader
from gql.store import ArticleList, FacetCount, Window

Info = strawberry.Info[Context, None]
K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
T = TypeVar("T")
FacetLoader = Callable[[str, int], Awaitable[list[FacetCount[Any]]]]

FILTER_HELP = "Only articles matching this filter."
ORDER_HELP = "Sort keys, most significant first (default: newest first)."
FACET_FIRST_HELP = "At most this many values (default 20, at most 100)."


def position(info: Info) -> tuple[str, ...]:
    """The current field's place in the response: its path without list indices.

    DataLoaders are kept per position (see ``gql.loaders``).
    """
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


def relation_of(obj: Any, name: str, info: Info) -> Any:
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


def article_list(
    info: Info,
    *,
    article_filter: ArticleFilter | None,
    order_by: list[ArticleOrder] | None,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    search: str | None = None,
) -> ArticleList:
    """What the client asked of an article list, checked, in store terms."""
    order = article_order(order_by, search=search is not None)
    window = make_window(
        info.context.settings,
        order_tag("articles", order),
        len(order) + 1,
        first=first,
        after=after,
        last=last,
        before=before,
    )
    return ArticleList(optional_article_condition(article_filter), order, window, search)


def facet_limit(first: int | None, info: Info) -> int:
    settings = info.context.settings
    return make_window(settings, "facets", 0, first=first).size


def facet_spec_of(spec: ArticleList) -> ArticleList:
    """Facets depend on the filter and search only, not on the page or the order."""
    return replace(spec, order=(), window=Window(first=0))


FACET_FIELDS = {"topics", "providers", "publishedByMonth", "published"}


def facet_loader(
    context: Context, here: tuple[str, ...], relation: str, parent_id: int, spec: ArticleList
) -> FacetLoader:
    facet_spec = facet_spec_of(spec)

    def load(facet: str, limit: int) -> Awaitable[list[FacetCount[Any]]]:
        key = ((facet, relation, facet_spec, limit), parent_id)
        return context.loaders.facets.at((*here, facet)).load(key)

    return load


def request_counts_and_facets(
    context: Context,
    here: tuple[str, ...],
    fields: Any,
    relation: str,
    parent_id: int,
    spec: ArticleList,
) -> None:
    """Ask the loaders now for the selected ``totalCount`` and facets of a nested list.

    Every parent's list resolver starts in the same event-loop tick, so keys requested here
    share one batch per position, whatever each parent's page holds. Requested lazily by
    the child resolvers instead, they would run at data-dependent times and split batches.
    """
    facets = facet_loader(context, here, relation, parent_id, spec)
    for selection in fields:
        for child in selected(selection.selections):
            if child.name == "totalCount":
                context.loaders.article_counts.at(here).load(
                    ((relation, spec.condition), parent_id)
                )
            elif child.name == "facets":
                for facet in selected(child.selections):
                    if facet.name not in FACET_FIELDS:
                        continue
                    first = facet.arguments.get("first")
                    size = context.settings.default_page_size if first is None else first
                    if isinstance(size, int) and 0 <= size <= context.settings.max_page_size:
                        facets(facet.name, 3 if facet.name == "published" else size)


def list_loader(
    info: Info,
    relation: str,
    make_batch: Callable[[Context, tuple[str, ...], Any], Callable[..., Any]],
) -> DataLoader[Any, Any]:
    """The request's loader of one relation's lists at this position (built on first use).

    Keyed by relation too: fragments on different types (``... on Provider { articles }``
    and ``... on Topic { articles }``) share a response position but not their parents.
    """
    here = position(info)
    found = info.context.list_loaders.get((relation, here))
    if found is None:
        batch = make_batch(info.context, here, selections(info, relation))
        found = info.context.list_loaders[(relation, here)] = DataLoader(batch)
    return found


async def load_each_one(
    loader: DataLoader[K, R | None], keys: list[K | None], wrap: Callable[[R], T]
) -> list[T | None]:
    present = [key for key in keys if key is not None]
    rows = dict(zip(present, await loader.load_many(present), strict=True))
    return [
        wrap(row) if key is not None and (row := rows.get(key)) is not None else None
        for key in keys
    ]


async def load_each_many(
    loader: DataLoader[K, list[R]], keys: list[K], wrap: Callable[[R], T]
) -> list[list[T]]:
    return [[wrap(row) for row in rows] for rows in await loader.load_many(keys)]
