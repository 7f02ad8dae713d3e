"""Full-text search (SQLite FTS5): a page of matches with snippets, and the matched ids.

A search is an article list drawn from the FTS5 matches of a query, ranked by BM25 when
ordered by relevance. FTS5 reports a query it cannot parse as an SQL error; here it
becomes ``SearchSyntaxError``, which names the query for the client.

A search's cost is bounded before it runs. FTS5 does its work for a query inside single
steps of SQLite's virtual machine, where the statement time limit cannot stop it: 10,000
``OR``-ed words ran 8-21 s against a 2 s limit, and ``snippet()`` takes time in the
square of the phrase matches in a row (32 words matching each of 1,000 tokens: 6 s for
one row). So a query has at most ``MAX_SEARCH_TERMS`` terms and ``MAX_SEARCH_CHARS``
characters (``SearchTooLarge``), and the index holds at most the first
``INDEXED_CHARS`` characters of a field (``gql.store.ddl``), which bounds what
``snippet()`` sees in a row.
"""

from __future__ import annotations

import re
from typing import Any

from gql.errors import SearchSyntaxError, SearchTooLarge, StoreError
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

MAX_SEARCH_TERMS = 16
"""Words, prefixes and quoted phrases a search may combine. Each is a phrase FTS5 matches
on its own, and ``snippet()``'s work grows with the square of their matches in a row: at
16, the worst row (1,000 one-letter tokens, the same letter 16 times) costs ~1.5 s, a
row of real text milliseconds. People type a few words; 16 leaves room for generated
``OR`` lists of names."""
MAX_SEARCH_CHARS = 500
"""Characters of a search query: bounds the parse and a phrase's length (Algolia's own
limit is 512)."""

# A column filter (``title:``, ``{title excerpt}:``) names columns, not terms.
_COLUMN_FILTER = re.compile(r"\{[^}]*\}\s*:|[A-Za-z0-9_\x1a\u0080-\U0010ffff]+\s*:")
# FTS5's strings ("..." with "" inside) and barewords (its characters, see fts5 docs 3.1).
_TERM = re.compile(r'"(?:[^"]|"")*"?|[A-Za-z0-9_\x1a\u0080-\U0010ffff]+')
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})

_article = ARTICLE.decode


def count_search_terms(search: str) -> int:
    """The words, prefixes and quoted phrases of an FTS5 query (operators and column
    filters aside); a phrase counts once."""
    terms = _TERM.findall(_COLUMN_FILTER.sub(" ", search))
    return sum(1 for term in terms if term not in _OPERATORS)


def check_search(search: str) -> None:
    """Refuse a query past ``MAX_SEARCH_CHARS`` or ``MAX_SEARCH_TERMS`` (``SearchTooLarge``)."""
    if len(search) > MAX_SEARCH_CHARS:
        raise SearchTooLarge("characters", MAX_SEARCH_CHARS, len(search))
    terms = count_search_terms(search)
    if terms > MAX_SEARCH_TERMS:
        raise SearchTooLarge(
            "terms",
            MAX_SEARCH_TERMS,
            terms,
            note="words, prefixes and quoted phrases count; AND, OR, NOT and NEAR do not",
        )


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
    check_search(spec.search)
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
    check_search(search)
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
