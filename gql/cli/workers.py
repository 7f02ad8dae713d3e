"""uvicorn's worker processes, each listening on a socket of its own (``SO_REUSEPORT``).

uvicorn's own supervisor hands every worker the same listening socket. Whichever worker
wakes first accepts every connection then waiting (the event loop accepts in a loop), so
a client that opens its keep-alive connections in a burst (a load balancer, a benchmark,
a page's requests) lands them all on one worker, and two workers serve as one: 32
connections of wrk, all 32 on one worker. With ``SO_REUSEPORT`` each worker listens on
its own socket bound to the same address, and the kernel spreads new connections across
the sockets by a hash of their addresses.

The supervisor binds the sockets, listens on them, and holds them for the server's whole
life: a worker that dies is replaced on the same socket, so the connections that arrive
meanwhile wait in its backlog rather than being refused.

This extends ``uvicorn.supervisors.Multiprocess``: only the places where it makes a
worker process (start, replacing a dead one, ``SIGHUP``'s restart, ``SIGTTIN``/``SIGTTOU``)
are overridden, to give each worker its socket. The rest (health checks, signals,
graceful stop) is uvicorn's. When uvicorn changes those methods, ``tests/test_cli.py``'s
multi-worker tests (a killed worker is replaced; both workers answer) are the check.
"""

from __future__ import annotations

import logging
import socket

import click
from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("uvicorn.error")


def bind_reuse_port(host: str, port: int, count: int, backlog: int) -> list[socket.socket]:
    """``count`` listening sockets on one address (``port`` 0: one free port for all).

    The address is first bound once without ``SO_REUSEPORT``: that fails if anything
    listens there, where the group's own binds would join another process's sockets of
    the same user and split its traffic silently. A port in use is one line, not a
    traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            port = probe.getsockname()[1]
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]
            sock.listen(backlog)
            sock.set_inheritable(True)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class Workers(Multiprocess):
    """uvicorn's supervisor, with one listening socket per worker (see the module)."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets=[])
        self.worker_sockets = sockets
        self.processes_num = len(sockets)

    def _start(self, index: int) -> Process:
        process = Process(self.config, [self.worker_sockets[index]])
        process.start()
        return process

    def init_processes(self) -> None:
        for index in range(self.processes_num):
            self.processes.append(self._start(index))

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for index, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung: stop it for good
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                # It failed before serving: every restart would fail the same way.
                logger.error(f"Child process [{process.pid}] failed to start, stopping.")
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info(f"Child process [{process.pid}] died")
            self.processes[index] = self._start(index)

    def restart_all(self) -> None:
        """Replace each worker, its replacement serving on its socket before the old one
        stops (``SIGHUP``)."""
        for index, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._start(index)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    logger.error(
                        f"New child process [{new.pid}] was not ready in time; keeping"
                        f" worker [{old.pid}] and stopping the restart."
                    )
                return
            old.terminate()
            old.join()
            self.processes[index] = new

    def handle_ttin(self) -> None:
        logger.info("Received SIGTTIN, adding a worker.")
        host, port = self.worker_sockets[0].getsockname()[:2]
        [sock] = bind_reuse_port(host, port, 1, self.config.backlog)
        self.worker_sockets.append(sock)
        self.processes_num += 1
        self.processes.append(self._start(len(self.worker_sockets) - 1))

    def handle_ttou(self) -> None:
        logger.info("Received SIGTTOU, removing a worker.")
        if self.processes_num <= 1:
            logger.info("One worker is left: it stays.")
            return
        self.processes_num -= 1
        process = self.processes.pop()
        # Closed first: no new connection is routed to a socket nobody will accept on.
        self.worker_sockets.pop().close()
        process.terminate()
        process.join()

    def close(self) -> None:
        for sock in self.worker_sockets:
            sock.close()


def run_workers(config: Config) -> None:
    """Serve ``config.app`` (an import string) with ``config.workers`` workers."""
    sockets = bind_reuse_port(config.host, config.port, config.workers, config.backlog)
    supervisor = Workers(config, sockets)
    try:
        supervisor.run()
    finally:
        supervisor.close()
