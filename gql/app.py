"""The ASGI application: Starlette routes around Strawberry's GraphQL view. Wiring only.

``create_app(settings)`` builds it; the store is opened in the lifespan and shared as
lifespan state. ``POST /graphql`` takes JSON, ``GET /graphql`` runs queries (and serves
GraphiQL to browsers), ``GET /healthz`` says whether the database answers. Identical
requests are answered from ``gql.http.response_cache`` until the next load changes the data.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypedDict

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Scope
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from gql.errors import StoreError
from gql.graph.context import Context
from gql.graph.schema import GqlSchema, build_schema
from gql.http.disconnect import CancelOnDisconnect
from gql.http.response_cache import ResponseCache
from gql.settings import Settings
from gql.store import Store, data_version


class State(TypedDict):
    store: Store


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with a fresh context (and DataLoaders) per request."""

    def __init__(self, schema: GqlSchema, settings: Settings) -> None:
        super().__init__(schema, graphql_ide="graphiql" if settings.graphiql else None)
        self.settings = settings

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return Context.for_request(request.state.store, self.settings)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the application; uvicorn can call it as a factory (``--factory``)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        if not settings.db_path.exists():
            raise StoreError(f"database {settings.db_path} does not exist: run `gql load` first")
        store = await Store.open(
            settings.db_path,
            read_connections=settings.read_connections,
            time_limit_ms=settings.sql_time_limit_ms,
            read_only=True,
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

    async def healthz(request: Request) -> Response:
        body: dict[str, Any] = {"status": "ok"}
        try:
            body["dataVersion"] = await data_version(request.state.store)
        except StoreError as exc:
            return JSONResponse({"status": "error", "error": str(exc)}, status_code=503)
        return JSONResponse(body)

    async def current_version(scope: Scope) -> int:
        return await data_version(scope["state"]["store"])

    graphql: ASGIApp = GraphQLView(
        build_schema(document_cache_entries=settings.document_cache_entries), settings
    )
    if settings.response_cache_entries > 0 and not settings.explain:
        graphql = ResponseCache(
            graphql, max_entries=settings.response_cache_entries, data_version=current_version
        )
    graphql = CancelOnDisconnect(graphql)
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
