"""Batches: a JSON array of GraphQL requests in one POST, answered by a JSON array in order.

Apollo's ``BatchHttpLink`` (and graphql-php, Hot Chocolate, Lighthouse...) send several
operations as ``[{"query": ...}, {"query": ...}]``; the answer is the array of their
GraphQL responses, in the same order, status 200 whatever each one holds. Batching is
opt-in (``Settings.batch_limit``, ``gql serve --batch-limit N``): off, an array is refused
with ``BATCHING_NOT_ENABLED``; on, a batch of more than N operations is refused whole
with ``BATCH_TOO_LARGE`` and an empty one with ``BAD_REQUEST``. A batch over GET is
refused by ``gql.http.params`` (405, as mutations over GET are).

- Each operation is a request of its own: its parameters are checked, its persisted
  query resolved (APQ works inside batches), its limits (size, shape, cost, answer
  bytes) applied and its fresh context (DataLoaders) built, as if it had come alone. A
  malformed item, a refused one or one that fails answers its own errors in its place;
  the others run and answer as usual.
- The operations run concurrently, so every one's request deadline starts with the
  batch: a batch takes about as long as its slowest operation and is stopped, with the
  rest, by one request time limit, where running them in turn could hold a worker for
  N time limits. Their SQL waits overlap; their Python does not.
- The whole body is bounded by the request size limit like any other.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from strawberry.types import ExecutionResult

from gql.errors import BatchRefused, MalformedRequest, RequestRejected
from gql.http.params import GraphQLParams, params_from_json
from gql.http.responses import INTERNAL_SERVER_ERROR, rejection_body, result_body

logger = logging.getLogger("gql.http")

RunOperation = Callable[[GraphQLParams], Awaitable[ExecutionResult]]
"""Runs one operation of a batch as the view runs a request (persisted queries and all)."""

_INTERNAL_ERROR: Final = {
    "errors": [{"message": "Internal server error", "extensions": {"code": INTERNAL_SERVER_ERROR}}]
}


def check_batch(items: list[Any], *, limit: int) -> None:
    """Refuse a batch the server does not run: batching off, empty, or over ``limit``."""
    if limit <= 0 or len(items) > limit:
        raise BatchRefused(len(items), limit)
    if not items:
        raise MalformedRequest("the batch is empty: send at least one operation")


async def run_batch(items: list[Any], *, limit: int, run: RunOperation) -> list[dict[str, Any]]:
    """The GraphQL responses of ``items``, in order (see the module docstring)."""
    check_batch(items, limit=limit)
    return list(
        await asyncio.gather(*(_answer(index, item, run) for index, item in enumerate(items)))
    )


async def _answer(index: int, item: Any, run: RunOperation) -> dict[str, Any]:
    try:
        params = params_from_json(item, what=f"operation {index} of the batch")
        return result_body(await run(params))
    except RequestRejected as error:
        return rejection_body(error)
    except Exception:
        # A fault in one operation must not take the others' answers with it; it is
        # logged as any masked error is, and the client sees no more than its code.
        logger.exception("operation %d of a batch failed", index)
        return _INTERNAL_ERROR
