"""Filters, orderings, pagination both ways, search and facets, against the seed files.

Expected results are computed here from an independent reading of the files
(``tests.corpus``), never copied from the API's output.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from gql.graph.context import Context
from gql.graph.schema import build_schema
from gql.settings import Settings
from gql.store import Store
from gql.sync.pipeline import load_into
from tests import corpus
from tests.conftest import SEEDS

Execute = Callable[..., Any]
Meta = dict[str, Any]
FILES: list[Meta] = list(corpus.read_articles(SEEDS).values())
ALL_URLS = {m["webUrl"].strip() for m in FILES}


async def data(execute: Execute, query: str, variables: dict[str, Any] | None = None) -> Any:
    result = await execute(query, variables)
    assert result.errors is None, result.errors
    return result.data


def urls(predicate: Callable[[Meta], bool]) -> set[str]:
    return {m["webUrl"].strip() for m in FILES if predicate(m)}


def has(m: Meta, key: str) -> bool:
    return m.get(key) is not None


def topics_of(m: Meta) -> list[str]:
    return list(m["topics"])


def domain_of(m: Meta) -> str:
    return corpus.domain(m["provider"]["domain"])


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


# --- ordering and pagination --------------------------------------------------------------

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
LIST = """query($f: ArticleFilter, $o: [ArticleOrder!], $first: Int, $after: String, $last: Int,
  $before: String) { articles(filter: $f, orderBy: $o, first: $first, after: $after,
  last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage
  startCursor endCursor } nodes { url title quality heat publishedAt } } }"""


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


# --- search -------------------------------------------------------------------------------


@pytest.fixture
async def small_corpus(tmp_path: Path) -> Any:
    """A database of three hand-written articles, for ranking and snippets."""
    folder = tmp_path / "files"
    folder.mkdir()
    texts = {
        "title.md": ("Quantum widgets change everything", "A short note on gadgets."),
        "excerpt.md": ("Gadget roundup", "Among other things, quantum widgets got cheaper."),
        "none.md": ("Nothing here", "Plain text about other matters."),
    }
    for n, (name, (title, excerpt)) in enumerate(texts.items()):
        (folder / name).write_text(
            f'---\ntitle: "{title}"\nexcerpt: "{excerpt}"\nwebUrl: https://e.x/{n}\n'
            f"publishedDateTime: 2024-01-0{n + 1}T00:00:00Z\n---\n"
        )
    db = tmp_path / "small.db"
    await load_into(db, [folder])
    store = await Store.open(db)
    schema = build_schema()

    async def run(query: str, variables: dict[str, Any] | None = None) -> Any:
        context = Context.for_request(store, Settings())
        return await schema.execute(query, variable_values=variables, context_value=context)

    yield run
    await store.close()


SEARCH = """query($q: String!, $f: ArticleFilter, $first: Int, $after: String) {
  search(query: $q, filter: $f, first: $first, after: $after) { totalCount
  pageInfo { hasNextPage endCursor } edges { cursor rank snippet node { url title } } } }"""


async def test_title_matches_rank_above_excerpt_matches(small_corpus: Execute) -> None:
    result = await data(small_corpus, SEARCH, {"q": "quantum"})
    edges = result["search"]["edges"]
    assert [e["node"]["title"] for e in edges] == [
        "Quantum widgets change everything",
        "Gadget roundup",
    ]
    assert edges[0]["rank"] < edges[1]["rank"]
    assert "<mark>Quantum</mark>" in edges[0]["snippet"]
    assert "<mark>quantum</mark>" in edges[1]["snippet"]
    assert result["search"]["totalCount"] == 2


async def test_phrase_and_prefix_queries(small_corpus: Execute) -> None:
    phrase = await data(small_corpus, SEARCH, {"q": '"widgets got"'})
    assert [e["node"]["title"] for e in phrase["search"]["edges"]] == ["Gadget roundup"]
    prefix = await data(small_corpus, SEARCH, {"q": "gadg*"})
    assert {e["node"]["title"] for e in prefix["search"]["edges"]} == {
        "Quantum widgets change everything",
        "Gadget roundup",
    }


@pytest.mark.parametrize("bad", ['"unterminated', "AND", "state-of-the-art", "c++", "("])
async def test_bad_search_syntax_is_a_clear_error(execute: Execute, bad: str) -> None:
    result = await execute(SEARCH, {"q": bad})
    [error] = result.errors
    assert error.extensions["code"] == "INVALID_SEARCH_QUERY"
    assert repr(bad) in error.message and "double quotes" in error.message


async def test_search_over_the_seeds_matches_the_files(execute: Execute) -> None:
    pattern = re.compile(r"\bopen\W+source\b", re.IGNORECASE)
    expected = urls(lambda m: bool(pattern.search(m["title"]) or pattern.search(m["excerpt"])))
    result = await data(execute, SEARCH, {"q": '"open source"', "first": 100})
    assert {e["node"]["url"] for e in result["search"]["edges"]} == expected
    assert result["search"]["totalCount"] == len(expected) > 0
    prefix = re.compile(r"\bmicro", re.IGNORECASE)
    filtered = await data(execute, SEARCH, {"q": "micro*", "f": {"published": True}, "first": 100})
    assert {e["node"]["url"] for e in filtered["search"]["edges"]} == urls(
        lambda m: (
            bool(prefix.search(m["title"]) or prefix.search(m["excerpt"]))
            and m.get("published") is True
        )
    )


async def test_search_pages_follow_the_ranking(execute: Execute) -> None:
    full = await data(execute, SEARCH, {"q": "ai OR artificial", "first": 100})
    ranked = [e["node"]["url"] for e in full["search"]["edges"]]
    ranks = [e["rank"] for e in full["search"]["edges"]]
    assert ranks == sorted(ranks) and len(ranked) > 10
    seen: list[str] = []
    after = None
    while True:
        page = await data(execute, SEARCH, {"q": "ai OR artificial", "first": 4, "after": after})
        seen += [e["node"]["url"] for e in page["search"]["edges"]]
        if not page["search"]["pageInfo"]["hasNextPage"]:
            break
        after = page["search"]["pageInfo"]["endCursor"]
    assert seen == ranked


# --- facets -------------------------------------------------------------------------------

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


# --- nested lists, topics and providers -----------------------------------------------------

NESTED = """query($n: Int, $m: Int) { topics(first: $n, orderBy: [ARTICLE_COUNT_DESC]) { nodes {
  name articles(first: $m, filter: {quality: {isNull: false}}, orderBy: [HEAT_DESC]) {
    totalCount pageInfo { hasNextPage } nodes { title provider { name } topics { name } }
    facets { providers(first: 3) { provider { domain } count } }
  } relatedTopics(first: 3) { topic { name } count } } } }"""


async def test_statements_stay_constant_for_filtered_nested_lists(execute: Execute) -> None:
    small = await execute(NESTED, {"n": 2, "m": 2})
    large = await execute(NESTED, {"n": 20, "m": 30})
    assert small.errors is None and large.errors is None
    assert sum(len(t["articles"]["nodes"]) for t in large.data["topics"]["nodes"]) > 40
    assert small.extensions["statements"] == large.extensions["statements"]


async def test_nested_lists_match_the_files(execute: Execute) -> None:
    result = await data(execute, NESTED, {"n": 22, "m": 100})
    for topic in result["topics"]["nodes"]:
        files = [m for m in FILES if topic["name"] in m["topics"] and has(m, "quality")]
        assert topic["articles"]["totalCount"] == len(files)
        assert len(topic["articles"]["nodes"]) == len(files)
        pairs = Counter(
            (t, other)
            for m in FILES
            if topic["name"] in m["topics"]
            for t in [topic["name"]]
            for other in set(m["topics"])
            if other != t
        )
        expected_related = sorted(pairs.values(), reverse=True)[:3]
        assert [r["count"] for r in topic["relatedTopics"]] == expected_related


async def test_topic_tree(execute: Execute) -> None:
    result = await data(
        execute,
        "{ topics(filter: {root: true}) { nodes { name children { name } } }"
        ' google: topic(name: "Google AI") { children { name } parent { name } } }',
    )
    definitions = corpus.read_topics(SEEDS)
    roots = [t["name"] for t in definitions if not t.get("parent")]
    assert [n["name"] for n in result["topics"]["nodes"]] == roots == ["AI"]
    assert sorted(c["name"] for c in result["topics"]["nodes"][0]["children"]) == sorted(
        t["name"] for t in definitions if t.get("parent") == "AI"
    )
    assert result["google"] == {"children": [{"name": "TensorFlow"}], "parent": {"name": "AI"}}


async def test_providers_order_by_article_count(execute: Execute) -> None:
    result = await data(
        execute,
        "{ providers(first: 10, orderBy: [ARTICLE_COUNT_DESC, NAME_ASC],"
        ' filter: {domain: {contains: "."}}) { totalCount nodes { domain articleCount } } }',
    )
    counts = Counter(domain_of(m) for m in FILES)
    nodes = result["providers"]["nodes"]
    assert [n["articleCount"] for n in nodes] == sorted(counts.values(), reverse=True)[:10]
    assert all(n["articleCount"] == counts[n["domain"]] for n in nodes)


async def test_deep_filters_are_refused(execute: Execute) -> None:
    deep: dict[str, Any] = {"published": True}
    for _ in range(30):
        deep = {"not": deep}
    result = await execute(LIST, {"f": deep})
    assert result.errors[0].extensions["code"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("union_terms", [0, 500])
async def test_nested_pages_agree_in_both_query_shapes(
    execute: Execute, monkeypatch: pytest.MonkeyPatch, union_terms: int
) -> None:
    """Per-parent UNION ALL (the usual shape) and the window-function fallback agree."""
    from gql.store import article_lists

    monkeypatch.setattr(article_lists, "MAX_UNION_TERMS", union_terms)
    query = """query($after: String) { topics(first: 30) { nodes { name
      articles(first: 4, after: $after, orderBy: [QUALITY_DESC, TITLE_ASC]) {
        pageInfo { hasNextPage endCursor } nodes { url quality title } } } } }"""
    result = await data(execute, query)
    for topic in result["topics"]["nodes"]:
        files = [m for m in FILES if topic["name"] in m["topics"]]
        expected = sorted(
            files, key=lambda m: (m.get("quality") is None, -(m.get("quality") or 0), m["title"])
        )[:4]
        got = topic["articles"]["nodes"]
        assert [(n["quality"], n["title"]) for n in got] == [
            (m.get("quality"), m["title"]) for m in expected
        ]
        assert topic["articles"]["pageInfo"]["hasNextPage"] == (len(files) > 4)
