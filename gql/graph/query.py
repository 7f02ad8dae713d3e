"""The Query root: the entry points into the corpus.

Root fields look records up through the request's DataLoaders and page through lists with
the store's keyset queries; what they return is prefetched like any list
(``gql.graph.prefetch``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from functools import partial
from typing import Annotated, Any, TypeVar

import strawberry

from gql import store as db
from gql.errors import InvalidArgument
from gql.graph.context import Info
from gql.graph.ids import decode_global_id
from gql.graph.inputs import (
    ArticleFilter,
    ArticleOrder,
    ProviderFilter,
    ProviderOrder,
    TopicFilter,
    TopicOrder,
    entity_order,
    provider_condition,
    topic_condition,
)
from gql.graph.lists import FILTER_HELP, ORDER_HELP, FacetLoader, article_spec, facet_spec_of
from gql.graph.lookups import article_key, provider_key, topic_key
from gql.graph.pagination import (
    AfterArg,
    BeforeArg,
    Connection,
    FirstArg,
    LastArg,
    make_connection,
    make_window,
    order_tag,
)
from gql.graph.positions import position, selected, selections
from gql.graph.prefetch import prefetch_list
from gql.graph.types import (
    Article,
    ArticleConnection,
    Node,
    Provider,
    SearchConnection,
    Topic,
    article_connection,
    prefetched_connection,
    search_connection,
)
from gql.store import ArticleList, Condition, FacetCount

T = TypeVar("T")


async def _load_node(info: Info, global_id: str) -> Article | Provider | Topic | None:
    """The object a global ID names, by the stable key the ID holds; None if it is gone."""
    type_name, key = decode_global_id(global_id)
    loaders, here = info.context.loaders, position(info)
    if type_name == "Article":
        article = await loaders.article_by_url.at(here).load(key)
        return Article.from_row(article) if article is not None else None
    if type_name == "Provider":
        provider = await loaders.provider_by_domain.at(here).load(key)
        return Provider.from_row(provider) if provider is not None else None
    topic = await loaders.topic_by_name.at(here).load(key)
    return Topic.from_row(topic) if topic is not None else None


@strawberry.type(description="Entry points into the corpus.")
class Query:
    @strawberry.field(description="Any object by its global ID; null when it does not exist.")
    async def node(
        self,
        info: Info,
        id_: Annotated[strawberry.ID, strawberry.argument(name="id", description="A global ID.")],
    ) -> Node | None:
        return await _load_node(info, id_)

    @strawberry.field(
        description="Objects by global ID, in the order given; null for IDs that do not exist."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs.")],
    ) -> list[Node | None]:
        limit = info.context.settings.max_page_size
        if len(ids) > limit:
            raise InvalidArgument("ids", f"at most {limit} IDs per request, got {len(ids)}")
        return list(await asyncio.gather(*(_load_node(info, i) for i in ids)))

    @strawberry.field(description="One article by global ID, URL or slug (give exactly one).")
    async def article(
        self,
        info: Info,
        id_: Annotated[
            strawberry.ID | None, strawberry.argument(name="id", description="Its global ID.")
        ] = None,
        url: Annotated[str | None, strawberry.argument(description="Its canonical URL.")] = None,
        slug: Annotated[str | None, strawberry.argument(description="Its slug.")] = None,
    ) -> Article | None:
        name, value = article_key(id_, url, slug)
        loaders = info.context.loaders
        family = loaders.article_by_slug if name == "slug" else loaders.article_by_url
        row = await family.at(position(info)).load(value)
        return await _prefetched(info, Article.from_row(row)) if row else None

    @strawberry.field(description="All articles (default: newest first), filtered and faceted.")
    async def articles(
        self,
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
    ) -> ArticleConnection:
        spec = article_spec(
            info.context.settings,
            article_filter=filter_,
            order_by=order_by,
            first=first,
            after=after,
            last=last,
            before=before,
        )
        store = info.context.store
        page = await db.load_article_list(store, spec)
        connection = article_connection(
            page,
            spec,
            lambda: db.count_article_list(store, spec.condition),
            _root_facets(info, spec),
        )
        return await prefetched_connection(info, connection)

    @strawberry.field(
        description="Full-text search over titles and excerpts (SQLite FTS5: words match by "
        "prefix with `*`, phrases in double quotes, AND/OR/NOT), best match first."
    )
    async def search(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="The search query (FTS5 syntax).")],
        filter_: Annotated[
            ArticleFilter | None, strawberry.argument(name="filter", description=FILTER_HELP)
        ] = None,
        order_by: Annotated[
            list[ArticleOrder] | None,
            strawberry.argument(description="Sort keys (default: RELEVANCE)."),
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> SearchConnection:
        if not query.strip():
            raise InvalidArgument("query", "must not be empty")
        spec = article_spec(
            info.context.settings,
            article_filter=filter_,
            order_by=order_by,
            first=first,
            after=after,
            last=last,
            before=before,
            search=query,
        )
        store = info.context.store
        page = await db.load_search_page(store, spec, with_matched_ids=_counted(info))
        if page.matched_ids is not None:
            info.context.loaders.matched_ids_by_search.prime(
                (query, spec.condition), page.matched_ids
            )
        connection = search_connection(
            page,
            spec,
            partial(_count_matches, info, query, spec.condition),
            _search_facets(info, query, spec.condition),
        )
        return await prefetched_connection(info, connection)

    @strawberry.field(description="One publisher by global ID or domain (give exactly one).")
    async def provider(
        self,
        info: Info,
        id_: Annotated[
            strawberry.ID | None, strawberry.argument(name="id", description="Its global ID.")
        ] = None,
        domain: Annotated[
            str | None, strawberry.argument(description="Its domain (any case, `www.` optional).")
        ] = None,
    ) -> Provider | None:
        _, key = provider_key(id_, domain)
        loader = info.context.loaders.provider_by_domain.at(position(info))
        row = await loader.load(key)
        return await _prefetched(info, Provider.from_row(row)) if row else None

    @strawberry.field(description="All publishers (default: by name).")
    async def providers(
        self,
        info: Info,
        filter_: Annotated[
            ProviderFilter | None,
            strawberry.argument(name="filter", description="Only matching publishers."),
        ] = None,
        order_by: Annotated[
            list[ProviderOrder] | None, strawberry.argument(description="Sort keys.")
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Provider]:
        condition = provider_condition(filter_) if filter_ is not None else None
        return await _entity_connection(
            info,
            "provider",
            condition,
            order_by,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(description="One topic by global ID, name or slug (give exactly one).")
    async def topic(
        self,
        info: Info,
        id_: Annotated[
            strawberry.ID | None, strawberry.argument(name="id", description="Its global ID.")
        ] = None,
        name: Annotated[str | None, strawberry.argument(description="Its name.")] = None,
        slug: Annotated[str | None, strawberry.argument(description="Its slug.")] = None,
    ) -> Topic | None:
        which, value = topic_key(id_, name, slug)
        loaders = info.context.loaders
        family = loaders.topic_by_slug if which == "slug" else loaders.topic_by_name
        row = await family.at(position(info)).load(value)
        return await _prefetched(info, Topic.from_row(row)) if row else None

    @strawberry.field(
        description="All topics (default: by name); `filter: {root: true}` for roots."
    )
    async def topics(
        self,
        info: Info,
        filter_: Annotated[
            TopicFilter | None,
            strawberry.argument(name="filter", description="Only matching topics."),
        ] = None,
        order_by: Annotated[
            list[TopicOrder] | None, strawberry.argument(description="Sort keys.")
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Topic]:
        condition = topic_condition(filter_) if filter_ is not None else None
        return await _entity_connection(
            info,
            "topic",
            condition,
            order_by,
            first=first,
            after=after,
            last=last,
            before=before,
        )


async def _prefetched(info: Info, obj: T) -> T:
    """``obj`` after its selected relations were loaded (``gql.graph.prefetch``)."""
    await prefetch_list(info.context, [obj], selections(info), position(info))
    return obj


async def _entity_connection(
    info: Info,
    entity: str,
    condition: Condition | None,
    order_by: list[ProviderOrder] | list[TopicOrder] | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[Any]:
    """A page of all providers or all topics, filtered and ordered (root lists)."""
    order = entity_order(order_by)
    tag = order_tag(f"{entity}s", order)
    window = make_window(
        info.context.settings,
        tag,
        len(order) + 1,
        first=first,
        after=after,
        last=last,
        before=before,
    )
    store = info.context.store
    load = db.load_provider_list if entity == "provider" else db.load_topic_list
    node = Provider.from_row if entity == "provider" else Topic.from_row
    page: Any = await load(store, condition, order, window)
    connection: Connection[Any] = make_connection(
        page, tag, node, lambda: db.count_entities(store, entity, condition)
    )
    return await prefetched_connection(info, connection)


def _counted(info: Info) -> bool:
    """Whether a search's ``totalCount`` or facets are selected: they need every match's id."""
    return any(
        child.name in ("totalCount", "facets")
        for field in selections(info)
        for child in selected(field.selections)
    )


async def _count_matches(info: Info, query: str, condition: Condition | None) -> int:
    return len(await info.context.loaders.matched_ids_by_search.load((query, condition)))


def _search_facets(info: Info, query: str, condition: Condition | None) -> FacetLoader:
    """Facets of a search, grouped over its matching ids (read once per request)."""
    store, loaders = info.context.store, info.context.loaders

    async def load(facet: str, limit: int) -> list[FacetCount[Any]]:
        ids = await loaders.matched_ids_by_search.load((query, condition))
        return await db.load_facets_of_ids(store, facet, ids, limit)

    return load


def _root_facets(info: Info, spec: ArticleList) -> FacetLoader:
    loaders, here = info.context.loaders, position(info)
    facet_spec = facet_spec_of(spec)

    def load(facet: str, limit: int) -> Awaitable[list[FacetCount[Any]]]:
        return loaders.facets_by_parent.at((*here, facet)).load(
            ((facet, None, facet_spec, limit), 0)
        )

    return load
