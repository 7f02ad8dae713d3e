"""Per-request DataLoaders: one family per relation, each batch is one store query.

Built fresh for every request (in the app's context getter) so that caching never leaks
between requests or outlives a reload.

A family holds one DataLoader per *position* in the response (the response path without
list indices, e.g. ``articles.nodes.topics``). All parents at one position are resolved in
the same event-loop tick, so each position issues exactly one statement per relation, and
a query's statement count is fixed by its shape: it does not grow with the rows returned,
and it does not shrink by chance when one position's keys were already cached by another.

Paged relations are keyed by ``(parent id, first, after)``; keys that share
``(first, after)`` go into one statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import partial
from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader

from gql.store import Store
from gql.store import queries as q
from gql.store.rows import (
    ArticleKey,
    ArticleRow,
    ImageRow,
    Page,
    ProviderRow,
    RelatedLinkRow,
    TopicRow,
)

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
Position = tuple[str, ...]
PageKey = tuple[int, int, ArticleKey | None]
PagesFn = Callable[[Sequence[int], int, ArticleKey | None], Awaitable[list[Page[ArticleRow]]]]
BatchFn = Callable[[list[K]], Awaitable[list[T]]]


class LoaderFamily(Generic[K, T]):
    """The DataLoaders of one relation, one per response position."""

    def __init__(self, batch: BatchFn[K, T]) -> None:
        self._batch = batch
        self._loaders: dict[Position, DataLoader[K, T]] = {}

    def at(self, position: Position) -> DataLoader[K, T]:
        loader = self._loaders.get(position)
        if loader is None:
            loader = self._loaders[position] = DataLoader(load_fn=self._batch)
        return loader


def _by_page_args(load_pages: PagesFn) -> BatchFn[PageKey, Page[ArticleRow]]:
    """Batch ``(parent, first, after)`` keys: one query per distinct ``(first, after)``."""

    async def load(keys: list[PageKey]) -> list[Page[ArticleRow]]:
        groups: dict[tuple[int, ArticleKey | None], list[int]] = defaultdict(list)
        for parent, first, after in keys:
            groups[(first, after)].append(parent)
        found: dict[PageKey, Page[ArticleRow]] = {}
        for (first, after), parents in groups.items():
            unique = list(dict.fromkeys(parents))
            for parent, page in zip(unique, await load_pages(unique, first, after), strict=True):
                found[(parent, first, after)] = page
        return [found[key] for key in keys]

    return load


class Loaders:
    """The loader families of one request."""

    def __init__(self, store: Store) -> None:
        s = store
        self.article_by_id: LoaderFamily[int, ArticleRow | None] = LoaderFamily(
            partial(q.load_articles_by_id, s)
        )
        self.article_by_url: LoaderFamily[str, ArticleRow | None] = LoaderFamily(
            partial(q.load_articles_by_url, s)
        )
        self.article_by_slug: LoaderFamily[str, ArticleRow | None] = LoaderFamily(
            partial(q.load_articles_by_slug, s)
        )
        self.provider_by_id: LoaderFamily[int, ProviderRow | None] = LoaderFamily(
            partial(q.load_providers_by_id, s)
        )
        self.provider_by_domain: LoaderFamily[str, ProviderRow | None] = LoaderFamily(
            partial(q.load_providers_by_domain, s)
        )
        self.topic_by_name: LoaderFamily[str, TopicRow | None] = LoaderFamily(
            partial(q.load_topics_by_name, s)
        )
        self.topic_by_slug: LoaderFamily[str, TopicRow | None] = LoaderFamily(
            partial(q.load_topics_by_slug, s)
        )
        self.topics_by_article: LoaderFamily[int, list[TopicRow]] = LoaderFamily(
            partial(q.load_topics_by_article, s)
        )
        self.topics_by_parent_name: LoaderFamily[str, list[TopicRow]] = LoaderFamily(
            partial(q.load_topics_by_parent_name, s)
        )
        self.links_by_article: LoaderFamily[int, list[RelatedLinkRow]] = LoaderFamily(
            partial(q.load_links_by_article, s)
        )
        self.images_by_article: LoaderFamily[int, list[ImageRow]] = LoaderFamily(
            partial(q.load_images_by_owner, s, "article")
        )
        self.images_by_provider: LoaderFamily[int, list[ImageRow]] = LoaderFamily(
            partial(q.load_images_by_owner, s, "provider")
        )
        self.images_by_topic: LoaderFamily[int, list[ImageRow]] = LoaderFamily(
            partial(q.load_images_by_owner, s, "topic")
        )
        self.images_by_link: LoaderFamily[int, list[ImageRow]] = LoaderFamily(
            partial(q.load_images_by_owner, s, "related")
        )
        self.article_count_by_provider: LoaderFamily[int, int] = LoaderFamily(
            partial(q.count_articles_by_provider, s)
        )
        self.article_count_by_topic: LoaderFamily[int, int] = LoaderFamily(
            partial(q.count_articles_by_topic, s)
        )
        self.citing_count_by_article: LoaderFamily[int, int] = LoaderFamily(
            partial(q.count_citing_articles, s)
        )
        self.article_pages_by_provider: LoaderFamily[PageKey, Page[ArticleRow]] = LoaderFamily(
            _by_page_args(partial(q.load_article_pages_by_provider, s))
        )
        self.article_pages_by_topic: LoaderFamily[PageKey, Page[ArticleRow]] = LoaderFamily(
            _by_page_args(partial(q.load_article_pages_by_topic, s))
        )
        self.citing_pages_by_article: LoaderFamily[PageKey, Page[ArticleRow]] = LoaderFamily(
            _by_page_args(partial(q.load_citing_article_pages, s))
        )
