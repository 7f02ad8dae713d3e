"""Whole queries in one SQL statement (``gql.graph.statement``, ``gql.store.json_tree``).

Each document below runs through the server's schema with the statements on and, as the
reference, through graphql-core's walk of every field (``build_schema(compiled=False)``),
on the seeds, on both backends. The data must be equal as ordered JSON text, the
covered documents must take exactly one statement, and the others (what a statement
does not answer) must take as many as with the statements off.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bench.catalog import scenario
from gql.graph.context import Context
from gql.graph.schema import GqlSchema, build_schema
from gql.settings import Settings
from gql.store import Store

Run = Callable[..., Awaitable[tuple[Any, list[Any], int]]]

EVERY_ARTICLE_VALUE = """
  __typename id slug title excerpt category type publishedAt url originalUrl ampUrl cdnAmpUrl
  quality heat published secured body providerName
"""
EVERY_LINK_VALUE = """
  __typename position url title excerpt publishedAt type quality originalUrl ampUrl cdnAmpUrl
  providerName
"""
EVERY_PROVIDER_VALUE = "__typename id domain name description"
EVERY_TOPIC_VALUE = "__typename id name slug shortname description"
EVERY_IMAGE_VALUE = "__typename url width height title isCached"

# Every value of every entity, with every relation the statements know.
EVERYTHING = f"""
query Everything($first: Int) {{
  __typename
  articles(first: $first) {{
    __typename totalCount
    nodes {{
      {EVERY_ARTICLE_VALUE}
      provider {{ {EVERY_PROVIDER_VALUE} images {{ {EVERY_IMAGE_VALUE} }} }}
      topics {{
        {EVERY_TOPIC_VALUE}
        images {{ {EVERY_IMAGE_VALUE} }}
        parent {{ name }}
        children {{ name slug }}
      }}
      images {{ {EVERY_IMAGE_VALUE} }}
      related {{
        {EVERY_LINK_VALUE}
        provider {{ name domain }}
        images {{ {EVERY_IMAGE_VALUE} }}
        article {{ title url topics {{ name }} }}
      }}
    }}
  }}
}}
"""

COVERED: list[tuple[str, str, dict[str, Any]]] = [
    ("everything", EVERYTHING, {"first": 100}),
    ("front page", scenario("front_page").document, {}),
    ("topic page", scenario("topic_page").document, {"slug": "machine-learning"}),
    (
        "aliases, fragments and lists of a topic",
        """
        query ($slug: String!, $after: String) {
          t: topic(slug: $slug) {
            ...Named
            articles(first: 3, after: $after, orderBy: [QUALITY_DESC, TITLE_ASC]) {
              totalCount
              n: nodes { ... on Article { title quality } ...Named }
              count: totalCount
            }
          }
        }
        fragment Named on Node { __typename }
        """,
        {"slug": "machine-learning", "after": None},
    ),
    (
        "filtered pages",
        """
        {
          recent: articles(first: 5, filter: {publishedAt: {gte: "2024-01-01T00:00:00Z"}}) {
            totalCount nodes { title publishedAt }
          }
          titled: articles(first: 5, filter: {title: {contains: "ai"}, published: true}) {
            nodes { title published }
          }
        }
        """,
        {},
    ),
    (
        "edges, cursors and page info",
        """
        {
          articles(first: 3) {
            __typename
            edges { __typename cursor node { title } n: node { id } }
            pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
          }
          empty: articles(first: 0) {
            edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          }
          byQuality: articles(first: 4, orderBy: [QUALITY_DESC, HEAT_ASC]) {
            pageInfo { startCursor endCursor hasNextPage } edges { cursor }
          }
        }
        """,
        {},
    ),
    (
        "a topic's pages with cursors, by date and by quality",
        """
        query ($slug: String!) {
          topic(slug: $slug) {
            newest: articles(first: 2) {
              edges { cursor node { title publishedAt } } pageInfo { endCursor hasNextPage }
            }
            oldest: articles(first: 2, orderBy: [PUBLISHED_AT_ASC]) {
              edges { cursor } pageInfo { startCursor endCursor }
            }
            best: articles(first: 2, orderBy: [QUALITY_DESC]) {
              totalCount edges { cursor node { quality } } pageInfo { hasNextPage }
            }
          }
        }
        """,
        {"slug": "machine-learning"},
    ),
    (
        "a provider by its domain, in any case",
        """
        query ($domain: String!) {
          provider(domain: $domain) { name articles(first: 4) { totalCount nodes { title } } }
        }
        """,
        {"domain": "WWW.VentureBeat.com"},
    ),
    (
        "@include and @skip, as the variables have them",
        "query ($on: Boolean!) { articles(first: 5) { nodes { title @include(if: $on)"
        " provider @skip(if: $on) { name } ...F @include(if: $on) } } }"
        " fragment F on Article { topics { name } }",
        {"on": True},
    ),
    (
        "@include and @skip, the other way",
        "query ($on: Boolean!) { articles(first: 5) { nodes { title @include(if: $on)"
        " provider @skip(if: $on) { name } ...F @include(if: $on) } } }"
        " fragment F on Article { topics { name } }",
        {"on": False},
    ),
]

NOT_COVERED: list[tuple[str, str, dict[str, Any]]] = [
    ("deep traversal: a page per row of a list", scenario("deep_traversal").document, {}),
    ("cursors by title", "{ articles(first: 3, orderBy: [TITLE_ASC]) { edges { cursor } } }", {}),
    (
        "pages of every topic of a list",
        "{ topics { nodes { articles { edges { cursor } } } } }",
        {},
    ),
    ("a backward page", "{ articles(last: 3) { nodes { title } } }", {}),
    ("search", '{ search(query: "google") { nodes { title } } }', {}),
    ("an invalid page size", "{ articles(first: 1000) { nodes { title } } }", {}),
    ("two ways to name one article", '{ article(slug: "a", url: "b") { title } }', {}),
]


@pytest.fixture(scope="module")
def reference() -> GqlSchema:
    return build_schema(compiled=False)


@pytest.fixture(scope="module")
def server() -> GqlSchema:
    return build_schema()


@pytest.fixture
async def run(seeds_store: Store) -> AsyncIterator[Run]:
    async def run(
        schema: GqlSchema,
        query: str,
        variables: dict[str, Any],
        *,
        statements: bool = True,
        **overrides: Any,
    ) -> tuple[Any, list[Any], int]:
        settings = Settings(explain=True, whole_statements=statements, **overrides)
        context = Context.for_request(seeds_store, settings)
        result = await schema.execute(query, variable_values=variables, context_value=context)
        errors = [
            (e.message, e.path, (e.extensions or {}).get("code")) for e in result.errors or []
        ]
        assert context.query_log is not None
        return json.dumps(result.data), errors, context.query_log.statements

    yield run


async def _article_page_variables(run: Run, server: GqlSchema) -> dict[str, Any]:
    """The slug of a seed article with related links into the corpus, and cited."""
    data, _, _ = await run(
        server,
        "{ articles(first: 100) { nodes { slug citedBy { slug } related { article { slug } } } } }",
        {},
        statements=False,
    )
    for node in json.loads(data)["articles"]["nodes"]:
        if node["citedBy"] and any(link["article"] for link in node["related"]):
            return {"slug": node["slug"]}
    raise AssertionError("no seed article is cited and links into the corpus")


@pytest.mark.parametrize(("name", "query", "variables"), COVERED, ids=[c[0] for c in COVERED])
async def test_covered_documents_take_one_statement(
    run: Run,
    server: GqlSchema,
    reference: GqlSchema,
    name: str,
    query: str,
    variables: dict[str, Any],
) -> None:
    expected = await run(reference, query, variables)
    got = await run(server, query, variables)
    assert got[:2] == expected[:2]
    assert expected[1] == [] and all(json.loads(expected[0]).values())  # nothing missing
    assert got[2] == 1
    walked = await run(server, query, variables, statements=False)
    assert walked[:2] == expected[:2] and walked[2] > 1


async def test_article_page_takes_one_statement(
    run: Run, server: GqlSchema, reference: GqlSchema
) -> None:
    variables = await _article_page_variables(run, server)
    query = scenario("article_page").document
    expected = await run(reference, query, variables)
    data = json.loads(expected[0])["article"]
    assert data["citedBy"] and any(link["article"] for link in data["related"])
    got = await run(server, query, variables)
    assert got[:2] == expected[:2] and got[2] == 1


async def test_pages_after_a_cursor(run: Run, server: GqlSchema, reference: GqlSchema) -> None:
    """Page by page to the end of a topic's list, each page's ``endCursor`` the next
    one's ``after``: every page in one statement, equal to the reference's."""
    query = """
    query ($after: String) {
      topic(slug: "machine-learning") {
        articles(first: 1, after: $after) {
          edges { cursor node { title } }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
      }
    }
    """
    after, pages = None, 0
    while True:
        expected = await run(reference, query, {"after": after})
        got = await run(server, query, {"after": after})
        assert got[:2] == expected[:2] and got[2] == 1
        page = json.loads(got[0])["topic"]["articles"]
        pages += 1
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages > 1


@pytest.mark.parametrize(
    ("name", "query", "variables"), NOT_COVERED, ids=[c[0] for c in NOT_COVERED]
)
async def test_other_documents_are_executed_field_by_field(
    run: Run,
    server: GqlSchema,
    reference: GqlSchema,
    name: str,
    query: str,
    variables: dict[str, Any],
) -> None:
    expected = await run(reference, query, variables)
    got = await run(server, query, variables)
    walked = await run(server, query, variables, statements=False)
    assert got[:2] == expected[:2] == walked[:2]
    assert got[2] == walked[2]


async def test_statements_are_cached_per_variables(run: Run, server: GqlSchema) -> None:
    query = scenario("topic_page").document
    for slug in ("machine-learning", "no-such-topic", "machine-learning", "no-such-topic"):
        walked = await run(server, query, {"slug": slug}, statements=False)
        got = await run(server, query, {"slug": slug})
        assert got[:2] == walked[:2] and got[2] == 1


async def test_a_missing_entity_is_null(run: Run, server: GqlSchema, reference: GqlSchema) -> None:
    query = '{ topic(name: "  no such topic ") { name } article(slug: "nope") { title } }'
    expected = await run(reference, query, {})
    got = await run(server, query, {})
    assert got[:2] == expected[:2] and json.loads(got[0]) == {"topic": None, "article": None}
    assert got[2] == 1


async def test_statements_are_kept_for_a_bounded_number_of_documents(
    seeds_store: Store,
) -> None:
    schema = build_schema(document_cache_entries=3)
    executor: Any = schema.execution_context_class
    statements = executor.statements.__self__
    for n in range(8):
        # Distinct texts, so distinct documents: only the last three stay.
        document = f"{{ articles(first: {n + 1}) {{ nodes {{ title topics {{ name }} }} }} }}"
        context = Context.for_request(seeds_store, Settings(explain=True))
        result = await schema.execute(document, context_value=context)
        assert result.errors is None and result.data is not None
        assert len(result.data["articles"]["nodes"]) == n + 1
        assert context.query_log is not None and context.query_log.statements == 1
        assert len(statements.documents) == min(n + 1, 3)


async def test_each_request_gets_the_statement_of_its_own_settings(
    run: Run, server: GqlSchema
) -> None:
    """One schema serves requests with settings of their own (a page size here): each
    request's statement is the one of its settings, however often a settings object is
    made and dropped (a key by the object's id matched another's reused id)."""
    query = "{ articles { nodes { slug } } }"
    for n in range(60):
        size = 1 + n % 5
        data, errors, statements = await run(server, query, {}, default_page_size=size)
        assert errors == [] and statements == 1
        assert len(json.loads(data)["articles"]["nodes"]) == size


async def test_an_object_wider_than_the_json_functions_is_answered_field_by_field(
    run: Run, server: GqlSchema, reference: GqlSchema
) -> None:
    """JSON functions take so many arguments (SQLite 127, PostgreSQL 100): an object of
    70 keys is no statement, and its answer is the reference's."""
    keys = " ".join(f"k{n}: title" for n in range(70))
    query = f"{{ articles(first: 2) {{ nodes {{ {keys} }} }} }}"
    expected = await run(reference, query, {}, max_aliases=100)
    got = await run(server, query, {}, max_aliases=100)
    walked = await run(server, query, {}, statements=False, max_aliases=100)
    assert expected[1] == [] and len(json.loads(expected[0])["articles"]["nodes"][0]) == 70
    assert got == walked and got[:2] == expected[:2]
