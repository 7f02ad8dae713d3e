"""CORS: which other origins' pages may call the API from a browser, by Starlette's middleware.

Off by default (same-origin only). ``gql serve --cors-origin URL`` (repeatable) names the
origins allowed, exactly as a browser sends them (``http://localhost:3000``); ``*`` allows
every origin, for a public read-only API. Preflights (``OPTIONS /graphql`` with
``Access-Control-Request-Method``) are answered for GET and POST with the headers GraphQL
clients send (Apollo's CSRF header, ``authorization``, request IDs, tracing), cached by
the browser for ``MAX_AGE`` seconds. Credentials (cookies, HTTP auth) are never allowed:
nothing here reads them, and ``*`` with credentials would let any site act as the user.
Browsers may read ``ETag`` (to revalidate), ``X-GQL-Cache`` and ``X-Request-ID`` from
answers.

Starlette's ``CORSMiddleware`` does all of this and mirrors an allowed origin with
``Vary: Origin``; ``gql.http.caching`` adds ``Vary: Origin`` to answers to requests with
no ``Origin`` too, so a shared cache never gives a browser a copy made for a non-browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

ALLOWED_METHODS: Final = ("GET", "POST")
ALLOWED_HEADERS: Final = (
    "accept",
    "authorization",
    "content-type",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "apollographql-client-name",
    "apollographql-client-version",
    "graphql-client-name",
    "graphql-client-version",
    "x-request-id",
    "traceparent",
    "tracestate",
)
EXPOSED_HEADERS: Final = ("etag", "x-gql-cache", "x-request-id")
MAX_AGE: Final = 600


def cors_middleware(origins: Sequence[str]) -> list[Middleware]:
    """The CORS middleware for ``origins`` (none when the list is empty)."""
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=list(ALLOWED_METHODS),
            allow_headers=list(ALLOWED_HEADERS),
            expose_headers=list(EXPOSED_HEADERS),
            allow_credentials=False,
            max_age=MAX_AGE,
        )
    ]


def varies_by_origin(origins: Sequence[str]) -> bool:
    """Whether answers differ by ``Origin`` (an allow-list mirrors it; ``*`` does not)."""
    return bool(origins) and "*" not in origins
