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

``snippet()`` scores every candidate fragment against every match of every phrase, so its
work grows with the square of the phrase matches in a row, and phrases that match the
same tokens count each match once per phrase: ``a a a …`` (16 times) over a row of 1,000
one-letter tokens took 1.5-3 s, against ~15 ms for ``a`` alone. So snippets are computed
with a query of their own (``snippet_query``): the search's phrases and prefixes, OR-ed,
none matching where another does (``a`` and ``á`` fold to one token, ``ab*`` lies within
``a*``, ``"a a"`` starts where ``a`` does). Then a row's matches number at most its
tokens whatever the search, and every row the search matched holds one of them; a row
that somehow holds none still keeps its place in the page, its snippet then its title's
head.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from dataclasses import dataclass
from typing import Any

import orjson

from gql.errors import SearchSyntaxError, SearchTooLarge, StoreError
from gql.store import pg_search
from gql.store.article_lists import ARTICLE_ORDER_SQL, ArticleList
from gql.store.database import Row, Store
from gql.store.ddl import SEARCH_COLUMNS, SEARCH_COLUMNS_INDEX
from gql.store.filtering import Condition, compile_condition, topic_ids, where
from gql.store.paging import (
    Page,
    SortKeys,
    key_columns,
    make_page,
    order_by,
    sort_keys,
    window_sql,
)
from gql.store.pg_search import unicode61_tokens as _tokens
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
"""Words, prefixes and quoted phrases a search may combine: each is a phrase FTS5 matches
on its own (10,000 ran for seconds). People type a few words; 16 leaves room for
generated ``OR`` lists of names. (Snippets no longer depend on it: the worst row, 1,000
one-letter tokens searched with that letter 16 times, took 1.5-3 s in ``snippet()``
before ``snippet_query``, and 10-25 ms with it: ``python -m bench.snippets``.)"""
MAX_SEARCH_CHARS = 500
"""Characters of a search query: bounds the parse and a phrase's length (Algolia's own
limit is 512)."""

# A column filter (``title:``, ``{title excerpt}:``) names columns, not terms.
_COLUMN_FILTER = re.compile(r"\{[^}]*\}\s*:|[A-Za-z0-9_\x1a\u0080-\U0010ffff]+\s*:")
# FTS5's strings ("..." with "" inside) and barewords (its characters, see fts5 docs 3.1).
_TERM = re.compile(r'"(?:[^"]|"")*"?|[A-Za-z0-9_\x1a\u0080-\U0010ffff]+')
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})

_article = ARTICLE.decode

# A term as ``snippet_query`` reads it: an optional ``^``, a string or a bareword, an
# optional ``*`` (the last token is a prefix).
_SNIPPET_TERM = re.compile(r'\^?\s*("(?:[^"]|"")*"?|[A-Za-z0-9_\x1a\u0080-\U0010ffff]+)(\s*\*)?')
# A row with no match of the snippet query (see the module docstring) shows this much of
# its title instead.
SNIPPET_FALLBACK_CHARS = 120


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


def _fold(token: str) -> str:
    """A token as unicode61 with ``remove_diacritics 2`` compares it: lower case, marks off."""
    decomposed = unicodedata.normalize("NFD", token)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def snippet_query(search: str) -> str:
    """The FTS5 query ``snippet()`` highlights with for ``search`` (module docstring).

    A phrase's matches lie where its first token does, so terms whose first tokens differ
    (and are not covered by a prefix) match disjoint positions: each prefix is kept once,
    the shortest covering the rest; each word or phrase once per first token, and when
    several share one, that token alone stands for them all. ``search`` itself when it
    has no terms.
    """
    prefixes: dict[str, str] = {}  # folded: as written
    leads: dict[str, list[tuple[list[str], bool]]] = {}  # a first token: its phrases
    for match in _SNIPPET_TERM.finditer(_COLUMN_FILTER.sub(" ", search)):
        term, star = match.group(1), bool(match.group(2))
        if term in _OPERATORS:
            continue
        text = term[1:].removesuffix('"').replace('""', '"') if term.startswith('"') else term
        tokens = _tokens(text)
        if len(tokens) == 1 and star:
            prefixes.setdefault(_fold(tokens[0]), tokens[0])
        elif tokens:
            phrases = leads.setdefault(_fold(tokens[0]), [])
            if (tokens, star) not in phrases:
                phrases.append((tokens, star))
    kept: dict[str, str] = {}
    for folded in sorted(prefixes, key=len):
        if not any(folded.startswith(shorter) for shorter in kept):
            kept[folded] = prefixes[folded]
    terms = [_quoted(written) + " *" for written in kept.values()]
    for lead, phrases in leads.items():
        if any(lead.startswith(prefix) for prefix in kept):
            continue
        if len(phrases) > 1:
            terms.append(_quoted(phrases[0][0][0]))
        else:
            [(tokens, star)] = phrases
            terms.append(_quoted(" ".join(tokens)) + (" *" if star else ""))
    return " OR ".join(terms) if terms else search


