"""The ASGI application: routes and middleware around the GraphQL view. Wiring only.

``create_app(settings)`` builds it; the store is opened in the lifespan and shared as
lifespan state. ``/graphql`` is ``gql.http.view`` (GraphQL over HTTP, GraphiQL for
browsers) behind the response cache (``gql.http.response_cache``) and the HTTP caching
headers (``gql.http.caching``); ``/graphiql/...`` serves GraphiQL's files
(``gql.http.assets``); ``GET /healthz`` and ``GET /readyz`` say whether the database
answers (``gql.http.health``). A WebSocket to ``/graphql`` runs subscriptions
(``gql.http.websocket``), fed by the worker's change feed (``gql.graph.feed``), which
polls the current store only while subscriptions are open. Every request passes CORS
(``gql.http.cors``, when origins are named) and the size limit (``gql.http.limits``);
every response may be compressed (``gql.http.compression``) and gets the security
headers (``gql.http.headers``). Outside them all, ``gql.http.observability`` gives every
request its id (``X-Request-ID``), its access log line (``gql.http.access_log``) and its
count in ``GET /metrics`` (``gql.http.metrics``).

The database is an ``Artifact``: when a new release is renamed over an immutable file,
requests that start afterwards are answered from it, while those in flight finish on
the old one (``LeaseStore`` gives each request the store current when it starts).
ETags and the response cache are keyed by the release's tag (its id and data version).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TypedDict

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from gql.errors import StoreError
from gql.graph.context import Context, SubscriptionContext
from gql.graph.feed import ChangeFeed
from gql.graph.prepared import PreparedOperations
from gql.graph.schema import build_schema
from gql.http.access_log import AccessLog
from gql.http.caching import HttpCaching, code_seed
from gql.http.compression import Compression
from gql.http.cors import cors_middleware, varies_by_origin
from gql.http.disconnect import CancelOnDisconnect
from gql.http.graphiql import graphiql_routes
from gql.http.headers import SecurityHeaders
from gql.http.health import health_routes
from gql.http.limits import RequestSizeLimit
from gql.http.metrics import Metrics, metrics_route
from gql.http.observability import Observability, Sink, request_record
from gql.http.operations import REQUEST_RULES, add_request_rules
from gql.http.response_cache import ResponseCache
from gql.http.view import GraphQLView
from gql.http.websocket import GraphQLWebSocket, SubscriptionLimits
from gql.loaders import Loaders
from gql.settings import Settings
from gql.store import Artifact, Served, Store, read_data_version, read_readiness


class State(TypedDict):
    artifact: Artifact
    store: Store
    """The store opened at start-up; each request's scope names the one it was given."""
    feed: ChangeFeed


