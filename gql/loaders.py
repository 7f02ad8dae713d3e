"""Per-request DataLoaders: one family per relation, each batch is one store query.

Built fresh for every request (in the app's context getter) so that caching never leaks
between requests or outlives a reload.

A family holds one DataLoader per *position* in the response (the response path without
list indices, e.g. ``articles.nodes.topics``). All parents at one position are resolved in
the same event-loop tick, so each position issues exactly one statement per relation, and
a query's statement count is fixed by its shape: it does not grow with the rows returned,
and it does not shrink by chance when one position's keys were already cached by another.

Lists, counts and facets of many parents are keyed by ``(group, parent id)``, where the
group holds what the client asked (relation, filter, order, page); keys that share a group
go into one statement.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from functools import partial
from typing import Any, Generic, TypeVar

from gql import store as db
from gql.errors import WrongNumberOfResults
from gql.store import (
    ArticleList,
    ArticleRow,
    Condition,
    FacetCount,
    ImageRow,
    Page,
    ProviderRow,
    RelatedLinkRow,
    Store,
    TopicRow,
)

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
G = TypeVar("G", bound=Hashable)
Position = tuple[str, ...]
BatchFn = Callable[[list[K]], Awaitable[list[T]]]


class Hashed(Generic[T]):
    """A key's part hashed once: ``value`` is what it stands for, equal to it by value.

    A list's key holds what the client asked of it (``ArticleList``: frozen dataclasses
    of a filter, an order and a page), whose hash Python recomputes field by field each
    time a dict looks it up: 2-3 µs, several times per parent of a nested list (its
    list's loader, its page's loader, their batches), hundreds of parents a deep
    traversal. Wrapped once per list and request, it costs one.
    """

    __slots__ = ("_hash", "value")

    def __init__(self, value: T) -> None:
        self.value = value
        self._hash = hash(value)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other or (
            isinstance(other, Hashed) and self._hash == other._hash and self.value == other.value
        )

    def __repr__(self) -> str:
        return f"Hashed({self.value!r})"


# Keys of the grouped families: (group, parent id). One statement per distinct group.
ListKey = tuple[tuple[str, Hashed[ArticleList]], int]
CountKey = tuple[tuple[str, Condition | None], int]
FacetKey = tuple[tuple[str, str | None, ArticleList, int], int]


# Event-loop iterations without a new key before a loader dispatches its batch.
QUIET_TICKS = 2


class _Batch(Generic[K, T]):
    """Keys dispatched together, their outcome, and a future set once it is known."""

    __slots__ = ("done", "error", "keys", "values")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.keys: list[K] = []
        self.values: list[T] = []
        self.error: BaseException | None = None
        self.done: asyncio.Future[None] = loop.create_future()

    def value(self, index: int) -> T:
        """The value of its key at ``index``; its error if it failed."""
        if self.error is not None:
            raise self.error
        return self.values[index]


Slot = tuple[_Batch[K, T], int]
"""Where a key's value is: its batch, and its place in it."""


