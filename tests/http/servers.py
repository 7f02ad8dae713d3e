"""Real servers for end-to-end tests: `gql serve` (uvicorn) on a free port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gql_serve(root: Path, *options: str) -> Iterator[str]:
    """`gql serve` loading a copy of seeds/ into a fresh database under ``root``; yields its
    base URL once /healthz answers, and stops it afterwards. Its output (an access log
    line per request) is read as it comes: a pipe nobody reads fills, and the server
    stops at its next line."""
    seeds = root / "seeds"
    shutil.copytree(REPO / "seeds", seeds)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gql.cli",
            "serve",
            "--db",
            str(root / "gql.db"),
            "--seeds",
            str(seeds),
            "--port",
            str(port),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                reader.join(timeout=10)
                raise RuntimeError("server did not start:\n" + "".join(output))
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass(frozen=True)
class Server:
    """A running `gql serve`: its base URL and its process (one worker: uvicorn runs in it)."""

    base: str
    process: subprocess.Popen[str]

    def rss_bytes(self) -> int:
        """The server process's resident memory, from /proc (VmRSS)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        [kilobytes] = [line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")]
        return int(kilobytes) * 1024


def serve_command(db: Path, *options: str, port: int | None = None) -> list[str]:
    """The command line of `gql serve` for an existing database, on ``port`` (by default
    a free one)."""
    return [
        sys.executable,
        "-m",
        "gql.cli",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port or free_port()),
        *options,
    ]


@contextmanager
def serve_database(db: Path, *options: str) -> Iterator[Server]:
    """`gql serve` over an existing database file; yields once it answers HTTP at all
    (/healthz with any status: a database may be served, and unready)."""
    with serving(serve_command(db, *options)) as server:
        yield server


@contextmanager
def serving(command: list[str], port: int | None = None) -> Iterator[Server]:
    """Run ``command`` (a `gql serve` on ``port``, by default the one of its ``--port``
    option); yields once /healthz answers with any status, and stops it afterwards."""
    if port is None:
        port = int(command[command.index("--port") + 1])
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=5)
                break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read() if process.stdout else ""
                raise RuntimeError(f"server did not start:\n{output}")
            time.sleep(0.1)
        yield Server(base, process)
    finally:
        process.terminate()
        process.wait(timeout=10)