class LeaseStore:
    """ASGI wrapper giving each HTTP request (``scope["state"]["store"]`` and
    ``["served"]``) the artifact's current store, kept open for the request's whole
    length."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # A WebSocket lives as long as its client: each subscription event leases
            # the store it reads (``SubscriptionContext.reading``), not the connection.
            await self.app(scope, receive, send)
            return
        artifact: Artifact = scope["state"]["artifact"]
        with artifact.lease() as served:
            state = {**scope["state"], "store": served.store, "served": served}
            await self.app({**scope, "state": state}, receive, send)


def create_app(settings: Settings | None = None) -> ASGIApp:
    """Build the application; uvicorn can call it as a factory (``--factory``)."""
    settings = settings or Settings()
    sinks: list[Sink] = [AccessLog()] if settings.access_log else []
    metrics = None
    if settings.metrics:
        metrics = Metrics()
        sinks.append(metrics)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        served_db = settings.read_db or settings.db_path
        if isinstance(served_db, Path) and not served_db.exists():
            raise StoreError(f"database {served_db} does not exist: run `gql load` first")
        artifact = await Artifact.open(
            served_db,
            read_connections=settings.read_connections,
            time_limit_ms=settings.sql_time_limit_ms,
            immutable=settings.immutable,
            check_interval_ms=settings.release_check_ms,
        )
        # Everything built so far (schema, modules, connections) lives as long as the
        # worker: moving it out of the collector's generations makes every collection
        # during requests cheaper.
        feed = ChangeFeed(
            lambda: artifact.current.store,
            poll_interval_s=settings.feed_poll_interval_ms / 1000,
            queue_versions=settings.subscription_queue_versions,
        )
        gc.collect()
        gc.freeze()
        try:
            yield {"artifact": artifact, "store": artifact.current.store, "feed": feed}
        finally:
            await feed.close()
            await artifact.close()
            if metrics is not None:
                metrics.close()

    async def liveness(scope: Scope) -> dict[str, object]:
        return {"dataVersion": await read_data_version(scope["state"]["store"])}

    async def readiness(scope: Scope) -> dict[str, object]:
        found = await read_readiness(scope["state"]["store"])
        release = await _served(scope).read_release()
        return {
            "dataVersion": found.data_version,
            "articles": found.articles,
            "release": release.release_id or None,
        }

    async def current_version(scope: Scope) -> int:
        return (await _served(scope).read_release()).data_version

    async def current_tag(scope: Scope) -> str:
        return (await _served(scope).read_release()).tag

    schema = build_schema(document_cache_entries=settings.document_cache_entries)
    add_request_rules(schema, introspection=settings.introspection)

    def context(scope: Scope) -> Context:
        return Context.for_request(scope["state"]["store"], settings, figures=request_record(scope))

    def subscription_context(scope: Scope) -> SubscriptionContext:
        artifact: Artifact = scope["state"]["artifact"]

        @contextmanager
        def lease() -> Iterator[Store]:
            with artifact.lease() as served:
                yield served.store

        store = artifact.current.store
        context = SubscriptionContext(
            store=store,
            settings=settings,
            loaders=Loaders(store),
            feed=scope["state"]["feed"],
            lease=lease,
        )
        record = request_record(scope)
        if record is not None:  # masked errors are logged with the connection's id
            context.request_id = record.request_id
        return context

    def seen_version(scope: Scope) -> int | None:
        return scope["state"]["store"].seen_data_version  # type: ignore[no-any-return]

    view = GraphQLView(
        schema,
        settings,
        context=context,
        data_version=current_version,
        seen_version=seen_version,
        prepared=(
            PreparedOperations(schema, validation_only=REQUEST_RULES).execute
            if settings.prepared_path
            else None
        ),
    )
    subscriptions = GraphQLWebSocket(
        schema,
        context=subscription_context,
        limits=SubscriptionLimits.of(settings),
        origins=settings.cors_origins,
    )
    graphql: ASGIApp = view
    if settings.response_cache_entries > 0 and not settings.explain:
        graphql = ResponseCache(
            graphql,
            max_entries=settings.response_cache_entries,
            max_bytes=settings.response_cache_bytes,
            data_version=current_tag,
        )
    graphql = CancelOnDisconnect(graphql)
    graphql = HttpCaching(
        graphql,
        data_tag=current_tag,
        seed=code_seed(schema.as_str().encode(), view.graphiql.body if view.graphiql else b""),
        cache_control=settings.cache_control,
        vary_origin=varies_by_origin(settings.cors_origins),
    )
    routes = [
        Route("/graphql", graphql),
        WebSocketRoute("/graphql", subscriptions),
        *health_routes(liveness=liveness, readiness=readiness),
        *graphiql_routes(view.graphiql),
    ]
    if metrics is not None:
        routes.append(metrics_route(metrics, data_version=current_version))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(Compression),
            *cors_middleware(settings.cors_origins),
            Middleware(RequestSizeLimit, max_bytes=settings.max_request_bytes),
            Middleware(LeaseStore),
        ],
        lifespan=lifespan,
    )
    # Outside Starlette's own error middleware, so its 500 pages get the headers too.
    return Observability(SecurityHeaders(app), sinks=sinks)


def _served(scope: Scope) -> Served:
    served: Served = scope["state"]["served"]
    return served
