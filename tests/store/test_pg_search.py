"""Full-text search on PostgreSQL: the same matches as FTS5, titles weighted over excerpts,
bounded snippets, FTS5's syntax kept.

The matches are compared with SQLite's FTS5 over the same seeds (another engine's
reading of the same words); the ranking and snippet properties are checked on small
corpora whose expected order follows from the files alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gql.errors import SearchSyntaxError
from gql.store import Store, load_matched_ids, load_search_page, open_store
from gql.sync import load_into
from tests.pg import Cluster
from tests.store.test_search_bounds import hits, search_page

SEARCHES = [
    '"open source" OR metaverse',
    "ai OR artificial",
    "micro*",
    "robot* OR autonomous",
    "intelligence NOT microsoft",
    "(apple OR google) AND ai",
    '"generative ai" chatgpt',
]


@pytest.mark.parametrize("search", SEARCHES)
async def test_a_search_matches_what_fts5_matches(
    seeds_db: Path, seeds_pg: str, search: str
) -> None:
    sqlite, postgres = await open_store(seeds_db), await open_store(seeds_pg)
    try:
        on_sqlite = await load_matched_ids(sqlite, search, None)
        on_postgres = await load_matched_ids(postgres, search, None)
        urls = [
            {row.url for row in (await load_search_page(store, search_page(search))).rows}
            for store in (sqlite, postgres)
        ]
    finally:
        await sqlite.close()
        await postgres.close()
    assert on_sqlite and len(on_postgres) == len(on_sqlite)
    assert urls[0] == urls[1]


def _article(folder: Path, name: str, title: str, excerpt: str) -> None:
    (folder / f"{name}.md").write_text(
        f'---\ntitle: "{title}"\nexcerpt: "{excerpt}"\nwebUrl: https://e.x/{name}\n---\n'
    )


@pytest.fixture
async def small_store(tmp_path: Path, pg_cluster: Cluster) -> AsyncIterator[Store]:
    folder = tmp_path / "files"
    folder.mkdir()
    _article(folder, "in-title", "Quantum widgets", "Nothing to see here.")
    _article(folder, "in-excerpt", "Other news", "Quantum, quantum and quantum again.")
    _article(folder, "neither", "Gadget roundup", "Widgets got smaller.")
    # Named with a date and a slug, as real files are: a slug made of the title would be
    # past the 2,704 bytes a btree key may take (README, PostgreSQL).
    _article(folder, "2024-01-01-huge", "word " * 100_000 + "needle", "Short.")
    url = pg_cluster.new_database()
    report = await asyncio.to_thread(asyncio.run, load_into(url, [folder]))
    assert report.rejected == []
    store = await open_store(url, read_only=True)
    try:
        yield store
    finally:
        await store.close()


async def test_a_title_match_outranks_excerpt_matches(small_store: Store) -> None:
    page = await load_search_page(small_store, search_page("quantum"))
    assert [row.url for row in page.rows] == ["https://e.x/in-title", "https://e.x/in-excerpt"]
    ranks = [rank for _, (rank, _) in hits(page)]
    assert ranks == sorted(ranks) and ranks[0] < ranks[1] < 0
    snippets = [snippet for _, (_, snippet) in hits(page)]
    assert snippets[0].startswith("<mark>Quantum</mark> widgets")
    assert snippets[1].count("<mark>") == 3


async def test_a_huge_title_is_searched_and_snippeted_by_its_head(small_store: Store) -> None:
    page = await load_search_page(small_store, search_page("word"))
    [(huge, (_, snippet))] = hits(page)
    assert huge.url == "https://e.x/2024-01-01-huge" and len(huge.title) == 500_006
    # One fragment of at most 16 words, from the bounded head of the title.
    assert snippet.count("<mark>word</mark>") <= 16 and len(snippet) < 400
    # Words past the first 1,000 characters are not in the index, as on SQLite.
    assert await load_matched_ids(small_store, "needle", None) == []


@pytest.mark.parametrize("bad", ['"unterminated', "AND", "state-of-the-art", "c++", "(", "a OR"])
async def test_what_fts5_refuses_is_refused_before_it_runs(small_store: Store, bad: str) -> None:
    with pytest.raises(SearchSyntaxError):
        await load_search_page(small_store, search_page(bad))
