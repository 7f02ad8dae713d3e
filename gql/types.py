"""GraphQL object types: articles, providers, topics, related links, images, connections.

Scalars are copied from store rows into plain fields (resolved by attribute access, the
cheapest path in graphql-core); relations are async resolvers that go through the
request's DataLoaders. Nothing here knows SQL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from graphql.pyutils import Path
from strawberry.scalars import JSON

from gql.context import Context
from gql.errors import InvalidArgument, InvalidCursor
from gql.ids import decode_cursor, encode_cursor, encode_global_id
from gql.settings import Settings
from gql.store.queries import article_key
from gql.store.rows import (
    ArticleKey,
    ArticleRow,
    ImageRow,
    Page,
    ProviderRow,
    RelatedLinkRow,
    TopicRow,
)

Info = strawberry.Info[Context, None]
NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")

NEWEST_FIRST_TAG = "newest"
FIRST_HELP = "How many items to return (default 20, at most 100)."
AFTER_HELP = "Return items after this cursor (an `endCursor` of the previous page)."


# --- pagination ---------------------------------------------------------------------------


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


def page_size(first: int | None, settings: Settings) -> int:
    """The validated ``first`` argument: an error outside 0..max, never a silent clamp."""
    if first is None:
        return settings.default_page_size
    if first < 0:
        raise InvalidArgument("first", f"must be 0 or more, got {first}")
    if first > settings.max_page_size:
        raise InvalidArgument("first", f"must be at most {settings.max_page_size}, got {first}")
    return first


def article_after(after: str | None) -> ArticleKey | None:
    """The keyset position a newest-first article cursor stands for."""
    if after is None:
        return None
    published_at, article_id = decode_cursor(after, NEWEST_FIRST_TAG, 2)
    if not (published_at is None or isinstance(published_at, str)) or not isinstance(
        article_id, int
    ):
        raise InvalidCursor(after)
    return ArticleKey(published_at, article_id)


@strawberry.type(description="Where a page sits in its list (Relay cursor connections).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Items precede this page (true when the page was asked for with `after`)."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item: pass it as `after` for the next page."
    )


@strawberry.type(description="An item of a page with its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Opaque position of this item in its list.")
    node: NodeT = strawberry.field(description="The item.")


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
    *,
    has_previous: bool,
    node: Callable[[RowT], NodeT],
    cursor: Callable[[RowT], str],
    count: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    edges = [Edge(cursor=cursor(row), node=node(row)) for row in page.rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=count,
    )


def article_cursor(row: ArticleRow) -> str:
    key = article_key(row)
    return encode_cursor(NEWEST_FIRST_TAG, key.published_at, key.id)


def article_connection(
    page: Page[ArticleRow], after: ArticleKey | None, count: Callable[[], Awaitable[int]]
) -> Connection[Article]:
    return make_connection(
        page,
        has_previous=after is not None,
        node=Article.from_row,
        cursor=article_cursor,
        count=count,
    )


# --- types ------------------------------------------------------------------------------


@strawberry.interface(description="An object with a stable, opaque global ID (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Opaque global ID; stable across reloads of the corpus."
    )


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
    name: str = strawberry.field(
        description="Display name: the publisher file's, else the name most articles use."
    )
    domain: str = strawberry.field(description="Canonical domain, e.g. `venturebeat.com`.")
    description: str | None = strawberry.field(description="From the publisher file, if any.")
    other_names: list[str] = strawberry.field(description="Other names from the publisher file.")
    extra: JSON = strawberry.field(description="Publisher-file keys without a typed field.")

    @classmethod
    def from_row(cls, row: ProviderRow) -> Provider:
        return cls(
            row=row,
            id=strawberry.ID(encode_global_id("Provider", row.domain)),
            name=row.name,
            domain=row.domain,
            description=row.description,
            other_names=row.other_names,
            extra=JSON(row.extra),
        )

    @strawberry.field(description="Logos: the publisher file's first, then those articles list.")
    async def images(self, info: Info) -> list[Image]:
        rows = await info.context.loaders.images_by_provider.at(position(info)).load(self.row.id)
        return [Image.from_row(r) for r in rows]

    @strawberry.field(description="This publisher's articles, newest first.")
    async def articles(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> Connection[Article]:
        size, key = page_size(first, info.context.settings), article_after(after)
        loaders, here = info.context.loaders, position(info)
        page = await loaders.article_pages_by_provider.at(here).load((self.row.id, size, key))
        return article_connection(
            page, key, lambda: loaders.article_count_by_provider.at(here).load(self.row.id)
        )

    @strawberry.field(description="How many articles this publisher has in the corpus.")
    async def article_count(self, info: Info) -> int:
        return await info.context.loaders.article_count_by_provider.at(position(info)).load(
            self.row.id
        )


@strawberry.type(description="A topic (tag) of articles, e.g. `Microsoft AI`.")
class Topic(Node):
    row: strawberry.Private[TopicRow]
    name: str = strawberry.field(description="The topic's name, as articles list it.")
    slug: str = strawberry.field(description="URL-friendly key, e.g. `microsoft-ai`.")
    shortname: str | None = strawberry.field(description="Short label from the topic file.")
    description: str | None = strawberry.field(description="From the topic file, if any.")
    keywords: list[str] = strawberry.field(description="Keywords from the topic file.")
    extra: JSON = strawberry.field(description="Topic-file keys without a typed field.")

    @classmethod
    def from_row(cls, row: TopicRow) -> Topic:
        return cls(
            row=row,
            id=strawberry.ID(encode_global_id("Topic", row.name)),
            name=row.name,
            slug=row.slug,
            shortname=row.shortname,
            description=row.description,
            keywords=row.keywords,
            extra=JSON(row.extra),
        )

    @strawberry.field(description="The parent topic, when the topic file names one.")
    async def parent(self, info: Info) -> Topic | None:
        if self.row.parent_name is None:
            return None
        row = await info.context.loaders.topic_by_name.at(position(info)).load(self.row.parent_name)
        return Topic.from_row(row) if row else None

    @strawberry.field(description="Topics whose parent is this topic, by name.")
    async def children(self, info: Info) -> list[Topic]:
        rows = await info.context.loaders.topics_by_parent_name.at(position(info)).load(
            self.row.name
        )
        return [Topic.from_row(r) for r in rows]

    @strawberry.field(description="Images from the topic file.")
    async def images(self, info: Info) -> list[Image]:
        rows = await info.context.loaders.images_by_topic.at(position(info)).load(self.row.id)
        return [Image.from_row(r) for r in rows]

    @strawberry.field(description="Articles with this topic, newest first.")
    async def articles(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> Connection[Article]:
        size, key = page_size(first, info.context.settings), article_after(after)
        loaders, here = info.context.loaders, position(info)
        page = await loaders.article_pages_by_topic.at(here).load((self.row.id, size, key))
        return article_connection(
            page, key, lambda: loaders.article_count_by_topic.at(here).load(self.row.id)
        )

    @strawberry.field(description="How many articles have this topic.")
    async def article_count(self, info: Info) -> int:
        return await info.context.loaders.article_count_by_topic.at(position(info)).load(
            self.row.id
        )


@strawberry.type(description="Coverage of the same story by another outlet, listed by an article.")
class RelatedLink:
    row: strawberry.Private[RelatedLinkRow]
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
    extra: JSON = strawberry.field(description="Keys of the link without a typed field.")

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
            extra=JSON(row.extra),
        )

    @strawberry.field(description="The linked page's publisher.")
    async def provider(self, info: Info) -> Provider | None:
        if self.row.provider_id is None:
            return None
        row = await info.context.loaders.provider_by_id.at(position(info)).load(
            self.row.provider_id
        )
        return Provider.from_row(row) if row else None

    @strawberry.field(description="Images of the linked page.")
    async def images(self, info: Info) -> list[Image]:
        rows = await info.context.loaders.images_by_link.at(position(info)).load(self.row.id)
        return [Image.from_row(r) for r in rows]

    @strawberry.field(description="The corpus article at this URL, or null if it is not in it.")
    async def article(self, info: Info) -> Article | None:
        if self.row.target_article_id is None:
            return None
        row = await info.context.loaders.article_by_id.at(position(info)).load(
            self.row.target_article_id
        )
        return Article.from_row(row) if row else None

    @strawberry.field(description="The article whose `related` list holds this link.")
    async def source(self, info: Info) -> Article:
        row = await info.context.loaders.article_by_id.at(position(info)).load(self.row.article_id)
        assert row is not None, f"related link {self.row.id} without its article"
        return Article.from_row(row)


@strawberry.type(description="A news article, keyed by its canonical URL.")
class Article(Node):
    row: strawberry.Private[ArticleRow]
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
    extra: JSON = strawberry.field(description="Frontmatter keys without a typed field, verbatim.")

    @classmethod
    def from_row(cls, row: ArticleRow) -> Article:
        return cls(
            row=row,
            id=strawberry.ID(encode_global_id("Article", row.url)),
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
            extra=JSON(row.extra),
        )

    @strawberry.field(description="The publisher.")
    async def provider(self, info: Info) -> Provider | None:
        if self.row.provider_id is None:
            return None
        row = await info.context.loaders.provider_by_id.at(position(info)).load(
            self.row.provider_id
        )
        return Provider.from_row(row) if row else None

    @strawberry.field(description="Topics, in the order the file lists them.")
    async def topics(self, info: Info) -> list[Topic]:
        rows = await info.context.loaders.topics_by_article.at(position(info)).load(self.row.id)
        return [Topic.from_row(r) for r in rows]

    @strawberry.field(description="Images, in the order the file lists them.")
    async def images(self, info: Info) -> list[Image]:
        rows = await info.context.loaders.images_by_article.at(position(info)).load(self.row.id)
        return [Image.from_row(r) for r in rows]

    @strawberry.field(description="Coverage of the same story by other outlets, in file order.")
    async def related(self, info: Info) -> list[RelatedLink]:
        rows = await info.context.loaders.links_by_article.at(position(info)).load(self.row.id)
        return [RelatedLink.from_row(r) for r in rows]

    @strawberry.field(
        description="Articles whose related links point at this one, newest first "
        "(the first page; use `citations` to page further)."
    )
    async def cited_by(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_HELP)] = None,
    ) -> list[Article]:
        size = page_size(first, info.context.settings)
        page = await info.context.loaders.citing_pages_by_article.at(position(info)).load(
            (self.row.id, size, None)
        )
        return [Article.from_row(r) for r in page.rows]

    @strawberry.field(description="`citedBy` as a connection: paged, with cursors and a count.")
    async def citations(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> Connection[Article]:
        size, key = page_size(first, info.context.settings), article_after(after)
        loaders, here = info.context.loaders, position(info)
        page = await loaders.citing_pages_by_article.at(here).load((self.row.id, size, key))
        return article_connection(
            page, key, lambda: loaders.citing_count_by_article.at(here).load(self.row.id)
        )


def node_of(type_name: str, row: Any) -> Article | Provider | Topic:
    """Wrap a store row as the node type its global ID names."""
    if type_name == "Article":
        return Article.from_row(row)
    if type_name == "Provider":
        return Provider.from_row(row)
    return Topic.from_row(row)
