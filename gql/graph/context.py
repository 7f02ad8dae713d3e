"""The per-request context every resolver sees as ``info.context``, and the ``Info`` type
resolvers receive it in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import uuid4

import strawberry

from gql.loaders import Loaders
from gql.settings import Settings
from gql.store import QueryLog, Store


class RequestFigures(Protocol):
    """What the HTTP edge records of a request for its access log and metrics
    (``gql.http.observability.RequestRecord``): its id, and what the operation adds."""

    request_id: str
    operation_name: str | None
    sql_statements: int
    batch_sizes: list[int]


@dataclass
class Context:
    """What one GraphQL request may use: the store (through loaders) and the settings."""

    store: Store
    settings: Settings
    loaders: Loaders
    request_id: str = field(default_factory=lambda: uuid4().hex)
    query_log: QueryLog | None = None
    selections: dict[tuple[str, tuple[str, ...]], Any] = field(default_factory=dict)
    """Selected fields per response position, converted once per request (prefetching)."""
    list_loaders: dict[tuple[str, tuple[str, ...]], Any] = field(default_factory=dict)
    """Loaders of whole nested lists (pages plus their prefetched relations) per position."""
    figures: RequestFigures | None = None
    """The HTTP edge's record of the request, when there is one: the schema's SQL
    accounting and the loaders add to it."""

    @classmethod
    def for_request(
        cls, store: Store, settings: Settings, *, figures: RequestFigures | None = None
    ) -> Context:
        if figures is None:
            return cls(store=store, settings=settings, loaders=Loaders(store))
        return cls(
            store=store,
            settings=settings,
            loaders=Loaders(store, batch_sizes=figures.batch_sizes),
            request_id=figures.request_id,
            figures=figures,
        )

    def fresh(self) -> None:
        """Forget what this context loaded: the next reads see the data as it is now."""
        self.loaders = Loaders(self.store, batch_sizes=self.loaders.batch_sizes)
        self.list_loaders.clear()


@dataclass
class SubscriptionContext(Context):
    """The context of one subscription: it lives as long as its client keeps it, so the
    request time limit does not bound it (each read is bounded by the statement limit);
    its events come from the worker's change feed (``gql.graph.feed``), and each event
    reads afresh (``fresh``)."""

    feed: Any = None
    """The worker's ``ChangeFeed``."""
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the subscription is registered with the feed: changes after it reach it."""
    lease: Callable[[], AbstractContextManager[Store]] | None = None
    """Leases the store current now, which may be another than the one the subscription
    started on (a new release renamed over the file: ``gql.store.Artifact``)."""

    @contextmanager
    def reading(self) -> Iterator[None]:
        """The reads of one event: fresh loaders on the store current now, held open
        until the event's answer is complete and no longer (an open subscription never
        keeps an old release's file open between events)."""
        if self.lease is None:
            self.fresh()
            yield
            return
        with self.lease() as store:
            self.store = store
            self.fresh()
            yield


Info = strawberry.Info[Context, None]
"""What a resolver of ours receives as ``info``: its context is a ``Context``."""
