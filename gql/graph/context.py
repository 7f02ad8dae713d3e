"""The per-request context every resolver sees as ``info.context``, and the ``Info`` type
resolvers receive it in."""

from __future__ import annotations

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


Info = strawberry.Info[Context, None]
"""What a resolver of ours receives as ``info``: its context is a ``Context``."""
