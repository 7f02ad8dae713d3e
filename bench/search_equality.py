"""Search results of two checkouts compared on one database: the same JSON, or the first
difference.

A change to the search statements must leave every response as it was: ranks (ties
included), order, cursors, counts, facets, snippets and the errors of bad queries. This
runs a fixed set of searches (words, phrases, prefixes, operators, bad syntax; filters on
dates, topics, providers, scores and text; every ordering; pages forward through three
pages and backward from the last; with and without ``totalCount`` and facets) through
each checkout's own app (its own ``.venv``, in-process through ASGI), then compares the
responses. Not part of ``make test``: it needs a large database to mean much.

    python -m bench.search_equality --baseline /work/wt/baseline-s10 --candidate . \\
        --db /work/benchdata/gql-100k-v6.db
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

FULL = """
query Search($q: String!, $filter: ArticleFilter, $order: [ArticleOrder!], $first: Int,
             $after: String, $last: Int, $before: String) {
  search(query: $q, filter: $filter, orderBy: $order, first: $first, after: $after,
         last: $last, before: $before) {
    totalCount
    edges { cursor rank snippet node { id title publishedAt quality } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    facets {
      topics(first: 5) { topic { name } count }
      providers(first: 5) { provider { domain } count }
      publishedByMonth(first: 6) { month count }
      published { value count }
    }
  }
}
"""
PAGE_ONLY = """
query Search($q: String!, $filter: ArticleFilter, $order: [ArticleOrder!], $first: Int,
             $after: String, $last: Int, $before: String) {
  search(query: $q, filter: $filter, orderBy: $order, first: $first, after: $after,
         last: $last, before: $before) {
    edges { cursor rank snippet node { id title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
COUNT_ONLY = """
query Search($q: String!, $filter: ArticleFilter) {
  search(query: $q, filter: $filter, first: 1) { totalCount }
}
"""

SEARCHES = (
    "open source",
    '"open source"',
    "open*",
    "vision",
    "agentic robots",
    "microsoft OR google",
    "models NOT synthetic",
    "NEAR(open source, 2)",
    "title: banks",
    "sel*",
    "zzzznotaword",
    "open-source",
    '"unterminated',
    "AND",
)
FILTERS: tuple[dict[str, Any] | None, ...] = (
    None,
    {"publishedAt": {"gte": "2022-01-01T00:00:00Z"}},
    {
        "publishedAt": {"gte": "2022-01-01T00:00:00Z"},
        "topics": {"some": {"name": {"in": ["Natural Language Processing", "Machine Learning"]}}},
    },
    {"quality": {"gte": 60}, "published": True},
    {"provider": {"name": {"in": ["VentureBeat", "Medium", "Mint"]}}},
    {"title": {"contains": "vision"}},
    {"or": [{"heat": {"lt": 20}}, {"not": {"publishedAt": {"lt": "2020-01-01T00:00:00Z"}}}]},
    {"topics": {"none": {"name": {"eq": "AI"}}}, "hasRelated": True},
    {"topics": {"some": {"slug": {"eq": "ai"}}}},
    {
        "and": [
            {"publishedAt": {"lt": "2023-01-01T00:00:00Z"}},
            {"publishedAt": {"gt": "2020-06-01T00:00:00Z"}},
            {"topics": {"some": {"root": True}}},
        ],
        "quality": {"gte": 40},
    },
    {
        "topics": {"some": {"name": {"startsWith": "machine"}}},
        "provider": {"name": {"in": ["VentureBeat", "Medium"]}},
    },
)
ORDERS: tuple[list[str] | None, ...] = (
    None,
    ["PUBLISHED_AT_DESC"],
    ["QUALITY_ASC", "RELEVANCE"],
    ["TITLE_ASC"],
    ["HEAT_DESC"],
)


def _plan() -> list[tuple[str, dict[str, Any]]]:
    """The first requests of every chain: each search with each filter, orderings in turn
    (every ordering meets every search)."""
    requests = []
    orders = itertools.cycle(ORDERS)
    for search in SEARCHES:
        for filter_ in FILTERS:
            requests.append((search, {"q": search, "filter": filter_, "order": next(orders)}))
    return requests


async def _post(app: Any, state: dict[str, Any], body: bytes) -> tuple[int, bytes]:
    """One POST /graphql straight through ASGI: its status and body. (This file runs
    inside the baseline's checkout too, whose ``bench`` may predate any shared helper:
    what it needs beyond ``bench.overhead._started`` is written here.)"""
    delivered = False
    status = 0
    chunks: list[bytes] = []
    never = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await never.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    headers = [
        (b"host", b"bench"),
        (b"content-type", b"application/json"),
        (b"accept", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": "POST", "scheme": "http", "path": "/graphql", "raw_path": b"/graphql",
        "query_string": b"", "root_path": "", "headers": headers,
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": dict(state),
    }  # fmt: skip
    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _collect(db: Path) -> list[Any]:
    """Every response of the plan on this checkout (run inside the checkout's venv)."""
    from bench.overhead import _started
    from gql.app import create_app
    from gql.settings import Settings

    app = create_app(Settings(db_path=db, response_cache_entries=0))
    state, stop, task = await _started(app)
    out: list[Any] = []

    async def ask(document: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"query": document, "variables": variables}).encode()
        status, raw = await _post(app, state, body)
        response: dict[str, Any] = json.loads(raw)
        out.append([document[:40].split()[0:2], variables, status, response])
        return response

    for _, variables in _plan():
        after = None
        last_cursor = None
        for _ in range(3):
            response = await ask(FULL, {**variables, "first": 20, "after": after})
            await ask(PAGE_ONLY, {**variables, "first": 20, "after": after})
            search = (response.get("data") or {}).get("search")
            if not search or not search["pageInfo"]["hasNextPage"]:
                break
            after = last_cursor = search["pageInfo"]["endCursor"]
        if last_cursor is not None:
            await ask(FULL, {**variables, "last": 10, "before": last_cursor})
            await ask(PAGE_ONLY, {**variables, "last": 7, "before": last_cursor})
        await ask(COUNT_ONLY, {"q": variables["q"], "filter": variables["filter"]})
    stop.set()
    await task
    return out


def _run(checkout: Path, db: Path) -> list[Any]:
    """The plan's responses from ``checkout``'s code and virtualenv (this file is run as a
    script there, so that ``gql`` is the checkout's own)."""
    checkout = checkout.resolve()
    venv = checkout / ".venv" / "bin" / "python"
    result = subprocess.run(
        [str(venv if venv.exists() else sys.executable), __file__, "--collect", str(db)],
        check=True,
        capture_output=True,
        text=True,
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
    )
    responses: list[Any] = json.loads(result.stdout)
    return responses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collect", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--candidate", type=Path, default=Path("."))
    parser.add_argument("--db", type=Path)
    args = parser.parse_args(argv)
    if args.collect is not None:
        print(json.dumps(asyncio.run(_collect(args.collect))))
        return 0
    if args.baseline is None or args.db is None:
        parser.error("--baseline and --db are required")
    baseline = _run(args.baseline, args.db)
    candidate = _run(args.candidate, args.db)
    if len(baseline) != len(candidate):
        print(f"different requests: {len(baseline)} vs {len(candidate)}")
        return 1
    errors = sum(1 for *_, body in baseline if "errors" in body)
    hits = sum(
        1 for *_, body in baseline if (body.get("data") or {}).get("search", {}).get("edges")
    )
    for old, new in zip(baseline, candidate, strict=True):
        if old != new:
            print("differ:", json.dumps(old)[:2000], "\n   vs:", json.dumps(new)[:2000])
            return 1
    print(f"{len(baseline)} responses equal ({hits} with hits, {errors} with errors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
