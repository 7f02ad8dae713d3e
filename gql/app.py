"""The ASGI application: routes and middleware around the GraphQL view. Wiring only.

``create_app(settings)`` builds it; the store is opened in the lifespan and shared as
lifespan state. ``/graphql`` is ``gql.http.view`` (GraphQL over HTTP, GraphiQL for
browsers) behind the response cache (``gql.http.response_cache``) and the HTTP caching
headers (``gql.http.caching``); ``/graphiql/...`` serves GraphiQL's files
(``gql.http.assets``); ``GET /healthz`` and ``GET /readyz`` say whether the database
answers (``gql.http.health``). Every request passes CORS (``gql.http.cors``, when origins
are named) and the size limit (``gql.http.limits``); every response may be compressed
(``gql.http.compression``) and gets the security headers (``gql.http.headers``). Outside
them all, ``gql.http.observability`` gives every request its id (``X-Request-ID``), its
access log line (``gql.http.access_log``) and its count in ``GET /metrics``
(``gql.http.metrics``).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import ASGIApp, Scope

from gql.errors import StoreError
from gql.graph.context import Context
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
from gql.http.operations import add_request_rules
from gql.http.response_cache import ResponseCache
from gql.http.view import GraphQLView
from gql.settings import Settings
from gql.store import Store, data_version, read_data_version, read_readiness


class State(TypedDict):
    store: Store


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
        if not settings.db_path.exists():
            raise StoreError(f"database {settings.db_path} does not exist: run `gql load` first")
        store = await Store.open(
            settings.db_path,
            read_connections=settings.read_connections,
            time_limit_ms=settings.sql_time_limit_ms,
            read_only=True,
            immutable=settings.immutable,
        )
        # Everything built so far (schema, modules, connections) lives as long as the
        # worker: moving it out of the collector's generations makes every collection
        # during requests cheaper.
        gc.collect()
        gc.freeze()
        try:
            yield {"store": store}
        finally:
            await store.close()
            if metrics is not None:
                metrics.close()

    async def liveness(scope: Scope) -> dict[str, object]:
        return {"dataVersion": await read_data_version(scope["state"]["store"])}

    async def readiness(scope: Scope) -> dict[str, object]:
        found = await read_readiness(scope["state"]["store"])
        return {"dataVersion": found.data_version, "articles": found.articles}

    async def current_version(scope: Scope) -> int:
        return await data_version(scope["state"]["store"])

    schema = build_schema(document_cache_entries=settings.document_cache_entries)
    add_request_rules(schema, introspection=settings.introspection)

    def context(scope: Scope) -> Context:
        return Context.for_request(scope["state"]["store"], settings, figures=request_record(scope))

    view = GraphQLView(schema, settings, context=context, data_version=current_version)
    graphql: ASGIApp = view
    if settings.response_cache_entries > 0 and not settings.explain:
        graphql = ResponseCache(
            graphql,
            max_entries=settings.response_cache_entries,
            max_bytes=settings.response_cache_bytes,
            data_version=current_version,
        )
    graphql = CancelOnDisconnect(graphql)
    graphql = HttpCaching(
        graphql,
        data_version=current_version,
        seed=code_seed(schema.as_str().encode(), view.graphiql.body if view.graphiql else b""),
        cache_control=settings.cache_control,
        vary_origin=varies_by_origin(settings.cors_origins),
    )
    routes = [
        Route("/graphql", graphql),
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
        ],
        lifespan=lifespan,
    )
    # Outside Starlette's own error middleware, so its 500 pages get the headers too.
    return Observability(SecurityHeaders(app), sinks=sinks)
