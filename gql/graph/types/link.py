"""The ``RelatedLink`` type: coverage of the same story by another outlet, listed by an
article, and its relations (declared below the class, see ``gql.graph.relations``).

A link points at two articles: ``source``, whose ``related`` list holds it, and
``article``, the corpus article at its URL when there is one. ``gql.graph.types.article``
imports this module (``Article.related``), so ``Article`` is referenced lazily here.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from gql.graph import relations
from gql.graph.context import Info
from gql.graph.relations import load_each_many, load_each_one, relation_of
from gql.graph.types.image import Image
from gql.graph.types.provider import Provider
from gql.graph.types.rowfields import built, row_field, serve_from_row
from gql.loaders import Loaders, Position
from gql.store import RelatedLinkRow

if TYPE_CHECKING:
    from gql.graph.types.article import Article

LazyArticle = Annotated["Article", strawberry.lazy("gql.graph.types.article")]


@strawberry.type(description="Coverage of the same story by another outlet, listed by an article.")
class RelatedLink:
    row: strawberry.Private[RelatedLinkRow]
    prefetched: strawberry.Private[dict[str, Any]] = field(default_factory=dict)
    position: int = row_field(description="0-based place in the article's `related` list.")
    url: str = row_field(description="The linked page (`webUrl`).")
    title: str | None = row_field(description="Title of the linked page.")
    excerpt: str | None = row_field(description="Excerpt of the linked page.")
    published_at: datetime | None = row_field(description="When it was published (UTC).")
    type: str | None = row_field(description="Kind of item, e.g. `article`.")
    quality: int | None = row_field(description="Quality score from the source.")
    original_url: str | None = row_field(description="`originalUrl`, when given.")
    amp_url: str | None = row_field(description="`ampWebUrl`, when given.")
    cdn_amp_url: str | None = row_field(description="`cdnAmpWebUrl`, when given.")
    provider_name: str | None = row_field(
        description="The publisher's name exactly as the link gives it."
    )

    @strawberry.field(description="Keys of the link without a typed field.")
    def extra(self) -> JSON:
        return JSON(self.row.extra)

    @classmethod
    def from_row(cls, row: RelatedLinkRow) -> RelatedLink:
        return built(cls, row)

    @strawberry.field(description="The linked page's publisher.")
    def provider(self, info: Info) -> Provider | None:
        return cast(Provider | None, relation_of(self, "provider", info))

    @strawberry.field(description="Images of the linked page.")
    def images(self, info: Info) -> list[Image]:
        return cast(list[Image], relation_of(self, "images", info))

    @strawberry.field(description="The corpus article at this URL, or null if it is not in it.")
    def article(self, info: Info) -> LazyArticle | None:
        return cast("Article | None", relation_of(self, "article", info))

    @strawberry.field(description="The article whose `related` list holds this link.")
    def source(self, info: Info) -> LazyArticle:
        return cast("Article", relation_of(self, "source", info))


def _articles_by_id(
    loaders: Loaders, here: Position, ids: list[int | None]
) -> Awaitable[list[Article | None]]:
    """The articles with these ids (None for a None id), batched at ``here``."""
    # Imported here, once per batch: gql.graph.types.article imports this module.
    from gql.graph.types.article import Article

    return load_each_one(loaders.article_by_id.at(here), ids, Article.from_row)


serve_from_row(RelatedLink, RelatedLinkRow)
relations.register(
    RelatedLink,
    {
        "provider": lambda loaders, here, links: load_each_one(
            loaders.provider_by_id.at(here), [x.row.provider_id for x in links], Provider.from_row
        ),
        "images": lambda loaders, here, links: load_each_many(
            loaders.images_by_link.at(here), [x.row.id for x in links], Image.from_row
        ),
        "article": lambda loaders, here, links: _articles_by_id(
            loaders, here, [x.row.target_article_id for x in links]
        ),
        "source": lambda loaders, here, links: _articles_by_id(
            loaders, here, [x.row.article_id for x in links]
        ),
    },
)
