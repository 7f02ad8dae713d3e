"""What bounds and counts the statements of one request: its deadline and its log.

Both are context variables, so that they follow a request into the tasks it starts
(DataLoader batches) without being passed down; ``Store`` reads them for every statement
(``gql.store.database``).

A request's deadline counts from the moment its GraphQL operation starts in the worker
(``RequestGuard``), so it includes every wait there: for the event loop, and for a read
connection of the pool. That is deliberate: under overload the queue is where the time
goes, and a deadline that excluded it would grant every queued request its whole budget
again once it got a connection, so that each answer took queue time plus budget, the
queue grew without bound and the server spent itself on answers whose clients had given
up. Counted from receipt, a request that waited out its budget is answered ``TIMEOUT``
without running another statement (``tests/store/test_deadlines.py``), and the queue
drains as fast as deadlines pass. What comes before the operation (reading the body) is
bounded by the request-size limit instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field


class StatementDeadline:
    """A read connection's current deadline, checked by SQLite's progress handler: the
    earlier of the statement's own and its request's (``RequestDeadline.cancel`` moves
    it, while the statement runs)."""

    def __init__(self) -> None:
        self.at = float("inf")

    def expired(self) -> int:
        return 1 if time.monotonic() > self.at else 0


@dataclass
class QueryLog:
    """Statements issued while the log is active (one request, or one test)."""

    statements: int = 0
    ms: float = 0.0
    sql: list[str] = field(default_factory=list)


CURRENT_LOG: ContextVar[QueryLog | None] = ContextVar("gql_query_log", default=None)
"""The log of the statements being recorded now, if any."""


@contextmanager
def recording_queries() -> Iterator[QueryLog]:
    """Count and time every read statement issued in this context (and tasks it starts)."""
    log = QueryLog()
    token = CURRENT_LOG.set(log)
    try:
        yield log
    finally:
        CURRENT_LOG.reset(token)


class RequestDeadline:
    """When the current request must stop (``time.monotonic()`` seconds); shared by every
    task of the request, so that ``cancel()`` stops the reads of all of them. Entered as
    a context manager (``request_deadline``), it is the current one there."""

    def __init__(self, limit_ms: int) -> None:
        self.limit_ms = limit_ms
        self.at = time.monotonic() + limit_ms / 1000
        self.reading: set[StatementDeadline] = set()
        """The connections running a read of this request now."""
        self._token: Token[RequestDeadline | None] | None = None

    def cancel(self) -> None:
        """Stop every read of the request now, and refuse the ones it still starts."""
        self.at = float("-inf")
        for running in self.reading:
            running.at = float("-inf")

    def expired(self) -> bool:
        return time.monotonic() > self.at

    # A class rather than ``@contextmanager``: entered on every request, and a generator
    # based one costs several times as much.
    def __enter__(self) -> RequestDeadline:
        self._token = CURRENT_DEADLINE.set(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()
        if self._token is not None:
            CURRENT_DEADLINE.reset(self._token)
            self._token = None


CURRENT_DEADLINE: ContextVar[RequestDeadline | None] = ContextVar(
    "gql_request_deadline", default=None
)
"""The deadline of the request running now, if any."""


def request_deadline(limit_ms: int) -> RequestDeadline:
    """A deadline to enter (``with``): reads issued in that context (and tasks it starts)
    stop after ``limit_ms`` with ``RequestTimeout``, or as soon as the deadline is
    cancelled; on leaving the context it is cancelled, so a read the request left behind
    (a DataLoader batch nobody awaits any more) stops too."""
    return RequestDeadline(limit_ms)
