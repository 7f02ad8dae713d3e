"""Compiled plans give exactly what graphql-core gives, and do the work when they can.

Every document runs on the same database through the schema with compiled plans (what
the server uses), through graphql-core's own completion (``compiled=False``) and through
Strawberry's own resolver wrappers as well (``fast_resolvers=False``). Data, errors
(message and path) and SQL statement counts must be equal.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from operator import attrgetter
from pathlib import Path
from typing import Any

import pytest
import strawberry

from bench.catalog import SCENARIOS
from gql.execution.plans import CompiledExecutor, compiled_executor
from gql.graph.context import Context
from gql.graph.ids import encode_global_id
from gql.graph.schema import GqlSchema, build_schema
from gql.settings import Settings
from gql.store import Store
from gql.sync.pipeline import load_into
from tests.readme import readme_queries

README_QUERIES = readme_queries()

ARTICLE_BITS = """
  id slug title excerpt category type publishedAt url originalUrl ampUrl cdnAmpUrl quality
  heat published secured body extra providerName __typename
  provider { id domain name description otherNames extra images { url } }
  topics { id name slug shortname description keywords extra parent { name } children { name } }
  images { url width height title isCached }
  related {
    position title excerpt publishedAt url type quality originalUrl ampUrl cdnAmpUrl extra
    providerName provider { domain } images { url width height title isCached }
    article { url topics { name } } source { url }
  }
