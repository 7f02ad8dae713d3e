"""Facets of article lists and of searches equal the counts taken from the files."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.graph.helpers import ALL_URLS, FILES, Execute, data, domain_of, urls

FACETS = """query($f: ArticleFilter) { articles(filter: $f, first: 1) { totalCount facets {
  topics(first: 100) { topic { name } count } providers(first: 100) { provider { domain } count }
  publishedByMonth(first: 100) { month count } published { value count } } } }"""


@pytest.mark.parametrize(
    "article_filter",
    [None, {"publishedAt": {"gte": "2022-01-01T00:00:00Z"}}, {"hasRelated": True}],
)
async def test_facet_counts_equal_counts_from_the_files(
    execute: Execute, article_filter: dict[str, Any] | None
) -> None:
    result = await data(execute, FACETS, {"f": article_filter})
    facets = result["articles"]["facets"]
    selected = (
        ALL_URLS
        if article_filter is None
        else urls(
            (lambda m: m["publishedDateTime"] >= datetime(2022, 1, 1, tzinfo=UTC))
            if "publishedAt" in article_filter
            else (lambda m: bool(m.get("related")))
        )
    )
    files = [m for m in FILES if m["webUrl"].strip() in selected]
    assert result["articles"]["totalCount"] == len(files)
    assert {f["topic"]["name"]: f["count"] for f in facets["topics"]} == Counter(
        t for m in files for t in set(m["topics"])
    )
    assert {f["provider"]["domain"]: f["count"] for f in facets["providers"]} == Counter(
        domain_of(m) for m in files
    )
    assert {f["month"]: f["count"] for f in facets["publishedByMonth"]} == Counter(
        m["publishedDateTime"].strftime("%Y-%m") for m in files
    )
    assert {f["value"]: f["count"] for f in facets["published"]} == Counter(
        m.get("published") for m in files
    )
    counts = [f["count"] for f in facets["topics"]]
    assert counts == sorted(counts, reverse=True)
    months = [f["month"] for f in facets["publishedByMonth"]]
    assert months == sorted(months, reverse=True)


async def test_search_facets_follow_the_search(execute: Execute) -> None:
    result = await data(
        execute,
        'query { search(query: "facebook") { totalCount facets { topics(first: 100) '
        "{ topic { name } count } } } }",
    )
    matched = [m for m in FILES if "facebook" in (m["title"] + " " + m["excerpt"]).casefold()]
    assert result["search"]["totalCount"] == len(matched)
    assert {f["topic"]["name"]: f["count"] for f in result["search"]["facets"]["topics"]} == (
        Counter(t for m in matched for t in set(m["topics"]))
    )
