"""Full-text search (SQLite FTS5): a page of matches with snippets, and the matched ids.

A search is an article list drawn from the FTS5 matches of a query, ranked by BM25 when
ordered by relevance. FTS5 reports a query it cannot parse as an SQL error; here it
becomes ``SearchSyntaxError``, which names the query for the client.
"""

from __future__ import annotations

from typing import Any

from gql.errors import SearchSyntaxError, StoreError
from gql.store.article_lists import ARTICLE_ORDER_SQL, ArticleList
from gql.store.database import Row, Store
from gql.store.encoding import json_array
from gql.store.filtering import Condition, where
from gql.store.paging import Page, key_columns, make_page, order_by, sort_keys, window_sql
from gql.store.rows import ARTICLE, ArticleRow

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

_article = ARTICLE.decode


def article_source(spec: ArticleList, params: list[Any], *, ranked: bool = True) -> str:
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


async def execute_search(
    store: Store, sql: str, params: list[Any], search: str | None
) -> list[Row]:
    """``store.execute``, with FTS5's complaints about ``search`` as ``SearchSyntaxError``."""
    try:
        return await store.execute(sql, params)
    except StoreError as exc:
        problem = str(exc.__cause__ or exc)
        if search is not None and problem.startswith(_FTS_QUERY_PROBLEMS):
            raise SearchSyntaxError(search, problem) from exc
        raise


async def load_search_page(store: Store, spec: ArticleList) -> Page[ArticleRow]:
    """A page of search results in two statements: the page's ids in order, ranked and
    filtered over narrow rows; then those articles with snippets, which FTS5 computes per
    row, so only for the page rather than for every match. (Ranking only the ids of
    ``load_matched_ids`` would be slower: FTS5 then evaluates the match once per id.)"""
    assert spec.search is not None
    params: list[Any] = []
    source = article_source(spec, params)
    keys = sort_keys(spec.order, ARTICLE_ORDER_SQL, "a.id")
    condition, condition_params = where(spec.condition, "article")
    params += condition_params
    window = window_sql(keys, spec.window, params)
    params.append(spec.window.size + 1)
    ranked = await execute_search(
        store,
        f"SELECT a.id, a.rank, {key_columns(keys)} FROM {source}"
        f" WHERE {condition} AND {window}"
        f" ORDER BY {order_by(keys, reverse=spec.window.backward)} LIMIT ?",
        params,
        spec.search,
    )
    rows = await execute_search(
        store,
        f"SELECT {ARTICLE.select}, {SNIPPET} FROM articles_fts"
        " JOIN articles a ON a.id = articles_fts.rowid"
        " WHERE articles_fts MATCH ? AND articles_fts.rowid IN (SELECT value FROM json_each(?))",
        [spec.search, json_array([article_id for article_id, *_ in ranked])],
        spec.search,
    )
    found: dict[int, tuple[ArticleRow, str]] = {}
    for r in rows:
        row = _article(r)
        (snippet,) = ARTICLE.after(r)
        found[row.id] = (row, snippet)
    items = []
    for article_id, rank, *key in ranked:
        if article_id in found:
            row, snippet = found[article_id]
            items.append((row, tuple(key), (rank, snippet)))
    return make_page(items, spec.window)


async def load_matched_ids(store: Store, search: str, condition: Condition | None) -> list[int]:
    """Ids of the articles matching a search and a filter, in one statement.

    A search page asks for its count and several facets; each would evaluate the full-text
    match and the filter over the wide articles table again. Read once, the ids let the
    count be their number and the facets group a short list (``load_facets_of_ids``).
    """
    params: list[Any] = []
    source = article_source(ArticleList(search=search), params, ranked=False)
    condition_sql, condition_params = where(condition, "article")
    rows = await execute_search(
        store,
        f"SELECT a.id FROM {source} WHERE {condition_sql}",
        params + condition_params,
        search,
    )
    return [row[0] for row in rows]
