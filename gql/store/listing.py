"""Ordered, filtered, keyset-paginated lists: articles (also per parent), search, facets,
providers and topics. Every function is one SQL statement.

Ordering is a tuple of ``OrderKey``s plus the row id as the final tie-break, NULLs last in
either direction. A cursor is the row's values of those keys; "after" and "before" are
lexicographic keyset conditions that stay correct for any ordering, with NULLs and ties.
Backward pages (``last``/``before``) read the list in reverse order and flip the rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gql.errors import SearchSyntaxError, StoreError
from gql.store.database import Row, Store
from gql.store.filtering import Condition, where
from gql.store.queries import (
    ARTICLE_COLUMNS,
    PROVIDER_COLUMNS,
    TOPIC_COLUMNS,
    _json_array,
    article_row,
    provider_row,
    topic_row,
)
from gql.store.rows import ArticleRow, ProviderRow, TopicRow

T = TypeVar("T")

# bm25 weights per FTS column (title, excerpt): a title match outranks an excerpt match.
BM25 = "bm25(articles_fts, 10.0, 1.0)"
# What FTS5 says about a query it cannot parse (hyphenated words read as column filters).
_FTS_QUERY_PROBLEMS = (
    "fts5:",
    "unterminated string",
    "no such column",
    "unknown special query",
    "expected integer",
)
SNIPPET = "snippet(articles_fts, -1, '<mark>', '</mark>', '…', 16)"


@dataclass(frozen=True)
class OrderKey:
    """One sort key: a field name of the list and its direction."""

    field: str
    descending: bool


@dataclass(frozen=True)
class Window:
    """Which slice of an ordered list: ``first`` after a cursor, or ``last`` before one."""

    first: int | None = None
    last: int | None = None
    after: tuple[Any, ...] | None = None
    before: tuple[Any, ...] | None = None

    @property
    def backward(self) -> bool:
        return self.last is not None and self.first is None

    @property
    def size(self) -> int:
        size = self.last if self.backward else self.first
        assert size is not None, "a window needs first or last"
        return size


NEWEST_FIRST = (OrderKey("publishedAt", True),)


@dataclass(frozen=True)
class ArticleList:
    """What a client asks of an article list; hashable, so it can key a DataLoader."""

    condition: Condition | None = None
    order: tuple[OrderKey, ...] = NEWEST_FIRST
    window: Window = Window(first=20)
    search: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: rows, their cursor values, and whether pages exist around it."""

    rows: list[T]
    keys: list[tuple[Any, ...]]
    has_next: bool
    has_previous: bool
    hits: list[tuple[float, str]] | None = None


@dataclass(frozen=True, slots=True)
class FacetCount(Generic[T]):
    value: T
    count: int


ARTICLE_ORDER_SQL = {
    "publishedAt": "a.published_at",
    "quality": "a.quality",
    "heat": "a.heat",
    "title": "a.title",
    "relevance": "a.rank",
}
PROVIDER_ORDER_SQL = {
    "name": "p.name",
    "domain": "p.domain",
    "articleCount": "(SELECT count(*) FROM articles ac WHERE ac.provider_id = p.id)",
}
TOPIC_ORDER_SQL = {
    "name": "t.name",
    "slug": "t.slug",
    "articleCount": "(SELECT count(*) FROM article_topics ac WHERE ac.topic_id = t.id)",
}

# Where the articles of a parent come from; ``{ids}`` is the JSON array of parent ids.
PARENT_SOURCES = {
    "provider": (
        "articles a",
        "a.provider_id",
        "a.provider_id IN (SELECT value FROM json_each(?))",
    ),
    "topic": (
        "article_topics x JOIN articles a ON a.id = x.article_id",
        "x.topic_id",
        "x.topic_id IN (SELECT value FROM json_each(?))",
    ),
    "citing": (
        "(SELECT DISTINCT target_article_id AS parent_id, article_id FROM related_links"
        "  WHERE target_article_id IN (SELECT value FROM json_each(?))) c"
        " JOIN articles a ON a.id = c.article_id",
        "c.parent_id",
        "1",
    ),
}


# --- ordering and keysets ------------------------------------------------------------------


def _sort_keys(
    order: Sequence[OrderKey], columns: dict[str, str], id_sql: str
) -> list[tuple[str, bool]]:
    keys = [(columns[k.field], k.descending) for k in order]
    keys.append((id_sql, order[0].descending if order else True))
    return keys


