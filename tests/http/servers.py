"""Real servers for end-to-end tests: `gql serve` (uvicorn) on a free port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
    base URL once /healthz answers, and stops it afterwards."""
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
                output = process.stdout.read() if process.stdout else ""
                raise RuntimeError(f"server did not start:\n{output}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
