"""Full-text search on PostgreSQL: ``tsvector``, a GIN index, ``ts_rank_cd``, ``ts_headline``.

The articles table holds ``search_vector``, a generated column (``pg_schema``): the first
``INDEXED_CHARS`` characters of the title weighted ``A`` and of the excerpt weighted
``B``, under the ``simple`` configuration (lower case, no stemming, no stop words: the
nearest to FTS5's ``unicode61`` tokenizer), with a GIN index. A search keeps FTS5's
syntax on both backends: ``tsquery_text`` translates it (words ANDed, ``OR``, ``NOT``,
``"phrases"``, ``word*`` prefixes, parentheses) and refuses what FTS5 refuses, with the
same ``SearchSyntaxError``; column filters (``title:``) and ``NEAR`` are not kept.

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
import unicodedata
from typing import Any

from gql.errors import InvalidText, SearchSyntaxError
from gql.store.ddl import INDEXED_CHARS
from gql.store.rows import ARTICLE

CONFIG = "simple"
# ts_rank_cd's weights, for D, C, B, A: the title (A) weighs ten times the excerpt (B).
RANK = "ts_rank_cd('{0, 0, 0.1, 1.0}', a.search_vector, q.query)"
HEADLINE_OPTIONS = (
    "StartSel=<mark>, StopSel=</mark>, MaxWords=16, MinWords=6, MaxFragments=1,"
    ' FragmentDelimiter=" … ", HighlightAll=false'
)
# What PostgreSQL says of a tsquery it cannot read (``tsquery_text`` refuses such input
# first, so this is a last resort).
QUERY_PROBLEMS = ("syntax error in tsquery",)

# One token of an FTS5 query: a column filter (dropped), a string, a bareword with an
# optional prefix star, a parenthesis, the initial-token mark; anything else is an error.
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<column>(?:\{[^}]*\}|[A-Za-z0-9_\x1a\u0080-\U0010ffff]+)\s*:)
    |(?P<string>"(?:[^"]|"")*")
    |(?P<word>[A-Za-z0-9_\x1a\u0080-\U0010ffff]+)
    |(?P<star>\*)
    |(?P<paren>[()])
    |(?P<caret>\^)
    |(?P<other>\S)
    )""",
    re.VERBOSE,
)
_OPERATORS = {"AND": "&", "OR": "|", "NOT": "& !"}
# What unicode61 splits tokens at: Unicode spaces, punctuation and controls (FTS5 docs 4.3.1).
_SEPARATOR_CATEGORIES = ("Z", "P", "C")


def unicode61_tokens(text: str) -> list[str]:
    """``text`` split where FTS5's unicode61 tokenizer splits it (both backends' search
    modules read phrases so)."""
    tokens: list[str] = []
    current: list[str] = []
    for char in text:
        if unicodedata.category(char)[0] in _SEPARATOR_CATEGORIES:
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_text(search: str) -> str:
    """The FTS5 query ``search`` as ``to_tsquery`` text: words, ``"phrases"`` (``<->``),
    ``word*`` prefixes (``:*``), ``AND``/``OR``/``NOT`` (binary, as in FTS5) and
    parentheses; column filters (``title:``) and ``^`` are dropped. A query FTS5 would
    refuse (an unclosed string, a lone operator, punctuation) is ``SearchSyntaxError``."""
    try:
        search.encode()
    except UnicodeEncodeError as exc:
        # Named in the client's own text, not in the translation sent to the server.
        raise InvalidText(search, exc.start) from exc
    parts: list[str] = []
    expect_term = True  # at the start, after an operator or an opening parenthesis
    depth = 0
    for match in _TOKEN.finditer(search):
        kind = match.lastgroup
        text = match.group(kind) if kind else ""
        if kind in ("column", "caret"):
            continue
        if kind == "word" and text in _OPERATORS:
            if expect_term:
                raise SearchSyntaxError(search, f'fts5: syntax error near "{text}"')
            parts.append(_OPERATORS[text])
            expect_term = True
        elif kind in ("word", "string"):
            if kind == "string":
                words = unicode61_tokens(text[1:-1].replace('""', '"'))
                if not words:
                    continue
                term = "(" + " <-> ".join(_lexeme(w) for w in words) + ")"
            else:
                term = _lexeme(text)
            if not expect_term:
                parts.append("&")
            parts.append(term)
            expect_term = False
        elif kind == "star" and parts and not expect_term:
            parts[-1] = parts[-1][:-1] + ":*)" if parts[-1].endswith(")") else parts[-1] + ":*"
        elif kind == "paren" and text == "(":
            if not expect_term:
                parts.append("&")
            parts.append("(")
            depth += 1
            expect_term = True
        elif kind == "paren" and depth > 0 and not expect_term:
            parts.append(")")
            depth -= 1
        else:
            raise SearchSyntaxError(search, f'fts5: syntax error near "{text}"')
    if search.count('"') % 2:
        raise SearchSyntaxError(search, "unterminated string")
    if depth or (expect_term and parts):
        raise SearchSyntaxError(search, "fts5: syntax error near end of query")
    return " ".join(parts)


def query_sql(search: str, params: list[Any]) -> str:
    """A ``FROM`` item ``q`` with the search's ``tsquery`` as ``q.query``."""
    params.append(tsquery_text(search))
    return f"(SELECT to_tsquery('{CONFIG}', ?) AS query) q"


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
