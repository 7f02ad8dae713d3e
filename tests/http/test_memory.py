"""Memory is given back: a real `gql serve` worker after many distinct large requests."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.http.servers import serve_database

MB = 1 << 20


def test_distinct_large_requests_do_not_stay_in_the_worker(seeds_db: Path) -> None:
    """20 distinct queries of 9,500 IDs (76 kB and 9,500 tokens, within the request
    limits; ~6 MB parsed each): the document caches keep none of them (Strawberry's
    parser and validation caches, and the request guard's, kept every one: +85 MB). Each is parsed,
    validated and run; ``nodes`` then refuses more than 100 IDs. The bound leaves room
    for what the allocator keeps from one request's peak."""
    with serve_database(seeds_db) as server, httpx.Client(timeout=60) as client:
        client.post(f"{server.base}/graphql", json={"query": "{ __typename }"})
        before = server.rss_bytes()
        for n in range(20):
            listed = " ".join(f'"{n}-{i}"' for i in range(9_500))
            query = f"{{ nodes(ids: [{listed}]) {{ __typename }} }}"
            response = client.post(f"{server.base}/graphql", json={"query": query})
            [error] = response.json()["errors"]
            assert error["extensions"]["code"] == "INVALID_ARGUMENT", error
        growth = server.rss_bytes() - before
    assert growth < 50 * MB, f"{growth / MB:.0f} MB"
