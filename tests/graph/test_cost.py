"""The cost of a query: the objects it can return (every list at its longest), counted
before it runs, and the objects it did return, reported in ``extensions.cost``.

Expected figures come from the seed files (read by ``tests.corpus``), the checked-in
``schema.graphql``, and a plain walk over the answer, never from the cost model itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull, build_schema, is_composite_type
from graphql import get_named_type as named_type
from strawberry.types import ExecutionResult

from gql.graph import cost, guard
from gql.graph.context import Context
from gql.graph.ids import encode_global_id
from gql.graph.schema import build_schema as build_gql_schema
from gql.graph.shape import PAGE_ARGUMENTS
from gql.settings import Settings
from gql.store import Store
from gql.sync.pipeline import load_into
from tests import corpus
from tests.conftest import REPO, SEEDS
from tests.graph.test_limits import INTROSPECTION

Run = Callable[..., Awaitable[ExecutionResult]]
ARTICLES = corpus.read_articles(SEEDS)
MOST_TOPICS = max(len(set(m.get("topics") or [])) for m in ARTICLES.values())
MOST_RELATED = max(len(m.get("related") or []) for m in ARTICLES.values())


@pytest.fixture
def run(seeds_store: Store) -> Run:
    schema = build_gql_schema()

    async def go(query: str, variables: dict[str, Any] | None = None) -> ExecutionResult:
        context = Context.for_request(seeds_store, Settings())
        return await schema.execute(query, variable_values=variables, context_value=context)

    return go


def costs(result: ExecutionResult) -> tuple[int, int]:
    assert result.extensions is not None
    figures = result.extensions["cost"]
    assert figures["maximumQueryCost"] == Settings().max_cost
    return figures["requestedQueryCost"], figures["actualQueryCost"]


def objects_in(value: Any) -> int:
    """Dicts in an answer (queries here select no JSON scalars), the root not counted."""
    if isinstance(value, dict):
        return sum(
            1 + objects_in(v) if isinstance(v, dict) else objects_in(v) for v in value.values()
        )
    if isinstance(value, list):
        return sum(1 + objects_in(v) if isinstance(v, dict) else objects_in(v) for v in value)
    return 0


async def test_unpaged_lists_count_at_their_longest_in_the_data(run: Run) -> None:
    assert (MOST_TOPICS, MOST_RELATED) == (4, 38)  # what the seeds hold today
    result = await run(
        "{ articles(first: 3) { nodes { topics { name } related { url provider { name } } } } }"
    )
    assert result.errors is None
    requested, actual = costs(result)
    assert requested == 1 + 3 * (1 + MOST_TOPICS + MOST_RELATED * 2)
    assert actual == objects_in(result.data)


async def test_the_actual_cost_counts_the_answer(run: Run) -> None:
    path, meta = max(ARTICLES.items(), key=lambda item: len(item[1].get("related") or []))
    related = meta["related"]
    result = await run(
        "query($url: String!) { article(url: $url) { topics { name }"
        " related { url provider { name } } } }",
        {"url": meta["webUrl"].strip()},
    )
    assert result.errors is None, path
    with_provider = sum(1 for link in related if (link.get("provider") or {}).get("domain"))
    expected = 1 + len(set(meta["topics"])) + len(related) + with_provider
    assert costs(result) == (1 + MOST_TOPICS + MOST_RELATED * 2, expected)
    assert objects_in(result.data) == expected


async def test_a_connection_counts_its_edges_nodes_and_page_info(run: Run) -> None:
    result = await run(
        "{ articles(first: 5) { edges { cursor node { title } } pageInfo { hasNextPage }"
        " totalCount } }"
    )
    # the connection, 5 edges with their node, the page info
    assert costs(result) == (12, 12)


@pytest.mark.parametrize(
    ("variables", "requested"),
    [
        ({}, 1 + 2),  # the variable's default
        ({"n": 7}, 1 + 7),
        ({"n": None}, 1 + 20),  # no page size: the default page
        ({"n": 500}, 1 + 100),  # over the largest page: refused by the field, counted at 100
    ],
)
async def test_page_sizes_come_from_variables(
    run: Run, variables: dict[str, Any], requested: int
) -> None:
    result = await run("query($n: Int = 2) { topics(first: $n) { nodes { name } } }", variables)
    assert costs(result)[0] == requested


async def test_nodes_count_one_per_id(run: Run) -> None:
    ids = [encode_global_id("Topic", name) for name in ("AI", "Microsoft AI", "nope")]
    result = await run("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert costs(result) == (3, 2)
    literal = await run('{ nodes(ids: ["%s", "%s"]) { id } }' % (ids[0], ids[1]))
    assert costs(literal) == (2, 2)


async def test_an_interface_costs_its_most_expensive_type(run: Run) -> None:
    query = (
        "query($id: ID!) { node(id: $id) { ... on Article { topics { name } }"
        " ... on Topic { articles(first: 5) { nodes { title } } } } }"
    )
    result = await run(query, {"id": encode_global_id("Topic", "AI")})
    assert result.errors is None
    # the node, then the larger of: an article's topics; a topic's connection and 5 nodes
    assert costs(result) == (1 + max(MOST_TOPICS, 1 + 5), 1 + 1 + 5)


async def test_introspection_is_counted_exactly(run: Run) -> None:
    result = await run(INTROSPECTION)
    assert result.errors is None
    requested, actual = costs(result)
    assert requested == actual == objects_in(result.data)
    sdl = build_schema((REPO / "schema.graphql").read_text(encoding="utf-8"))
    article = sdl.get_type("Article")
    result = await run('{ __type(name: "Article") { fields { name type { name } } } }')
    fields = len(article.fields)  # type: ignore[union-attr]
    assert costs(result) == (1 + 2 * fields, 1 + 2 * fields)


async def test_the_root_alone_costs_nothing(run: Run) -> None:
    assert costs(await run("{ __typename }")) == (0, 0)


def test_every_list_of_objects_in_the_schema_has_a_bound() -> None:
    """No list falls to the "any other list: a full page" rule unnoticed."""
    sdl = build_schema((REPO / "schema.graphql").read_text(encoding="utf-8"))
    unbounded = []
    for type_name, graphql_type in sdl.type_map.items():
        for name, definition in getattr(graphql_type, "fields", {}).items():
            field_type = definition.type
            if isinstance(field_type, GraphQLNonNull):
                field_type = field_type.of_type
            if not isinstance(field_type, GraphQLList) or not is_composite_type(
                named_type(field_type)
            ):
                continue
            where = (type_name, name)
            if (
                any(argument in getattr(definition, "args", {}) for argument in PAGE_ARGUMENTS)
                or type_name.endswith("Connection")  # edges and nodes: the page's size
                or type_name.startswith("__")  # introspection: walked exactly
                or where in cost.STORE_BOUNDED
                or where in cost.FIXED_BOUNDS
                or where in cost.SIZED_BY_ARGUMENT
            ):
                continue
            unbounded.append(where)
    assert unbounded == []


async def test_list_bounds_follow_a_load(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard, "BOUNDS_RECHECK_S", 0.0)
    db = tmp_path / "bounds.db"
    await load_into(db, [seeds_copy])
    schema = build_gql_schema()
    query = "{ articles(first: 1) { nodes { related { url } } } }"

    async def requested(store: Store) -> int:
        context = Context.for_request(store, Settings())
        return costs(await schema.execute(query, context_value=context))[0]

    store = await Store.open(db, read_only=True)
    try:
        assert await requested(store) == 2 + MOST_RELATED
        links = "".join(
            f"  - title: Link {i}\n    webUrl: https://example.com/link/{i}\n"
            for i in range(MOST_RELATED + 5)
        )
        (seeds_copy / "articles" / "2030-01-01-many-links.md").write_text(
            f"---\ntitle: Many links\nwebUrl: https://example.com/many\nrelated:\n{links}---\n",
            encoding="utf-8",
        )
        await load_into(db, [seeds_copy])
        await asyncio.sleep(0)
        assert await requested(store) == 2 + MOST_RELATED + 5
    finally:
        await store.close()
