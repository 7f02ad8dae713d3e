"""The ``Provider`` type: a publisher, keyed by its domain, and its relations.

Its articles are a child list batched across parents (``gql.graph.lists``); its images
load as declared below the class (``gql.graph.relations``).
"""

from __future__ import annotations

from dataclasses import field
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from gql.graph import relations
from gql.graph.context import Info
from gql.graph.ids import encode_global_id
from gql.graph.lists import LazyArticleConnection, nested_articles_field
from gql.graph.positions import position
from gql.graph.relations import load_each_many, relation_of
from gql.graph.types.image import Image
from gql.graph.types.node import Node
from gql.graph.types.rowfields import built, row_field, serve_from_row
from gql.store import ProviderRow


@strawberry.type(description="A publisher, keyed by its domain (lower-case, without `www.`).")
class Provider(Node):
    row: strawberry.Private[ProviderRow]
    prefetched: strawberry.Private[dict[str, Any]] = field(default_factory=dict)
    name: str = row_field(
        description="Display name: the publisher file's, else the name most articles use."
    )
    domain: str = row_field(description="Canonical domain, e.g. `venturebeat.com`.")
    description: str | None = row_field(description="From the publisher file, if any.")

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
        return built(cls, row)

    @strawberry.field(description="Logos: the publisher file's first, then those articles list.")
    def images(self, info: Info) -> list[Image]:
        return cast(list[Image], relation_of(self, "images", info))

    articles: LazyArticleConnection = nested_articles_field(
        "provider", "This publisher's articles (default: newest first)."
    )

    @strawberry.field(description="How many articles this publisher has in the corpus.")
    async def article_count(self, info: Info) -> int:
        loader = info.context.loaders.article_counts_by_parent.at(position(info))
        return await loader.load((("provider", None), self.row.id))


serve_from_row(Provider, ProviderRow)
relations.register(
    Provider,
    {
        "images": lambda loaders, here, providers: load_each_many(
            loaders.images_by_provider.at(here), [p.row.id for p in providers], Image.from_row
        ),
    },
)