NARROW = f" INDEXED BY {SEARCH_COLUMNS_INDEX}"
"""How a search reads the articles of its matches when it needs only their narrow columns
(``gql.store.ddl.SEARCH_COLUMNS_INDEX``): the index by id instead of the wide rows."""
_NARROW_COLUMNS = frozenset(SEARCH_COLUMNS) | {"rank"}
# An article column in compiled SQL (``filtering`` and ``ARTICLE_ORDER_SQL`` name the
# articles ``a``; their subqueries use other aliases).
_ARTICLE_COLUMN = re.compile(r"\ba\.(\w+|\*)")
# Stores whose database was built before ``SEARCH_COLUMNS_INDEX``: they read wide rows.
_WITHOUT_NARROW_INDEX: weakref.WeakSet[Store] = weakref.WeakSet()


def _narrow(*sql: str) -> str:
    """``NARROW`` when the articles columns ``sql`` reads are all in the narrow index."""
    columns = {column for text in sql for column in _ARTICLE_COLUMN.findall(text)}
    return NARROW if columns <= _NARROW_COLUMNS else ""


def _postgres(store: Store) -> bool:
    return store.dialect.name == "postgresql"


def _search_param(store: Store, search: str) -> Any:
    """The statement parameter a search is (FTS5's query, or PostgreSQL's tsquery text)."""
    return pg_search.tsquery_text(search) if _postgres(store) else search


def _rank(store: Store) -> str:
    """The rank of a match (lower is better): BM25, or PostgreSQL's ``ts_rank_cd``."""
    return f"-{pg_search.RANK}::float8" if _postgres(store) else BM25


def _matches(store: Store, columns: str, condition: str) -> str:
    """A select of ``columns`` (of ``a``, the articles) from the matches of the search (its
    ``?``, from ``_search_param``) that satisfy ``condition``; the rank (``_rank``) in
    ``columns`` is computed only for the matches that satisfy ``condition``.

    On SQLite FTS5 drives: the match is evaluated once, and each match's article is read
    by id, from the narrow index when ``columns`` and ``condition`` need no other
    columns. On PostgreSQL the GIN index of ``search_vector`` finds the matches."""
    if _postgres(store):
        return (
            f"SELECT {columns} FROM articles a, (SELECT to_tsquery('{pg_search.CONFIG}', ?)"
            f" AS query) q WHERE a.search_vector @@ q.query AND {condition}"
        )
    return (
        f"SELECT {columns} FROM articles_fts JOIN articles a{_narrow(columns, condition)}"
        f" ON a.id = articles_fts.rowid WHERE articles_fts MATCH ? AND {condition}"
    )


def _condition(store: Store, condition: Condition | None) -> tuple[str, list[Any]]:
    """The SQL of ``condition`` on a search's matches (``_matches``), and its params. On
    SQLite a condition on the article's topics (its date bounds with it) is a set of ids
    (``filtering.topic_ids``), tested on each match before its article is read; the
    ``+`` keeps FTS5 from taking the set as rowids to look up one by one."""
    if not _postgres(store):
        params: list[Any] = []
        found = topic_ids(condition, params, store.dialect)
        if found is not None:
            ids, rest = found
            rest_sql = compile_condition(rest, "article", params, store.dialect)
            return f"+articles_fts.rowid IN ({ids}) AND {rest_sql}", params
    return where(condition, "article", store.dialect)


def article_source(
    store: Store, spec: ArticleList, params: list[Any], *, ranked: bool = True
) -> str:
    """The articles a list draws from: all, or the search matches (with ``a.rank`` when
    ``ranked``; counts and facets skip the rank, which costs per match). A search's
    source holds the narrow columns only when ``spec``'s condition reads no other."""
    if spec.search is None:
        return "articles a"
    params.append(_search_param(store, spec.search))
    condition, _ = where(spec.condition, "article", store.dialect)
    narrow = not _postgres(store) and _narrow(condition) == NARROW
    columns = ", ".join(f"a.{c}" for c in SEARCH_COLUMNS) if narrow else "a.*"
    if ranked:
        columns += f", {_rank(store)} AS rank"
    return f"({_matches(store, columns, 'TRUE')}) a"


async def execute_search(
    store: Store, sql: str, params: list[Any], search: str | None
) -> list[Row]:
    """``store.execute``, with the engine's complaints about ``search`` as
    ``SearchSyntaxError``; without ``NARROW`` over a database without the narrow index
    (and on PostgreSQL, which has no ``INDEXED BY``)."""
    if NARROW in sql and (_postgres(store) or store in _WITHOUT_NARROW_INDEX):
        sql = sql.replace(NARROW, "")
    try:
        return await store.execute(sql, params)
    except StoreError as exc:
        problem = str(exc.__cause__ or exc)
        problems = pg_search.QUERY_PROBLEMS if _postgres(store) else _FTS_QUERY_PROBLEMS
        if search is not None and problem.startswith(problems):
            raise SearchSyntaxError(search, problem) from exc
        if NARROW in sql and problem == f"no such index: {SEARCH_COLUMNS_INDEX}":
            _WITHOUT_NARROW_INDEX.add(store)
            return await execute_search(store, sql, params, search)
        raise


