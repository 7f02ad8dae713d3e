"""``/metrics`` of a real uvicorn, read with prometheus-client's own parser: counts summed
over two workers, bounded operation labels, errors, SQL, batches, cache, data version.

Expected counts are the requests sent; expected figures per request come from running
the same document in process (SQL statements) and from its answer (the keys its loaders
batch: the articles and their distinct publishers).
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from gql.http.metrics import BATCH_BUCKETS, MAX_OPERATION_LABELS, observe_all
from tests.http.logs import access_lines
from tests.serving import Server, serving

# One batch of the three articles' ids (topics), one of their publishers' ids.
FRONT = "query Front { articles(first: 3) { nodes { provider { domain } topics { name } } } }"
COUNT = "query Count { articles(first: 1) { totalCount } }"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(base: str) -> Samples:
    response = httpx.get(f"{base}/metrics")
    assert response.status_code == 200
    return parse(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def front_requests(route: str = "/graphql", operation: str = "Front") -> dict[str, str]:
    return {"route": route, "operation": operation, "status": "200"}


def post(base: str, query: str, **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = httpx.post(
        f"{base}/graphql", json={"query": query, **body}, timeout=30
    ).json()
    return result


def worker_counts(folder: Path) -> dict[int, float]:
    """Front requests counted by each worker, from its own file (``counter_<pid>.db``)."""
    counts: dict[int, float] = {}
    for path in folder.glob("counter_*.db"):
        pid = int(re.fullmatch(r"counter_(\d+)\.db", path.name).group(1))  # type: ignore[union-attr]
        merged = MultiProcessCollector.merge([str(path)])
        counts[pid] = sum(
            sample.value
            for family in merged
            for sample in family.samples
            if sample.name == "gql_requests_total" and sample.labels == front_requests()
        )
    return counts


async def test_two_workers_count_into_one_sum(
    seeds_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, execute: Any
) -> None:
    """K requests spread over two workers read back as K from either worker; a killed
    worker's counts stay, and it stops counting among the live ones."""
    # Field by field, so that the loaders' batches are counted too (a whole statement
    # reads without loaders).
    monkeypatch.setenv("GQL_STATEMENTS", "0")
    in_process: int = (await execute(FRONT)).extensions["statements"]
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    with serving(seeds_db, tmp_path, "--workers", "2") as server:
        [folder] = temp.glob("gql-metrics-*")
        sent = 0
        answer: dict[str, Any] = {}
        # New connections land on either worker; send until both have served some.
        with ThreadPoolExecutor(8) as pool:
            while sent < 400 and len([n for n in worker_counts(folder).values() if n]) < 2:
                answers = list(pool.map(lambda _: post(server.base, FRONT), range(40)))
                sent += len(answers)
                answer = answers[0]
        per_worker = worker_counts(folder)
        assert len([n for n in per_worker.values() if n]) == 2, per_worker
        assert sum(per_worker.values()) == sent
        for _ in range(4):  # whichever worker answers the scrape
            samples = scrape(server.base)
            assert value(samples, "gql_requests_total", **front_requests()) == sent
            assert value(samples, "gql_workers") == 2
        # Every request was logged, each on a line of its own.
        logged = access_lines(server, sent, path="/graphql")
        assert {(e["operation"], e["status"]) for e in logged} == {("Front", 200)}
        nodes = answer["data"]["articles"]["nodes"]
        keys = len(nodes) + len({node["provider"]["domain"] for node in nodes})
        assert value(samples, "gql_sql_statements_count") == sent
        assert value(samples, "gql_sql_statements_sum") == sent * in_process
        assert value(samples, "gql_loader_batch_size_count") == sent * 2
        assert value(samples, "gql_loader_batch_size_sum") == sent * keys

        victim = next(pid for pid, n in per_worker.items() if n)
        os.kill(victim, signal.SIGKILL)
        started = server.started_workers(3)  # uvicorn replaces the dead one
        assert victim in started[:2] and started[2] not in started[:2]
        samples = scrape(server.base)
        assert value(samples, "gql_requests_total", **front_requests()) == sent
        assert value(samples, "gql_workers") == 2
    # The folder goes with the server.
    server.wait_for_line("Finished server process")
    server.process.wait(timeout=30)
    assert list(temp.glob("gql-metrics-*")) == []


