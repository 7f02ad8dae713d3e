"""Topic pages by date come from ``article_topics``' copy of each article's date.

The pages must be the ones the plain reading gives (every article whose topics include
the topic, sorted by the article's own date and id), in both directions, after any
cursor; the copy must follow an incremental load that changes a date; and on SQLite the
page must be a range of ``article_topics_published``, not a scan.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from gql.store import NEWEST_FIRST, ArticleList, OrderKey, Store, Window
from gql.store.article_lists import load_article_lists_by_parent
from gql.store.deadlines import recording_queries
from gql.sync.pipeline import load_into

OLDEST_FIRST = (OrderKey("publishedAt", False),)


def _reference(db: Path, topic_id: int, descending: bool) -> list[int]:
    """The topic's article ids in date order, read from the articles' own dates."""
    direction = "DESC" if descending else "ASC"
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT a.id FROM articles a JOIN article_topics x ON x.article_id = a.id"
            f" WHERE x.topic_id = ? ORDER BY a.published_at {direction} NULLS LAST,"
            f" a.id {direction}",
            (topic_id,),
        ).fetchall()
    return [row[0] for row in rows]


def _topics(db: Path) -> list[int]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM topics ORDER BY id")]


@pytest.mark.sqlite_only(reason="the reference reads the SQLite file; test_lists covers both")
async def test_pages_by_date_are_the_articles_in_their_own_date_order(
    backend: str, seeds_db: Path, seeds_store: Store
) -> None:
    topics = _topics(seeds_db)
    for order in (NEWEST_FIRST, OLDEST_FIRST):
        for topic_id in topics:
            expected = _reference(seeds_db, topic_id, order[0].descending)
            got: list[int] = []
            after = None
            while True:
                spec = ArticleList(order=order, window=Window(first=2, after=after))
                [page] = await load_article_lists_by_parent(seeds_store, "topic", [topic_id], spec)
                got += [row.id for row in page.rows]
                if not page.has_next:
                    break
                after = page.keys[-1]
            assert got == expected, (topic_id, order)


@pytest.mark.sqlite_only(reason="SQLite's query plan")
async def test_a_page_by_date_is_a_range_of_the_index(
    backend: str, seeds_db: Path, seeds_store: Store
) -> None:
    spec = ArticleList(order=NEWEST_FIRST, window=Window(first=5))
    with recording_queries() as log:
        await load_article_lists_by_parent(seeds_store, "topic", _topics(seeds_db)[:1], spec)
    [sql] = log.sql
    with sqlite3.connect(seeds_db) as conn:
        plan = " ".join(
            row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", [1] * sql.count("?"))
        )
    assert "article_topics_published" in plan and "TEMP B-TREE" not in plan


def test_the_copy_follows_a_changed_date(seeds_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "dates.db"
    asyncio.run(load_into(db, [seeds_copy]))
    article = next(iter(sorted((seeds_copy / "articles").glob("*.md"))))
    text = article.read_text(encoding="utf-8")
    changed = text.replace("publishedDateTime: 20", "publishedDateTime: 19", 1)
    assert changed != text
    article.write_text(changed, encoding="utf-8")
    asyncio.run(load_into(db, [seeds_copy]))
    with sqlite3.connect(db) as conn:
        differ = conn.execute(
            "SELECT count(*) FROM article_topics x JOIN articles a ON a.id = x.article_id"
            " WHERE x.published_at IS NOT a.published_at"
        ).fetchone()[0]
        old = conn.execute("SELECT count(*) FROM articles WHERE published_at < '2000'").fetchone()[
            0
        ]
    assert differ == 0 and old == 1
