"""Article filters select exactly the articles the same condition selects in the files.

Expected results are computed here from an independent reading of the files
(``tests.corpus``), never copied from the API's output."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.graph.helpers import (
    ALL_URLS,
    FILES,
    LIST,
    Execute,
    Meta,
    data,
    domain_of,
    has,
    topics_of,
    urls,
)

# An ArticleFilter, and the same condition written in Python over the parsed files.
FILTERS: list[tuple[dict[str, Any], Callable[[Meta], bool]]] = [
    ({"title": {"contains": "AI"}}, lambda m: "ai" in m["title"].casefold()),
    ({"title": {"startsWith": "the "}}, lambda m: m["title"].casefold().startswith("the ")),
    ({"title": {"eq": FILES[0]["title"]}}, lambda m: m["title"] == FILES[0]["title"]),
    ({"title": {"ne": FILES[0]["title"]}}, lambda m: m["title"] != FILES[0]["title"]),
    (
        {"url": {"in": [FILES[1]["webUrl"], "https://nowhere.example/"]}},
        lambda m: m["webUrl"] == FILES[1]["webUrl"],
    ),
    (
        {"excerpt": {"contains": "intelligence"}},
        lambda m: "intelligence" in m["excerpt"].casefold(),
    ),
    ({"category": {"eq": "news"}}, lambda m: m["category"] == "news"),
    ({"type": {"ne": "article"}}, lambda m: m["type"] != "article"),
    ({"quality": {"gt": 60}}, lambda m: has(m, "quality") and m["quality"] > 60),
    (
        {"quality": {"gte": 66, "lte": 100}},
        lambda m: has(m, "quality") and 66 <= m["quality"] <= 100,
    ),
    ({"quality": {"lt": 30}}, lambda m: has(m, "quality") and m["quality"] < 30),
    ({"quality": {"ne": 66}}, lambda m: m.get("quality") != 66),
    ({"quality": {"isNull": True}}, lambda m: not has(m, "quality")),
    ({"heat": {"in": [-1, 136]}}, lambda m: m.get("heat") in (-1, 136)),
    ({"heat": {"eq": -1}}, lambda m: m.get("heat") == -1),
    ({"heat": {"isNull": False}}, lambda m: has(m, "heat")),
    (
        {"publishedAt": {"gte": "2023-01-01T00:00:00Z"}},
        lambda m: m["publishedDateTime"] >= datetime(2023, 1, 1, tzinfo=UTC),
    ),
    (
        {"publishedAt": {"lt": "2019-12-20T00:00:00+00:00"}},
        lambda m: m["publishedDateTime"] < datetime(2019, 12, 20, tzinfo=UTC),
    ),
    (
        {"publishedAt": {"eq": "2023-11-17T00:00:00Z"}},
        lambda m: m["publishedDateTime"] == datetime(2023, 11, 17, tzinfo=UTC),
    ),
    ({"published": True}, lambda m: m.get("published") is True),
    ({"published": False}, lambda m: m.get("published") is False),
    ({"not": {"published": True}}, lambda m: m.get("published") is not True),
    ({"not": {"quality": {"gt": 60}}}, lambda m: not (has(m, "quality") and m["quality"] > 60)),
    (
        {"provider": {"domain": {"eq": "venturebeat.com"}}},
        lambda m: domain_of(m) == "venturebeat.com",
    ),
    (
        {"provider": {"domain": {"in": ["prnewswire.com", "forbes.com"]}}},
        lambda m: domain_of(m) in ("prnewswire.com", "forbes.com"),
    ),
    (
        {"provider": {"name": {"eq": "VentureBeat"}}},
        lambda m: m["provider"]["name"] == "VentureBeat",
    ),
    ({"provider": {"not": {"domain": {"contains": ".com"}}}}, lambda m: ".com" not in domain_of(m)),
    (
        {"topics": {"some": {"name": {"eq": "Microsoft AI"}}}},
        lambda m: "Microsoft AI" in topics_of(m),
    ),
    (
        {"topics": {"some": {"slug": {"in": ["google-ai", "meta-ai"]}}}},
        lambda m: bool({"Google AI", "Meta AI"} & set(topics_of(m))),
    ),
    (
        {"topics": {"every": {"name": {"in": ["AI", "Google AI"]}}}},
        lambda m: set(topics_of(m)) <= {"AI", "Google AI"},
    ),
    (
        {"topics": {"none": {"name": {"eq": "AI Hardware"}}}},
        lambda m: "AI Hardware" not in topics_of(m),
    ),
    ({"topics": {"none": {"name": {"eq": "AI"}}}}, lambda m: "AI" not in topics_of(m)),
    ({"hasRelated": True}, lambda m: bool(m.get("related"))),
    ({"hasRelated": False}, lambda m: not m.get("related")),
    (
        {"citedByAny": True},
        lambda m: (
            m["webUrl"].strip()
            in {r["webUrl"].strip() for f in FILES for r in f.get("related", [])}
        ),
    ),
    (
        {"or": [{"title": {"contains": "meta"}}, {"excerpt": {"contains": "metaverse"}}]},
        lambda m: "meta" in m["title"].casefold() or "metaverse" in m["excerpt"].casefold(),
    ),
    (
        {"and": [{"quality": {"gt": 40}}, {"not": {"heat": {"eq": -1}}}]},
        lambda m: has(m, "quality") and m["quality"] > 40 and m.get("heat") != -1,
    ),
    (
        {"not": {"or": [{"published": True}, {"topics": {"some": {"name": {"eq": "Meta AI"}}}}]}},
        lambda m: not (m.get("published") is True or "Meta AI" in topics_of(m)),
    ),
    ({"or": []}, lambda m: False),
    ({"and": []}, lambda m: True),
    (
        {"quality": {"gt": 40}, "published": False, "topics": {"some": {"parent": {"eq": "AI"}}}},
        lambda m: (
            has(m, "quality")
            and m["quality"] > 40
            and m.get("published") is False
            and any(t != "AI" for t in topics_of(m))
        ),
    ),
]


@pytest.mark.parametrize(("article_filter", "expected"), FILTERS)
async def test_filter_matches_the_files(
    execute: Execute, article_filter: dict[str, Any], expected: Callable[[Meta], bool]
) -> None:
    query = (
        "query($f: ArticleFilter) { articles(filter: $f, first: 100) { totalCount nodes { url } } }"
    )
    result = await data(execute, query, {"f": article_filter})
    got = {n["url"] for n in result["articles"]["nodes"]}
    assert got == urls(expected)
    assert result["articles"]["totalCount"] == len(got)
    negated = await data(execute, query, {"f": {"not": article_filter}})
    assert {n["url"] for n in negated["articles"]["nodes"]} == ALL_URLS - got


def test_the_filter_table_is_not_trivial() -> None:
    sizes = [len(urls(expected)) for _, expected in FILTERS]
    assert sum(1 for s in sizes if 0 < s < len(FILES)) >= 30


async def test_deep_filters_are_refused(execute: Execute) -> None:
    deep: dict[str, Any] = {"published": True}
    for _ in range(30):
        deep = {"not": deep}
    result = await execute(LIST, {"f": deep})
    assert result.errors[0].extensions["code"] == "INVALID_ARGUMENT"
