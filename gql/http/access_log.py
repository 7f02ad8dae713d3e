"""The JSON access log: one line per request, and JSON lines for the other loggers.

Each finished request (``gql.http.observability.RequestRecord``) becomes one JSON object
on one line of standard output, where uvicorn writes its own access log::

    {"time":"2026-12-01T10:00:00.123Z","request_id":"4bf92f3577b34da6a3ce929d0e0e4736",
     "method":"POST","path":"/graphql","operation":"FrontPage","status":200,
     "duration_ms":1.93,"sql_statements":5,"cost_requested":441,"cost_actual":132,
     "cache":"miss","bytes":11523,"errors":[]}

(shown wrapped here). ``cache`` is ``hit`` or ``miss`` (the response cache), or
``not-modified`` (a 304); ``errors`` holds the ``extensions.code`` of each error; a
request whose client went away before its answer has status 499.

It is on the hot path, so it skips ``logging``: no record objects, no formatter, no
handler lock. A line is one ``orjson.dumps`` and one ``os.write`` of the whole line,
unbuffered: lines of several workers sharing one pipe never interleave (a write of up to
``PIPE_BUF``, 4 kB, to a pipe is atomic; the path and the operation name are cut short so
a line stays well below that), and a reader sees each line as soon as it is written.

``JsonFormatter`` formats the other loggers' records (uvicorn's, ``gql``'s masked errors
with their traceback and request id) the same way, for ``gql serve --log-format json``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Final

import orjson

from gql.http.observability import RequestRecord

MAX_PATH_CHARS: Final = 256
MAX_OPERATION_CHARS: Final = 128


class AccessLog:
    """Writes one JSON line per finished request to a file descriptor (stdout)."""

    def __init__(self, fd: int | None = None) -> None:
        self.fd = sys.stdout.fileno() if fd is None else fd
        self._second = -1
        self._prefix = ""

    def __call__(self, record: RequestRecord) -> None:
        line = orjson.dumps(
            {
                "time": self._time(record.timestamp),
                "request_id": record.request_id,
                "method": record.method,
                "path": record.path[:MAX_PATH_CHARS],
                "operation": (
                    record.operation_name[:MAX_OPERATION_CHARS]
                    if record.operation_name is not None
                    else None
                ),
                "status": record.status,
                "duration_ms": round(record.duration_s * 1000, 3),
                "sql_statements": record.sql_statements,
                "cost_requested": record.cost_requested,
                "cost_actual": record.cost_actual,
                "cache": record.cache,
                "bytes": record.response_bytes,
                "errors": record.error_codes,
            },
            option=orjson.OPT_APPEND_NEWLINE,
        )
        try:
            os.write(self.fd, line)
        except OSError:
            pass  # a closed or full output must not fail the request it logs

    def _time(self, timestamp: float) -> str:
        """RFC 3339 UTC with milliseconds; the formatted second is kept (strftime is
        the dearest part of a line)."""
        second = int(timestamp)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{int((timestamp - second) * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time, level, logger, message, request id (when the
    record has one, as masked errors do) and the formatted traceback."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            fields["request_id"] = request_id
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(fields, default=str).decode()
