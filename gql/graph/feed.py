"""The change feed of one worker: it polls the store for new data versions, and tells
every subscription of this worker what each one changed.

Whatever process wrote a load (``gql serve --watch``, a ``gql load``), it recorded what
changed under the data version it made (``gql.store.load_changes_since``), so every
worker learns of it by reading the database: no broker between processes. The feed
polls only while some subscription is open (one indexed read per ``poll_interval_s``),
so a worker without subscribers pays nothing, and HTTP requests never see it.

For each new version, the articles it changed are matched once per distinct filter
(``ArticleFilter`` conditions are hashable) by the store, over the changed ids only, and
each subscription gets its version's batch in its own bounded queue, without waiting: a
subscription whose client falls ``queue_versions`` versions behind is dropped
(``SubscriberTooSlow``) rather than slowing the others or growing without bound. A
removed article can no longer be tested against a filter: every articleChanged
subscription is told of every removal (a client drops the ids it shows).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Final

from gql.errors import FeedStopped, GqlError, SubscriberTooSlow
from gql.store import (
    ArticleChangeRow,
    Condition,
    Store,
    VersionChanges,
    data_version,
    load_changes_since,
    load_matching_article_ids,
)

logger = logging.getLogger("gql.feed")

POLL_INTERVAL_S: Final = 0.1
"""How often a worker with subscribers reads the data version: a change reaches them
within this long after its load commits (plus the reads of its changes)."""
QUEUE_VERSIONS: Final = 64
"""Versions a subscription may have waiting before it is dropped as too slow."""
REMOVED: Final = "removed"


@dataclass(frozen=True)
class FeedEvent:
    """One data version as one subscription sees it: the corpus counts, and the changed
    articles that match its filter (all of them without one)."""

    changes: VersionChanges
    articles: tuple[ArticleChangeRow, ...]


class _Ended:
    """Put in a queue in place of what it held: the subscription ends with ``error``."""

    def __init__(self, error: GqlError) -> None:
        self.error = error


class FeedSubscription:
    """One subscription's place in the feed; iterate it for its events, ``close`` it
    when done (iteration ends with ``SubscriberTooSlow`` once its queue overflowed)."""

    def __init__(self, feed: ChangeFeed, condition: Condition | None, *, articles: bool) -> None:
        self.feed = feed
        self.condition = condition
        self.wants_articles = articles
        self.queue: asyncio.Queue[FeedEvent | _Ended] = asyncio.Queue(feed.queue_versions)
        self.overflowed = False
        self.ended = False

    def offer(self, event: FeedEvent) -> None:
        """Queue ``event`` without waiting; a full queue ends the subscription as too slow."""
        if self.ended:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self.end(SubscriberTooSlow(self.feed.queue_versions))

    def end(self, error: GqlError) -> None:
        """End the subscription with ``error``, in place of whatever it had queued."""
        self.ended = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(_Ended(error))

    async def __aiter__(self) -> AsyncIterator[FeedEvent]:
        while True:
            event = await self.queue.get()
            if isinstance(event, _Ended):
                raise event.error
            yield event

    def close(self) -> None:
        self.feed.unsubscribe(self)


class ChangeFeed:
    """Polls the store for new data versions while subscriptions are open; fans them out.

    ``current_store`` names the store to read at each poll: a worker serving an immutable
    file switches stores when a new release is renamed over it (``gql.store.Artifact``)."""

    def __init__(
        self,
        current_store: Callable[[], Store],
        *,
        poll_interval_s: float = POLL_INTERVAL_S,
        queue_versions: int = QUEUE_VERSIONS,
    ) -> None:
        self._current_store = current_store
        self.poll_interval_s = poll_interval_s
        self.queue_versions = queue_versions
        self.version: int | None = None
        """The last data version told to the subscriptions (None while not polling)."""
        self.subscriptions: set[FeedSubscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._started = asyncio.Event()

    @property
    def store(self) -> Store:
        """The store the next read goes to."""
        return self._current_store()

    async def subscribe(self, condition: Condition | None, *, articles: bool) -> FeedSubscription:
        """A new subscription, told of every version committed after this returns."""
        subscription = FeedSubscription(self, condition, articles=articles)
        self.subscriptions.add(subscription)
        if self._task is None or self._task.done():
            self._started.clear()
            self._task = asyncio.create_task(self._poll(), name="gql change feed")
        await self._started.wait()
        return subscription

    def unsubscribe(self, subscription: FeedSubscription) -> None:
        self.subscriptions.discard(subscription)

    async def close(self) -> None:
        """Stop polling (subscriptions still open get no more events)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _poll(self) -> None:
        # In the log as uvicorn names its workers ("Started server process [pid]"): which
        # workers serve subscriptions, and since when.
        logger.info("change feed: started in process [%d]", os.getpid())
        try:
            try:
                self.version = await data_version(self.store)
            finally:
                self._started.set()
            await self._poll_while_subscribed()
        finally:
            logger.info("change feed: stopped in process [%d]", os.getpid())

    async def _poll_while_subscribed(self) -> None:
        while self.subscriptions:
            await asyncio.sleep(self.poll_interval_s)
            try:
                await self._publish_new_versions()
            except GqlError as exc:
                # A read out of time or a busy pool: the versions are read again next time.
                logger.warning("change feed: %s", exc)
            except Exception:
                # A bug: every subscription of this worker ends with a coded error (their
                # clients subscribe again, which starts a new feed), none waits forever.
                logger.exception("change feed: stopped on an unexpected error")
                subscriptions, self.subscriptions = self.subscriptions, set()
                for subscription in subscriptions:
                    subscription.end(FeedStopped())
        self.version = None

    async def _publish_new_versions(self) -> None:
        assert self.version is not None
        if await data_version(self.store) == self.version:
            return
        for changes in await load_changes_since(self.store, self.version):
            await self._publish(changes)
            self.version = changes.data_version

    async def _publish(self, changes: VersionChanges) -> None:
        """Offer one version to every subscription: its matching articles, one read per
        distinct filter."""
        changed_ids = [c.article_id for c in changes.articles if c.article_id is not None]
        subscriptions = list(self.subscriptions)
        # Every read before the first offer: a read that fails leaves the version to be
        # published again next time, and nobody may have been told it already.
        matched: dict[Condition | None, tuple[ArticleChangeRow, ...]] = {}
        for condition in {s.condition for s in subscriptions if s.wants_articles}:
            matched[condition] = await self._matching(condition, changes, changed_ids)
        for subscription in subscriptions:
            articles = matched[subscription.condition] if subscription.wants_articles else ()
            subscription.offer(FeedEvent(changes, articles))

    async def _matching(
        self, condition: Condition | None, changes: VersionChanges, changed_ids: list[int]
    ) -> tuple[ArticleChangeRow, ...]:
        if condition is None:
            return changes.articles
        ids = await load_matching_article_ids(self.store, condition, changed_ids)
        return tuple(c for c in changes.articles if c.kind == REMOVED or c.article_id in ids)
