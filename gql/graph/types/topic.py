"""The ``Topic`` type: a tag of articles, keyed by its name, in a tree; and ``RelatedTopic``.

Its articles are a child list batched across parents (``gql.graph.lists``); its parent,
children and images load as declared below the class (``gql.graph.relations``).
"""

from __future__ import annotations

from dataclasses import field
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from gql.graph import relations
from gql.graph.context import Info
from gql.graph.ids import encode_global_id
from gql.graph.lists import (
    FACET_FIRST_HELP,
    LazyArticleConnection,
    facet_limit,
    nested_articles_field,
)
from gql.graph.positions import position
from gql.graph.relations import load_each_many, load_each_one, relation_of
from gql.graph.types.image import Image
from gql.graph.types.node import Node
from gql.graph.types.rowfields import built, row_field, serve_from_row
from gql.store import TopicRow


@strawberry.type(description="A topic that shares articles with another, and how many.")
class RelatedTopic:
    topic: Topic = strawberry.field(description="The co-occurring topic.")
    count: int = strawberry.field(description="Articles that have both topics.")


@strawberry.type(description="A topic (tag) of articles, e.g. `Microsoft AI`.")
class Topic(Node):
    row: strawberry.Private[TopicRow]
    prefetched: strawberry.Private[dict[str, Any]] = field(default_factory=dict)
    name: str = row_field(description="The topic's name, as articles list it.")
    slug: str = row_field(description="URL-friendly key, e.g. `microsoft-ai`.")
    shortname: str | None = row_field(description="Short label from the topic file.")
    description: str | None = row_field(description="From the topic file, if any.")

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
        return built(cls, row)

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
        loader = info.context.loaders.related_topics_by_topic.at(position(info))
        pairs = await loader.load((facet_limit(first, info), self.row.id))
        return [RelatedTopic(topic=Topic.from_row(row), count=count) for row, count in pairs]

    @strawberry.field(description="Images from the topic file.")
    def images(self, info: Info) -> list[Image]:
        return cast(list[Image], relation_of(self, "images", info))

    articles: LazyArticleConnection = nested_articles_field(
        "topic", "Articles with this topic (default: newest first)."
    )

    @strawberry.field(description="How many articles have this topic.")
    async def article_count(self, info: Info) -> int:
        loader = info.context.loaders.article_counts_by_parent.at(position(info))
        return await loader.load((("topic", None), self.row.id))


serve_from_row(Topic, TopicRow)
relations.register(
    Topic,
    {
        "parent": lambda loaders, here, topics: load_each_one(
            loaders.topic_by_name.at(here), [t.row.parent_name for t in topics], Topic.from_row
        ),
        "children": lambda loaders, here, topics: load_each_many(
            loaders.topics_by_parent_name.at(here), [t.row.name for t in topics], Topic.from_row
        ),
        "images": lambda loaders, here, topics: load_each_many(
            loaders.images_by_topic.at(here), [t.row.id for t in topics], Image.from_row
        ),
    },
)
