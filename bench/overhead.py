"""What the access log and the metrics cost a request: the app in process, with and without.

``python -m bench.overhead DB [--scenario front_page] [--requests 50] [--rounds 101]``
builds the app (metrics in multiprocess mode as ``gql serve`` runs them, the log written
to a file as a server's output is) and sends it the scenario's POST straight through
ASGI, no sockets, with the access log and the metrics each on or off (its sinks swapped
between rounds): interleaved rounds, the median CPU time per request of each and of its
fastest round (the least disturbed by other processes), and their differences from both
off. Then it times each sink's own call on every request of a last series of rounds
(``time in sinks``): the direct figure, where the differences of totals are noisy. The
wrk runs of ``bench.compare`` carry too much noise on a shared machine to see a few
microseconds; this sees them, without the HTTP server's share of a request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.catalog import scenario

VARIANTS = ("off", "log", "metrics", "both")


async def _started(app: Any) -> tuple[dict[str, Any], asyncio.Event, asyncio.Future[Any]]:
    """Run the app's lifespan until it has started: its state, the event that ends it
    and its task."""
    state: dict[str, Any] = {}
    stop = asyncio.Event()
    ready = asyncio.get_running_loop().create_future()
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "lifespan.startup"}
        await stop.wait()
        return {"type": "lifespan.shutdown"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            ready.set_result(None)
        elif message["type"] == "lifespan.startup.failed":
            ready.set_exception(RuntimeError(message.get("message", "startup failed")))

    lifespan = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": state}
    task = asyncio.ensure_future(app(lifespan, receive, send))
    await ready
    return state, stop, task


async def _requests(app: Any, state: dict[str, Any], body: bytes, count: int) -> float:
    """CPU seconds per request of ``count`` POSTs of ``body``: the process's CPU time (its
    SQLite threads' too), which other processes on a busy machine do not inflate as they
    do wall-clock time."""
    never = asyncio.Event()
    headers = [
        (b"host", b"bench"),
        (b"content-type", b"application/json"),
        (b"accept", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    started = time.process_time()
    for _ in range(count):
        delivered = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await never.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": "/graphql", "raw_path": b"/graphql",
            "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": dict(state),
        }  # fmt: skip
        await app(scope, receive, send)
        assert status == 200, status
    return (time.process_time() - started) / count


async def _run(db: Path, name: str, requests: int, rounds: int) -> dict[str, list[float]]:
    from gql.app import create_app
    from gql.http.access_log import AccessLog
    from gql.http.metrics import Metrics
    from gql.http.observability import Observability
    from gql.settings import Settings

    body = json.dumps({"query": scenario(name).document}).encode()
    # One app, its sinks swapped between rounds: two apps would differ by more than
    # their sinks (what each froze out of the collector's reach, where their objects lie).
    app = create_app(Settings(db_path=db, response_cache_entries=0, access_log=True))
    assert isinstance(app, Observability)
    [log] = [sink for sink in app.sinks if isinstance(sink, AccessLog)]
    [metrics] = [sink for sink in app.sinks if isinstance(sink, Metrics)]
    sinks = {"off": (), "log": (log,), "metrics": (metrics,), "both": (log, metrics)}
    state, stop, task = await _started(app)
    await _requests(app, state, body, 50)  # warm: documents compiled, caches full
    times: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    for number in range(rounds):
        for variant in VARIANTS if number % 2 == 0 else VARIANTS[::-1]:
            app.sinks = sinks[variant]
            times[variant].append(await _requests(app, state, body, requests))
    spent = {"log": 0.0, "metrics": 0.0}

    def timed(name: str, sink: Any) -> Any:
        def call(record: Any) -> None:
            started = time.perf_counter()
            sink(record)
            spent[name] += time.perf_counter() - started

        return call

    app.sinks = (timed("log", log), timed("metrics", metrics))
    for _ in range(rounds):
        await _requests(app, state, body, requests)
    for name, seconds in spent.items():
        times[f"time in sinks: {name}"] = [seconds / (rounds * requests)]
    stop.set()
    await task
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--scenario", default="front_page")
    parser.add_argument("--requests", type=int, default=50, help="requests per round")
    parser.add_argument("--rounds", type=int, default=101)
    args = parser.parse_args(argv)
    # As gql serve runs it: metrics in files, the log line into the server's output.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gql-bench-metrics-")
    output = tempfile.NamedTemporaryFile(prefix="gql-bench-log-", delete=False)
    os.dup2(output.fileno(), sys.stdout.fileno())
    times = asyncio.run(_run(args.db, args.scenario, args.requests, args.rounds))
    base = statistics.median(times["off"])
    fastest = min(times["off"])
    for variant, values in times.items():
        if variant.startswith("time in sinks"):
            print(f"{variant:21} {values[0] * 1e6:6.1f} µs/request", file=sys.stderr)
            continue
        median, low = statistics.median(values), min(values)
        print(
            f"{variant:8} median {median * 1e6:7.1f} µs/request {median / base:.3f}x"
            f" {(median - base) * 1e6:+6.1f} µs; fastest round {low * 1e6:7.1f} µs"
            f" {low / fastest:.3f}x {(low - fastest) * 1e6:+6.1f} µs",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