@pytest.fixture(scope="module")
def one_worker(seeds_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(seeds_db, tmp_path_factory.mktemp("metrics"), "--response-cache", "10") as s:
        yield s


def counted(base: str, send: Callable[[], object]) -> tuple[Samples, Samples]:
    """The metrics before and after ``send()``."""
    before = scrape(base)
    send()
    return before, scrape(base)


def test_operation_names_are_bounded(seeds_db: Path, tmp_path: Path) -> None:
    """A worker labels the first names it sees; later new ones, and names that are no
    GraphQL names, are "other"; anonymous operations are ""."""
    names = [f"Op{i}" for i in range(MAX_OPERATION_LABELS + 5)]
    with serving(seeds_db, tmp_path) as server:
        for name in names:
            answer = post(server.base, f"query {name} {{ topics(first: 1) {{ totalCount }} }}")
            assert "errors" not in answer
        assert "errors" not in post(server.base, "{ topics(first: 2) { totalCount } }")
        post(
            server.base, "query Mine { topics(first: 1) { totalCount } }", operationName="bad name"
        )
        samples = scrape(server.base)
    labelled = {
        dict(labels)["operation"]: count
        for (name, labels), count in samples.items()
        if name == "gql_requests_total" and dict(labels)["route"] == "/graphql"
    }
    assert labelled == {
        **{name: 1 for name in names[:MAX_OPERATION_LABELS]},
        "other": 6,
        "": 1,
    }
    other = {"route": "/graphql", "operation": "other"}
    assert value(samples, "gql_request_duration_seconds_count", **other) == 6


def test_errors_are_counted_by_code(one_worker: Server) -> None:
    def send() -> None:
        for _ in range(3):
            post(one_worker.base, "{ nope }")
        httpx.put(f"{one_worker.base}/graphql", json={"query": COUNT})

    before, after = counted(one_worker.base, send)
    for code, times in (("GRAPHQL_VALIDATION_FAILED", 3), ("METHOD_NOT_ALLOWED", 1)):
        delta = value(after, "gql_errors_total", code=code) - value(
            before, "gql_errors_total", code=code
        )
        assert delta == times, code


def test_response_cache_hits_and_misses_are_counted(one_worker: Server) -> None:
    query = "query Cached { providers(first: 2) { totalCount } }"

    def send() -> None:
        for _ in range(4):
            httpx.get(f"{one_worker.base}/graphql", params={"query": query})

    before, after = counted(one_worker.base, send)
    for result, times in (("hit", 3), ("miss", 1)):
        delta = value(after, "gql_response_cache_total", result=result) - value(
            before, "gql_response_cache_total", result=result
        )
        assert delta == times, result
    cached = {"route": "/graphql", "operation": "Cached", "status": "200"}
    assert value(after, "gql_requests_total", **cached) == 4


def test_metrics_carry_the_data_version_and_are_never_cached(one_worker: Server) -> None:
    version = httpx.get(f"{one_worker.base}/healthz").json()["dataVersion"]
    response = httpx.get(f"{one_worker.base}/metrics", headers={"x-request-id": "scrape-1"})
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers
    assert response.headers["x-request-id"] == "scrape-1"
    samples = parse(response.text)
    assert value(samples, "gql_data_version") == version
    assert value(samples, "gql_workers") == 1
    scraped = {"route": "/metrics", "operation": "", "status": "200"}
    assert (
        value(scrape(one_worker.base), "gql_requests_total", **scraped)
        == value(samples, "gql_requests_total", **scraped) + 1
    )


def test_no_metrics_serves_no_metrics(
    seeds_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    with serving(seeds_db, tmp_path, "--no-metrics") as server:
        assert httpx.get(f"{server.base}/metrics").status_code == 404
        assert list(tmp_path.glob("gql-metrics-*")) == []


def test_observing_all_at_once_counts_as_observing_each() -> None:
    """The batched observation against prometheus-client's own ``observe``, amount by
    amount, on bucket bounds, between them, below and above all of them."""
    amounts = [1, 1, 2, 3, 20, 20, 21, 999, 1000, 1001, 5000, 0, 0.5]
    one, each = CollectorRegistry(), CollectorRegistry()
    batched = Histogram("b", "b", buckets=BATCH_BUCKETS, registry=one)
    reference = Histogram("b", "b", buckets=BATCH_BUCKETS, registry=each)
    observe_all(batched, amounts)
    for amount in amounts:
        reference.observe(amount)
    created = "b_created"  # when each was made: microseconds apart
    assert {k: v for k, v in parse(generate_latest(one).decode()).items() if k[0] != created} == {
        k: v for k, v in parse(generate_latest(each).decode()).items() if k[0] != created
    }
