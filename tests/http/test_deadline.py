"""Work that is cut short really stops, against a real uvicorn: a request past its
deadline, a request whose client went away, and a server told to stop (SIGTERM).

The attack that runs here is the issue's "related { article { ..." doubling, with the
shape and cost limits lifted so that only the deadline, the disconnect or the shutdown
can end it. Timeouts are generous: a test asserts that something happened before a
timeout, never how fast.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import attacks
from tests.serving import NO_SHAPE_LIMITS, Server, serving

ATTACK = attacks.doubling_related(25)
TYPENAME = {"data": {"__typename": "Query"}}
# uvicorn exits with the signal it shut down for, after a clean shutdown.
STOPPED = (0, -signal.SIGTERM)


def in_background(server: Server, query: str) -> tuple[threading.Thread, dict[str, Any]]:
    """Send ``query`` from a thread; the dict gets its ``answer`` or its ``error``."""
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["answer"] = server.post(query, timeout=120)
        except (httpx.HTTPError, ValueError) as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=send)
    thread.start()
    return thread, outcome


def send_now(server: Server, query: str) -> socket.socket:
    """Send ``query`` as a raw HTTP request before returning (a thread might send it only
    after the server was told to stop); ``read_answer`` reads the answer later."""
    host, port = server.base.removeprefix("http://").split(":")
    body = json.dumps({"query": query}).encode()
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    connection = socket.create_connection((host, int(port)), timeout=120)
    connection.sendall(head.encode() + body)
    return connection


def read_answer(connection: socket.socket) -> dict[str, Any]:
    """The JSON body of the answer on ``connection`` (the server closes it after)."""
    chunks = []
    with connection:
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    _, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    answer: dict[str, Any] = json.loads(body)
    return answer


def typename(server: Server) -> dict[str, Any]:
    answer = server.post("{ __typename }", timeout=20)
    return {"data": answer["data"]}


def test_a_request_past_its_deadline_is_stopped(seeds_db: Path, tmp_path: Path) -> None:
    with serving(seeds_db, tmp_path, *NO_SHAPE_LIMITS, "--request-time-limit-ms", "1500") as server:
        thread, outcome = in_background(server, ATTACK)
        assert typename(server) == TYPENAME  # answered while the attack runs
        thread.join(timeout=120)
        answer = outcome["answer"]
        assert answer["data"] is None
        [error] = answer["errors"]
        assert error["extensions"]["code"] == "TIMEOUT"
        assert "1500 ms" in error["message"]
        assert typename(server) == TYPENAME
        # The memory of a stopped request is given back: more of them do not add up.
        first = server.rss_kb()
        for _ in range(3):
            assert server.post(ATTACK, timeout=120)["errors"][0]["extensions"]["code"] == "TIMEOUT"
        assert server.rss_kb() < 2 * first


def test_a_client_that_disconnects_cancels_its_request(seeds_db: Path, tmp_path: Path) -> None:
    with serving(
        seeds_db, tmp_path, *NO_SHAPE_LIMITS, "--request-time-limit-ms", "120000"
    ) as server:
        with pytest.raises(httpx.TimeoutException):
            server.post(ATTACK, timeout=1)  # the client gives up and closes the connection
        assert "POST /graphql cancelled: the client disconnected" in server.wait_for_line(
            "cancelled"
        )
        assert typename(server) == TYPENAME


def test_sigterm_lets_in_flight_requests_finish_then_exits(seeds_db: Path, tmp_path: Path) -> None:
    options = (*NO_SHAPE_LIMITS, "--request-time-limit-ms", "2000", "--shutdown-grace-s", "30")
    with serving(seeds_db, tmp_path, *options) as server:
        attack = send_now(server, ATTACK)
        # Answered after the attack's connection was accepted: the attack is in flight.
        assert typename(server) == TYPENAME
        server.process.send_signal(signal.SIGTERM)
        # Drained: the request in flight got its answer (its deadline came first).
        assert read_answer(attack)["errors"][0]["extensions"]["code"] == "TIMEOUT"
        assert server.process.wait(timeout=60) in STOPPED


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_ends_what_outlasts_the_grace_period(
    seeds_db: Path, tmp_path: Path, workers: str
) -> None:
    options = (*NO_SHAPE_LIMITS, "--request-time-limit-ms", "600000", "--shutdown-grace-s", "1")
    with serving(seeds_db, tmp_path, *options, "--workers", workers) as server:
        thread, outcome = in_background(server, ATTACK)
        assert typename(server) == TYPENAME
        server.process.send_signal(signal.SIGTERM)
        # The attack would run for minutes: the server stops it and exits anyway.
        assert server.process.wait(timeout=60) in STOPPED
        thread.join(timeout=60)
        assert "answer" not in outcome or outcome["answer"].get("data") is None
