"""The change feed outlives nothing it should not: an unexpected error in its poll ends
every subscription of the worker with a coded error, and the next subscription starts a
new feed (tests/http/test_subscriptions.py covers the feed through WebSocket clients)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from gql.errors import FeedStopped
from gql.graph.feed import ChangeFeed
from gql.store import Store


class Broken(Exception):
    """A bug of the feed's own, as any exception that is not a ``GqlError``."""


async def test_an_unexpected_error_ends_every_subscription_with_a_code(
    seeds_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "feed.db"
    shutil.copy(seeds_db, db)
    store = await Store.open(db, read_connections=1, read_only=True)
    broken = False

    def current_store() -> Store:
        if broken:
            raise Broken("the feed's own bug")
        return store

    feed = ChangeFeed(current_store, poll_interval_s=0.01)
    try:
        first = await feed.subscribe(None, articles=True)
        second = await feed.subscribe(None, articles=False)
        broken = True
        for subscription in (first, second):
            with pytest.raises(FeedStopped) as ended:
                async with asyncio.timeout(10):
                    async for _ in subscription:
                        pass
            assert ended.value.code == "FEED_STOPPED"
        assert feed.subscriptions == set()

        broken = False
        third = await feed.subscribe(None, articles=True)
        assert feed.version is not None  # a new feed read the version, and polls
        assert feed.subscriptions == {third}
        third.close()
    finally:
        await feed.close()
        await store.close()
