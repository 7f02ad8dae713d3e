"""Bounded searches: a query's terms and length, and what the full-text index holds of a
field, against a reference FTS5 index built here from the files themselves."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gql.errors import SearchTooLarge
from gql.store import (
    ArticleList,
    ArticleRow,
    OrderKey,
    Page,
    Store,
    Window,
    load_matched_ids,
    load_search_page,
)
from gql.store.ddl import INDEXED_CHARS
from gql.store.search import MAX_SEARCH_CHARS, MAX_SEARCH_TERMS, count_search_terms
from gql.sync import load_into
from tests import corpus
from tests.conftest import SEEDS
from tests.sync.helpers import assert_full_text_index_whole, load, query

SNIPPET_ARGS = "-1, '<mark>', '</mark>', '…', 16"


def reference_index() -> sqlite3.Connection:
    """An FTS5 index of every seed article's whole title and excerpt, read from the files
    by ``tests.corpus`` (one row per URL, the first file's, as the loader does)."""
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE ref USING fts5(url UNINDEXED, title, excerpt,"
        " tokenize='unicode61 remove_diacritics 2')"
    )
    seen: set[str] = set()
    for meta in corpus.read_articles(SEEDS).values():
        url = meta["webUrl"].strip()
        if url not in seen:
            seen.add(url)
            conn.execute(
                "INSERT INTO ref VALUES (?, ?, ?)", (url, meta["title"], meta.get("excerpt"))
            )
    return conn


def search_page(search: str, first: int = 100) -> ArticleList:
    """The first page of a search, best match first."""
    return ArticleList(
        search=search, order=(OrderKey("relevance", False),), window=Window(first=first)
    )


def hits(page: Page[ArticleRow]) -> list[tuple[ArticleRow, tuple[float, str]]]:
    """A search page's articles, each with its rank and snippet."""
    return list(zip(page.rows, page.hits or [], strict=True))


@pytest.mark.sqlite_only(
    "FTS5's own bm25() and snippet() byte for byte; PostgreSQL ranks with ts_rank_cd"
    " (tests/store/test_pg_search.py)"
)
@pytest.mark.parametrize(
    "search",
    [
        '"open source" OR metaverse',
        "ai OR artificial",
        "micro*",
        "robot* OR autonomous",
        "intelligence NOT microsoft",
    ],
)
async def test_ordinary_results_are_those_of_an_index_of_the_whole_text(
    seeds_store: Store, search: str
) -> None:
    """Seed titles and excerpts are far below INDEXED_CHARS: order, ranks and snippets
    are byte for byte those of FTS5 over the whole text (the index columns' BM25 weights
    are 10 for the title, 1 for the excerpt)."""
    expected = reference_index().execute(
        f"SELECT url, bm25(ref, 0, 10.0, 1.0), snippet(ref, {SNIPPET_ARGS})"
        " FROM ref WHERE ref MATCH ? ORDER BY 2, url",
        (search,),
    )
    page = await load_search_page(seeds_store, search_page(search))
    got = [(row.url, rank, snippet) for row, (rank, snippet) in hits(page)]
    reference = [(url, rank, snippet) for url, rank, snippet in expected][:100]
    assert reference
    assert [(u, s) for u, _, s in got] == [(u, s) for u, _, s in reference]
    assert [r for _, r, _ in got] == pytest.approx([r for _, r, _ in reference])


@pytest.fixture
async def huge_title_store(tmp_path: Path) -> AsyncIterator[Store]:
    """Two articles loaded by our own loader: an ordinary one, and one whose title is
    100,000 words (500 kB) with ``needle`` at its end."""
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "huge.md").write_text(
        f'---\ntitle: "{"word " * 100_000}needle"\nexcerpt: "Short."\n'
        "webUrl: https://e.x/huge\n---\n"
    )
    (folder / "small.md").write_text(
        '---\ntitle: "A word on widgets"\nexcerpt: "Short."\nwebUrl: https://e.x/small\n---\n'
    )
    db = tmp_path / "huge.db"
    report = await load_into(db, [folder])
    assert report.rejected == []
    store = await Store.open(db, read_only=True)
    try:
        yield store
    finally:
        await store.close()


async def test_a_huge_title_is_searched_and_snippeted_by_its_head(
    huge_title_store: Store,
) -> None:
    """Its snippet used to take minutes in one uninterruptible step of SQLite; the index
    now holds its first INDEXED_CHARS characters (200 words), so ``snippet()`` sees 200
    matches, and the article keeps its whole title."""
    page = await load_search_page(huge_title_store, search_page("word"))
    by_url = {row.url: (row, snippet) for row, (_, snippet) in hits(page)}
    huge, snippet = by_url["https://e.x/huge"]
    assert len(huge.title) == len("word ") * 100_000 + len("needle")
    assert snippet == " ".join(["<mark>word</mark>"] * 16) + "…"
    assert by_url["https://e.x/small"][1] == "A <mark>word</mark> on widgets"
    # The words past the first INDEXED_CHARS characters are not in the index.
    assert await load_matched_ids(huge_title_store, "needle", None) == []
    # 200 times "word" and once "short", the excerpt.
    assert _instances(huge_title_store.path, huge.id) == INDEXED_CHARS // len("word ") + 1


