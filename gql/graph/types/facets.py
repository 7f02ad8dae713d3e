"""Facets of article lists: counts of the matching articles by topic, publisher, month and
``published`` flag, as GraphQL types.

The counts come from the store through the list's ``FacetLoader`` (``gql.graph.lists``);
the topic or publisher of a count is looked up through the request's DataLoaders.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from gql.graph.context import Info
from gql.graph.lists import FACET_FIRST_HELP, FacetLoader, facet_limit
from gql.graph.positions import position
from gql.graph.types.provider import Provider
from gql.graph.types.topic import Topic


@strawberry.type(description="A topic and how many articles of a list have it.")
class TopicCount:
    topic_id: strawberry.Private[int]
    count: int = strawberry.field(description="Matching articles with this topic.")

    @strawberry.field(description="The topic.")
    async def topic(self, info: Info) -> Topic:
        row = await info.context.loaders.topic_by_id.at(position(info)).load(self.topic_id)
        assert row is not None, f"facet of unknown topic {self.topic_id}"
        return Topic.from_row(row)


@strawberry.type(description="A publisher and how many articles of a list it published.")
class ProviderCount:
    provider_id: strawberry.Private[int | None]
    count: int = strawberry.field(description="Matching articles from this publisher.")

    @strawberry.field(description="The publisher (null for articles without one).")
    async def provider(self, info: Info) -> Provider | None:
        if self.provider_id is None:
            return None
        row = await info.context.loaders.provider_by_id.at(position(info)).load(self.provider_id)
        return Provider.from_row(row) if row else None


@strawberry.type(description="A calendar month (UTC) and how many articles of a list it holds.")
class MonthCount:
    month: str | None = strawberry.field(description="`YYYY-MM`; null for articles without a date.")
    count: int = strawberry.field(description="Matching articles published that month.")


@strawberry.type(description="A value of the `published` flag and how many articles have it.")
class PublishedCount:
    value: bool | None = strawberry.field(description="The flag; null when the file has none.")
    count: int = strawberry.field(description="Matching articles with this value.")


@strawberry.type(
    description="Counts of the list's matching articles (its filter applied, all pages), "
    "computed in SQL in the same request."
)
class ArticleFacets:
    load: strawberry.Private[FacetLoader]

    @strawberry.field(description="Topics of the matching articles, most frequent first.")
    async def topics(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FACET_FIRST_HELP)] = None,
    ) -> list[TopicCount]:
        counts = await self.load("topics", facet_limit(first, info))
        return [TopicCount(topic_id=c.value, count=c.count) for c in counts]

    @strawberry.field(description="Publishers of the matching articles, most frequent first.")
    async def providers(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FACET_FIRST_HELP)] = None,
    ) -> list[ProviderCount]:
        counts = await self.load("providers", facet_limit(first, info))
        return [ProviderCount(provider_id=c.value, count=c.count) for c in counts]

    @strawberry.field(description="Matching articles per month, newest month first.")
    async def published_by_month(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FACET_FIRST_HELP)] = None,
    ) -> list[MonthCount]:
        counts = await self.load("publishedByMonth", facet_limit(first, info))
        return [MonthCount(month=c.value, count=c.count) for c in counts]

    @strawberry.field(description="Matching articles per value of the `published` flag.")
    async def published(self) -> list[PublishedCount]:
        counts = await self.load("published", 3)
        return [
            PublishedCount(value=None if c.value is None else bool(c.value), count=c.count)
            for c in counts
        ]
