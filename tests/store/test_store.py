"""The store: batch reads in key order, statement counting, time limits, closing."""

from __future__ import annotations

from pathlib import Path

import pytest

from gql.errors import QueryTimeout, StoreError
from gql.store import Store, recording_queries
from gql.store import queries as q

SEED_URL = "https://venturebeat.com/ai/microsoft-recommits-to-open-source-ai-models-despite-openai-investment/"


async def test_batches_come_back_in_key_order_with_none_for_missing(seeds_store: Store) -> None:
    [seed] = await q.load_articles_by_url(seeds_store, [SEED_URL])
    assert seed is not None
    other_ids = [seed.id + 1, seed.id + 2]
    with recording_queries() as log:
        rows = await q.load_articles_by_id(
            seeds_store, [other_ids[1], 10**9, seed.id, other_ids[0]]
        )
    assert log.statements == 1
    assert [r.id if r else None for r in rows] == [other_ids[1], None, seed.id, other_ids[0]]


async def test_children_are_grouped_per_parent(seeds_store: Store) -> None:
    [seed] = await q.load_articles_by_url(seeds_store, [SEED_URL])
    assert seed is not None
    with recording_queries() as log:
        topics = await q.load_topics_by_article(seeds_store, [10**9, seed.id])
        links = await q.load_links_by_article(seeds_store, [seed.id, 10**9])
    assert log.statements == 2
    assert topics[0] == [] and [t.name for t in topics[1]] == ["Facebook AI", "AI", "Microsoft AI"]
    assert [link.position for link in links[0]] == list(range(7)) and links[1] == []


async def test_a_slow_read_is_interrupted(seeds_db: Path) -> None:
    store = await Store.open(seeds_db, time_limit_ms=50)
    try:
        with pytest.raises(QueryTimeout, match="50 ms"):
            await store.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)"
                " SELECT count(*) FROM n"
            )
        # The connection is usable again after the interruption.
        assert await store.execute("SELECT count(*) FROM articles") == [(60,)]
    finally:
        await store.close()


async def test_an_inline_read_too_slow_for_the_event_loop_moves_to_the_pool(
    seeds_db: Path,
) -> None:
    """Inline reads get 50 ms on the event loop, then run again on a pooled connection
    with the store's full time limit; past that, they time out like any read."""
    counting = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " SELECT count(*) FROM n"
    )
    # Enough rows to take well over 50 ms, well under the 5 s limit.
    rows = 3_000_000
    store = await Store.open(seeds_db, time_limit_ms=5000)
    try:
        with recording_queries() as log:
            assert await store.execute(counting, (rows,), inline=True) == [(rows,)]
        assert log.statements == 2
        assert await store.execute(counting, (10,), inline=True) == [(10,)]
    finally:
        await store.close()
    store = await Store.open(seeds_db, time_limit_ms=20)
    try:
        with pytest.raises(QueryTimeout, match="20 ms"):
            await store.execute(counting, (10**9,), inline=True)
    finally:
        await store.close()


async def test_readers_cannot_write(seeds_store: Store) -> None:
    with pytest.raises(StoreError, match="readonly"):
        await seeds_store.execute("DELETE FROM articles")


async def test_close_is_idempotent_and_final(seeds_db: Path) -> None:
    store = await Store.open(seeds_db)
    await store.close()
    await store.close()
    with pytest.raises(StoreError, match="closed"):
        await store.execute("SELECT 1")


async def test_opening_a_bad_file_is_a_store_error(tmp_path: Path) -> None:
    bad = tmp_path / "not.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        await Store.open(bad)


async def test_read_only_stores_never_write(seeds_db: Path, tmp_path: Path) -> None:
    store = await Store.open(seeds_db, read_only=True)
    try:
        assert await store.execute("SELECT count(*) FROM articles") == [(60,)]
        with pytest.raises(StoreError, match="read-only"):
            await store.execute_write_fn(lambda conn: None)
    finally:
        await store.close()
    with pytest.raises(StoreError, match="no such file"):
        await Store.open(tmp_path / "missing.db", read_only=True)


async def test_a_store_needs_a_read_connection(seeds_db: Path) -> None:
    with pytest.raises(StoreError, match="at least 1"):
        await Store.open(seeds_db, read_connections=0)
