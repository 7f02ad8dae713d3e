"""GraphQL object types: articles, providers, topics, related links, images, their lists.

Scalars are copied from store rows into plain fields (resolved by attribute access, the
cheapest path in graphql-core); relations are async resolvers that go through the
request's DataLoaders, kept per response position (``position``). Nothing here knows SQL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import field
from datetime import datetime
from typing import Annotated, Any, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from gql.graph.context import Context
from gql.graph.facets import ArticleFacets
from gql.graph.ids import encode_cursor, encode_global_id
from gql.graph.inputs import ArticleFilter, ArticleOrder
from gql.graph.pagination import (
    AfterArg,
    BeforeArg,
    Connection,
    Edge,
    FirstArg,
    LastArg,
    PageInfo,
    order_tag,
    page_info,
)
from gql.graph.prefetch import RELATIONS, prefetch_connection, prefetch_list
from gql.graph.resolving import (
    FACET_FIRST_HELP,
    FILTER_HELP,
    ORDER_HELP,
    FacetLoader,
    Info,
    article_list,
    facet_limit,
    facet_loader,
    list_loader,
    load_each_many,
    load_each_one,
    position,
    relation_of,
    request_counts_and_facets,
    selections,
)
from gql.store import ArticleList, ArticleRow, ImageRow, Page, ProviderRow, RelatedLinkRow, TopicRow

C = TypeVar("C", "ArticleConnection", "SearchConnection", "Connection[Any]")


async def prefetched_connection(info: Info, connection: C) -> C:
    """``connection`` after its nodes' selected relations were loaded (``gql.graph.prefetch``)."""
    nodes = [edge.node for edge in connection.edges]
    await prefetch_connection(info.context, nodes, selections(info), position(info))
    return connection


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
    ) -> ArticleConnection:
        spec = article_list(
            info,
            article_filter=filter_,
            order_by=order_by,
            first=first,
            after=after,
            last=last,
            before=before,
        )
        return await nested_articles(info, relation, root.row.id, spec)

    return strawberry.field(resolver=resolve, description=description)


# --- types ------------------------------------------------------------------------------


@strawberry.interface(description="An object with a stable, opaque global ID (Relay).")
class Node:
    @strawberry.field(description="Opaque global ID; stable across reloads of the corpus.")
    def id(self) -> strawberry.ID:
        raise NotImplementedError


@strawberry.type(description="An image of an article, a publisher, a topic or a related link.")
class Image:
    url: str = strawberry.field(description="Image address, as the source file gives it.")
    width: int | None = strawberry.field(description="Width in pixels, when known.")
    height: int | None = strawberry.field(description="Height in pixels, when known.")
    title: str | None = strawberry.field(description="Caption or title, when given.")
    is_cached: bool | None = strawberry.field(description="The source marks the image as cached.")

    @classmethod
    def from_row(cls, row: ImageRow) -> Image:
        return cls(
            url=row.url,
            width=row.width,
            height=row.height,
            title=row.title,
            is_cached=row.is_cached,
        )


@strawberry.type(description="A publisher, keyed by its domain (lower-case, without `www.`).")
class Provider(Node):
    row: strawberry.Private[ProviderRow]
    prefetched: strawberry.Private[dict[str, Any]] = field(default_factory=dict)
    name: str = strawberry.field(
        description="Display name: the publisher file's, else the name most articles use."
    )
    domain: str = strawberry.field(description="Canonical domain, e.g. `venturebeat.com`.")
    description: str | None = strawberry.field(description="From the publisher file, if any.")

    @strawberry.field(description="Other names from the publisher file.")
    def other_names(self) -> list[str]:
        return self.row.other_names

    @strawberry.field(description="Publisher-file keys without a typed field.")
    def extra(self) -> JSON:
        return JSON(self.row.extra)

    @strawberry.field(description="Opaque global ID; stable across reloads of the corpus.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Provider", self.domain))

    @classmethod
    def from_row(cls, row: ProviderRow) -> Provider:
        return cls(
            row=row,
            name=row.name,
            domain=row.domain,
            description=row.description,
        )

    @strawberry.field(description="Logos: the publisher file's first, then those articles list.")
    def images(self, info: Info) -> list[Image]:
        return cast(list[Image], relation_of(self, "images", info))

    articles: ArticleConnection = nested_articles_field(
        "provider", "This publisher's articles (default: newest first)."
    )

    @strawberry.field(description="How many articles this publisher has in the corpus.")
    async def article_count(self, info: Info) -> int:
        loader = info.context.loaders.article_counts.at(position(info))
        return await loader.load((("provider", None), self.row.id))