def _order_by(keys: list[tuple[str, bool]], *, reverse: bool) -> str:
    parts = []
    for sql, descending in keys:
        if reverse:
            parts.append(f"{sql} {'ASC' if descending else 'DESC'} NULLS FIRST")
        else:
            parts.append(f"{sql} {'DESC' if descending else 'ASC'} NULLS LAST")
    return ", ".join(parts)


def _beyond(sql: str, descending: bool, value: Any, *, forward: bool, params: list[Any]) -> str:
    """Rows strictly past ``value`` on one key, in list order (forward) or against it."""
    if forward:
        if value is None:
            return "0"
        params.append(value)
        return f"({sql} {'<' if descending else '>'} ? OR {sql} IS NULL)"
    if value is None:
        return f"({sql} IS NOT NULL)"
    params.append(value)
    return f"COALESCE({sql} {'>' if descending else '<'} ?, 0)"


def _keyset(
    keys: list[tuple[str, bool]], values: tuple[Any, ...], *, forward: bool, params: list[Any]
) -> str:
    """Lexicographic 'comes after' (forward) or 'comes before' the row with ``values``."""
    if len(values) != len(keys):
        raise ValueError("cursor does not match the ordering")
    alternatives = []
    for i, (sql, descending) in enumerate(keys):
        parts = []
        for j in range(i):
            parts.append(f"{keys[j][0]} IS ?")
            params.append(values[j])
        parts.append(_beyond(sql, descending, values[i], forward=forward, params=params))
        alternatives.append("(" + " AND ".join(parts) + ")")
    return "(" + " OR ".join(alternatives) + ")"


def _window_sql(keys: list[tuple[str, bool]], window: Window, params: list[Any]) -> str:
    conditions = []
    if window.after is not None:
        conditions.append(_keyset(keys, window.after, forward=True, params=params))
    if window.before is not None:
        conditions.append(_keyset(keys, window.before, forward=False, params=params))
    return " AND ".join(conditions) or "1"


def _page(items: list[tuple[T, tuple[Any, ...], Any]], window: Window) -> Page[T]:
    size = window.size
    more = len(items) > size
    items = items[:size]
    if window.backward:
        items.reverse()
        has_next, has_previous = window.before is not None, more
    else:
        has_next, has_previous = more, window.after is not None
    hits = [extra for _, _, extra in items] if items and items[0][2] is not None else None
    return Page(
        [row for row, _, _ in items], [key for _, key, _ in items], has_next, has_previous, hits
    )


# --- articles ------------------------------------------------------------------------------


def _article_source(spec: ArticleList, params: list[Any], *, ranked: bool = True) -> str:
    """The articles a list draws from: all, or the search matches (with ``a.rank`` when
    ``ranked``; counts and facets skip BM25, which costs per match)."""
    if spec.search is None:
        return "articles a"
    params.append(spec.search)
    if not ranked:
        return (
            "(SELECT a.* FROM articles a WHERE a.id IN"
            " (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)) a"
        )
    return (
        f"(SELECT a.*, f.rank FROM (SELECT rowid AS fid, {BM25} AS rank FROM articles_fts"
        "  WHERE articles_fts MATCH ?) f JOIN articles a ON a.id = f.fid) a"
    )


async def _execute_search(
    store: Store, sql: str, params: list[Any], search: str | None
) -> list[Row]:
    try:
        return await store.execute(sql, params)
    except StoreError as exc:
        problem = str(exc.__cause__ or exc)
        if search is not None and problem.startswith(_FTS_QUERY_PROBLEMS):
            raise SearchSyntaxError(search, problem) from exc
        raise


async def load_article_list(store: Store, spec: ArticleList) -> Page[ArticleRow]:
    """One page of all articles, newest first unless ``spec`` orders otherwise."""
    assert spec.search is None, "search pages come from load_search_page"
    params: list[Any] = []
    keys = _sort_keys(spec.order, ARTICLE_ORDER_SQL, "a.id")
    condition, condition_params = where(spec.condition, "article")
    params += condition_params
    window = _window_sql(keys, spec.window, params)
    sql = (
        f"SELECT {ARTICLE_COLUMNS}, {', '.join(k for k, _ in keys)} FROM articles a"
        f" WHERE {condition} AND {window}"
        f" ORDER BY {_order_by(keys, reverse=spec.window.backward)} LIMIT ?"
    )
    params.append(spec.window.size + 1)
    rows = await store.execute(sql, params)
    return _page([(article_row(r), tuple(r[20:]), None) for r in rows], spec.window)


