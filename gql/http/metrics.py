"""Prometheus metrics: what every request did, counted by prometheus-client, on ``/metrics``.

Fed by ``gql.http.observability`` with each finished request's record:

- ``gql_requests_total{route, operation, status}`` and
  ``gql_request_duration_seconds{route, operation}`` (a histogram): ``route`` is
  ``/graphql``, ``/healthz``, ``/readyz``, ``/metrics``, ``/graphiql`` (its files) or
  ``other``; ``operation`` is the GraphQL operation's name, ``""`` for an anonymous one
  (and for other routes);
- ``gql_errors_total{code}``: every error of an answer, by its ``extensions.code``;
- ``gql_sql_statements`` (a histogram): SQL statements per GraphQL request that ran;
- ``gql_loader_batch_size`` (a histogram): keys per DataLoader batch (each is one SQL
  statement);
- ``gql_response_cache_total{result}``: ``hit`` or ``miss`` of the response cache;
- ``gql_data_version``: the version of the data served, read from the database at each
  scrape; ``gql_workers``: the workers alive.

Operation names are the client's words, so a worker labels at most
``MAX_OPERATION_LABELS`` distinct ones (the first it sees) and counts the rest as
``other``: a client inventing a name per request cannot grow the series without bound.

With several workers (``gql serve --workers N``) every worker counts in its own files in
``PROMETHEUS_MULTIPROC_DIR``, which ``gql serve`` makes fresh before the workers start
and removes after; a scrape, answered by any worker, sums all of them
(prometheus-client's multiprocess mode). A dead worker's counts stay in the sums (they
happened) and its ``gql_workers`` entry is dropped at the next scrape. Without that
variable (an app built in-process) the counts live in the process, in a registry of the
app's own.
"""

from __future__ import annotations

import asyncio
import bisect
import glob
import os
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Final, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Scope

from gql.errors import GqlError
from gql.http.observability import WEBSOCKET, RequestRecord

MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
MAX_OPERATION_LABELS: Final = 50
OTHER: Final = "other"
ROUTES: Final = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})
DURATION_BUCKETS_S: Final = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
STATEMENT_BUCKETS: Final = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89)
BATCH_BUCKETS: Final = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
_NAME: Final = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
_LIVE_GAUGE_FILE: Final = re.compile(r"gauge_live\w+?_(\d+)\.db")

VersionFn = Callable[[Scope], Awaitable[int]]


_pid = os.getpid()


def _cached_pid() -> int:
    return _pid


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)
_values_set = False


def _count_with_cached_pid() -> None:
    """Have multiprocess values ask a cached pid which file is theirs.

    prometheus-client checks the pid on every increment, to notice a fork; that is a
    system call each time (glibc no longer caches it), some 15 per request. The cached pid
    is renewed after a fork, so a forked child still gets files of its own. Done once
    per process, before any value exists: two value classes would map one file twice."""
    global _values_set
    if not _values_set:
        values.ValueClass = values.MultiProcessValue(process_identifier=_cached_pid)  # type: ignore[no-untyped-call]
        _values_set = True


