"""The Subscription root: changes of the corpus, pushed as loads commit them.

``articleChanged(filter:)`` sends one ``ArticleChange`` per article a load added,
updated or removed (matching the filter, when given: the lists' ``ArticleFilter``, tested
by the store on the changed articles only); ``corpusChanged`` one ``CorpusChange`` per
load. Both come from the worker's change feed (``gql.graph.feed``), so they see the
loads of any process writing the database. Each event reads the article as it is then,
through fresh loaders: an article's later change is never answered from an earlier
event's cache.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from enum import Enum
from typing import Annotated

import strawberry

from gql.graph.context import Info, SubscriptionContext
from gql.graph.feed import ChangeFeed, FeedSubscription
from gql.graph.ids import encode_global_id
from gql.graph.inputs import ArticleFilter, optional_article_condition
from gql.graph.lists import FILTER_HELP
from gql.graph.positions import position, selections
from gql.graph.prefetch import prefetch_list
from gql.graph.types import Article
from gql.store import Condition


@strawberry.enum(description="How a load changed an article.")
class ChangeKind(Enum):
    ADDED = strawberry.enum_value("added", description="A new article: its URL was not served.")
    UPDATED = strawberry.enum_value("updated", description="Its file changed (or moved).")
    REMOVED = strawberry.enum_value("removed", description="No file defines it any more.")


@strawberry.type(description="One article a load changed.")
class ArticleChange:
    kind: ChangeKind = strawberry.field(description="Added, updated or removed.")
    url: str = strawberry.field(description="The article's canonical URL (its key).")
    data_version: int = strawberry.field(description="The data version the load made.")
    article_id: strawberry.Private[int | None]

    @strawberry.field(description="The article's global ID (also when it was removed).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Article", self.url))

    @strawberry.field(description="The article as it is now; null once removed.")
    async def article(self, info: Info) -> Article | None:
        if self.article_id is None:
            return None
        loader = info.context.loaders.article_by_id.at(position(info))
        row = await loader.load(self.article_id)
        if row is None:
            return None  # removed by a later load since
        article = Article.from_row(row)
        await prefetch_list(info.context, [article], selections(info), position(info))
        return article


@strawberry.type(description="What one load changed in the corpus.")
class CorpusChange:
    data_version: int = strawberry.field(description="The data version the load made.")
    added: int = strawberry.field(description="Articles added.")
    updated: int = strawberry.field(description="Articles updated.")
    removed: int = strawberry.field(description="Articles removed.")


@dataclass
class _Subscribed:
    context: SubscriptionContext
    subscription: FeedSubscription


async def _subscribe(info: Info, condition: Condition | None, *, articles: bool) -> _Subscribed:
    context = info.context
    assert isinstance(context, SubscriptionContext), "subscriptions run with a feed"
    feed = context.feed
    assert isinstance(feed, ChangeFeed)
    subscription = await feed.subscribe(condition, articles=articles)
    context.subscribed.set()
    return _Subscribed(context, subscription)


@strawberry.type(description="Changes of the corpus, pushed as each load commits them.")
class Subscription:
    @strawberry.subscription(
        description="Each article a load adds, updates or removes, matching `filter` when"
        " given (a removal reaches every subscription: a removed article matches nothing)."
    )
    async def article_changed(
        self,
        info: Info,
        filter_: Annotated[
            ArticleFilter | None, strawberry.argument(name="filter", description=FILTER_HELP)
        ] = None,
    ) -> AsyncGenerator[ArticleChange, None]:
        condition = optional_article_condition(filter_)
        subscribed = await _subscribe(info, condition, articles=True)
        try:
            async for event in subscribed.subscription:
                # Once per version (which names each article once): its reads see it.
                with subscribed.context.reading():
                    for change in event.articles:
                        yield ArticleChange(
                            kind=ChangeKind(change.kind),
                            url=change.url,
                            data_version=change.data_version,
                            article_id=change.article_id,
                        )
        finally:
            subscribed.subscription.close()

    @strawberry.subscription(description="Each load that changes the corpus, with its counts.")
    async def corpus_changed(self, info: Info) -> AsyncGenerator[CorpusChange, None]:
        subscribed = await _subscribe(info, None, articles=False)
        try:
            async for event in subscribed.subscription:
                changes = event.changes
                yield CorpusChange(
                    data_version=changes.data_version,
                    added=changes.added,
                    updated=changes.updated,
                    removed=changes.removed,
                )
        finally:
            subscribed.subscription.close()