async def load_search_page(store: Store, spec: ArticleList) -> Page[ArticleRow]:
    """A page of search results in two statements: the page's ids in order, ranked and
    filtered over narrow rows; then those articles with snippets, which FTS5 computes per
    row, so only for the page rather than for every match. (Ranking only the ids of
    ``load_matched_ids`` would be slower: FTS5 then evaluates the match once per id.)"""
    assert spec.search is not None
    params: list[Any] = []
    source = _article_source(spec, params)
    keys = _sort_keys(spec.order, ARTICLE_ORDER_SQL, "a.id")
    condition, condition_params = where(spec.condition, "article")
    params += condition_params
    window = _window_sql(keys, spec.window, params)
    params.append(spec.window.size + 1)
    ranked = await _execute_search(
        store,
        f"SELECT a.id, a.rank, {', '.join(k for k, _ in keys)} FROM {source}"
        f" WHERE {condition} AND {window}"
        f" ORDER BY {_order_by(keys, reverse=spec.window.backward)} LIMIT ?",
        params,
        spec.search,
    )
    rows = await _execute_search(
        store,
        f"SELECT {ARTICLE_COLUMNS}, {SNIPPET} FROM articles_fts"
        " JOIN articles a ON a.id = articles_fts.rowid"
        " WHERE articles_fts MATCH ? AND articles_fts.rowid IN (SELECT value FROM json_each(?))",
        [spec.search, _json_array([r[0] for r in ranked])],
        spec.search,
    )
    found = {r[0]: r for r in rows}
    items = [
        (article_row(found[r[0]]), tuple(r[2:]), (r[1], found[r[0]][20]))
        for r in ranked
        if r[0] in found
    ]
    return _page(items, spec.window)


# One parent's articles, as a condition on ``articles a`` (``?`` is the parent id). Written
# as EXISTS/IN so that SQLite can walk the index of the sort key and stop after one page,
# instead of collecting and sorting every article of a big topic (measured at 100k
# articles: 0.5 ms instead of 80 ms for a topic on every article).
PARENT_CONDITIONS = {
    "provider": "a.provider_id = ?",
    "topic": (
        "EXISTS (SELECT 1 FROM article_topics x WHERE x.article_id = a.id AND x.topic_id = ?)"
    ),
    "citing": "a.id IN (SELECT r.article_id FROM related_links r WHERE r.target_article_id = ?)",
}
# SQLite's default limit on the terms of a compound SELECT (SQLITE_MAX_COMPOUND_SELECT).
MAX_UNION_TERMS = 500


async def load_article_lists_by_parent(
    store: Store, relation: str, parent_ids: Sequence[int], spec: ArticleList
) -> list[Page[ArticleRow]]:
    """For each parent (provider, topic, or cited article), one page of its articles.

    One statement: a UNION ALL of one ``ORDER BY ... LIMIT`` query per parent, each able to
    use an index; past SQLite's compound limit, one window-function query instead.
    """
    assert spec.search is None, "search is not nested"
    keys = _sort_keys(spec.order, ARTICLE_ORDER_SQL, "a.id")
    order = _order_by(keys, reverse=spec.window.backward)
    key_columns = ", ".join(k for k, _ in keys)
    params: list[Any] = []
    if len(parent_ids) <= MAX_UNION_TERMS:
        terms = []
        for parent_id in parent_ids:
            params.append(parent_id)
            params.append(parent_id)
            condition, condition_params = where(spec.condition, "article")
            params += condition_params
            window = _window_sql(keys, spec.window, params)
            params.append(spec.window.size + 1)
            terms.append(
                f"SELECT * FROM (SELECT ? AS parent, {ARTICLE_COLUMNS}, {key_columns}"
                " FROM articles a"
                f" WHERE {PARENT_CONDITIONS[relation]} AND {condition} AND {window}"
                f" ORDER BY {order} LIMIT ?)"
            )
        sql = " UNION ALL ".join(terms)
    else:
        source, parent, parent_filter = PARENT_SOURCES[relation]
        params.append(_json_array(parent_ids))
        condition, condition_params = where(spec.condition, "article")
        params += condition_params
        window = _window_sql(keys, spec.window, params)
        params.append(spec.window.size + 1)
        sql = (
            f"SELECT * FROM (SELECT {parent} AS parent, {ARTICLE_COLUMNS}, {key_columns},"
            f" row_number() OVER (PARTITION BY {parent} ORDER BY {order}) AS rn"
            f" FROM {source} WHERE {parent_filter} AND {condition} AND {window})"
            " WHERE rn <= ? ORDER BY parent, rn"
        )
    rows = await store.execute(sql, params)
    width = 1 + 20 + len(keys)
    groups: dict[int, list[tuple[ArticleRow, tuple[Any, ...], Any]]] = defaultdict(list)
    for r in rows:
        groups[r[0]].append((article_row(r[1:21]), tuple(r[21:width]), None))
    return [_page(groups.get(pid, []), spec.window) for pid in parent_ids]


