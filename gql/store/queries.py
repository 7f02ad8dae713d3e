"""Read queries: one SQL statement per call, results in the order of the keys asked for.

Batch functions take a list of keys and return one entry per key (``None`` or ``[]`` for a
missing key), which is the contract DataLoaders need. Lists that can grow live in
``listing``. Keys travel as one JSON array (``json_each``), so a
batch of any size is one statement with one bound parameter.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import orjson

from gql.errors import InvalidText
from gql.store.database import Row, Store
from gql.store.rows import ArticleRow, ImageRow, ProviderRow, RelatedLinkRow, TopicRow
from gql.store.write import FileEntry

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

ARTICLE_COLUMNS = (
    "a.id, a.url, a.slug, a.path, a.title, a.excerpt, a.category, a.type, a.published_at,"
    " a.original_url, a.amp_url, a.cdn_amp_url, a.quality, a.heat, a.published, a.secured,"
    " a.body, a.extra, a.provider_id, a.provider_name"
)
PROVIDER_COLUMNS = "p.id, p.domain, p.name, p.description, p.other_names, p.extra"
TOPIC_COLUMNS = (
    "t.id, t.name, t.slug, t.parent_name, t.shortname, t.description, t.keywords, t.extra"
)
LINK_COLUMNS = (
    "r.id, r.article_id, r.position, r.url, r.title, r.excerpt, r.published_at, r.type,"
    " r.quality, r.original_url, r.amp_url, r.cdn_amp_url, r.provider_id, r.provider_name,"
    " r.target_article_id, r.extra"
)


# Lookups of at most this many keys run inline (see ``Store.execute``): by index, they
# cost well under a millisecond.
INLINE_KEYS = 200


def _json_array(keys: Sequence[Any]) -> str:
    try:
        return orjson.dumps(list(keys)).decode()
    except TypeError:  # orjson refuses strings with a lone surrogate: name the bad key
        for key in keys:
            if isinstance(key, str):
                for position, char in enumerate(key):
                    if "\ud800" <= char <= "\udfff":
                        raise InvalidText(key, position) from None
        return json.dumps(list(keys), ensure_ascii=False)


async def _lookup(store: Store, sql: str, keys: Sequence[Any], *params: Any) -> list[Row]:
    """Rows of ``sql`` whose last parameter is ``keys`` as a JSON array (``json_each``)."""
    return await store.execute(sql, (*params, _json_array(keys)), inline=len(keys) <= INLINE_KEYS)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def article_row(r: Row) -> ArticleRow:
    return ArticleRow(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        _time(r[8]),
        r[9],
        r[10],
        r[11],
        r[12],
        r[13],
        None if r[14] is None else bool(r[14]),
        r[15],
        r[16],
        r[17],
        r[18],
        r[19],
    )


def provider_row(r: Row) -> ProviderRow:
    return ProviderRow(r[0], r[1], r[2], r[3], r[4], r[5])


def topic_row(r: Row) -> TopicRow:
    return TopicRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])


def link_row(r: Row) -> RelatedLinkRow:
    return RelatedLinkRow(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        _time(r[6]),
        r[7],
        r[8],
        r[9],
        r[10],
        r[11],
        r[12],
        r[13],
        r[14],
        r[15],
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
        f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.id IN (SELECT value FROM json_each(?))",
        ids,
    )
    return _one_per_key(ids, {r[0]: article_row(r) for r in rows})


async def load_articles_by_url(store: Store, urls: Sequence[str]) -> list[ArticleRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.url IN (SELECT value FROM json_each(?))",
        [u.strip() for u in urls],
    )
    return _one_per_key([u.strip() for u in urls], {r[1]: article_row(r) for r in rows})


async def load_articles_by_slug(store: Store, slugs: Sequence[str]) -> list[ArticleRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {ARTICLE_COLUMNS} FROM articles a"
        " WHERE a.slug IN (SELECT value FROM json_each(?))",
        slugs,
    )
    return _one_per_key(slugs, {r[2]: article_row(r) for r in rows})


async def load_providers_by_id(store: Store, ids: Sequence[int]) -> list[ProviderRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {PROVIDER_COLUMNS} FROM providers p"
        " WHERE p.id IN (SELECT value FROM json_each(?))",
        ids,
    )
    return _one_per_key(ids, {r[0]: provider_row(r) for r in rows})


async def load_providers_by_domain(
    store: Store, domains: Sequence[str]
) -> list[ProviderRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {PROVIDER_COLUMNS} FROM providers p"
        " WHERE p.domain IN (SELECT value FROM json_each(?))",
        domains,
    )
    return _one_per_key(domains, {r[1]: provider_row(r) for r in rows})


async def load_topics_by_id(store: Store, ids: Sequence[int]) -> list[TopicRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {TOPIC_COLUMNS} FROM topics t WHERE t.id IN (SELECT value FROM json_each(?))",
        ids,
    )
    return _one_per_key(ids, {r[0]: topic_row(r) for r in rows})


async def load_topics_by_name(store: Store, names: Sequence[str]) -> list[TopicRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {TOPIC_COLUMNS} FROM topics t WHERE t.name IN (SELECT value FROM json_each(?))",
        names,
    )
    return _one_per_key(names, {r[1]: topic_row(r) for r in rows})


async def load_topics_by_slug(store: Store, slugs: Sequence[str]) -> list[TopicRow | None]:
    rows = await _lookup(
        store,
        f"SELECT {TOPIC_COLUMNS} FROM topics t WHERE t.slug IN (SELECT value FROM json_each(?))",
        slugs,
    )
    return _one_per_key(slugs, {r[2]: topic_row(r) for r in rows})


# --- children of a batch of parents -----------------------------------------------------


async def load_topics_by_article(store: Store, article_ids: Sequence[int]) -> list[list[TopicRow]]:
    rows = await _lookup(
        store,
        f"SELECT x.article_id, {TOPIC_COLUMNS} FROM article_topics x"
        " JOIN topics t ON t.id = x.topic_id"
        " WHERE x.article_id IN (SELECT value FROM json_each(?))"
        " ORDER BY x.article_id, x.position",
        article_ids,
    )
    return _grouped(article_ids, [(r[0], topic_row(r[1:])) for r in rows])


async def load_links_by_article(
    store: Store, article_ids: Sequence[int]
) -> list[list[RelatedLinkRow]]:
    rows = await _lookup(
        store,
        f"SELECT {LINK_COLUMNS} FROM related_links r"
        " WHERE r.article_id IN (SELECT value FROM json_each(?))"
        " ORDER BY r.article_id, r.position",
        article_ids,
    )
    return _grouped(article_ids, [(r[1], link_row(r)) for r in rows])


async def load_images_by_owner(
    store: Store, owner_kind: str, owner_ids: Sequence[int]
) -> list[list[ImageRow]]:
    """Images of articles (``article``), providers, topics or related links (``related``)."""
    rows = await _lookup(
        store,
        "SELECT owner_id, url, width, height, title, is_cached FROM images"
        " WHERE owner_kind = ? AND owner_id IN (SELECT value FROM json_each(?))"
        " ORDER BY owner_id, position",
        owner_ids,
        owner_kind,
    )
    return _grouped(
        owner_ids,
        [
            (r[0], ImageRow(r[1], r[2], r[3], r[4], None if r[5] is None else bool(r[5])))
            for r in rows
        ],
    )


async def load_topics_by_parent_name(store: Store, names: Sequence[str]) -> list[list[TopicRow]]:
    rows = await _lookup(
        store,
        f"SELECT {TOPIC_COLUMNS} FROM topics t"
        " WHERE t.parent_name IN (SELECT value FROM json_each(?)) ORDER BY t.name, t.id",
        names,
    )
    return _grouped(names, [(r[3], topic_row(r)) for r in rows])


async def data_version(store: Store) -> int:
    rows = await store.execute("SELECT value FROM meta WHERE key = 'data_version'", inline=True)
    return int(rows[0][0]) if rows else 0


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


async def load_file_entries(store: Store) -> list[FileEntry]:
    """Every seed file of the last loads: path, digest, what it defined, size and time."""
    rows = await store.execute("SELECT path, digest, kind, key, size, mtime_ns FROM files")
    return [FileEntry(*row) for row in rows]
