"""Reads by key: one SQL statement per call, results in the order of the keys asked for.

Batch functions take a list of keys and return one entry per key (``None`` or ``[]`` for a
missing key), which is the contract DataLoaders need. Keys travel as one bound parameter
(``Dialect.in_keys``), so a batch of any size is one statement. Lists
that can grow (and are paged) live in ``article_lists`` and ``entity_lists``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from gql.store.database import Row, Store
from gql.store.rows import (
    ARTICLE,
    IMAGE,
    PROVIDER,
    RELATED_LINK,
    TOPIC,
    ArticleRow,
    ImageRow,
    ProviderRow,
    RelatedLinkRow,
    TopicRow,
)

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

# Lookups of at most this many keys run inline (see ``Store.execute``): by index, they
# cost well under a millisecond.
INLINE_KEYS = 200

_article = ARTICLE.decode
_provider = PROVIDER.decode
_topic = TOPIC.decode
_link = RELATED_LINK.decode
_image = IMAGE.decode


async def _lookup(store: Store, sql: str, keys: Sequence[Any], *params: Any) -> list[Row]:
    """Rows of ``sql`` whose last parameter is the batch ``keys`` (``Dialect.in_keys``)."""
    return await store.execute(
        sql, (*params, store.dialect.keys(keys)), inline=len(keys) <= INLINE_KEYS
    )


def _one_per_key(keys: Sequence[K], found: dict[K, T]) -> list[T | None]:
    return [found.get(key) for key in keys]


def _grouped(keys: Sequence[K], rows: list[tuple[K, T]]) -> list[list[T]]:
    groups: dict[K, list[T]] = defaultdict(list)
    for key, item in rows:
        groups[key].append(item)
    return [groups.get(key, []) for key in keys]


# --- entities by key ----------------------------------------------------------------------


async def load_articles_by_id(store: Store, ids: Sequence[int]) -> list[ArticleRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {ARTICLE.select} FROM articles a WHERE a.id {store.dialect.in_keys}",
        ids,
    )
    return _one_per_key(ids, {row.id: row for row in map(_article, rows)})


async def load_articles_by_url(store: Store, urls: Sequence[str]) -> list[ArticleRow | None]:
    trimmed = [u.strip() for u in urls]
    rows = await _lookup(
        store,
        f"SELECT {ARTICLE.select} FROM articles a WHERE a.url {store.dialect.in_keys}",
        trimmed,
    )
    return _one_per_key(trimmed, {row.url: row for row in map(_article, rows)})


async def load_articles_by_slug(store: Store, slugs: Sequence[str]) -> list[ArticleRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {ARTICLE.select} FROM articles a WHERE a.slug {store.dialect.in_keys}",
        slugs,
    )
    return _one_per_key(slugs, {row.slug: row for row in map(_article, rows)})


async def load_providers_by_id(store: Store, ids: Sequence[int]) -> list[ProviderRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {PROVIDER.select} FROM providers p WHERE p.id {store.dialect.in_keys}",
        ids,
    )
    return _one_per_key(ids, {row.id: row for row in map(_provider, rows)})


async def load_providers_by_domain(
    store: Store, domains: Sequence[str]
) -> list[ProviderRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {PROVIDER.select} FROM providers p WHERE p.domain {store.dialect.in_keys}",
        domains,
    )
    return _one_per_key(domains, {row.domain: row for row in map(_provider, rows)})


async def load_topics_by_id(store: Store, ids: Sequence[int]) -> list[TopicRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {TOPIC.select} FROM topics t WHERE t.id {store.dialect.in_keys}",
        ids,
    )
    return _one_per_key(ids, {row.id: row for row in map(_topic, rows)})


async def load_topics_by_name(store: Store, names: Sequence[str]) -> list[TopicRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {TOPIC.select} FROM topics t WHERE t.name {store.dialect.in_keys}",
        names,
    )
    return _one_per_key(names, {row.name: row for row in map(_topic, rows)})


async def load_topics_by_slug(store: Store, slugs: Sequence[str]) -> list[TopicRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {TOPIC.select} FROM topics t WHERE t.slug {store.dialect.in_keys}",
        slugs,
    )
    return _one_per_key(slugs, {row.slug: row for row in map(_topic, rows)})


# --- children of a batch of parents -----------------------------------------------------
# The parent's key comes first in the select list, the child's columns after it.


async def load_topics_by_article(store: Store, article_ids: Sequence[int]) -> list[list[TopicRow]]:
    rows = await _lookup(
        store,
        f"SELECT x.article_id, {TOPIC.select} FROM article_topics x"
        " JOIN topics t ON t.id = x.topic_id"
        f" WHERE x.article_id {store.dialect.in_keys}"
        " ORDER BY x.article_id, x.position",
        article_ids,
    )
    return _grouped(article_ids, [(r[0], _topic(r, 1)) for r in rows])


async def load_links_by_article(
    store: Store, article_ids: Sequence[int]
) -> list[list[RelatedLinkRow]]:
    rows = await _lookup(
        store,
        f"SELECT {RELATED_LINK.select} FROM related_links r"
        f" WHERE r.article_id {store.dialect.in_keys}"
        " ORDER BY r.article_id, r.position",
        article_ids,
    )
    links = list(map(_link, rows))
    return _grouped(article_ids, [(link.article_id, link) for link in links])


async def load_images_by_owner(
    store: Store, owner_kind: str, owner_ids: Sequence[int]
) -> list[list[ImageRow]]:
    """Images of articles (``article``), providers, topics or related links (``related``)."""
    rows = await _lookup(
        store,
        f"SELECT i.owner_id, {IMAGE.select} FROM images i"
        f" WHERE i.owner_kind = ? AND i.owner_id {store.dialect.in_keys}"
        " ORDER BY i.owner_id, i.position",
        owner_ids,
        owner_kind,
    )
    return _grouped(owner_ids, [(r[0], _image(r, 1)) for r in rows])


async def load_topics_by_parent_name(store: Store, names: Sequence[str]) -> list[list[TopicRow]]:
    rows = await _lookup(
        store,
        f"SELECT {TOPIC.select} FROM topics t"
        f" WHERE t.parent_name {store.dialect.in_keys} ORDER BY t.name, t.id",
        names,
    )
    topics = list(map(_topic, rows))
    return _grouped(names, [(topic.parent_name, topic) for topic in topics])


# --- the corpus as a whole ------------------------------------------------------------------


async def data_version(store: Store) -> int:
    """The number of loads that changed something: a cache of the data is valid while it
    stays the same (``Store.data_version``)."""
    return await store.data_version()


@dataclass(frozen=True)
class CorpusCounts:
    """How many of each thing the database holds."""

    articles: int
    providers: int
    topics: int
    links: int
    resolved_links: int


async def count_corpus(store: Store) -> CorpusCounts:
    """Counts of articles, providers, topics, related links and those pointing into the corpus."""
    rows = await store.execute(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM providers),"
        " (SELECT count(*) FROM topics), (SELECT count(*) FROM related_links),"
        " (SELECT count(*) FROM related_links WHERE target_article_id IS NOT NULL)"
    )
    return CorpusCounts(*rows[0])