class DataLoader(Generic[K, T]):
    """A DataLoader that batches the keys requested until they stop arriving.

    Strawberry's DataLoader dispatches one event-loop iteration after its first key. The
    resolvers of one response position can reach their loader an iteration or two apart
    (graphql-core awaits a lone pending list item directly but gathers several in tasks),
    which would split one position's keys into several statements depending on the data.
    This loader dispatches once ``QUIET_TICKS`` iterations pass without a new key, so a
    position's keys make one batch whatever the data. Results are cached per key for the
    request, as with any DataLoader; a batch function's exception fails every key of it.

    A key's place is its batch and its index there, and a caller waits for the batches
    its keys are in, not for a future per key: a prefetch of a page's relation asks for
    20 to 50 keys at once, and a future each (created, settled, awaited, each with a
    waiter) cost more than the batch's statement takes to set up. A key is hashed once
    when first asked for and once per later ask: keys of lists hold frozen dataclasses,
    whose hashes Python computes field by field each time.
    """

    def __init__(self, load_fn: BatchFn[K, T], *, batch_sizes: list[int] | None = None) -> None:
        self._load_fn = load_fn
        self._batch_sizes = batch_sizes
        """Where the size of each batch is noted (the request's metrics), if anywhere."""
        self._slots: dict[K, Slot[K, T]] = {}
        self._pending: _Batch[K, T] | None = None
        """The batch collecting keys, dispatched once they stop arriving."""
        self._quiet = 0
        self._running: set[asyncio.Future[None]] = set()

    def _slot(self, key: K) -> Slot[K, T]:
        """Where the value of ``key`` is or will be (in the pending batch if new)."""
        slot = self._slots.get(key)
        if slot is not None:
            return slot
        batch = self._pending
        if batch is None:
            loop = asyncio.get_running_loop()
            batch = self._pending = _Batch(loop)
            loop.call_soon(self._tick)
        slot = self._slots[key] = (batch, len(batch.keys))
        batch.keys.append(key)
        self._quiet = 0
        return slot

    def load(self, key: K) -> asyncio.Future[T]:
        """The value of ``key``, as a future of the caller's own.

        Cancelling a task cancels the future it awaits: graphql-core cancels the siblings
        of a failed non-null field, which must not hand every other field waiting for the
        same key a CancelledError (escaping the request, as it is no Exception). So each
        caller awaits a future of its own, which the batch settles.
        """
        batch, index = self._slot(key)
        waiter: asyncio.Future[T] = batch.done.get_loop().create_future()
        if batch.done.done():
            _settle(waiter, batch, index)
        else:
            batch.done.add_done_callback(lambda _: _settle(waiter, batch, index))
        return waiter

    def prime(self, key: K, value: T) -> None:
        """Give ``key`` its value, read along with something else, so that no batch reads
        it again; a key already requested keeps its own."""
        if key not in self._slots:
            batch: _Batch[K, T] = _Batch(asyncio.get_running_loop())
            batch.keys.append(key)
            batch.values.append(value)
            batch.done.set_result(None)
            self._slots[key] = (batch, 0)

    async def load_many(self, keys: Iterable[K]) -> list[T]:
        """The values of ``keys`` in order, one wait per batch they fall in; the first
        failed key's error (in order) is raised."""
        slots = [self._slot(key) for key in keys]
        for batch, _ in slots:
            if not batch.done.done():
                await _released(batch.done)
        return [batch.value(index) for batch, index in slots]

    def _tick(self) -> None:
        if self._quiet < QUIET_TICKS:
            self._quiet += 1
            asyncio.get_running_loop().call_soon(self._tick)
            return
        batch, self._pending = self._pending, None
        assert batch is not None
        if self._batch_sizes is not None:
            self._batch_sizes.append(len(batch.keys))
        # The loop keeps only weak references to tasks: hold this one until it is done.
        task = asyncio.ensure_future(self._dispatch(batch))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _dispatch(self, batch: _Batch[K, T]) -> None:
        keys = batch.keys
        try:
            values = await self._load_fn(keys)
            if len(values) != len(keys):
                raise WrongNumberOfResults(expected=len(keys), received=len(values))
        except BaseException as exc:
            batch.error = exc  # whoever asks for a key of it gets the error
            batch.done.set_result(None)
            if not isinstance(exc, Exception):
                raise
            return
        batch.values = values
        batch.done.set_result(None)


def _settle(waiter: asyncio.Future[T], batch: _Batch[Any, T], index: int) -> None:
    """Give a caller's ``waiter`` the outcome of its key, at ``index`` of ``batch``."""
    if waiter.done():  # its caller was cancelled
        return
    if batch.error is None:
        waiter.set_result(batch.values[index])
        return
    waiter.set_exception(batch.error)
    waiter.exception()  # retrieved: a caller that drops its waiter is not an error


def _released(done: asyncio.Future[None]) -> asyncio.Future[None]:
    """A future of the caller's own, set when ``done`` is (see ``DataLoader.load``)."""
    waiter: asyncio.Future[None] = done.get_loop().create_future()

    def release(_: asyncio.Future[None]) -> None:
        if not waiter.done():  # else its caller was cancelled
            waiter.set_result(None)

    done.add_done_callback(release)
    return waiter


class LoaderFamily(Generic[K, T]):
    """The DataLoaders of one relation, one per response position."""

    def __init__(self, batch: BatchFn[K, T]) -> None:
        self._batch = batch
        self._loaders: dict[Position, DataLoader[K, T]] = {}
        self.batch_sizes: list[int] | None = None
        """Where its loaders note the size of each batch (``Loaders`` sets it)."""

    def at(self, position: Position) -> DataLoader[K, T]:
        loader = self._loaders.get(position)
        if loader is None:
            loader = self._loaders[position] = DataLoader(self._batch, batch_sizes=self.batch_sizes)
        return loader


def _by_group(
    load: Callable[[G, list[int]], Awaitable[list[T]]],
) -> BatchFn[tuple[G, int], T]:
    """Batch ``(group, parent)`` keys: one call (one statement) per distinct group."""

    async def batch(keys: list[tuple[G, int]]) -> list[T]:
        parents: dict[G, dict[int, None]] = defaultdict(dict)
        for group, parent in keys:
            parents[group][parent] = None
        found: dict[tuple[G, int], T] = {}
        for group, ids in parents.items():
            for parent, value in zip(ids, await load(group, list(ids)), strict=True):
                found[(group, parent)] = value
        return [found[key] for key in keys]

    return batch


