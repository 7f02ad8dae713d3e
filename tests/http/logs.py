"""Reading a real server's access log: the JSON lines of its output, as they come."""

from __future__ import annotations

import json
import queue
import time
from typing import Any

from tests.serving import Server

FIELDS = {
    "time", "request_id", "method", "path", "operation", "status", "duration_ms",
    "sql_statements", "cost_requested", "cost_actual", "cache", "bytes", "errors",
}  # fmt: skip


def parsed(line: str) -> dict[str, Any] | None:
    """The line as an access log entry, or None for any other output."""
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "status" in value and "path" in value else None


def access_lines(
    server: Server, count: int, *, path: str | None = None, timeout: float = 30
) -> list[dict[str, Any]]:
    """The server's first ``count`` access log entries (of ``path``, when given), waiting
    for them to be written (a line is written once its answer is sent, so it may trail
    the answer)."""
    deadline = time.monotonic() + timeout
    while True:
        entries = [
            entry
            for line in server.seen
            if (entry := parsed(line)) is not None and path in (None, entry["path"])
        ]
        if len(entries) >= count:
            return entries[:count]
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{len(entries)} access log lines, not {count}:\n{''.join(server.seen)}"
            )
        try:
            server.seen.append(server.lines.get(timeout=0.1))
        except queue.Empty:
            pass


def drain(server: Server) -> None:
    """Move what the server has written so far into ``server.seen``."""
    while True:
        try:
            server.seen.append(server.lines.get_nowait())
        except queue.Empty:
            return


def entries_of(
    server: Server, request_id: str, count: int, *, timeout: float = 30
) -> list[dict[str, Any]]:
    """The first ``count`` access log entries of requests with ``request_id``, waiting for
    them (found by id: the server's own lines, such as its first /healthz, may still be on
    their way when a test begins)."""
    deadline = time.monotonic() + timeout
    while True:
        drain(server)
        found = [
            entry
            for line in server.seen
            if (entry := parsed(line)) is not None and entry["request_id"] == request_id
        ]
        if len(found) >= count:
            return found[:count]
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} lines of {request_id}:\n{''.join(server.seen)}")
        time.sleep(0.05)


def entry_of(server: Server, request_id: str) -> dict[str, Any]:
    """The access log entry of the one request with ``request_id``."""
    [entry] = entries_of(server, request_id, 1)
    return entry