@strawberry.type(description="A topic that shares articles with another, and how many.")
class RelatedTopic:
    topic: Topic = strawberry.field(description="The co-occurring topic.")
    count: int = strawberry.field(description="Articles that have both topics.")


@strawberry.type(description="A topic (tag) of articles, e.g. `Microsoft AI`.")
class Topic(Node):
    row: strawberry.Private[TopicRow]
    prefetched: strawberry.Private[dict[str, Any]] = field(default_factory=dict)
    name: str = strawberry.field(description="The topic's name, as articles list it.")
    slug: str = strawberry.field(description="URL-friendly key, e.g. `microsoft-ai`.")
    shortname: str | None = strawberry.field(description="Short label from the topic file.")
    description: str | None = strawberry.field(description="From the topic file, if any.")

    @strawberry.field(description="Keywords from the topic file.")
    def keywords(self) -> list[str]:
        return self.row.keywords

    @strawberry.field(description="Topic-file keys without a typed field.")
    def extra(self) -> JSON:
        return JSON(self.row.extra)

    @strawberry.field(description="Opaque global ID; stable across reloads of the corpus.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Topic", self.name))

    @classmethod
    def from_row(cls, row: TopicRow) -> Topic:
        return cls(
            row=row,
            name=row.name,
            slug=row.slug,
            shortname=row.shortname,
            description=row.description,
        )

    @strawberry.field(description="The parent topic, when the topic file names one.")
    def parent(self, info: Info) -> Topic | None:
        return cast(Topic | None, relation_of(self, "parent", info))

    @strawberry.field(description="Topics whose parent is this topic, by name.")
    def children(self, info: Info) -> list[Topic]:
        return cast(list[Topic], relation_of(self, "children", info))

    @strawberry.field(description="Topics that share articles with this one, most shared first.")
    async def related_topics(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FACET_FIRST_HELP)] = None,
    ) -> list[RelatedTopic]:
        loader = info.context.loaders.related_topics.at(position(info))
        pairs = await loader.load((facet_limit(first, info), self.row.id))
        return [RelatedTopic(topic=Topic.from_row(row), count=count) for row, count in pairs]

    @strawberry.field(description="Images from the topic file.")
    def images(self, info: Info) -> list[Image]:
        return cast(list[Image], relation_of(self, "images", info))

    articles: ArticleConnection = nested_articles_field(
        "topic", "Articles with this topic (default: newest first)."
    )

    @strawberry.field(description="How many articles have this topic.")
    async def article_count(self, info: Info) -> int:
        loader = info.context.loaders.article_counts.at(position(info))
        return await loader.load((("topic", None), self.row.id))


@strawberry.type(description="Coverage of the same story by another outlet, listed by an article.")
class RelatedLink:
    row: strawberry.Private[RelatedLinkRow]
    prefetched: strawberry.Private[dict[str, Any]] = field(default_factory=dict)
    position: int = strawberry.field(description="0-based place in the article's `related` list.")
    url: str = strawberry.field(description="The linked page (`webUrl`).")
    title: str | None = strawberry.field(description="Title of the linked page.")
    excerpt: str | None = strawberry.field(description="Excerpt of the linked page.")
    published_at: datetime | None = strawberry.field(description="When it was published (UTC).")
    type: str | None = strawberry.field(description="Kind of item, e.g. `article`.")
    quality: int | None = strawberry.field(description="Quality score from the source.")
    original_url: str | None = strawberry.field(description="`originalUrl`, when given.")
    amp_url: str | None = strawberry.field(description="`ampWebUrl`, when given.")
    cdn_amp_url: str | None = strawberry.field(description="`cdnAmpWebUrl`, when given.")
    provider_name: str | None = strawberry.field(
        description="The publisher's name exactly as the link gives it."
    )

    @strawberry.field(description="Keys of the link without a typed field.")
    def extra(self) -> JSON:
        return JSON(self.row.extra)

    @classmethod
    def from_row(cls, row: RelatedLinkRow) -> RelatedLink:
        return cls(
            row=row,
            position=row.position,
            url=row.url,
            title=row.title,
            excerpt=row.excerpt,
            published_at=row.published_at,
            type=row.type,
            quality=row.quality,
            original_url=row.original_url,
            amp_url=row.amp_url,
            cdn_amp_url=row.cdn_amp_url,
            provider_name=row.provider_name,
        )

    @strawberry.field(description="The linked page's publisher.")
    def provider(self, info: Info) -> Provider | None:
        return cast(Provider | None, relation_of(self, "provider", info))

    @strawberry.field(description="Images of the linked page.")
    def images(self, info: Info) -> list[Image]:
        return cast(list[Image], relation_of(self, "images", info))

    @strawberry.field(description="The corpus article at this URL, or null if it is not in it.")
    def article(self, info: Info) -> Article | None:
        return cast(Article | None, relation_of(self, "article", info))

    @strawberry.field(description="The article whose `related` list holds this link.")
    def source(self, info: Info) -> Article:
        return cast(Article, relation_of(self, "source", info))


