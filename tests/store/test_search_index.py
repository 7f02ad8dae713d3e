"""Searches over the narrow index (``ddl.SEARCH_COLUMNS_INDEX``): the matches of a search
and a filter, read with the page or alone, equal those of a reference FTS5 index over the
files filtered by the files' own values; a database built before the index answers the
same; opening it for writing adds the index."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gql.store import (
    All,
    ArticleList,
    Compare,
    Condition,
    Flag,
    OrderKey,
    Store,
    TopicsMatch,
    Window,
    load_matched_ids,
    load_search_page,
    recording_queries,
)
from gql.store.ddl import SCHEMA_VERSION, SEARCH_COLUMNS_INDEX
from tests import corpus
from tests.conftest import SEEDS
from tests.store.test_search_bounds import reference_index
from tests.sync.helpers import query

pytestmark = pytest.mark.sqlite_only(
    "the narrow index of SQLite and FTS5's bm25(), against a reference FTS5 index of the"
    " files; the matched ids on PostgreSQL: tests/graph/test_search.py"
)

SINCE = datetime(2022, 1, 1, tzinfo=UTC)
AFTER, UNTIL = datetime(2020, 6, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
TOPICS = ("Natural Language Processing", "Google AI", "Microsoft AI")
META = {m["webUrl"].strip(): m for m in reversed(corpus.read_articles(SEEDS).values())}
"""Each URL's first file (the loader keeps the first file of a URL)."""

# (condition, the same test on a file's frontmatter)
FILTERS: list[tuple[Condition | None, Any]] = [
    (None, lambda m: True),
    (Compare("publishedAt", "gte", SINCE), lambda m: m["publishedDateTime"] >= SINCE),
    (
        TopicsMatch("some", Compare("name", "in", TOPICS)),
        lambda m: bool(set(m["topics"]) & set(TOPICS)),
    ),
    # Topics with date bounds and another test: the topics as a set of ids bounded by
    # the dates (``filtering.topic_ids``), the rest tested per match.
    (
        All(
            (
                Compare("publishedAt", "gte", SINCE),
                TopicsMatch("some", Compare("name", "in", TOPICS)),
            )
        ),
        lambda m: m["publishedDateTime"] >= SINCE and bool(set(m["topics"]) & set(TOPICS)),
    ),
    (
        All(
            (
                All((Compare("publishedAt", "lt", UNTIL), Compare("quality", "gte", 40))),
                Compare("publishedAt", "gt", AFTER),
                TopicsMatch("some", Compare("slug", "in", ("machine-learning", "google-ai"))),
            )
        ),
        lambda m: (
            AFTER < m["publishedDateTime"] < UNTIL
            and (m.get("quality") or 0) >= 40
            and bool({"Machine Learning", "Google AI"} & set(m["topics"]))
        ),
    ),
    # Topics taken by a prefix: tested per match, beside the dates.
    (
        All(
            (
                Compare("publishedAt", "gte", AFTER),
                TopicsMatch("some", Compare("name", "startsWith", "machine")),
            )
        ),
        lambda m: (
            m["publishedDateTime"] >= AFTER
            and any(t.casefold().startswith("machine") for t in m["topics"])
        ),
    ),
    (Flag("published", True), lambda m: m.get("published") is True),
    # A column the narrow index does not hold: the wide rows are read.
    (Compare("title", "contains", "ai"), lambda m: "ai" in m["title"].casefold()),
]
SEARCHES = ["ai OR artificial", "micro*", '"open source" OR metaverse', "intelligence NOT google"]


def _expected(search: str, keep: Any) -> dict[str, float]:
    """The URLs (and BM25 ranks) a search of the reference index finds, kept by ``keep``."""
    rows = reference_index().execute(
        "SELECT url, bm25(ref, 0, 10.0, 1.0) FROM ref WHERE ref MATCH ?", (search,)
    )
    return {url: rank for url, rank in rows if keep(META[url])}


def _spec(search: str, condition: Condition | None, **window: Any) -> ArticleList:
    return ArticleList(
        search=search,
        condition=condition,
        order=(OrderKey("relevance", False),),
        window=Window(**(window or {"first": 100})),
    )


def _urls(db: Path, ids: list[int]) -> list[str]:
    found = dict(query(db, "SELECT id, url FROM articles"))
    return [found[i] for i in ids]


@pytest.fixture(scope="module")
def old_db(tmp_path_factory: pytest.TempPathFactory, seeds_db: Path) -> Path:
    """The seeds database as schema 6 built it: without the narrow index."""
    db = tmp_path_factory.mktemp("old") / "old.db"
    shutil.copy(seeds_db, db)
    with sqlite3.connect(db) as conn:
        conn.execute(f"DROP INDEX {SEARCH_COLUMNS_INDEX}")
        conn.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    return db


