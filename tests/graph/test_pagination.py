"""Orderings and cursor pagination, both ways, of every kind of list, against the files."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

import pytest

from tests.graph.helpers import ALL_URLS, FILES, LIST, Execute, data, has, urls

ORDERS = {
    "PUBLISHED_AT_DESC": ("publishedAt", True),
    "PUBLISHED_AT_ASC": ("publishedAt", False),
    "QUALITY_DESC": ("quality", True),
    "QUALITY_ASC": ("quality", False),
    "HEAT_DESC": ("heat", True),
    "HEAT_ASC": ("heat", False),
    "TITLE_ASC": ("title", False),
    "TITLE_DESC": ("title", True),
}


def _expected_key_sequence(field: str, descending: bool, matching: set[str]) -> list[Any]:
    key = {
        "publishedAt": "publishedDateTime",
        "quality": "quality",
        "heat": "heat",
        "title": "title",
    }[field]
    values = [m.get(key) for m in FILES if m["webUrl"].strip() in matching]
    present = sorted((v for v in values if v is not None), reverse=descending)
    missing = [None] * (len(values) - len(present))
    return [v.isoformat() if isinstance(v, datetime) else v for v in present] + missing


async def _forward(execute: Execute, variables: dict[str, Any], size: int) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = (await data(execute, LIST, {**variables, "first": size, "after": after}))["articles"]
        seen += [n["url"] for n in page["nodes"]]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def _backward(execute: Execute, variables: dict[str, Any], size: int) -> list[str]:
    seen: list[str] = []
    before = None
    while True:
        page = (await data(execute, LIST, {**variables, "last": size, "before": before}))[
            "articles"
        ]
        seen = [n["url"] for n in page["nodes"]] + seen
        assert page["pageInfo"]["hasNextPage"] == (before is not None)
        if not page["pageInfo"]["hasPreviousPage"]:
            return seen
        before = page["pageInfo"]["startCursor"]


@pytest.mark.parametrize("order", sorted(ORDERS))
@pytest.mark.parametrize(
    "article_filter", [None, {"quality": {"isNull": False}}, {"hasRelated": False}]
)
async def test_pages_forward_and_backward_in_every_order(
    execute: Execute, order: str, article_filter: dict[str, Any] | None
) -> None:
    variables = {"f": article_filter, "o": [order]}
    full = (await data(execute, LIST, {**variables, "first": 100}))["articles"]
    field, descending = ORDERS[order]
    matching = {n["url"] for n in full["nodes"]}
    expected_urls = (
        ALL_URLS
        if article_filter is None
        else urls(
            (lambda m: has(m, "quality"))
            if "quality" in article_filter
            else (lambda m: not m.get("related"))
        )
    )
    assert matching == expected_urls
    got_keys = [n[field] for n in full["nodes"]]
    want = _expected_key_sequence(field, descending, matching)
    if field == "publishedAt":
        got_keys = [datetime.fromisoformat(k).isoformat() if k else None for k in got_keys]
    assert got_keys == want
    ordered = [n["url"] for n in full["nodes"]]
    assert await _forward(execute, variables, 7) == ordered
    assert await _backward(execute, variables, 7) == ordered
    assert await _forward(execute, variables, 1) == ordered


async def test_ties_are_broken_stably_with_secondary_keys(execute: Execute) -> None:
    variables = {"f": None, "o": ["HEAT_ASC", "TITLE_DESC"]}
    full = (await data(execute, LIST, {**variables, "first": 100}))["articles"]["nodes"]
    keyed = [(n["heat"] is None, n["heat"], n["title"]) for n in full]
    # heat ascending with missing values last, then title Z to A within equal heat.
    for a, b in pairwise(keyed):
        assert (a[0], a[1] if a[1] is not None else 0) <= (b[0], b[1] if b[1] is not None else 0)
        if a[:2] == b[:2]:
            assert a[2] >= b[2]
    assert sum(1 for n in full if n["heat"] == -1) > 5
    assert await _forward(execute, variables, 4) == [n["url"] for n in full]
    assert await _backward(execute, variables, 4) == [n["url"] for n in full]


async def test_a_cursor_of_another_ordering_is_refused(execute: Execute) -> None:
    first = await data(execute, LIST, {"o": ["HEAT_DESC"], "first": 2})
    cursor = first["articles"]["pageInfo"]["endCursor"]
    result = await execute(LIST, {"o": ["TITLE_ASC"], "first": 2, "after": cursor})
    assert result.errors[0].extensions["code"] == "INVALID_CURSOR"
    both = await execute(LIST, {"first": 2, "last": 2})
    assert both.errors[0].extensions["code"] == "INVALID_ARGUMENT"
    relevance = await execute(LIST, {"o": ["RELEVANCE"]})
    assert "search results only" in relevance.errors[0].message


async def _walk(execute: Execute, query: str, page: int) -> tuple[list[str], int]:
    """Every node id of a list, page by page, checking the page info on the way."""
    seen: list[str] = []
    after = None
    while True:
        result = await data(execute, query, {"first": page, "after": after})
        connection = result["x"] if "edges" in result["x"] else next(iter(result["x"].values()))
        assert len(connection["edges"]) <= page
        seen += [e["node"]["id"] for e in connection["edges"]]
        assert connection["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not connection["pageInfo"]["hasNextPage"]:
            return seen, connection["totalCount"]
        after = connection["pageInfo"]["endCursor"]
        assert after == connection["edges"][-1]["cursor"]


@pytest.mark.parametrize(
    ("list_query", "page"),
    [
        ('topic(slug: "ai") { articles(first: $first, after: $after) { %s } }', 7),
        ('provider(domain: "prnewswire.com") { articles(first: $first, after: $after) { %s } }', 1),
        ("articles(first: $first, after: $after) { %s }", 9),
        ("providers(first: $first, after: $after) { %s }", 13),
        ("topics(first: $first, after: $after) { %s }", 5),
    ],
)
async def test_paging_visits_every_item_once(execute: Execute, list_query: str, page: int) -> None:
    selection = (
        "totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id } }"
    )
    query = "query($first: Int, $after: String) { x: %s }" % (list_query % selection)
    small, total = await _walk(execute, query, page)
    large, _ = await _walk(execute, query, 100)
    assert small == large
    assert len(small) == len(set(small)) == total > page


async def test_articles_are_newest_first(execute: Execute) -> None:
    result = await data(execute, "{ articles(first: 100) { nodes { publishedAt } } }")
    dates = [a["publishedAt"] for a in result["articles"]["nodes"]]
    assert dates == sorted(dates, reverse=True)
