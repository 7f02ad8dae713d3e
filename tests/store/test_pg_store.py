"""The PostgreSQL store's limits: statement timeouts, the request deadline, cancellation.

A read past the store's time limit is stopped by the server (``statement_timeout``); a
read of a request stops at its deadline, or when the request is cancelled, and a read
whose caller gives up is cancelled on the server too. Each test then asks PostgreSQL
itself (``pg_stat_activity``, through psql) that nothing of it still runs.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from gql.errors import DatabaseUnavailable, QueryTimeout, RequestTimeout, StatementFailed
from gql.store import open_store, request_deadline
from tests.pg import Cluster

SLEEP = "SELECT pg_sleep(30)"


def _sleeping(cluster: Cluster) -> int:
    """How many ``pg_sleep`` statements run on the cluster now, after waiting (a bounded
    number of polls) for a cancelled one to end: cancellation is asynchronous."""
    count = 0
    for _ in range(50):
        found = cluster.psql(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%'"
        )
        count = int(found)
        if count == 0:
            break
        time.sleep(0.1)
    return count


@pytest.fixture
def url(pg_cluster: Cluster) -> str:
    return pg_cluster.new_database()


async def test_a_statement_past_the_time_limit_is_stopped_by_the_server(
    url: str, pg_cluster: Cluster
) -> None:
    store = await open_store(url, time_limit_ms=200)
    try:
        with pytest.raises(QueryTimeout) as raised:
            await store.execute(SLEEP)
        assert not isinstance(raised.value, RequestTimeout)
        assert _sleeping(pg_cluster) == 0
        assert await store.execute("SELECT 1") == [(1,)]  # the connection serves again
    finally:
        await store.close()


async def test_a_read_stops_at_its_request_deadline(url: str, pg_cluster: Cluster) -> None:
    store = await open_store(url, time_limit_ms=20_000)
    try:
        with request_deadline(300), pytest.raises(RequestTimeout):
            await store.execute(SLEEP)
        assert _sleeping(pg_cluster) == 0
        with request_deadline(1000) as deadline:
            deadline.cancel()
            with pytest.raises(RequestTimeout):
                await store.execute("SELECT 1")  # refused: the request is over
    finally:
        await store.close()


async def test_cancelling_the_request_cancels_its_statement(url: str, pg_cluster: Cluster) -> None:
    store = await open_store(url, time_limit_ms=20_000, read_connections=1)
    try:
        with request_deadline(20_000) as deadline:
            reading = asyncio.ensure_future(store.execute(SLEEP))
            while _sleeping_now(pg_cluster) == 0:
                await asyncio.sleep(0.05)
            deadline.cancel()
            with pytest.raises(RequestTimeout):
                await reading
        assert _sleeping(pg_cluster) == 0
        assert await store.execute("SELECT 2") == [(2,)]
    finally:
        await store.close()


async def test_a_caller_that_gives_up_leaves_nothing_running(url: str, pg_cluster: Cluster) -> None:
    store = await open_store(url, time_limit_ms=20_000, read_connections=1)
    try:
        reading = asyncio.ensure_future(store.execute(SLEEP))
        while _sleeping_now(pg_cluster) == 0:
            await asyncio.sleep(0.05)
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading
        assert _sleeping(pg_cluster) == 0
        assert await store.execute("SELECT 3") == [(3,)]  # one connection: it came back
    finally:
        await store.close()


def _sleeping_now(cluster: Cluster) -> int:
    return int(
        cluster.psql(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%'"
        )
    )


async def test_a_server_reads_but_never_writes_nor_creates_the_schema(
    url: str, pg_cluster: Cluster
) -> None:
    with pytest.raises(DatabaseUnavailable) as raised:
        await open_store(url, read_only=True)  # nothing loaded: no schema
    assert "meta" in raised.value.problem and "postgresql://" in str(raised.value)
    await (await open_store(url)).close()  # a writer creates the schema
    store = await open_store(url, read_only=True)
    try:
        with pytest.raises(StatementFailed) as failed:
            await store.execute("DELETE FROM meta")
        assert "read-only" in failed.value.problem
    finally:
        await store.close()
