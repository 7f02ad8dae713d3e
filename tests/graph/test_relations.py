"""Relations resolve both ways and load in one statement per relation and position,
prefetched or not, whatever the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLObjectType

from gql.graph.context import Context
from gql.graph.relations import RELATIONS
from gql.graph.schema import build_schema
from gql.settings import Settings
from gql.store import Store
from gql.sync.pipeline import load_into
from tests import corpus
from tests.conftest import SEEDS
from tests.graph.helpers import Execute, data


async def test_related_links_resolve_both_ways(execute: Execute) -> None:
    result = await data(
        execute,
        "{ articles(first: 100) { nodes { url related { url article { url } }"
        " citedBy { url } citations { totalCount } } } }",
    )
    nodes = result["articles"]["nodes"]
    urls = {a["url"] for a in nodes}
    pointing = {
        (a["url"], link["url"]) for a in nodes for link in a["related"] if link["url"] in urls
    }
    resolved = {
        (a["url"], link["article"]["url"])
        for a in nodes
        for link in a["related"]
        if link["article"]
    }
    assert resolved == pointing and len(pointing) == 14
    cited = {(c["url"], a["url"]) for a in nodes for c in a["citedBy"]}
    assert cited == pointing
    assert sum(a["citations"]["totalCount"] for a in nodes) == len(pointing)


FRONT_GRAPH = """
query($n: Int) { articles(first: $n) { nodes { title
  provider { name articles(first: 3) { nodes { title topics { name } } } }
  topics { name articleCount }
  related { title provider { domain } article { title citedBy { title } } } } } }
"""


async def test_statements_do_not_grow_with_the_page(execute: Execute) -> None:
    small = await execute(FRONT_GRAPH, {"n": 5})
    large = await execute(FRONT_GRAPH, {"n": 50})
    assert small.errors is None and large.errors is None
    assert len(large.data["articles"]["nodes"]) == 50
    # articles, provider, provider.articles, their topics, topics, articleCount, related,
    # related.provider, related.article, citedBy: one statement each.
    assert small.extensions["statements"] == large.extensions["statements"] == 10


DEEP = """query($n: Int) { articles(first: $n) { nodes { title provider { name
  articles(first: $n) { nodes { title topics { name articles(first: $n) { nodes { url } } } } }
} } } }"""


@pytest.mark.parametrize("size", [1, 3, 10])
async def test_statements_do_not_depend_on_the_data(tmp_path: Path, size: int) -> None:
    """A generated corpus whose pages hold one item here and several there: the resolvers
    of one position reach their loader in different event-loop iterations, and must still
    share one statement."""
    from bench.generate import generate

    generate(50, tmp_path / "corpus", seed=1)
    db = tmp_path / "gen.db"
    await load_into(db, [tmp_path / "corpus"])
    store = await Store.open(db, read_only=True)
    try:
        context = Context.for_request(store, Settings())
        result = await build_schema().execute(DEEP, {"n": size}, context_value=context)
        assert result.errors is None
        assert context.query_log is not None and context.query_log.statements == 5
    finally:
        await store.close()


UNPREFETCHED = """query($n: Int) { articles(first: 1) { facets {
  topics(first: $n) { topic { name parent { name } children { name } images { url } } }
  providers(first: $n) { provider { domain images { url } } } } } }"""


async def test_relations_not_prefetched_load_as_declared(execute: Execute) -> None:
    """Topics and publishers of facets are not prefetched: their relations load through
    ``relation_of``, one statement per relation and position, with the same values."""
    small = await execute(UNPREFETCHED, {"n": 2})
    large = await execute(UNPREFETCHED, {"n": 100})
    assert small.errors is None and large.errors is None
    # articles, topic facets, their topics, parent, children, images; provider facets,
    # their providers, images: one statement each.
    assert small.extensions["statements"] == large.extensions["statements"] == 9
    facets = large.data["articles"]["facets"]
    definitions = {t["name"]: t for t in corpus.read_topics(SEEDS)}
    assert len(facets["topics"]) > 10
    for count in facets["topics"]:
        topic = count["topic"]
        definition = definitions.get(topic["name"], {})
        assert (topic["parent"] or {}).get("name") == definition.get("parent")
        assert sorted(c["name"] for c in topic["children"]) == sorted(
            name for name, t in definitions.items() if t.get("parent") == topic["name"]
        )
        assert [i["url"] for i in topic["images"]] == definition.get("images", [])
    domains = [count["provider"]["domain"] for count in facets["providers"]]
    prefetched = await data(
        execute,
        "query($d: [String!]) { providers(first: 100, filter: {domain: {in: $d}})"
        " { nodes { domain images { url } } } }",
        {"d": domains},
    )
    images = {p["domain"]: p["images"] for p in prefetched["providers"]["nodes"]}
    assert len(facets["providers"]) > 10
    for count in facets["providers"]:
        assert count["provider"]["images"] == images[count["provider"]["domain"]]
    assert any(count["provider"]["images"] for count in facets["providers"])


def test_every_declared_relation_is_a_field_of_its_type() -> None:
    """Prefetching matches relations by GraphQL name, resolvers by Python name: each
    declared relation must be a field under both."""
    schema = build_schema()
    assert {cls.__name__ for cls in RELATIONS} == {"Article", "RelatedLink", "Provider", "Topic"}
    for cls, table in RELATIONS.items():
        graphql_type = schema._schema.type_map[cls.__name__]
        assert isinstance(graphql_type, GraphQLObjectType)
        for name in table:
            assert name in graphql_type.fields, f"{cls.__name__}.{name}"
            assert callable(getattr(cls, name)), f"{cls.__name__}.{name}"
