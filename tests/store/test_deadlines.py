"""A request's deadline counts its time in the queue: a read that waited out its request's
budget for a pooled connection is refused without running (``gql.store.deadlines``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gql.errors import QueryTimeout, RequestTimeout
from gql.store import Store, recording_queries, request_deadline

# Runs until interrupted: it holds the pool's one connection for the store's time limit.
ENDLESS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"


async def test_a_read_that_waited_out_its_deadline_in_the_queue_never_runs(
    seeds_db: Path,
) -> None:
    store = await Store.open(seeds_db, read_connections=1, time_limit_ms=1000)
    try:
        holder = asyncio.create_task(store.execute(ENDLESS))
        await asyncio.sleep(0)  # the holder takes the one connection first
        with request_deadline(20), recording_queries() as log:
            # Its 20 ms pass while the holder runs for its 1,000 ms: refused on arrival.
            with pytest.raises(RequestTimeout, match="time limit of 20 ms"):
                await store.execute("SELECT count(*) FROM articles")
        assert log.statements == 0
        with pytest.raises(QueryTimeout):
            await holder
        # A request with time left runs as usual.
        with request_deadline(10_000), recording_queries() as log:
            assert await store.execute("SELECT count(*) FROM articles") == [(60,)]
        assert log.statements == 1
    finally:
        await store.close()