@dataclass(frozen=True, slots=True)
class SearchPage(Page[ArticleRow]):
    """A page of search hits, and the ids of every match when they were asked for."""

    matched_ids: list[int] | None = None


def _ranked_sql(
    store: Store,
    keys: SortKeys,
    condition: str,
    window: str,
    *,
    backward: bool,
    with_matched_ids: bool,
) -> str:
    """The page's ids, ranks and cursor values in order; then, ``with_matched_ids``, a row
    whose id is NULL and whose last column is the JSON array of every match's id (the
    page's rows have NULL there). The matches (with their rank) are computed once for
    both, as the page must rank them all anyway."""
    extra = [sql for sql, _ in keys if sql not in ("a.id", "a.rank")]
    matches = _matches(store, ", ".join(["a.id", f"{_rank(store)} AS rank", *extra]), condition)

    def page(source: str, last: str = "") -> str:
        return (
            f"SELECT a.id, a.rank, {key_columns(keys)}{last} FROM {source} a WHERE {window}"
            f" ORDER BY {order_by(keys, reverse=backward)} LIMIT ?"
        )

    if not with_matched_ids:
        return page(f"({matches})")
    ids = "json_agg(id)::text" if _postgres(store) else "json_group_array(id)"
    padding = ", NULL" * (len(keys) + 2)
    return (
        f"WITH m AS MATERIALIZED ({matches}) SELECT * FROM ({page('m', ', NULL AS ids')}) p"
        f" UNION ALL SELECT {padding[2:]}, {ids} FROM m"
    )


async def load_search_page(
    store: Store, spec: ArticleList, *, with_matched_ids: bool = False
) -> SearchPage:
    """A page of search results in two statements: the page's ids in order, ranked and
    filtered over narrow rows (and, ``with_matched_ids``, the ids of every match, which
    the count and facets of the search need: ``SearchPage.matched_ids``); then those
    articles with snippets, which the engine computes per row, so only for the page
    rather than for every match."""
    assert spec.search is not None
    check_search(spec.search)
    keys = sort_keys(spec.order, ARTICLE_ORDER_SQL, "a.id")
    condition, params = _condition(store, spec.condition)
    params.insert(0, _search_param(store, spec.search))
    window = window_sql(keys, spec.window, params)
    params.append(spec.window.size + 1)
    sql = _ranked_sql(
        store,
        keys,
        condition,
        window,
        backward=spec.window.backward,
        with_matched_ids=with_matched_ids,
    )
    ranked = await execute_search(store, sql, params, spec.search)
    matched_ids: list[int] | None = None
    if with_matched_ids:
        # The row of every match's id is told apart by its NULL id; the page's rows end
        # with a NULL in its place.
        [matched_json] = [row[-1] for row in ranked if row[0] is None]
        ranked = [row[:-1] for row in ranked if row[0] is not None]
        matched_ids = orjson.loads(matched_json) if matched_json is not None else []
    ids = store.dialect.keys([article_id for article_id, *_ in ranked])
    if _postgres(store):
        snippets, snippet_params = pg_search.snippets_sql(spec.search, ids)
    else:
        snippets = (
            f"SELECT {ARTICLE.select},"
            f" coalesce(s.snippet, substr(a.title, 1, {SNIPPET_FALLBACK_CHARS})) FROM articles a"
            f" LEFT JOIN (SELECT rowid AS fid, {SNIPPET} AS snippet FROM articles_fts"
            "  WHERE articles_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))) s"
            " ON s.fid = a.id"
            " WHERE a.id IN (SELECT value FROM json_each(?))"
        )
        snippet_params = [snippet_query(spec.search), ids, ids]
    rows = await execute_search(store, snippets, snippet_params, spec.search)
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
    page = make_page(items, spec.window)
    return SearchPage(
        page.rows, page.keys, page.has_next, page.has_previous, page.hits, matched_ids
    )


async def load_matched_ids(store: Store, search: str, condition: Condition | None) -> list[int]:
    """Ids of the articles matching a search and a filter, in one statement.

    A search page asks for its count and several facets; each would evaluate the full-text
    match and the filter again. Read once, the ids let the count be their number and the
    facets group a short list (``load_facets_of_ids``). ``load_search_page`` reads them
    with its page when asked to.
    """
    check_search(search)
    condition_sql, params = _condition(store, condition)
    rows = await execute_search(
        store,
        _matches(store, "a.id", condition_sql),
        [_search_param(store, search), *params],
        search,
    )
    return [row[0] for row in rows]