class BoundedLabels:
    """The first ``limit`` distinct values as themselves, every later one as ``other``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self._seen:
            return value
        if len(self._seen) >= self.limit or _NAME.fullmatch(value) is None:
            return OTHER
        self._seen.add(value)
        return value


def route_label(path: str) -> str:
    if path in ROUTES:
        return path
    return "/graphiql" if path.startswith("/graphiql/") else OTHER


class Metrics:
    """The server's metrics, counted from each finished request's record (a sink)."""

    def __init__(self, *, max_operation_labels: int = MAX_OPERATION_LABELS) -> None:
        self.multiprocess_dir = os.environ.get(MULTIPROC_ENV) or None
        if self.multiprocess_dir is not None:
            _count_with_cached_pid()
        # In multiprocess mode values go to the worker's files, whatever the registry.
        self.registry = None if self.multiprocess_dir else CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "gql_requests", "HTTP requests answered.", ["route", "operation", "status"], registry=r
        )
        self.duration = Histogram(
            "gql_request_duration_seconds",
            "Time from a request's arrival to the end of its answer.",
            ["route", "operation"],
            buckets=DURATION_BUCKETS_S,
            registry=r,
        )
        self.errors = Counter("gql_errors", "Errors in answers, by code.", ["code"], registry=r)
        self.statements = Histogram(
            "gql_sql_statements",
            "SQL statements issued by one GraphQL request.",
            buckets=STATEMENT_BUCKETS,
            registry=r,
        )
        self.batches = Histogram(
            "gql_loader_batch_size",
            "Keys in one DataLoader batch (one SQL statement).",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.cache = Counter(
            "gql_response_cache", "Response cache lookups, by result.", ["result"], registry=r
        )
        self.workers = Gauge(
            "gql_workers", "Worker processes alive.", registry=r, multiprocess_mode="livesum"
        )
        self.workers.set(1)
        self.operations = BoundedLabels(max_operation_labels)
        self.codes = BoundedLabels(max_operation_labels)
        # Label lookups take a lock in prometheus-client: children are kept per labels.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def __call__(self, record: RequestRecord) -> None:
        if record.method == WEBSOCKET:
            return  # a connection, not a request: its duration is not a latency
        route = route_label(record.path)
        operation = ""
        if route == "/graphql" and record.operation_name:
            operation = self.operations(record.operation_name)
        key = (route, operation, record.status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                self.requests.labels(route, operation, str(record.status)),
                self.duration.labels(route, operation),
            )
        series[0].inc()
        series[1].observe(record.duration_s)
        for code in record.error_codes:
            self.errors.labels(self.codes(code)).inc()
        if route != "/graphql":
            return
        if record.cache in ("hit", "miss"):
            self.cache.labels(record.cache).inc()
        if record.cache not in ("hit", "not-modified"):
            self.statements.observe(record.sql_statements)
        if record.batch_sizes:
            observe_all(self.batches, record.batch_sizes)

    def exposition(self, data_version: int | None) -> bytes:
        """The text format of every metric (summed over the workers), and the version."""
        version = GaugeMetricFamily("gql_data_version", "Version of the data served (loads).")
        if data_version is not None:
            version.add_metric([], data_version)
        collectors: list[_Collects]
        if self.multiprocess_dir is None:
            assert self.registry is not None
            collectors = [self.registry]
        else:
            mark_dead_workers(self.multiprocess_dir)
            collectors = [MultiProcessCollector(None, path=self.multiprocess_dir)]  # type: ignore[no-untyped-call]
        return generate_latest(_Union([*collectors, _Fixed([version])]))

    def close(self) -> None:
        """This worker stops: it no longer counts among the live ones."""
        if self.multiprocess_dir is not None:
            mark_process_dead(os.getpid(), self.multiprocess_dir)  # type: ignore[no-untyped-call]
        else:
            self.workers.set(0)


def observe_all(histogram: Histogram, amounts: Sequence[float]) -> None:
    """``histogram.observe`` of every amount, with each bucket and the sum incremented once.

    ``observe`` writes the worker's file twice per amount (its bucket, the sum): a front
    page's five batches were ten of a request's fifteen writes; they fall in two or three
    buckets. This reaches into the histogram's buckets, as prometheus-client has laid
    them out since its first releases; a histogram laid out otherwise is observed
    amount by amount."""
    buckets = getattr(histogram, "_buckets", None)
    bounds = getattr(histogram, "_upper_bounds", None)
    total = getattr(histogram, "_sum", None)
    if buckets is None or bounds is None or total is None or len(buckets) != len(bounds):
        for amount in amounts:
            histogram.observe(amount)
        return
    counts: dict[int, int] = {}
    for amount in amounts:
        # The first bucket whose upper bound holds the amount (the last is +Inf).
        index = bisect.bisect_left(bounds, amount)
        counts[index] = counts.get(index, 0) + 1
    for index, count in counts.items():
        buckets[index].inc(count)
    total.inc(sum(amounts))


def mark_dead_workers(path: str) -> None:
    """Drop the live gauges of processes that have ended (a worker that crashed, or was
    killed, never said so)."""
    for name in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        found = _LIVE_GAUGE_FILE.fullmatch(os.path.basename(name))
        if found is not None and not _alive(int(found.group(1))):
            mark_process_dead(int(found.group(1)), path)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Collects(Protocol):
    def collect(self) -> Iterable[Metric]: ...


class _Fixed:
    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self.metrics


class _Union:
    """Several collectors as one, for one exposition."""

    def __init__(self, collectors: Iterable[_Collects]) -> None:
        self.collectors = list(collectors)

    def collect(self) -> Iterable[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def metrics_route(metrics: Metrics, *, data_version: VersionFn, timeout_s: float = 1.0) -> Route:
    """``GET /metrics``: the exposition, never cached; the data version is left out when
    the database does not answer within ``timeout_s``."""

    async def endpoint(request: Request) -> Response:
        try:
            version: int | None = await asyncio.wait_for(data_version(request.scope), timeout_s)
        except (TimeoutError, GqlError):
            version = None
        # Reading the workers' files is blocking file I/O: off the event loop.
        body = await asyncio.to_thread(metrics.exposition, version)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"cache-control": "no-store"})

    return Route("/metrics", endpoint, methods=["GET"])
