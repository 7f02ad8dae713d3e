"""The Store: statement counting, time limits, read-only connections, opening and closing."""

from __future__ import annotations

from pathlib import Path

import pytest

from gql.errors import QueryTimeout, StoreError
from gql.store import Store, recording_queries


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