@pytest.fixture
async def old_store(old_db: Path) -> AsyncIterator[Store]:
    store = await Store.open(old_db, read_only=True)
    try:
        yield store
    finally:
        await store.close()


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize(("condition", "keep"), FILTERS)
async def test_the_page_and_its_matched_ids_are_the_filtered_matches_of_the_files(
    seeds_store: Store, seeds_db: Path, search: str, condition: Condition | None, keep: Any
) -> None:
    expected = _expected(search, keep)
    page = await load_search_page(seeds_store, _spec(search, condition), with_matched_ids=True)
    assert page.matched_ids is not None
    assert sorted(_urls(seeds_db, page.matched_ids)) == sorted(expected)
    alone = await load_matched_ids(seeds_store, search, condition)
    assert sorted(alone) == sorted(page.matched_ids)
    got = [(row.url, rank) for row, (rank, _) in zip(page.rows, page.hits or [], strict=True)]
    assert len(got) == min(100, len(expected))
    assert [rank for _, rank in got] == pytest.approx([expected[url] for url, _ in got])
    # Best first, and the best of all the matches.
    ranks = [rank for _, rank in got]
    assert ranks == sorted(ranks)
    assert ranks == pytest.approx(sorted(expected.values())[: len(got)])


async def test_a_page_without_matched_ids_is_the_same_page(seeds_store: Store) -> None:
    condition = Compare("publishedAt", "gte", SINCE)
    with_ids = await load_search_page(
        seeds_store, _spec("ai OR data", condition, first=7), with_matched_ids=True
    )
    alone = await load_search_page(seeds_store, _spec("ai OR data", condition, first=7))
    assert alone.matched_ids is None
    assert (alone.rows, alone.keys, alone.hits, alone.has_next) == (
        with_ids.rows,
        with_ids.keys,
        with_ids.hits,
        with_ids.has_next,
    )
    assert len(alone.rows) == 7 and alone.has_next
    backward = await load_search_page(
        seeds_store,
        _spec("ai OR data", condition, last=3, before=alone.keys[-1]),
        with_matched_ids=True,
    )
    assert backward.rows == alone.rows[3:6] and backward.has_previous
    assert sorted(backward.matched_ids or []) == sorted(with_ids.matched_ids or [])


@pytest.mark.parametrize(("condition", "keep"), FILTERS[:3])
async def test_a_database_without_the_narrow_index_answers_the_same(
    seeds_store: Store, old_store: Store, condition: Condition | None, keep: Any
) -> None:
    spec = _spec("ai OR artificial", condition)
    new = await load_search_page(seeds_store, spec, with_matched_ids=True)
    with recording_queries() as first:
        old = await load_search_page(old_store, spec, with_matched_ids=True)
    assert (old.rows, old.keys, old.hits) == (new.rows, new.keys, new.hits)
    assert sorted(old.matched_ids or []) == sorted(new.matched_ids or [])
    # The first statement that named the index failed; the store does without it since.
    with recording_queries() as again:
        alone = await load_matched_ids(old_store, "ai OR artificial", condition)
        await load_search_page(old_store, spec, with_matched_ids=True)
    assert sorted(alone) == sorted(new.matched_ids or [])
    assert (first.statements, again.statements) == (3, 3)
    assert all(SEARCH_COLUMNS_INDEX not in sql for sql in again.sql)


async def test_the_page_statement_reads_the_narrow_index(
    seeds_store: Store, seeds_db: Path
) -> None:
    spec = _spec("ai", TopicsMatch("some", Compare("name", "in", TOPICS)))
    with recording_queries() as log:
        await load_search_page(seeds_store, spec, with_matched_ids=True)
    ranked = log.sql[0]
    assert ranked.count("articles_fts MATCH") == 1
    with sqlite3.connect(seeds_db) as conn:
        plan = " ".join(
            row[3]
            for row in conn.execute(f"EXPLAIN QUERY PLAN {ranked}", [None] * ranked.count("?"))
        )
    assert f"COVERING INDEX {SEARCH_COLUMNS_INDEX}" in plan


async def test_opening_an_old_database_for_writing_adds_the_index(
    old_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "old.db"
    shutil.copy(old_db, db)
    store = await Store.open(db)
    await store.close()
    [(sql,)] = query(db, "SELECT sql FROM sqlite_master WHERE name = ?", (SEARCH_COLUMNS_INDEX,))
    assert "(id, published_at, provider_id, published, quality, heat)" in sql
    assert query(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]


async def test_a_topic_filter_with_dates_is_a_range_of_the_topic_index(
    seeds_store: Store, seeds_db: Path
) -> None:
    """The matches are tested against the articles of the topics within the dates, read
    as one range of ``article_topics_published`` per topic, never looked up in the
    full-text index one by one; the article of a match is read only when it passes."""
    condition = All(
        (Compare("publishedAt", "gte", SINCE), TopicsMatch("some", Compare("name", "in", TOPICS)))
    )
    with recording_queries() as log:
        await load_search_page(seeds_store, _spec("ai", condition), with_matched_ids=True)
    ranked = log.sql[0]
    with sqlite3.connect(seeds_db) as conn:
        plan = [
            row[3]
            for row in conn.execute(f"EXPLAIN QUERY PLAN {ranked}", [None] * ranked.count("?"))
        ]
    assert (
        "SEARCH x USING COVERING INDEX article_topics_published (topic_id=? AND published_at>?)"
        in plan
    )
    assert not any("article_topics_topic" in step or "PRIMARY KEY" in step for step in plan)
    [fts] = [step for step in plan if "articles_fts" in step]
    assert fts.startswith("SCAN articles_fts VIRTUAL TABLE INDEX 0:M")  # the match alone
