"""HTTP load generators: wrk (the real measurement) and a tiny asyncio loop (the fallback).

wrk is a C load generator that keeps many keep-alive connections busy from one thread, so
it measures the server rather than the client. It sends a fixed POST body through a Lua
script whose ``done`` hook prints the figures as one JSON line we parse.

The asyncio loop needs nothing but Python, so ``--smoke`` (and CI machines without wrk) can
still drive the real server over real sockets; its figures are capped by the client's own
speed (one Python thread), so they are marked as such and never compared with wrk's.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

_LUA = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [{level}[{body}]{level}]

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d,' ..
    ' "p99_us": %d, "max_us": %d, "mean_us": %.1f, "errors": %d, "non_2xx": %d}}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class LoadResult:
    """Throughput and latency of one scenario under load."""

    tool: str
    connections: int
    duration_s: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class WrkMissing(RuntimeError):
    """wrk is not installed and could not be installed."""


def find_wrk(*, install: bool) -> str:
    """The path of wrk; with ``install``, try ``apt-get install -y wrk`` first if missing."""
    path = shutil.which("wrk")
    if path is None and install and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "wrk"], check=False, capture_output=True, timeout=300
        )
        path = shutil.which("wrk")
    if path is None:
        raise WrkMissing(
            "wrk is not installed: run `apt-get install -y wrk` (Debian/Ubuntu), or pass "
            "--loadgen python to measure with the built-in (slower, client-bound) loop"
        )
    return path


def lua_script(body: bytes) -> str:
    """A wrk script that POSTs ``body``; the long-bracket level avoids clashes with it."""
    text = body.decode("utf-8")
    level = "="
    while f"]{level}]" in text:
        level += "="
    return _LUA.format(level=level, body=text)


def run_wrk(
    wrk: str,
    url: str,
    body: bytes,
    *,
    duration_s: float,
    connections: int,
    threads: int = 1,
    timeout_s: float = 30.0,
) -> LoadResult:
    """Drive ``url`` with wrk for ``duration_s`` and parse its JSON summary line."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(body))
    try:
        completed = subprocess.run(
            [
                wrk,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(duration_s))}s",
                f"--timeout={timeout_s:g}s",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=duration_s + 60,
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    match = re.search(r"^WRKJSON (\{.*\})$", completed.stdout, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no summary:\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(match.group(1))
    seconds = data["duration_us"] / 1e6
    return LoadResult(
        tool="wrk",
        connections=connections,
        duration_s=round(seconds, 2),
        requests=data["requests"],
        errors=data["errors"] + data["non_2xx"],
        rps=round(data["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=round(data["p50_us"] / 1000, 2),
        p99_ms=round(data["p99_us"] / 1000, 2),
    )


async def _connection(
    host: str, port: int, request: bytes, deadline: float, latencies: list[float]
) -> int:
    """Send ``request`` over one keep-alive connection until ``deadline``; count failures."""
    errors = 0
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if b" 200 " not in status_line:
                errors += 1
    finally:
        writer.close()
    return errors


def _percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, int(share * len(sorted_values)))
    return sorted_values[index]


def run_python(
    host: str, port: int, path: str, body: bytes, *, duration_s: float, connections: int
) -> LoadResult:
    """The fallback: ``connections`` asyncio keep-alive connections for ``duration_s``."""
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body

    async def drive() -> tuple[list[float], int, float]:
        latencies: list[float] = []
        started = time.perf_counter()
        deadline = started + duration_s
        errors = await asyncio.gather(
            *[_connection(host, port, request, deadline, latencies) for _ in range(connections)]
        )
        return latencies, sum(errors), time.perf_counter() - started

    latencies, errors, elapsed = asyncio.run(drive())
    latencies.sort()
    return LoadResult(
        tool="python",
        connections=connections,
        duration_s=round(elapsed, 2),
        requests=len(latencies),
        errors=errors,
        rps=round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(_percentile(latencies, 0.5) * 1000, 2),
        p99_ms=round(_percentile(latencies, 0.99) * 1000, 2),
    )