async def count_article_list(store: Store, condition: Condition | None) -> int:
    """How many articles match ``condition`` (searches count ``load_matched_ids``)."""
    condition_sql, params = where(condition, "article")
    rows = await store.execute(f"SELECT count(*) FROM articles a WHERE {condition_sql}", params)
    return int(rows[0][0])


async def count_article_lists_by_parent(
    store: Store, relation: str, parent_ids: Sequence[int], condition: Condition | None
) -> list[int]:
    source, parent, parent_filter = PARENT_SOURCES[relation]
    where_sql, params = where(condition, "article")
    rows = await store.execute(
        f"SELECT {parent}, count(*) FROM {source} WHERE {parent_filter} AND {where_sql}"
        f" GROUP BY {parent}",
        [_json_array(parent_ids), *params],
    )
    found = {r[0]: r[1] for r in rows}
    return [found.get(pid, 0) for pid in parent_ids]


# --- facets --------------------------------------------------------------------------------

FACETS = {
    "topics": ("JOIN article_topics fx ON fx.article_id = m.id", "fx.topic_id"),
    "providers": ("JOIN articles fa ON fa.id = m.id", "fa.provider_id"),
    "publishedByMonth": ("JOIN articles fa ON fa.id = m.id", "substr(fa.published_at, 1, 7)"),
    "published": ("JOIN articles fa ON fa.id = m.id", "fa.published"),
}


async def load_facets(
    store: Store,
    facet: str,
    relation: str | None,
    parent_ids: Sequence[int],
    spec: ArticleList,
    limit: int,
) -> list[list[FacetCount[Any]]]:
    """For each parent (or the whole list when ``relation`` is None), counts of the matching
    articles by topic id, provider id, month (``YYYY-MM``) or published flag.

    Most frequent first (months: newest first), at most ``limit`` values per parent.
    """
    join, value = FACETS[facet]
    params: list[Any] = []
    if relation is None:
        source, parent, parent_filter = _article_source(spec, params, ranked=False), "0", "1"
    else:
        source, parent, parent_filter = PARENT_SOURCES[relation]
        params.append(_json_array(parent_ids))
    condition, condition_params = where(spec.condition, "article")
    params += condition_params
    order = f"{value} DESC" if facet == "publishedByMonth" else f"count(*) DESC, {value}"
    rows = await _execute_search(
        store,
        f"WITH m AS (SELECT {parent} AS parent, a.id FROM {source}"
        f"           WHERE {parent_filter} AND {condition})"
        " SELECT parent, value, n FROM ("
        f"  SELECT m.parent, {value} AS value, count(*) AS n,"
        f"         row_number() OVER (PARTITION BY m.parent ORDER BY {order}) AS rn"
        f"  FROM m {join} GROUP BY m.parent, value)"
        " WHERE rn <= ? ORDER BY parent, rn",
        [*params, limit],
        spec.search,
    )
    groups: dict[int, list[FacetCount[Any]]] = defaultdict(list)
    for parent_id, facet_value, count in rows:
        groups[parent_id].append(FacetCount(facet_value, count))
    return [groups.get(pid, []) for pid in (parent_ids if relation else [0])]


async def load_matched_ids(store: Store, search: str, condition: Condition | None) -> list[int]:
    """Ids of the articles matching a search and a filter, in one statement.

    A search page asks for its count and several facets; each would evaluate the full-text
    match and the filter over the wide articles table again. Read once, the ids let the
    count be their number and the facets group a short list (``load_facets_of_ids``).
    """
    params: list[Any] = []
    source = _article_source(ArticleList(search=search), params, ranked=False)
    condition_sql, condition_params = where(condition, "article")
    rows = await _execute_search(
        store,
        f"SELECT a.id FROM {source} WHERE {condition_sql}",
        params + condition_params,
        search,
    )
    return [row[0] for row in rows]


