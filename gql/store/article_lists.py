"""Article lists: one page of all articles, or of each parent's articles, and their counts.

A parent is a provider, a topic or a cited article (``citing``: the articles whose related
links point at it). Every function is one SQL statement; searches are in ``search``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from gql.store.database import Store
from gql.store.dialect import Dialect
from gql.store.filtering import Condition, where
from gql.store.paging import (
    NEWEST_FIRST,
    OrderKey,
    Page,
    SortKeys,
    Window,
    key_columns,
    make_page,
    order_by,
    sort_keys,
    window_sql,
)
from gql.store.rows import ARTICLE, ArticleRow

# Windows are frozen, so every ArticleList can share this default.
_FIRST_PAGE = Window(first=20)


@dataclass(frozen=True)
class ArticleList:
    """What a client asks of an article list; hashable, so it can key a DataLoader."""

    condition: Condition | None = None
    order: tuple[OrderKey, ...] = NEWEST_FIRST
    window: Window = _FIRST_PAGE
    search: str | None = None


ARTICLE_ORDER_SQL = {
    "publishedAt": "a.published_at",
    "quality": "a.quality",
    "heat": "a.heat",
    "title": "a.title",
    "relevance": "a.rank",
}

# Where the articles of many parents come from: (FROM clause, the parent id, the filter
# on the parents, whose ``?`` is the batch of parent ids: ``{in_keys}`` is the dialect's
# ``in_keys``, see ``parent_source``).
PARENT_SOURCES = {
    "provider": (
        "articles a",
        "a.provider_id",
        "a.provider_id {in_keys}",
    ),
    "topic": (
        "article_topics x JOIN articles a ON a.id = x.article_id",
        "x.topic_id",
        "x.topic_id {in_keys}",
    ),
    "citing": (
        "(SELECT DISTINCT target_article_id AS parent_id, article_id FROM related_links"
        "  WHERE target_article_id {in_keys}) c"
        " JOIN articles a ON a.id = c.article_id",
        "c.parent_id",
        "TRUE",
    ),
}


@lru_cache(maxsize=16)
def parent_source(relation: str, dialect: Dialect) -> tuple[str, str, str]:
    """``PARENT_SOURCES[relation]`` in ``dialect``'s SQL."""
    source, parent, parent_filter = PARENT_SOURCES[relation]
    return (
        source.format(in_keys=dialect.in_keys),
        parent,
        parent_filter.format(in_keys=dialect.in_keys),
    )


# One parent's articles, as a condition on ``articles a`` (``{parent}`` is the parent id:
# ``?``, or a column of an enclosing query). Written as EXISTS/IN so that SQLite can walk
# the index of the sort key and stop after one page, instead of collecting and sorting
# every article of a big topic (measured at 100k articles: 0.5 ms instead of 80 ms for a
# topic on every article).
PARENT_CONDITIONS = {
    "provider": "a.provider_id = {parent}",
    "topic": (
        "EXISTS (SELECT 1 FROM article_topics x"
        " WHERE x.article_id = a.id AND x.topic_id = {parent})"
    ),
    "citing": (
        "a.id IN (SELECT r.article_id FROM related_links r WHERE r.target_article_id = {parent})"
    ),
}
# A topic's articles by date need neither: ``article_topics`` keeps each article's
# ``published_at`` and ``article_topics_published`` indexes it by topic, so the page is
# one range of that index (measured at 10k articles: 31 µs instead of 109 µs a page).
TOPIC_BY_DATE = (
    "article_topics x JOIN articles a ON a.id = x.article_id",
    "x.topic_id = {parent}",
    {"publishedAt": "x.published_at"},
    "x.article_id",
)


def parent_list(
    relation: str, order: Sequence[OrderKey], parent: str = "?"
) -> tuple[str, str, SortKeys]:
    """``(FROM, WHERE, sort keys)`` of one parent's articles in ``order``, read with
    ``articles a`` in view; ``parent`` is the parent id in the condition."""
    if relation == "topic" and [key.field for key in order] == ["publishedAt"]:
        source, condition, columns, id_sql = TOPIC_BY_DATE
        return source, condition.format(parent=parent), sort_keys(order, columns, id_sql)
    condition = PARENT_CONDITIONS[relation].format(parent=parent)
    return "articles a", condition, sort_keys(order, ARTICLE_ORDER_SQL, "a.id")


# SQLite's default limit on the terms of a compound SELECT (SQLITE_MAX_COMPOUND_SELECT).
MAX_UNION_TERMS = 500

