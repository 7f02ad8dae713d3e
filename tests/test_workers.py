"""``gql serve --workers N``: connections opened at once spread over the workers.

With one listening socket shared by all workers, the first worker to wake accepts every
waiting connection; ``gql.cli.workers`` gives each worker a socket of its own
(``SO_REUSEPORT``). Which worker holds a connection is read from ``/proc``: the worker
whose file descriptors include the connection's socket.
"""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serving import serving

CONNECTIONS = 48


def established_inodes(port: int, state: str = "01") -> set[str]:
    """Socket inodes of the TCP connections to local ``port`` (listening ones for state
    ``0A``)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, inode = fields[1], fields[9]
            if int(local.rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(inode)
    return inodes


def connections_held(pid: int, inodes: set[str]) -> int:
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if (found := re.fullmatch(r"socket:\[(\d+)\]", target)) and found.group(1) in inodes:
            held += 1
    return held


def open_connections(port: int, count: int) -> list[socket.socket]:
    """``count`` keep-alive connections opened at once (each connect started before the
    first completes, as a load balancer or a benchmark opens its pool), each then
    answered once, so that a worker has accepted it."""
    clients = []
    for _ in range(count):
        client = socket.socket()
        client.setblocking(False)
        client.connect_ex(("127.0.0.1", port))
        clients.append(client)
    for client in clients:
        select.select([], [client], [], 20)
        client.setblocking(True)
        client.settimeout(20)
    request = b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n"
    for client in clients:
        client.sendall(request)
    for client in clients:
        assert client.recv(65536).startswith(b"HTTP/1.1 200"), "no answer"
    return clients


def assert_spread(port: int, pids: list[int]) -> None:
    """Connections opened at once are all held by the workers ``pids``, each some: by
    the kernel's hash, a worker of three is left none of 48 connections with a chance
    of 3 * (2/3)**48, about 1 in 100 million."""
    clients = open_connections(port, CONNECTIONS)
    try:
        inodes = established_inodes(port)
        held = {pid: connections_held(pid, inodes) for pid in pids}
        assert sum(held.values()) == CONNECTIONS, held
        assert all(held.values()), held
    finally:
        for client in clients:
            client.close()


@pytest.mark.parametrize("workers", [2])
def test_connections_opened_at_once_spread_over_the_workers(
    seeds_db: Path, tmp_path: Path, workers: int
) -> None:
    with serving(seeds_db, tmp_path, "--workers", str(workers)) as server:
        port = int(server.base.rsplit(":", 1)[1])
        pids = server.started_workers(workers)
        assert_spread(port, pids)


def test_each_worker_listens_on_a_socket_of_its_own(seeds_db: Path, tmp_path: Path) -> None:
    """One listening socket per worker (the kernel balances between sockets, not between
    the processes that accept on one)."""
    with serving(seeds_db, tmp_path, "--workers", "3") as server:
        port = int(server.base.rsplit(":", 1)[1])
        pids = server.started_workers(3)
        listening = established_inodes(port, "0A")
        held = [connections_held(pid, listening) for pid in pids]
        assert len(listening) == 3 and held == [1, 1, 1], (listening, held)
        assert_spread(port, pids)


def test_a_killed_worker_is_replaced_on_its_socket(seeds_db: Path, tmp_path: Path) -> None:
    """After a worker dies, new connections are answered on every socket again: none is
    refused or left waiting on a socket without a worker."""
    with serving(seeds_db, tmp_path, "--workers", "2") as server:
        port = int(server.base.rsplit(":", 1)[1])
        first = server.started_workers(2)
        os.kill(first[0], signal.SIGKILL)
        pids = server.started_workers(3)
        live = [pid for pid in pids if pid != first[0]]
        assert_spread(port, live)


@pytest.mark.parametrize("reuse_port", [False, True])
def test_a_port_in_use_is_one_line_and_never_shared(
    seeds_db: Path, tmp_path: Path, reuse_port: bool
) -> None:
    """Whatever holds the port (even sockets that allow sharing it, as another server's
    workers do), ``gql serve --workers 2`` refuses it in one line, exit status 1."""
    with socket.socket() as holder:
        if reuse_port:
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        command = [sys.executable, "-m", "gql.cli", "serve", "--db", str(seeds_db)]
        run = subprocess.run(
            [*command, "--port", str(port), "--workers", "2"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 1, run.stderr
    assert f"Error: cannot listen on 127.0.0.1:{port}: Address already in use" in run.stderr
    assert "Traceback" not in run.stderr
