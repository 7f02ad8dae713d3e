"""Start and stop the servers under test, post single requests, read their memory.

A server runs as a child process in its own process group, so stopping it ends uvicorn's
workers too (and nothing else). Readiness is polled over HTTP rather than guessed from log
lines, and peak memory is read from ``/proc/<pid>/status`` (``VmHWM``: the resident-set
high-water mark) of every serving process: with ``--workers N`` those are uvicorn's worker
children, with one worker the ``gql serve`` process itself.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def gql_command() -> list[str]:
    """How to run the ``gql`` CLI of this interpreter's environment."""
    script = Path(sys.executable).parent / "gql"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from gql.cli import main; main()"]


@dataclass
class Server:
    """A running server: where to send requests, and its process."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def serving_pids(self) -> list[int]:
        """The processes that answer requests: worker children if any, else the process."""
        children = descendants(self.process.pid)
        workers = [pid for pid in children if b"spawn_main" in _cmdline(pid)]
        return workers or [self.process.pid]

    def peak_rss_mb(self) -> list[float]:
        """VmHWM of each serving process, in MiB."""
        return [_vm_hwm_kb(pid) / 1024 for pid in self.serving_pids()]

    def post(self, body: dict[str, Any], *, timeout_s: float = 60) -> dict[str, Any]:
        """POST one GraphQL request and return the decoded response."""
        return post_json(self.url, body, timeout_s=timeout_s)


def post_json(url: str, body: dict[str, Any], *, timeout_s: float = 60) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        decoded: dict[str, Any] = json.loads(response.read())
    return decoded


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                text = Path(f"/proc/{parent}/task/{task}/children").read_text()
            except FileNotFoundError:
                continue
            for child in text.split():
                found.append(int(child))
                todo.append(int(child))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def _vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def _wait_ready(
    url: str,
    process: subprocess.Popen[bytes],
    log_path: Path,
    timeout_s: float,
    startups: int,
) -> None:
    """Poll ``url`` until it answers 200 and the log shows ``startups`` started workers.

    Each uvicorn worker logs its own startup; with several workers the first one answers
    while the others may still be importing, and a load test then would hit one worker.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with {process.returncode}:\n{log_path.read_text(errors='replace')}"
            )
        if log_path.read_bytes().count(b"Application startup complete") < startups:
            time.sleep(0.1)
            continue
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout_s} s:\n{log_path.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def running(
    name: str,
    command: Sequence[str],
    *,
    port: int,
    path: str,
    ready_path: str,
    log_path: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout_s: float = 60,
    startups: int = 0,
) -> Iterator[Server]:
    """Run ``command`` (which must listen on ``port``; in ``cwd``) until the block ends."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
    try:
        _wait_ready(f"http://{HOST}:{port}{ready_path}", process, log_path, timeout_s, startups)
        yield Server(name, f"http://{HOST}:{port}{path}", process, log_path)
    finally:
        _stop(process)


@contextmanager
def gql_server(
    db_path: Path | str,
    *,
    workers: int,
    explain: bool,
    log_path: Path,
    port: int | None = None,
    response_cache: int = 0,
) -> Iterator[Server]:
    """``gql serve --db DB --workers N`` on a free loopback port.

    The response cache is off unless asked for: wrk repeats one request, so a cached run
    measures the cache, not the API (the headline figures are uncached).
    """
    port = port or free_port()
    command = [*gql_command(), "serve", "--db", str(db_path), "--host", HOST]
    command += ["--port", str(port), "--workers", str(workers)]
    command += ["--response-cache", str(response_cache)]
    if explain:
        command.append("--explain")
    with running(
        f"gql-{workers}w",
        command,
        port=port,
        path="/graphql",
        ready_path="/healthz",
        log_path=log_path,
        startups=workers,
    ) as server:
        yield server