_article = ARTICLE.decode


async def load_article_list(store: Store, spec: ArticleList) -> Page[ArticleRow]:
    """One page of all articles, newest first unless ``spec`` orders otherwise."""
    assert spec.search is None, "search pages come from load_search_page"
    params: list[Any] = []
    keys = sort_keys(spec.order, ARTICLE_ORDER_SQL, "a.id")
    condition, condition_params = where(spec.condition, "article", store.dialect)
    params += condition_params
    window = window_sql(keys, spec.window, params)
    sql = (
        f"SELECT {ARTICLE.select}, {key_columns(keys)} FROM articles a"
        f" WHERE {condition} AND {window}"
        f" ORDER BY {order_by(keys, reverse=spec.window.backward)} LIMIT ?"
    )
    params.append(spec.window.size + 1)
    rows = await store.execute(sql, params)
    return make_page([(_article(r), ARTICLE.after(r), None) for r in rows], spec.window)


async def load_article_lists_by_parent(
    store: Store, relation: str, parent_ids: Sequence[int], spec: ArticleList
) -> list[Page[ArticleRow]]:
    """For each parent (provider, topic, or cited article), one page of its articles.

    One statement: a UNION ALL of one ``ORDER BY ... LIMIT`` query per parent, each able to
    use an index; past SQLite's compound limit, one window-function query instead. Either
    way a row is the parent id, the article's columns, then its sort keys (and, from the
    window function, its rank in the parent's list).
    """
    assert spec.search is None, "search is not nested"
    articles, parent_condition, keys = parent_list(relation, spec.order)
    order = order_by(keys, reverse=spec.window.backward)
    keys_sql = key_columns(keys)
    params: list[Any] = []
    if len(parent_ids) <= MAX_UNION_TERMS:
        terms = []
        for parent_id in parent_ids:
            params.append(parent_id)
            params.append(parent_id)
            condition, condition_params = where(spec.condition, "article", store.dialect)
            params += condition_params
            window = window_sql(keys, spec.window, params)
            params.append(spec.window.size + 1)
            terms.append(
                f"SELECT * FROM (SELECT ? AS parent, {ARTICLE.select}, {keys_sql}"
                f" FROM {articles}"
                f" WHERE {parent_condition} AND {condition} AND {window}"
                f" ORDER BY {order} LIMIT ?) u"
            )
        sql = " UNION ALL ".join(terms)
    else:
        source, parent, parent_filter = parent_source(relation, store.dialect)
        params.append(store.dialect.keys(parent_ids))
        condition, condition_params = where(spec.condition, "article", store.dialect)
        params += condition_params
        window = window_sql(keys, spec.window, params)
        params.append(spec.window.size + 1)
        sql = (
            f"SELECT * FROM (SELECT {parent} AS parent, {ARTICLE.select}, {keys_sql},"
            f" row_number() OVER (PARTITION BY {parent} ORDER BY {order}) AS rn"
            f" FROM {source} WHERE {parent_filter} AND {condition} AND {window}) w"
            " WHERE rn <= ? ORDER BY parent, rn"
        )
    rows = await store.execute(sql, params)
    groups: dict[int, list[tuple[ArticleRow, tuple[Any, ...], Any]]] = defaultdict(list)
    for r in rows:
        # After the parent id (column 0): the article, then its sort keys.
        groups[r[0]].append((_article(r, 1), ARTICLE.after(r, 1)[: len(keys)], None))
    return [make_page(groups.get(pid, []), spec.window) for pid in parent_ids]


async def count_article_list(store: Store, condition: Condition | None) -> int:
    """How many articles match ``condition`` (searches count ``load_matched_ids``)."""
    condition_sql, params = where(condition, "article", store.dialect)
    rows = await store.execute(f"SELECT count(*) FROM articles a WHERE {condition_sql}", params)
    return int(rows[0][0])


async def count_article_lists_by_parent(
    store: Store, relation: str, parent_ids: Sequence[int], condition: Condition | None
) -> list[int]:
    """For each parent, how many of its articles match ``condition``; one statement."""
    source, parent, parent_filter = parent_source(relation, store.dialect)
    where_sql, params = where(condition, "article", store.dialect)
    rows = await store.execute(
        f"SELECT {parent}, count(*) FROM {source} WHERE {parent_filter} AND {where_sql}"
        f" GROUP BY {parent}",
        [store.dialect.keys(parent_ids), *params],
    )
    found = {r[0]: r[1] for r in rows}
    return [found.get(pid, 0) for pid in parent_ids]
