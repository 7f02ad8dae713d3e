"""Article lists: what the client asked of one, and the batching of child lists.

Every article list (the root ``articles`` and ``search``, ``provider.articles``,
``topic.articles``, ``article.citations`` and ``citedBy``) takes a filter, an order and a
page; ``article_spec`` checks them and states them in store terms (``ArticleList``).

Child lists are loaded for all parents at one response position together: one statement
for all their pages, one per selected count or facet, then one prefetch of the relations
of all their articles, so every parent's page is ready in the same tick and everything
below batches by position too. ``nested_articles_field`` is the field every parent type
declares for such a list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gql.graph.context import Context, Info
from gql.graph.inputs import ArticleFilter, ArticleOrder, article_order, optional_article_condition
from gql.graph.pagination import AfterArg, BeforeArg, FirstArg, LastArg, make_window, order_tag
from gql.graph.positions import position, selected, selections
from gql.graph.prefetch import prefetch_connection, prefetch_list
from gql.loaders import DataLoader, Hashed, Position
from gql.settings import Settings
from gql.store import ArticleList, FacetCount, Window

if TYPE_CHECKING:
    from gql.graph.types.article import Article
    from gql.graph.types.connections import ArticleConnection

LazyArticleConnection = Annotated[
    "ArticleConnection", strawberry.lazy("gql.graph.types.connections")
]

FacetLoader = Callable[[str, int], Awaitable[list[FacetCount[Any]]]]

ListKey = tuple[Hashed[ArticleList], int]
"""A key of a list's loader: what the client asked of the list (hashed once), and the
parent whose list it is."""
"""The facet counts of one list: ``load(facet name, at most this many)``."""

FILTER_HELP = "Only articles matching this filter."
ORDER_HELP = "Sort keys, most significant first (default: newest first)."
FACET_FIRST_HELP = "At most this many values (default 20, at most 100)."


def article_spec(
    settings: Settings,
    *,
    article_filter: ArticleFilter | None,
    order_by: list[ArticleOrder] | None,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    search: str | None = None,
) -> ArticleList:
    """What the client asked of an article list, checked under ``settings``
    (``InvalidArgument``, ``InvalidCursor``), in store terms."""
    order = article_order(order_by, search=search is not None)
    window = make_window(
        settings,
        order_tag("articles", order),
        len(order) + 1,
        first=first,
        after=after,
        last=last,
        before=before,
    )
    return ArticleList(optional_article_condition(article_filter), order, window, search)


def facet_limit(first: int | None, info: Info) -> int:
    """How many values a facet field returns: ``first``, checked like a page size."""
    settings = info.context.settings
    return make_window(settings, "facets", 0, first=first).size


def facet_spec_of(spec: ArticleList) -> ArticleList:
    """Facets depend on the filter and search only, not on the page or the order."""
    return replace(spec, order=(), window=Window(first=0))


FACET_FIELDS = {"topics", "providers", "publishedByMonth", "published"}


def facet_loader(
    context: Context, here: Position, relation: str, parent_id: int, spec: ArticleList
) -> FacetLoader:
    """The facets of parent ``parent_id``'s list, batched with every parent at ``here``."""

    def load(facet: str, limit: int) -> Awaitable[list[FacetCount[Any]]]:
        # The facets' spec is made when one is asked for: most lists have none.
        key = ((facet, relation, facet_spec_of(spec), limit), parent_id)
        return context.loaders.facets_by_parent.at((*here, facet)).load(key)

    return load


def request_counts_and_facets(
    context: Context,
    here: Position,
    fields: Any,
    relation: str,
    parent_ids: list[int],
    spec: ArticleList,
) -> None:
    """Ask the loaders now for the selected ``totalCount`` and facets of nested lists.

    Every parent's list is requested in the same event-loop tick (all at once when the
    projection batches them), so keys requested here share one batch per position,
    whatever each parent's page holds. Requested lazily by the child resolvers instead,
    they would run at data-dependent times and split batches. What is selected is read
    from the selections once per position and request (``_counts_and_facets``).
    """
    total, facet_sizes = _counts_and_facets(context, here, fields, relation)
    if not total and not facet_sizes:
        return
    counts = context.loaders.article_counts_by_parent.at(here)
    for parent_id in parent_ids:
        if total:
            counts.load(((relation, spec.condition), parent_id))
        facets = facet_loader(context, here, relation, parent_id, spec)
        for name, size in facet_sizes:
            facets(name, size)


def _counts_and_facets(
    context: Context, here: Position, fields: Any, relation: str
) -> tuple[bool, tuple[tuple[str, int], ...]]:
    """Whether ``totalCount`` is selected below the list, and the facets (name, size)."""
    key = (f"{relation}:counted", here)
    found: tuple[bool, tuple[tuple[str, int], ...]] | None = context.list_loaders.get(key)
    if found is not None:
        return found
    total = False
    facet_sizes: list[tuple[str, int]] = []
    for selection in fields:
        for child in selected(selection.selections):
            if child.name == "totalCount":
                total = True
            elif child.name == "facets":
                for facet in selected(child.selections):
                    if facet.name not in FACET_FIELDS:
                        continue
                    first = facet.arguments.get("first")
                    size = context.settings.default_page_size if first is None else first
                    if isinstance(size, int) and 0 <= size <= context.settings.max_page_size:
                        facet_sizes.append((facet.name, 3 if facet.name == "published" else size))
    found = context.list_loaders[key] = (total, tuple(facet_sizes))
    return found


