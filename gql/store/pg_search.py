"""Full-text search on PostgreSQL: ``tsvector``, a GIN index, ``ts_rank_cd``, ``ts_headline``.

The articles table holds ``search_vector``, a generated column (``pg_schema``): the first
``INDEXED_CHARS`` characters of the title weighted ``A`` and of the excerpt weighted
``B``, under the ``simple`` configuration (lower case, no stemming, no stop words: the
nearest to FTS5's ``unicode61`` tokenizer), with a GIN index. A query is read by
``websearch_to_tsquery``, which never fails on odd input: words are ANDed, ``OR``
between words, ``"quoted phrases"`` and ``-word``/``NOT word`` work as in FTS5; a
trailing ``*`` (FTS5's prefix) makes a prefix query (``word:*``) that the rest of the
search must match too (ANDed, also after an ``OR``).

Ranking is ``ts_rank_cd`` (cover density) with a title match worth ten excerpt matches,
as ``bm25(articles_fts, 10.0, 1.0)`` weighs them on SQLite; the rank is negated so that
the best comes first in ascending order, as BM25's does. The two scores differ (README,
"Search on PostgreSQL"): cover density has no inverse document frequency, so a rare word
does not outweigh a common one, and it grows with the matches in a field without BM25's
length normalisation. Snippets are ``ts_headline`` over the same bounded head of each
field (so its cost per row is bounded as ``snippet()``'s is on SQLite), at most one
fragment of 16 words, marked ``<mark>…</mark>``.
"""

from __future__ import annotations

import re
from typing import Any

from gql.store.ddl import INDEXED_CHARS
from gql.store.rows import ARTICLE

CONFIG = "simple"
# ts_rank_cd's weights, for D, C, B, A: the title (A) weighs ten times the excerpt (B).
RANK = "ts_rank_cd('{0, 0, 0.1, 1.0}', a.search_vector, q.query)"
HEADLINE_OPTIONS = (
    "StartSel=<mark>, StopSel=</mark>, MaxWords=16, MinWords=6, MaxFragments=1,"
    ' FragmentDelimiter=" … ", HighlightAll=false'
)
# What PostgreSQL says of a query it cannot read: websearch_to_tsquery reads any text, so
# only a stray ``:*`` of ours could reach the server, and that reads as a syntax error.
QUERY_PROBLEMS = ("syntax error in tsquery",)
_PREFIX = re.compile(r"(\w+)\*")


def tsquery_text(search: str) -> str:
    """``search`` for ``websearch_to_tsquery``: FTS5's ``word*`` prefixes taken out
    (``query_sql`` adds them as prefix queries), ``NOT`` written ``-``, FTS5's ``AND``
    dropped (words are ANDed anyway)."""
    text = _PREFIX.sub(" ", search)
    text = re.sub(r"\bNOT\s+", "-", text)
    return re.sub(r"\bAND\b", " ", text)


def _prefixes(search: str) -> list[str]:
    return [word.lower() for word in _PREFIX.findall(search)]


def query_sql(search: str, params: list[Any]) -> str:
    """A ``FROM`` item ``q`` with the search's ``tsquery`` as ``q.query``."""
    params.append(tsquery_text(search))
    prefixes = _prefixes(search)
    if not prefixes:
        return f"(SELECT websearch_to_tsquery('{CONFIG}', ?) AS query) q"
    params.append(" & ".join(f"{_lexeme(word)}:*" for word in prefixes))
    return f"(SELECT websearch_to_tsquery('{CONFIG}', ?) && to_tsquery('{CONFIG}', ?) AS query) q"


def _lexeme(word: str) -> str:
    return "'" + word.replace("'", "''").replace("\\", "\\\\") + "'"


def article_source(search: str, params: list[Any], *, ranked: bool) -> str:
    """The matching articles as ``a`` (with ``a.rank``, lower is better, when ``ranked``)."""
    query = query_sql(search, params)
    rank = f", -{RANK} AS rank" if ranked else ""
    return f"(SELECT a.*{rank} FROM articles a, {query} WHERE a.search_vector @@ q.query) a"


def snippets_sql(search: str, ids: Any) -> tuple[str, list[Any]]:
    """The articles ``ids`` with a highlighted snippet each (the title's head without a
    match): the statement and its parameters."""
    params: list[Any] = []
    query = query_sql(search, params)
    text = (
        f"left(a.title, {INDEXED_CHARS}) || ' … ' || left(coalesce(a.excerpt, ''), {INDEXED_CHARS})"
    )
    sql = (
        f"SELECT {ARTICLE.select}, ts_headline('{CONFIG}', {text}, q.query, '{HEADLINE_OPTIONS}')"
        f" FROM articles a, {query} WHERE a.id = ANY(?)"
    )
    return sql, [*params, ids]
