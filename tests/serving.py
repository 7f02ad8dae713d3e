"""A real server for end-to-end tests: ``gql serve`` (uvicorn) on a free port, its output
read as it comes, so a test can wait for a log line or read the worker's memory."""

from __future__ import annotations

import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

# Options that let the attacks run, so that only the deadline can stop them.
NO_SHAPE_LIMITS = (
    "--max-depth", "200", "--max-fields", "100000", "--max-field-repeats", "100000",
    "--max-cost", str(10**15),
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base: str
    process: subprocess.Popen[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def post(self, query: str, *, timeout: float = 20, **body: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base}/graphql", json={"query": query, **body}, timeout=timeout
        )
        result: dict[str, Any] = response.json()
        return result

    def wait_for_line(self, text: str, timeout: float = 30) -> str:
        """The first output line containing ``text``; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        for line in self.seen:
            if text in line:
                return line
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} in the server's output:\n{''.join(self.seen)}")

    def started_workers(self, count: int, *, timeout: float = 60) -> list[int]:
        """The pids of the first ``count`` workers uvicorn started (from its output)."""
        deadline = time.monotonic() + timeout
        while True:
            while not self.lines.empty():
                self.seen.append(self.lines.get_nowait())
            pids = [
                int(found.group(1))
                for line in self.seen
                if (found := re.search(r"Started server process \[(\d+)\]", line))
            ]
            if len(pids) >= count or time.monotonic() > deadline:
                assert len(pids) >= count, "".join(self.seen)
                return pids[:count]
            time.sleep(0.1)

    def rss_kb(self) -> int:
        """Resident memory of the server process (one worker: the process itself)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")


@contextmanager
def serving(db: Path | str, tmp_path: Path, *options: str) -> Iterator[Server]:
    """``gql serve`` on a copy of ``db`` (a PostgreSQL URL as it is) with ``options``;
    stopped (SIGTERM) on exit."""
    copy: Path | str = db
    if isinstance(db, Path):
        copy = tmp_path / f"served-{free_port()}.db"
        shutil.copy(db, copy)
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gql.cli", "serve", "--db", str(copy), "--port", str(port)),
            *("--response-cache", "0", *options),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(f"http://127.0.0.1:{port}", process)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + "".join(server.seen))
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