class Loaders:
    """The loader families of one request; the size of every batch they dispatch is
    appended to ``batch_sizes`` when given (the request's metrics)."""

    def __init__(self, store: Store, *, batch_sizes: list[int] | None = None) -> None:
        self.batch_sizes = batch_sizes
        s = store
        self.article_by_id: LoaderFamily[int, ArticleRow | None] = LoaderFamily(
            partial(db.load_articles_by_id, s)
        )
        self.article_by_url: LoaderFamily[str, ArticleRow | None] = LoaderFamily(
            partial(db.load_articles_by_url, s)
        )
        self.article_by_slug: LoaderFamily[str, ArticleRow | None] = LoaderFamily(
            partial(db.load_articles_by_slug, s)
        )
        self.provider_by_id: LoaderFamily[int, ProviderRow | None] = LoaderFamily(
            partial(db.load_providers_by_id, s)
        )
        self.provider_by_domain: LoaderFamily[str, ProviderRow | None] = LoaderFamily(
            partial(db.load_providers_by_domain, s)
        )
        self.topic_by_id: LoaderFamily[int, TopicRow | None] = LoaderFamily(
            partial(db.load_topics_by_id, s)
        )
        self.topic_by_name: LoaderFamily[str, TopicRow | None] = LoaderFamily(
            partial(db.load_topics_by_name, s)
        )
        self.topic_by_slug: LoaderFamily[str, TopicRow | None] = LoaderFamily(
            partial(db.load_topics_by_slug, s)
        )
        self.topics_by_article: LoaderFamily[int, list[TopicRow]] = LoaderFamily(
            partial(db.load_topics_by_article, s)
        )
        self.topics_by_parent_name: LoaderFamily[str, list[TopicRow]] = LoaderFamily(
            partial(db.load_topics_by_parent_name, s)
        )
        self.links_by_article: LoaderFamily[int, list[RelatedLinkRow]] = LoaderFamily(
            partial(db.load_links_by_article, s)
        )
        self.images_by_article: LoaderFamily[int, list[ImageRow]] = LoaderFamily(
            partial(db.load_images_by_owner, s, "article")
        )
        self.images_by_provider: LoaderFamily[int, list[ImageRow]] = LoaderFamily(
            partial(db.load_images_by_owner, s, "provider")
        )
        self.images_by_topic: LoaderFamily[int, list[ImageRow]] = LoaderFamily(
            partial(db.load_images_by_owner, s, "topic")
        )
        self.images_by_link: LoaderFamily[int, list[ImageRow]] = LoaderFamily(
            partial(db.load_images_by_owner, s, "related")
        )

        async def load_article_pages(
            group: tuple[str, Hashed[ArticleList]], parents: list[int]
        ) -> list[Page[ArticleRow]]:
            return await db.load_article_lists_by_parent(s, group[0], parents, group[1].value)

        async def count_articles(
            group: tuple[str, Condition | None], parents: list[int]
        ) -> list[int]:
            return await db.count_article_lists_by_parent(s, group[0], parents, group[1])

        async def load_facet_counts(
            group: tuple[str, str | None, ArticleList, int], parents: list[int]
        ) -> list[list[FacetCount[Any]]]:
            facet, relation, spec, limit = group
            return await db.load_facets(s, facet, relation, parents, spec, limit)

        async def load_matched_ids(keys: list[tuple[str, Condition | None]]) -> list[list[int]]:
            return [await db.load_matched_ids(s, text, cond) for text, cond in keys]

        self.matched_ids_by_search: DataLoader[tuple[str, Condition | None], list[int]] = (
            DataLoader(load_matched_ids, batch_sizes=batch_sizes)
        )
        """Ids of the articles matching ``(search text, condition)``: one statement each."""

        async def load_related_topics(
            group: int, parents: list[int]
        ) -> list[list[tuple[TopicRow, int]]]:
            return await db.load_related_topics(s, parents, group)

        self.article_pages_by_parent: LoaderFamily[ListKey, Page[ArticleRow]] = LoaderFamily(
            _by_group(load_article_pages)
        )
        """Pages of a parent's articles: ``((relation, list spec), parent id)``."""
        self.article_counts_by_parent: LoaderFamily[CountKey, int] = LoaderFamily(
            _by_group(count_articles)
        )
        """Article counts of a parent: ``((relation, condition), parent id)``."""
        self.facets_by_parent: LoaderFamily[FacetKey, list[FacetCount[Any]]] = LoaderFamily(
            _by_group(load_facet_counts)
        )
        """Facet counts: ``((facet, relation or None, list spec, limit), parent id or 0)``."""
        self.related_topics_by_topic: LoaderFamily[tuple[int, int], list[tuple[TopicRow, int]]] = (
            LoaderFamily(_by_group(load_related_topics))
        )
        """Co-occurring topics: ``(limit, topic id)``."""
        if batch_sizes is not None:
            for family in vars(self).values():
                if isinstance(family, LoaderFamily):
                    family.batch_sizes = batch_sizes