def _instances(db: Path, article_id: int) -> int:
    """Terms the full-text index holds for one article (FTS5's instance vocabulary)."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, articles_fts, instance)"
        )
        (count,) = conn.execute(
            "SELECT count(*) FROM temp.terms WHERE doc = ?", (article_id,)
        ).fetchone()
    return int(count)


@pytest.mark.parametrize(
    ("search", "terms"),
    [
        ('"open source" OR metaverse', 2),
        ("title:ai AND {title excerpt}: robot*", 2),
        ('NEAR("deep learning" model, 5)', 3),
        ("NOT ai", 1),
        ('"a ""quoted"" word"', 1),
    ],
)
def test_terms_are_words_prefixes_and_phrases(search: str, terms: int) -> None:
    assert count_search_terms(search) == terms


@pytest.mark.parametrize(
    ("search", "what"),
    [
        (" OR ".join(["ai"] * (MAX_SEARCH_TERMS + 1)), f"{MAX_SEARCH_TERMS + 1} terms"),
        (" OR ".join(f"w{i}" for i in range(10_000)), "88886 characters"),
        ("a" * (MAX_SEARCH_CHARS + 1), f"{MAX_SEARCH_CHARS + 1} characters"),
    ],
)
async def test_a_search_past_its_bounds_is_refused_before_it_runs(
    seeds_store: Store, search: str, what: str
) -> None:
    with pytest.raises(SearchTooLarge, match=f"has {what}; at most"):
        await load_search_page(seeds_store, search_page(search))
    with pytest.raises(SearchTooLarge, match=f"has {what}; at most"):
        await load_matched_ids(seeds_store, search, None)


async def test_a_search_at_its_bounds_runs(seeds_store: Store) -> None:
    search = " OR ".join(["ai"] * MAX_SEARCH_TERMS)
    assert len(await load_matched_ids(seeds_store, search, None)) > 0


def test_long_fields_stay_indexed_by_their_head_through_changes(tmp_path: Path) -> None:
    """Edits and removals of articles with long fields take out of the index exactly what
    was put in (FTS5's integrity check compares the index with its content)."""
    folder = tmp_path / "files"
    folder.mkdir()
    long_text = "alpha " * 400
    for name in ("a", "b"):
        (folder / f"{name}.md").write_text(
            f'---\ntitle: "{long_text}{name}"\nexcerpt: "{long_text}"\n'
            f"webUrl: https://e.x/{name}\n---\n"
        )
    db = tmp_path / "x.db"
    load(db, folder)
    assert_full_text_index_whole(db)
    (folder / "a.md").write_text(
        f'---\ntitle: "beta {long_text}"\nexcerpt: "gamma"\nwebUrl: https://e.x/a\n---\n'
    )
    (folder / "b.md").unlink()
    load(db, folder)
    assert_full_text_index_whole(db)
    matches = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    assert len(query(db, matches, ("beta",))) == 1
    assert query(db, matches, ("b",)) == []


def test_an_index_of_whole_fields_is_rebuilt_by_the_next_load(tmp_path: Path) -> None:
    """A database of schema 4 indexed whole fields; loading into it rebuilds the index."""
    db = tmp_path / "x.db"
    load(db, SEEDS)
    with sqlite3.connect(db) as conn:
        conn.executescript(
            """
            DROP TRIGGER articles_fts_delete; DROP TRIGGER articles_fts_update;
            DROP TABLE articles_fts; DROP VIEW articles_fts_text;
            CREATE VIRTUAL TABLE articles_fts USING fts5(title, excerpt, content='articles',
                content_rowid='id', tokenize='unicode61 remove_diacritics 2');
            INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
            DELETE FROM meta WHERE key = 'full_text_indexed_chars';
            UPDATE meta SET value = '4' WHERE key = 'schema_version';
            """
        )
    report = load(db, SEEDS)
    assert report.rejected == [] and report.files_parsed == 0
    [(sql,)] = query(db, "SELECT sql FROM sqlite_master WHERE name = 'articles_fts'")
    assert "content='articles_fts_text'" in sql
    assert query(db, "SELECT value FROM meta WHERE key = 'full_text_indexed_chars'") == [
        (str(INDEXED_CHARS),)
    ]
    assert_full_text_index_whole(db)
    assert len(query(db, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'ai'")) > 10
