"""Child lists (``provider.articles``, ``topic.articles``, ``citations``), batched across
parents, and the topic tree, against the files."""

from __future__ import annotations

from collections import Counter

import pytest

from tests import corpus
from tests.conftest import SEEDS
from tests.graph.helpers import FILES, Execute, data, domain_of, has

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


async def test_fragments_on_two_types_keep_their_own_nested_lists(execute: Execute) -> None:
    from gql.graph.ids import encode_global_id

    ids = [encode_global_id("Provider", "venturebeat.com"), encode_global_id("Topic", "Google AI")]
    result = await data(
        execute,
        """query($ids: [ID!]!) { nodes(ids: $ids) {
          ... on Provider { articles(first: 50) { totalCount nodes { provider { domain } } } }
          ... on Topic { articles(first: 50) { totalCount nodes { topics { name } } } } } }""",
        {"ids": ids},
    )
    provider, topic = result["nodes"]
    files = corpus.read_articles(SEEDS).values()
    assert provider["articles"]["totalCount"] == sum(
        1 for m in files if corpus.domain(m["provider"]["domain"]) == "venturebeat.com"
    )
    assert {n["provider"]["domain"] for n in provider["articles"]["nodes"]} == {"venturebeat.com"}
    assert topic["articles"]["totalCount"] == sum(1 for m in files if "Google AI" in m["topics"])
    assert all("Google AI" in [t["name"] for t in n["topics"]] for n in topic["articles"]["nodes"])


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