"""

EDGE_CASES: list[tuple[str, dict[str, Any]]] = [
    (f"{{ articles(first: 7) {{ nodes {{ {ARTICLE_BITS} }} }} }}", {}),
    (
        """{ a: articles(first: 4) { nodes { t: title title url x: url
               provider { n: name name __typename } }
             edges { cursor node { slug } } pageInfo { hasNextPage endCursor } }
           b: articles(first: 3, orderBy: [QUALITY_DESC]) { totalCount nodes { title } } }""",
        {},
    ),
    (
        """fragment Link on RelatedLink { url provider { name } }
           fragment Art on Article { title related { ...Link title } }
           { articles(first: 5) { nodes { ...Art ... on Article { url topics { name } } } } }""",
        {},
    ),
    (
        """query($with: Boolean!, $without: Boolean!) { articles(first: 5) { nodes {
             title topics @include(if: $with) { name }
             provider @skip(if: $without) { name }
             ... @include(if: $with) { url } } } }""",
        {"with": True, "without": False},
    ),
    (
        """query($with: Boolean!, $without: Boolean!) { articles(first: 5) { nodes {
             title topics @include(if: $with) { name }
             provider @skip(if: $without) { name }
             ... @include(if: $with) { url } } } }""",
        {"with": False, "without": True},
    ),
    (
        # An argument error inside a list: null and an error per parent, with its path.
        """{ articles(first: 3) { nodes { title provider { name
             articles(first: -1) { nodes { title } } } } } }""",
        {},
    ),
    (
        """{ articles(first: 3) { totalCount facets { topics(first: 3) { count topic { name } } }
             nodes { title citedBy(first: 2) { title provider { name } }
                     citations(first: 2) { totalCount nodes { url } } } } }""",
        {},
    ),
    (
        """{ providers(first: 5) { nodes { name domain articleCount images { url }
             articles(first: 3) { nodes { title topics { name } } } } } }""",
        {},
    ),
    (
        """{ topics(first: 6) { nodes { name parent { name } children { name }
             relatedTopics(first: 2) { count topic { name } }
             articles(first: 2) { edges { cursor node { title } } } } } }""",
        {},
    ),
    (
        """{ search(query: "ai", first: 4) { totalCount edges { rank snippet node { title
             provider { name } } } nodes { url } } }""",
        {},
    ),
    ("{ __typename articles(first: 2) { __typename nodes { __typename } } }", {}),
    (
        # Objects with no path below: a relation not prefetched (a related topic's parent)
        # loads through its resolver; shared providers complete once per article.
        """{ topics(first: 4) { nodes { name relatedTopics(first: 2) { count
             topic { name parent { name } } } } }
           articles(first: 8) { nodes { title published provider { name domain } } } }""",
        {},
    ),
]


@pytest.fixture(scope="module")
def generated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bench.generate import generate

    root = tmp_path_factory.mktemp("compiled")
    generate(300, root / "corpus", seed=3)
    db = root / "gen.db"
    report = asyncio.run(load_into(db, [root / "corpus"]))
    assert report.rejected == []
    return db


@pytest.fixture
async def generated_store(generated_db: Path) -> AsyncIterator[Store]:
    store = await Store.open(generated_db, read_only=True)
    try:
        yield store
    finally:
        await store.close()


async def _run(
    schema: GqlSchema,
    store: Store,
    document: str,
    variables: dict[str, Any],
    settings: Settings | None = None,
) -> tuple[Any, list[tuple[str, Any]], int]:
    # The plans' own work: whole statements (tests/execution/test_statements.py) off.
    context = Context.for_request(store, settings or Settings(whole_statements=False))
    result = await schema.execute(document, variable_values=variables, context_value=context)
    errors = [(error.message, error.path) for error in result.errors or []]
    statements = context.query_log.statements if context.query_log else -1
    # As JSON text: key order counts (graphql-core writes keys in selection order).
    return json.dumps(result.data), errors, statements


async def _assert_same(store: Store, document: str, variables: dict[str, Any]) -> Any:
    compiled, reference = build_schema(), build_schema(compiled=False)
    strawberry_only = build_schema(compiled=False, fast_resolvers=False)
    expected = await _run(reference, store, document, variables)
    assert await _run(strawberry_only, store, document, variables) == expected
    # Twice: the second run takes the plans cached by the first.
    assert await _run(compiled, store, document, variables) == expected
    assert await _run(compiled, store, document, variables) == expected
    return expected


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
async def test_bench_scenarios(generated_store: Store, generated_db: Path, scenario: Any) -> None:
    data, errors, _ = await _assert_same(
        generated_store, scenario.document, scenario.variables(generated_db)
    )
    assert errors == [] and json.loads(data)


@pytest.mark.parametrize(("document", "variables"), README_QUERIES)
async def test_readme_queries(seeds_store: Store, document: str, variables: dict[str, Any]) -> None:
    data, errors, _ = await _assert_same(seeds_store, document, variables)
    assert errors == [] and json.loads(data)


@pytest.mark.parametrize(("document", "variables"), EDGE_CASES)
async def test_edge_cases(generated_store: Store, document: str, variables: dict[str, Any]) -> None:
    data, _, _ = await _assert_same(generated_store, document, variables)
    assert json.loads(data)


async def test_edge_cases_on_the_seeds(seeds_store: Store) -> None:
    for document, variables in EDGE_CASES:
        await _assert_same(seeds_store, document, variables)


async def test_argument_errors_keep_their_paths(generated_store: Store) -> None:
    _, errors, _ = await _assert_same(generated_store, EDGE_CASES[5][0], {})
    assert len(errors) == 3
    assert [path[:3] for _, path in errors] == [["articles", "nodes", i] for i in range(3)]


def _counting(schema: GqlSchema) -> list[int]:
    """Count graphql-core's ``execute_field`` calls of ``schema`` (one list per schema)."""
    calls = [0]
    base: type[CompiledExecutor] = schema.execution_context_class  # type: ignore[assignment]

    class Counting(base):  # type: ignore[valid-type, misc]
        def execute_field(self, *args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            return super().execute_field(*args, **kwargs)

    schema.execution_context_class = Counting
    return calls


@pytest.mark.parametrize(
    ("name", "fields_left"),
    # graphql-core resolves the root field, and the fields with arguments below it.
    [("front_page", 1), ("topic_page", 2), ("article_page", 2)],
)
async def test_prefetched_pages_are_completed_by_plans(
    generated_store: Store, generated_db: Path, name: str, fields_left: int
) -> None:
    """With a directive (here one that changes nothing), the operation is not projected
    whole: graphql-core executes it, and the object plans complete what was prefetched."""
    scenario = next(s for s in SCENARIOS if s.name == name)
    variables = scenario.variables(generated_db)
    document = re.sub(r"\{", "{ __typename @include(if: true) ", scenario.document, count=1)
    compiled, reference = build_schema(), build_schema(compiled=False)
    compiled_calls, reference_calls = _counting(compiled), _counting(reference)
    await _run(compiled, generated_store, document, variables)
    await _run(reference, generated_store, document, variables)
    assert compiled_calls == [fields_left + 1]
    assert reference_calls[0] > 5 * fields_left + 20


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
async def test_bench_pages_are_projected_whole(
    generated_store: Store, generated_db: Path, scenario: Any
) -> None:
    """Every page of the benchmark runs as a projection: graphql-core executes no field."""
    compiled = build_schema()
    calls = _counting(compiled)
    data, errors, _ = await _run(
        compiled, generated_store, scenario.document, scenario.variables(generated_db)
    )
    assert errors == [] and json.loads(data)
    assert calls == [0]


async def test_cached_selections_follow_the_variables(generated_store: Store) -> None:
    """One schema (one parsed document), variables that change nested arguments and
    directives from request to request: every answer is the reference's."""
    document = """query($n: Int, $with: Boolean!) { articles(first: 3) { nodes {
      provider { articles(first: $n) { nodes { title topics @include(if: $with) { name } } } }
    } } }"""
    compiled, reference = build_schema(), build_schema(compiled=False)
    sizes, statements = [], []
    for n, with_topics in [(1, True), (3, False), (1, False), (2, True), (1, True)]:
        variables = {"n": n, "with": with_topics}
        expected = await _run(reference, generated_store, document, variables)
        assert await _run(compiled, generated_store, document, variables) == expected
        nodes = json.loads(expected[0])["articles"]["nodes"]
        sizes.append(max(len(a["provider"]["articles"]["nodes"]) for a in nodes))
        # Topics are prefetched (one more statement) only when the directive keeps them.
        statements.append(expected[2])
    assert sizes[:2] == [1, 3]
    assert statements == [4, 3, 3, 4, 4]


SLOW_RAN: list[int] = []


@strawberry.type
class Thing:
    name: str

    @strawberry.field
    async def slow(self, n: int) -> int | None:
        SLOW_RAN.append(n)
        await asyncio.sleep(0)
        raise ValueError(f"slow {n} failed")

    @strawberry.field
    def boom(self, n: int) -> int:
        raise ValueError(f"boom {n}")


@strawberry.type
class ThingQuery:
    @strawberry.field
    def thing(self) -> Thing | None:
        return Thing(name="x")


async def test_a_field_failing_after_another_started_leaves_nothing_behind() -> None:
    """A plan hands ``slow`` (awaitable) and then ``boom`` (raises at once, non-null) to
    graphql-core: the object becomes null as with graphql-core alone, and ``slow`` is
    settled, not left unawaited."""
    document = "{ thing { name slow(n: 1) boom(n: 2) } }"
    reference = strawberry.Schema(query=ThingQuery)
    compiled = strawberry.Schema(
        query=ThingQuery,
        execution_context_class=compiled_executor(
            {("Thing", "name"): attrgetter("name")}, max_documents=8
        ),
    )
    expected = await reference.execute(document)
    for _ in range(3):
        await asyncio.sleep(0)
    assert SLOW_RAN == [1]
    result = await compiled.execute(document)
    for _ in range(3):
        await asyncio.sleep(0)
    # graphql-core settles started fields in the background; so must the plan.
    assert SLOW_RAN == [1, 1]
    assert result.data == expected.data == {"thing": None}
    errors = [(e.message, e.path) for e in result.errors or []]
    assert errors == [(e.message, e.path) for e in expected.errors or []]
    assert [message for message, _ in errors] == ["boom 2"]


async def test_caches_keep_a_bounded_number_of_documents(generated_store: Store) -> None:
    schema = build_schema(document_cache_entries=3)
    # These documents run as projections, kept by the projector (not the object plans).
    projector = schema.execution_context_class.projector  # type: ignore[attr-defined]
    selections = schema.selection_cache
    assert selections is not None
    for n in range(8):
        # Distinct texts, so distinct documents: only the last three stay.
        document = f"{{ articles(first: {n + 1}) {{ nodes {{ title topics {{ name }} }} }} }}"
        data, errors, _ = await _run(schema, generated_store, document, {})
        assert errors == [] and len(json.loads(data)["articles"]["nodes"]) == n + 1
        assert len(projector.documents._documents) == min(n + 1, 3)
        assert len(selections.documents._documents) == min(n + 1, 3)


async def test_large_documents_and_variables_are_not_kept(generated_store: Store) -> None:
    schema = build_schema()
    planner = schema.execution_context_class.planner  # type: ignore[attr-defined]
    projector = schema.execution_context_class.projector  # type: ignore[attr-defined]
    selections = schema.selection_cache
    assert selections is not None
    padding = "#" + "x" * 200_000 + "\n"
    document = padding + "{ articles(first: 2) { nodes { title } } }"
    long_queries = Settings(max_query_chars=len(document), whole_statements=False)
    data, errors, _ = await _run(schema, generated_store, document, {}, long_queries)
    assert errors == [] and len(json.loads(data)["articles"]["nodes"]) == 2
    assert len(planner.documents._documents) == len(projector.documents._documents) == 0
    document = """query($q: String!) { articles(first: 2) { nodes {
      title citedBy(filter: {title: {contains: $q}}) { title } } } }"""
    await _run(schema, generated_store, document, {"q": "x" * 10_000})
    [(_, entries)] = selections.documents._documents.values()
    assert not any(isinstance(key[-1], bytes) and len(key[-1]) > 2048 for key in entries)


async def test_relations_of_objects_not_prefetched_batch_per_position(
    generated_store: Store,
) -> None:
    """``nodes`` returns objects nobody prefetched: their relations load one object at a
    time, yet share one statement per relation and position whatever their number (a
    position whose keys are all null, e.g. no topic with a parent, issues none)."""
    rows = await generated_store.execute("SELECT url FROM articles ORDER BY id LIMIT 6")
    ids = [encode_global_id("Article", url) for (url,) in rows]
    document = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Article { title
      provider { name images { url } } topics { name parent { name } children { name } }
      images { url } related { url provider { name } article { url } source { url } } } } }"""
    counts = []
    for some in (ids[:2], ids):
        data, errors, statements = await _assert_same(generated_store, document, {"ids": some})
        assert errors == [] and len(json.loads(data)["nodes"]) == len(some)
        counts.append(statements)
    # The lookup of the nodes, then one per relation position: provider, its images,
    # topics, their parent and children, images, related, their provider, article, source.
    assert counts[1] == 11 and counts[0] <= 11


async def test_an_error_below_non_null_reads_nulls_the_nearest_nullable_place(
    generated_store: Store,
) -> None:
    """``facets`` is read (a method of ``self``) and non-null, and so is ``search``: an error
    in ``facets.topics`` nulls the whole data, as graphql-core's propagation does."""
    document = '{ search(query: "ai") { totalCount facets { topics(first: -1) { count } } } }'
    compiled, reference = build_schema(), build_schema(compiled=False)
    # Statements apart: the sibling ``totalCount`` may or may not have run by then.
    expected = (await _run(reference, generated_store, document, {}))[:2]
    assert (await _run(compiled, generated_store, document, {}))[:2] == expected
    data, errors = expected
    assert json.loads(data) is None
    assert [path for _, path in errors] == [["search", "facets", "topics"]]


async def test_nested_lists_are_resolved_once_per_position(
    generated_store: Store, generated_db: Path
) -> None:
    """The deep traversal's ``provider.articles`` and ``topic.articles`` (10 and ~30
    parents a level here) are each resolved by one call for all their parents, in as
    few statements as graphql-core needs resolving them parent by parent."""
    compiled, reference = build_schema(), build_schema(compiled=False)
    batches = compiled.execution_context_class.projector.batches  # type: ignore[attr-defined]
    calls: list[tuple[str, int]] = []

    def counting(key: tuple[str, str], batch: Any) -> Any:
        def call(root: list[Any], **arguments: Any) -> Any:
            calls.append((key[0], len(root)))
            return batch(root, **arguments)

        return call

    for key, batch in list(batches.items()):
        batches[key] = counting(key, batch)
    document = next(s for s in SCENARIOS if s.name == "deep_traversal").document
    expected = await _run(reference, generated_store, document, {})
    assert await _run(compiled, generated_store, document, {}) == expected
    assert [type_name for type_name, _ in calls] == ["Provider", "Topic"]
    assert calls[0][1] == 10 and calls[1][1] > 10
    assert expected[2] == 5
