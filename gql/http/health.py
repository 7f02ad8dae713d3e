"""Health routes: ``GET /healthz`` (liveness) and ``GET /readyz`` (readiness).

Both answer from a read of the database within ``timeout_ms`` (1 s), made through the
read pool requests use, so that they tell the truth: the old ``/healthz`` read the data
version on the inline connection and said ok while every pooled connection was stuck
and every request timed out. ``/healthz`` reads the data version only (the process
answers and a read gets through): ``{"status": "ok", "dataVersion": N}``. ``/readyz``
also reads the articles table and fails once any read has met a damaged file:
``{"status": "ok", "dataVersion": N, "articles": M}``. A failure is 503 with
``{"status": "error", "error": why}``: no read answered in time (the connections are busy
or stuck), or the database failed (its message names the file and the problem).

The probes come from the app (this package knows HTTP, not the store): each takes the
request's ASGI scope and returns the body's fields, raising ``GqlError`` when the
database cannot answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from gql.errors import GqlError

Probe = Callable[[Scope], Awaitable[Mapping[str, object]]]

DEFAULT_TIMEOUT_MS = 1000
"""A read through the pool takes well under a millisecond when a connection is free;
a second of waiting means requests are waiting as long."""


async def probe_response(probe: Probe, scope: Scope, *, timeout_ms: int) -> Response:
    """200 with the probe's fields, or 503 saying why it failed or took too long."""
    try:
        fields = await asyncio.wait_for(probe(scope), timeout_ms / 1000)
    except TimeoutError:
        error = (
            f"no database read answered within {timeout_ms} ms:"
            " every read connection is busy or stuck"
        )
        return JSONResponse({"status": "error", "error": error}, status_code=503)
    except GqlError as exc:
        return JSONResponse({"status": "error", "error": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok", **fields})


def health_routes(
    *, liveness: Probe, readiness: Probe, timeout_ms: int = DEFAULT_TIMEOUT_MS
) -> list[Route]:
    """``/healthz`` answering from ``liveness``, ``/readyz`` from ``readiness``."""

    async def healthz(request: Request) -> Response:
        return await probe_response(liveness, request.scope, timeout_ms=timeout_ms)

    async def readyz(request: Request) -> Response:
        return await probe_response(readiness, request.scope, timeout_ms=timeout_ms)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
