"""Memory is given back: a real `gql serve` worker after many distinct large requests."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.http.servers import serve_database

MB = 1 << 20


def test_distinct_large_requests_do_not_stay_in_the_worker(seeds_db: Path) -> None:
    """20 distinct queries of 5,500 aliased fields (97 kB, ~10 MB parsed each): the
    document caches keep none of them (Strawberry's parser and validation caches kept
    every one: +120 MB for 20), the response cache their 100 kB answers. The bound
    leaves room for what the allocator keeps from one request's peak."""
    with serve_database(seeds_db) as server, httpx.Client(timeout=60) as client:
        client.post(f"{server.base}/graphql", json={"query": "{ __typename }"})
        before = server.rss_bytes()
        for n in range(20):
            fields = " ".join(f"a{i}: __typename" for i in range(5_500))
            query = f"{{ n{n}: __typename {fields} }}"
            response = client.post(f"{server.base}/graphql", json={"query": query})
            assert response.status_code == 200 and len(response.json()["data"]) == 5_501
        growth = server.rss_bytes() - before
    assert growth < 50 * MB, f"{growth / MB:.0f} MB"
