"""The ``Article`` type: a news article, keyed by its canonical URL, and its relations.

Scalars are copied from the store row into plain fields (resolved by attribute access, the
cheapest path in graphql-core). Relations are sync resolvers: they return the value a
prefetch stored, or an awaitable from the request's DataLoaders; how each loads is
declared once, below the class (``gql.graph.relations``). ``citedBy`` and ``citations``
are child lists, batched across parents (``gql.graph.lists``). Nothing here knows SQL.
"""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from gql.graph import relations
from gql.graph.context import Info
from gql.graph.ids import encode_global_id
from gql.graph.inputs import ArticleFilter, ArticleOrder
from gql.graph.lists import (
    FILTER_HELP,
    ORDER_HELP,
    LazyArticleConnection,
    article_spec,
    citing_articles,
    nested_articles_field,
)
from gql.graph.pagination import FirstArg
from gql.graph.relations import load_each_many, load_each_one, relation_of
from gql.graph.types.image import Image
from gql.graph.types.link import RelatedLink
from gql.graph.types.node import Node
from gql.graph.types.provider import Provider
from gql.graph.types.rowfields import built, row_field, serve_from_row
from gql.graph.types.topic import Topic
from gql.store import ArticleRow


@strawberry.type(description="A news article, keyed by its canonical URL.")
class Article(Node):
    row: strawberry.Private[ArticleRow]
    prefetched: strawberry.Private[dict[str, Any]] = field(default_factory=dict)
    slug: str = row_field(
        description="From the file name (`YYYY-MM-DD-slug`), else from the title; unique."
    )
    title: str = row_field(description="Headline.")
    excerpt: str | None = row_field(description="Summary.")
    category: str | None = row_field(description="Category, e.g. `news`.")
    type: str | None = row_field(description="Kind of item, e.g. `article`.")
    published_at: datetime | None = row_field(description="When it was published (UTC).")
    url: str = row_field(description="Canonical address (`webUrl`), the article's key.")
    original_url: str | None = row_field(description="`originalUrl`, when given.")
    amp_url: str | None = row_field(description="`ampWebUrl`, when given.")
    cdn_amp_url: str | None = row_field(description="`cdnAmpWebUrl`, when given.")
    quality: int | None = row_field(description="Quality score from the source.")
    heat: int | None = row_field(description="Heat (popularity) score; -1 when unknown.")
    published: bool | None = row_field(description="The source's `published` flag.")
    secured: str | None = row_field(description="The `secured` value, verbatim (opaque).")
    body: str = row_field(description="Markdown body after the frontmatter.")
    provider_name: str | None = row_field(
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
        return built(cls, row)

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
        spec = article_spec(
            info.context.settings,
            article_filter=filter_,
            order_by=order_by,
            first=first,
            after=None,
            last=None,
            before=None,
        )
        return await citing_articles(info, self.row.id, spec)

    citations: LazyArticleConnection = nested_articles_field(
        "citing", "`citedBy` as a connection: paged both ways, with a count."
    )


serve_from_row(Article, ArticleRow)
relations.register(
    Article,
    {
        "provider": lambda loaders, here, articles: load_each_one(
            loaders.provider_by_id.at(here),
            [a.row.provider_id for a in articles],
            Provider.from_row,
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
    },
)
