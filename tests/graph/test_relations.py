"""Relations resolve both ways and load in one statement per relation and position,
prefetched or not, whatever the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from gql.graph.context import Context
from gql.graph.schema import build_schema
from gql.settings import Settings
from gql.store import Store
from gql.sync.pipeline import load_into
from tests.graph.helpers import (
    Execute,
    data,
)


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