@strawberry.type(description="A news article, keyed by its canonical URL.")
class Article(Node):
    row: strawberry.Private[ArticleRow]
    prefetched: strawberry.Private[dict[str, Any]] = field(default_factory=dict)
    slug: str = strawberry.field(
        description="From the file name (`YYYY-MM-DD-slug`), else from the title; unique."
    )
    title: str = strawberry.field(description="Headline.")
    excerpt: str | None = strawberry.field(description="Summary.")
    category: str | None = strawberry.field(description="Category, e.g. `news`.")
    type: str | None = strawberry.field(description="Kind of item, e.g. `article`.")
    published_at: datetime | None = strawberry.field(description="When it was published (UTC).")
    url: str = strawberry.field(description="Canonical address (`webUrl`), the article's key.")
    original_url: str | None = strawberry.field(description="`originalUrl`, when given.")
    amp_url: str | None = strawberry.field(description="`ampWebUrl`, when given.")
    cdn_amp_url: str | None = strawberry.field(description="`cdnAmpWebUrl`, when given.")
    quality: int | None = strawberry.field(description="Quality score from the source.")
    heat: int | None = strawberry.field(description="Heat (popularity) score; -1 when unknown.")
    published: bool | None = strawberry.field(description="The source's `published` flag.")
    secured: str | None = strawberry.field(description="The `secured` value, verbatim (opaque).")
    body: str = strawberry.field(description="Markdown body after the frontmatter.")
    provider_name: str | None = strawberry.field(
        description="The publisher's name exactly as this article's file gives it."
    )

    @strawberry.field(description="Frontmatter keys without a typed field, verbatim.")
    def extra(self) -> JSON:
        return JSON(self.row.extra)

    @strawberry.field(description="Opaque global ID; stable across reloads of the corpus.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Article", self.url))

    @classmethod
    def from_row(cls, row: ArticleRow) -> Article:
        return cls(
            row=row,
            slug=row.slug,
            title=row.title,
            excerpt=row.excerpt,
            category=row.category,
            type=row.type,
            published_at=row.published_at,
            url=row.url,
            original_url=row.original_url,
            amp_url=row.amp_url,
            cdn_amp_url=row.cdn_amp_url,
            quality=row.quality,
            heat=row.heat,
            published=row.published,
            secured=row.secured,
            body=row.body,
            provider_name=row.provider_name,
        )

    @strawberry.field(description="The publisher.")
    def provider(self, info: Info) -> Provider | None:
        return cast(Provider | None, relation_of(self, "provider", info))

    @strawberry.field(description="Topics, in the order the file lists them.")
    def topics(self, info: Info) -> list[Topic]:
        return cast(list[Topic], relation_of(self, "topics", info))

    @strawberry.field(description="Images, in the order the file lists them.")
    def images(self, info: Info) -> list[Image]:
        return cast(list[Image], relation_of(self, "images", info))

    @strawberry.field(description="Coverage of the same story by other outlets, in file order.")
    def related(self, info: Info) -> list[RelatedLink]:
        return cast(list[RelatedLink], relation_of(self, "related", info))

    @strawberry.field(
        description="Articles whose related links point at this one (default: newest first); "
        "the first page only: `citations` pages further and counts."
    )
    async def cited_by(
        self,
        info: Info,
        filter_: Annotated[
            ArticleFilter | None, strawberry.argument(name="filter", description=FILTER_HELP)
        ] = None,
        order_by: Annotated[
            list[ArticleOrder] | None, strawberry.argument(description=ORDER_HELP)
        ] = None,
        first: FirstArg = None,
    ) -> list[Article]:
        spec = article_list(
            info,
            article_filter=filter_,
            order_by=order_by,
            first=first,
            after=None,
            last=None,
            before=None,
        )
        return await citing_articles(info, self.row.id, spec)

    citations: ArticleConnection = nested_articles_field(
        "citing", "`citedBy` as a connection: paged both ways, with a count."
    )