def list_loader(
    info: Info,
    relation: str,
    make_batch: Callable[[Context, Position, Any], Callable[..., Any]],
) -> DataLoader[Any, Any]:
    """The request's loader of one relation's lists at this position (built on first use).

    Keyed by relation too: fragments on different types (``... on Provider { articles }``
    and ``... on Topic { articles }``) share a response position but not their parents.
    """
    here = position(info)
    found = info.context.list_loaders.get((relation, here))
    if found is None:
        batch = make_batch(info.context, here, selections(info, relation))
        found = info.context.list_loaders[(relation, here)] = DataLoader(
            batch, batch_sizes=info.context.loaders.batch_sizes
        )
    return found


LIST_BATCHES: dict[Callable[..., Any], Callable[..., Any]] = {}
"""A list field's resolver -> the same for many parents at once: it takes the list of
their roots where the resolver takes one, and returns their values in order. Whole
operations run as projections call it once per response position
(``gql.execution.projection``) instead of the resolver once per parent."""


def nested_articles_field(relation: str, description: str) -> Any:
    """A field paging a parent's articles (``provider``, ``topic`` or ``citing``) with the
    arguments every article list takes."""

    async def resolve(
        root: Any,
        info: Info,
        filter_: Annotated[
            ArticleFilter | None, strawberry.argument(name="filter", description=FILTER_HELP)
        ] = None,
        order_by: Annotated[
            list[ArticleOrder] | None, strawberry.argument(description=ORDER_HELP)
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> LazyArticleConnection:
        spec = article_spec(
            info.context.settings,
            article_filter=filter_,
            order_by=order_by,
            first=first,
            after=after,
            last=last,
            before=before,
        )
        [connection] = await nested_articles(info, relation, [root.row.id], spec)
        return connection

    def resolve_all(
        root: list[Any],
        info: Info,
        filter_: ArticleFilter | None = None,
        order_by: list[ArticleOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Awaitable[list[ArticleConnection]]:
        """``resolve`` for all of ``root``: the arguments are checked once."""
        spec = article_spec(
            info.context.settings,
            article_filter=filter_,
            order_by=order_by,
            first=first,
            after=after,
            last=last,
            before=before,
        )
        return nested_articles(info, relation, [parent.row.id for parent in root], spec)

    LIST_BATCHES[resolve] = resolve_all
    return strawberry.field(resolver=resolve, description=description)


async def nested_articles(
    info: Info, relation: str, parent_ids: list[int], spec: ArticleList
) -> list[ArticleConnection]:
    """Pages of the parents' articles, batched with the same list of every other parent.

    The batch loads the pages of all parents at this position in one statement, then
    prefetches the relations of all their articles together, so every parent's page is
    ready in the same tick and everything below it batches by position too.
    """
    here = position(info)
    request_counts_and_facets(
        info.context, here, selections(info, relation), relation, parent_ids, spec
    )

    def make_batch(
        context: Context, here: Position, fields: Any
    ) -> Callable[[list[ListKey]], Awaitable[list[ArticleConnection]]]:
        # Imported here, once per list and request: the types import this module.
        from gql.graph.types.connections import article_connection

        async def batch(keys: list[ListKey]) -> list[ArticleConnection]:
            lists = context.loaders.article_pages_by_parent.at(here)
            pages = await lists.load_many([((relation, s), parent) for s, parent in keys])
            connections = []
            for (hashed, parent), page in zip(keys, pages, strict=True):
                s = hashed.value

                def count(s: ArticleList = s, parent: int = parent) -> Awaitable[int]:
                    counts = context.loaders.article_counts_by_parent.at(here)
                    return counts.load(((relation, s.condition), parent))

                facets = facet_loader(context, here, relation, parent, s)
                connections.append(article_connection(page, s, count, facets))
            nodes = [edge.node for c in connections for edge in c.edges]
            await prefetch_connection(context, nodes, fields, here)
            return connections

        return batch

    loader = list_loader(info, relation, make_batch)
    key = Hashed(spec)
    return await loader.load_many([(key, parent_id) for parent_id in parent_ids])


async def citing_articles(info: Info, article_id: int, spec: ArticleList) -> list[Article]:
    """The first page of the articles citing ``article_id``, as a plain list (``citedBy``)."""

    def make_batch(
        context: Context, here: Position, fields: Any
    ) -> Callable[[list[ListKey]], Awaitable[list[list[Article]]]]:
        # Imported here, once per list and request: the types import this module.
        from gql.graph.types.article import Article

        async def batch(keys: list[ListKey]) -> list[list[Article]]:
            lists = context.loaders.article_pages_by_parent.at(here)
            pages = await lists.load_many([(("citing", s), parent) for s, parent in keys])
            articles = [[Article.from_row(row) for row in page.rows] for page in pages]
            await prefetch_list(context, [a for group in articles for a in group], fields, here)
            return articles

        return batch

    loader = list_loader(info, "citedBy", make_batch)
    result: list[Article] = await loader.load((Hashed(spec), article_id))
    return result