async def load_facets_of_ids(
    store: Store, facet: str, ids: Sequence[int], limit: int
) -> list[FacetCount[Any]]:
    """Facet counts (as ``load_facets``) over a known list of article ids."""
    join, value = FACETS[facet]
    order = f"{value} DESC" if facet == "publishedByMonth" else f"count(*) DESC, {value}"
    rows = await store.execute(
        f"WITH m AS (SELECT value AS id FROM json_each(?))"
        f" SELECT {value} AS value, count(*) FROM m {join} GROUP BY value ORDER BY {order}"
        " LIMIT ?",
        [_json_array(ids), limit],
    )
    return [FacetCount(r[0], r[1]) for r in rows]


# --- providers and topics ------------------------------------------------------------------


async def _entity_page(
    store: Store,
    table: str,
    alias: str,
    columns: str,
    entity: str,
    order_sql: dict[str, str],
    convert: Callable[[Row], T],
    width: int,
    condition: Condition | None,
    order: tuple[OrderKey, ...],
    window: Window,
) -> Page[T]:
    keys = _sort_keys(order, order_sql, f"{alias}.id")
    condition_sql, params = where(condition, entity)
    window_sql = _window_sql(keys, window, params)
    rows = await store.execute(
        f"SELECT {columns}, {', '.join(k for k, _ in keys)} FROM {table} {alias}"
        f" WHERE {condition_sql} AND {window_sql}"
        f" ORDER BY {_order_by(keys, reverse=window.backward)} LIMIT ?",
        [*params, window.size + 1],
    )
    return _page([(convert(r), tuple(r[width:]), None) for r in rows], window)


async def load_provider_list(
    store: Store, condition: Condition | None, order: tuple[OrderKey, ...], window: Window
) -> Page[ProviderRow]:
    return await _entity_page(
        store,
        "providers",
        "p",
        PROVIDER_COLUMNS,
        "provider",
        PROVIDER_ORDER_SQL,
        provider_row,
        6,
        condition,
        order,
        window,
    )


async def load_topic_list(
    store: Store, condition: Condition | None, order: tuple[OrderKey, ...], window: Window
) -> Page[TopicRow]:
    return await _entity_page(
        store,
        "topics",
        "t",
        TOPIC_COLUMNS,
        "topic",
        TOPIC_ORDER_SQL,
        topic_row,
        8,
        condition,
        order,
        window,
    )


async def count_entities(store: Store, entity: str, condition: Condition | None) -> int:
    table, alias = {"provider": ("providers", "p"), "topic": ("topics", "t")}[entity]
    condition_sql, params = where(condition, entity)
    rows = await store.execute(
        f"SELECT count(*) FROM {table} {alias} WHERE {condition_sql}", params
    )
    return int(rows[0][0])


async def load_related_topics(
    store: Store, topic_ids: Sequence[int], limit: int
) -> list[list[tuple[TopicRow, int]]]:
    """For each topic, the topics that share articles with it, most shared first."""
    rows = await store.execute(
        f"SELECT * FROM (SELECT c.parent, c.shared, {TOPIC_COLUMNS},"
        " row_number() OVER (PARTITION BY c.parent ORDER BY c.shared DESC, t.name) AS rn"
        " FROM (SELECT x1.topic_id AS parent, x2.topic_id AS other, count(*) AS shared"
        "       FROM article_topics x1 JOIN article_topics x2"
        "         ON x2.article_id = x1.article_id AND x2.topic_id != x1.topic_id"
        "       WHERE x1.topic_id IN (SELECT value FROM json_each(?))"
        "       GROUP BY x1.topic_id, x2.topic_id) c"
        " JOIN topics t ON t.id = c.other) WHERE rn <= ? ORDER BY parent, rn",
        [_json_array(topic_ids), limit],
    )
    groups: dict[int, list[tuple[TopicRow, int]]] = defaultdict(list)
    for r in rows:
        groups[r[0]].append((topic_row(r[2:10]), r[1]))
    return [groups.get(tid, []) for tid in topic_ids]