@strawberry.type(description="A page of articles, with cursors, a total count and facets.")
class ArticleConnection(Connection[Article]):
    load_facets: strawberry.Private[FacetLoader]

    @strawberry.field(description="Counts of the matching articles by topic, publisher, month.")
    def facets(self) -> ArticleFacets:
        return ArticleFacets(load=self.load_facets)


@strawberry.type(description="A search result: the article, its rank and a highlighted snippet.")
class SearchEdge:
    node: Article = strawberry.field(description="The matching article.")
    rank: float = strawberry.field(
        description="BM25 score (title matches weigh 10x excerpt matches); lower is better."
    )
    snippet: str = strawberry.field(
        description="The best-matching passage, matched terms wrapped in <mark></mark>."
    )
    tag: strawberry.Private[str]
    key: strawberry.Private[tuple[Any, ...]]

    @strawberry.field(description="Opaque position of this result in the list.")
    def cursor(self) -> str:
        return encode_cursor(self.tag, *self.key)


@strawberry.type(description="A page of search results, with a total count and facets.")
class SearchConnection:
    edges: list[SearchEdge] = strawberry.field(description="The results with their cursors.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]
    load_facets: strawberry.Private[FacetLoader]

    @strawberry.field(description="The matching articles of this page.")
    def nodes(self) -> list[Article]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many articles match (counted only if asked).")
    async def total_count(self) -> int:
        return await self.count()

    @strawberry.field(description="Counts of the matching articles by topic, publisher, month.")
    def facets(self) -> ArticleFacets:
        return ArticleFacets(load=self.load_facets)


# --- building lists -----------------------------------------------------------------------


def article_connection(
    page: Page[ArticleRow],
    spec: ArticleList,
    count: Callable[[], Awaitable[int]],
    load_facets: FacetLoader,
) -> ArticleConnection:
    tag = order_tag("articles", spec.order)
    edges = [
        Edge(node=Article.from_row(row), tag=tag, key=key)
        for key, row in zip(page.keys, page.rows, strict=True)
    ]
    return ArticleConnection(
        edges=edges, page_info=page_info(page, tag), count=count, load_facets=load_facets
    )


def search_connection(
    page: Page[ArticleRow],
    spec: ArticleList,
    count: Callable[[], Awaitable[int]],
    load_facets: FacetLoader,
) -> SearchConnection:
    tag = order_tag("articles", spec.order)
    hits = page.hits or [(0.0, "")] * len(page.rows)
    edges = [
        SearchEdge(node=Article.from_row(row), rank=rank, snippet=snippet, tag=tag, key=key)
        for key, row, (rank, snippet) in zip(page.keys, page.rows, hits, strict=True)
    ]
    return SearchConnection(
        edges=edges, page_info=page_info(page, tag), count=count, load_facets=load_facets
    )


async def nested_articles(
    info: Info, relation: str, parent_id: int, spec: ArticleList
) -> ArticleConnection:
    """A page of a parent's articles, batched with the same list of every other parent.

    The batch loads the pages of all parents at this position in one statement, then
    prefetches the relations of all their articles together, so every parent's page is
    ready in the same tick and everything below it batches by position too.
    """
    here = position(info)
    request_counts_and_facets(
        info.context, here, selections(info, relation), relation, parent_id, spec
    )

    def make_batch(
        context: Context, here: tuple[str, ...], fields: Any
    ) -> Callable[[list[tuple[ArticleList, int]]], Awaitable[list[ArticleConnection]]]:
        async def batch(keys: list[tuple[ArticleList, int]]) -> list[ArticleConnection]:
            lists = context.loaders.article_lists.at(here)
            pages = await lists.load_many([((relation, s), parent) for s, parent in keys])
            connections = []
            for (s, parent), page in zip(keys, pages, strict=True):

                def count(s: ArticleList = s, parent: int = parent) -> Awaitable[int]:
                    counts = context.loaders.article_counts.at(here)
                    return counts.load(((relation, s.condition), parent))

                facets = facet_loader(context, here, relation, parent, s)
                connections.append(article_connection(page, s, count, facets))
            nodes = [edge.node for c in connections for edge in c.edges]
            await prefetch_connection(context, nodes, fields, here)
            return connections

        return batch

    connection: ArticleConnection = await list_loader(info, relation, make_batch).load(
        (spec, parent_id)
    )
    return connection


async def citing_articles(info: Info, article_id: int, spec: ArticleList) -> list[Article]:
    """The first page of the articles citing ``article_id``, as a plain list (``citedBy``)."""

    def make_batch(
        context: Context, here: tuple[str, ...], fields: Any
    ) -> Callable[[list[tuple[ArticleList, int]]], Awaitable[list[list[Article]]]]:
        async def batch(keys: list[tuple[ArticleList, int]]) -> list[list[Article]]:
            lists = context.loaders.article_lists.at(here)
            pages = await lists.load_many([(("citing", s), parent) for s, parent in keys])
            articles = [[Article.from_row(row) for row in page.rows] for page in pages]
            await prefetch_list(context, [a for group in articles for a in group], fields, here)
            return articles

        return batch

    result: list[Article] = await list_loader(info, "citedBy", make_batch).load((spec, article_id))
    return result


def node_of(type_name: str, row: Any) -> Article | Provider | Topic:
    """Wrap a store row as the node type its global ID names."""
    if type_name == "Article":
        return Article.from_row(row)
    if type_name == "Provider":
        return Provider.from_row(row)
    return Topic.from_row(row)


# --- prefetching (see gql.graph.prefetch) -------------------------------------------------


RELATIONS[Article] = {
    "provider": lambda loaders, here, articles: load_each_one(
        loaders.provider_by_id.at(here), [a.row.provider_id for a in articles], Provider.from_row
    ),
    "topics": lambda loaders, here, articles: load_each_many(
        loaders.topics_by_article.at(here), [a.row.id for a in articles], Topic.from_row
    ),
    "images": lambda loaders, here, articles: load_each_many(
        loaders.images_by_article.at(here), [a.row.id for a in articles], Image.from_row
    ),
    "related": lambda loaders, here, articles: load_each_many(
        loaders.links_by_article.at(here), [a.row.id for a in articles], RelatedLink.from_row
    ),
}
RELATIONS[RelatedLink] = {
    "provider": lambda loaders, here, links: load_each_one(
        loaders.provider_by_id.at(here), [x.row.provider_id for x in links], Provider.from_row
    ),
    "images": lambda loaders, here, links: load_each_many(
        loaders.images_by_link.at(here), [x.row.id for x in links], Image.from_row
    ),
    "article": lambda loaders, here, links: load_each_one(
        loaders.article_by_id.at(here), [x.row.target_article_id for x in links], Article.from_row
    ),
    "source": lambda loaders, here, links: load_each_one(
        loaders.article_by_id.at(here), [x.row.article_id for x in links], Article.from_row
    ),
}
RELATIONS[Provider] = {
    "images": lambda loaders, here, providers: load_each_many(
        loaders.images_by_provider.at(here), [p.row.id for p in providers], Image.from_row
    ),
}
RELATIONS[Topic] = {
    "parent": lambda loaders, here, topics: load_each_one(
        loaders.topic_by_name.at(here), [t.row.parent_name for t in topics], Topic.from_row
    ),
    "children": lambda loaders, here, topics: load_each_many(
        loaders.topics_by_parent_name.at(here), [t.row.name for t in topics], Topic.from_row
    ),
    "images": lambda loaders, here, topics: load_each_many(
        loaders.images_by_topic.at(here), [t.row.id for t in topics], Image.from_row
    ),
}
