"""Snippets are computed with a query of their own, whose phrases match disjoint tokens:
``snippet()``'s work, which grows with the square of the phrase matches in a row, stays
that of one phrase over the row whatever a search repeats (``gql.store.search``)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gql.store import Store, load_matched_ids, load_search_page
from gql.store.ddl import INDEXED_CHARS
from gql.store.search import MAX_SEARCH_TERMS, snippet_query
from gql.sync import load_into
from tests.store.test_search_bounds import hits, search_page


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("quantum computing", '"quantum" OR "computing"'),
        ('"open source" OR metaverse', '"open source" OR "metaverse"'),
        ("a a a a", '"a"'),
        ("A OR a OR á OR Ä", '"A"'),  # unicode61 folds case and diacritics
        ('"a a" "a a a" a', '"a"'),  # phrases match where their first token does
        ('"open source" OR "open data" source', '"open" OR "source"'),
        ("a* ab* abc apple b", '"a" * OR "b"'),  # the shortest prefix covers the rest
        ('"new yor" *', '"new yor" *'),
        ("title: quantum NOT {title excerpt}: computing", '"quantum" OR "computing"'),
        ('"state-of-the-art" model*', '"model" * OR "state of the art"'),
        ('"say ""hi"""', '"say hi"'),  # one phrase, its quotes inside
    ],
)
def test_the_snippet_query_keeps_each_match_once(search: str, expected: str) -> None:
    assert snippet_query(search) == expected


ROW_TOKENS = INDEXED_CHARS // len("a ")
"""One-letter tokens of one indexed field of the worst row: the most a field can hold."""


@pytest.fixture
async def worst_row_store(tmp_path: Path) -> AsyncIterator[Store]:
    """An article whose title and excerpt are each as many one-letter tokens as the index
    holds, loaded by our own loader, beside an ordinary one."""
    folder = tmp_path / "files"
    folder.mkdir()
    letters = " ".join(["a"] * ROW_TOKENS)
    (folder / "worst.md").write_text(
        f'---\ntitle: "{letters}"\nexcerpt: "{letters}"\nwebUrl: https://e.x/worst\n---\n'
    )
    (folder / "plain.md").write_text(
        '---\ntitle: "A plain title"\nexcerpt: "Short."\nwebUrl: https://e.x/plain\n---\n'
    )
    db = tmp_path / "worst.db"
    assert (await load_into(db, [folder])).rejected == []
    store = await Store.open(db, read_only=True)
    try:
        yield store
    finally:
        await store.close()


def _instances(db: Path, article_id: int, term: str) -> int:
    """How often ``term`` is in one article's index (FTS5's instance vocabulary)."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, articles_fts, instance)"
        )
        (count,) = conn.execute(
            "SELECT count(*) FROM temp.terms WHERE doc = ? AND term = ?", (article_id, term)
        ).fetchone()
    return int(count)


@pytest.mark.parametrize(
    "search",
    [
        " ".join(["a"] * MAX_SEARCH_TERMS),
        " OR ".join("aáàâäãåāăąǎȁȃạảấ"[:MAX_SEARCH_TERMS]),
        " ".join('"' + " ".join(["a"] * n) + '"' for n in range(1, MAX_SEARCH_TERMS + 1)),
    ],
    ids=["one-letter-16-times", "16-spellings-of-one-token", "16-phrases-of-it"],
)
async def test_the_worst_row_is_snippeted_with_one_phrase(
    worst_row_store: Store, search: str
) -> None:
    """Each search puts 16 phrases on the same 1,000 tokens: 16,000 matches, where
    ``snippet()`` took 1.5-3 s. Its snippet query has one phrase: 1,000 matches."""
    page = await load_search_page(worst_row_store, search_page(search))
    [(row, (_, snippet))] = [hit for hit in hits(page) if hit[0].url == "https://e.x/worst"]
    query = snippet_query(search)
    assert query.count(" OR ") == 0 and query.strip('"').casefold() == "a"
    assert _instances(worst_row_store.path, row.id, "a") == 2 * ROW_TOKENS
    assert snippet == " ".join(["<mark>a</mark>"] * 16) + "…"


@pytest.mark.parametrize(
    "search",
    [
        '"open source" OR "open data" OR source',
        "ai OR artificial OR a*",
        "microsoft OR google OR meta OR apple OR amazon OR nvidia OR openai",
        "intelligence NOT microsoft",
        "title: ai OR model*",
    ],
)
async def test_every_match_keeps_its_place_and_a_highlight(seeds_store: Store, search: str) -> None:
    """The snippet query matches every row the search does: no row leaves the page, and
    each snippet highlights a term of the search."""
    matched = await load_matched_ids(seeds_store, search, None)
    page = await load_search_page(seeds_store, search_page(search))
    assert matched and sorted(row.id for row in page.rows) == sorted(matched)[:100]
    assert all("<mark>" in snippet for _, (_, snippet) in hits(page))
