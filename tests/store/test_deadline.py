"""A request's deadline reaches its SQL: reads stop at it, a cancelled read is interrupted
in its thread, and reads left behind by a finished request are refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gql.errors import QueryTimeout, RequestTimeout
from gql.store import Store, recording_queries, request_deadline

# Never ends on its own: only an interrupt stops it.
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


@pytest.fixture
async def one_reader(seeds_db: Path) -> AsyncIterator[Store]:
    """A store with a single pooled read connection and a long per-statement limit."""
    store = await Store.open(seeds_db, read_connections=1, time_limit_ms=60_000, read_only=True)
    try:
        yield store
    finally:
        await store.close()


async def test_a_read_stops_at_its_requests_deadline(one_reader: Store) -> None:
    with request_deadline(100), pytest.raises(RequestTimeout) as raised:
        await one_reader.execute(ENDLESS)
    assert raised.value.code == "TIMEOUT" and "100 ms" in str(raised.value)
    assert await one_reader.execute("SELECT 1") == [(1,)]


async def test_without_a_request_the_statement_limit_still_applies(seeds_db: Path) -> None:
    store = await Store.open(seeds_db, time_limit_ms=50, read_only=True)
    try:
        with pytest.raises(QueryTimeout) as raised:
            await store.execute(ENDLESS)
        assert not isinstance(raised.value, RequestTimeout)
    finally:
        await store.close()


async def test_a_cancelled_read_is_interrupted_and_its_connection_freed(
    one_reader: Store,
) -> None:
    reading = asyncio.create_task(one_reader.execute(ENDLESS))
    await asyncio.sleep(0.2)  # let it start in the connection's thread
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    # The only connection is free again: the endless statement was stopped (its own
    # limit is a minute away).
    assert await asyncio.wait_for(one_reader.execute("SELECT 2"), timeout=20) == [(2,)]


async def test_reads_of_a_finished_or_cancelled_request_are_refused(one_reader: Store) -> None:
    with request_deadline(60_000) as deadline, recording_queries() as log:
        assert await one_reader.execute("SELECT 1") == [(1,)]
        deadline.cancel()
        with pytest.raises(RequestTimeout):
            await one_reader.execute("SELECT 1", inline=True)

        async def later() -> list[tuple[int]]:
            await asyncio.sleep(0)
            return await one_reader.execute("SELECT 3")

        left_behind = asyncio.create_task(later())
    with pytest.raises(RequestTimeout):
        await left_behind
    assert log.statements == 1  # the refused reads never ran
    assert await one_reader.execute("SELECT 4") == [(4,)]  # outside any request
