"""Request limits, checked before a query is validated or run: each limit with its code,
the documents of the "Hold under abuse" issue refused, and everything the project itself
sends (README queries, bench scenarios, GraphiQL's introspection) passing the defaults."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLSyntaxError, Source, get_introspection_query, parse
from graphql.language import Lexer, TokenKind
from strawberry.types import ExecutionResult

from bench.catalog import SCENARIOS
from gql.errors import LimitExceeded, QueryTimeout
from gql.graph import limits as limits_module
from gql.graph.context import Context
from gql.graph.costing import schema_state
from gql.graph.limits import check_tokens, measure_document
from gql.graph.schema import build_schema
from gql.settings import Settings
from gql.store import Store
from tests import attacks
from tests.conftest import REPO
from tests.readme import readme_queries
from tests.store.test_deadlines import ENDLESS

Run = Callable[..., Awaitable[tuple[ExecutionResult, Context]]]
INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
)


@pytest.fixture
def run(seeds_store: Store) -> Run:
    """Run a document in process with the given limits; the result and its context."""
    schema = build_schema()

    async def go(
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        **limits: Any,
    ) -> tuple[ExecutionResult, Context]:
        context = Context.for_request(seeds_store, Settings(**limits))
        result = await schema.execute(
            query, variable_values=variables, context_value=context, operation_name=operation_name
        )
        return result, context

    return go


def code_of(result: ExecutionResult) -> str:
    assert result.errors, result.data
    code: str = result.errors[0].extensions["code"]
    return code


TWO_ALIASES = "{ a: __typename b: __typename }"
DEEP = "{ articles { nodes { provider { name } } } }"  # 4 levels, 4 fields

# (limit, the value that refuses the query, query, code)
LIMITS = [
    ("max_query_chars", 100, "{ __typename }" + " " * 100, "QUERY_TOO_LONG"),
    ("max_tokens", 5, TWO_ALIASES, "TOO_MANY_TOKENS"),
    ("max_depth", 3, DEEP, "QUERY_TOO_DEEP"),
    ("max_fields", 3, DEEP, "TOO_MANY_FIELDS"),
    ("max_aliases", 1, TWO_ALIASES, "TOO_MANY_ALIASES"),
    (
        "max_root_fields",
        1,
        "{ __typename topics(first: 1) { totalCount } }",
        "TOO_MANY_ROOT_FIELDS",
    ),
    (
        "max_directives",
        1,
        "{ __typename @include(if: true) @skip(if: false) }",
        "TOO_MANY_DIRECTIVES",
    ),
    (
        "max_fragment_spreads",
        1,
        "{ ...A } fragment A on Query { ...B } fragment B on Query { __typename }",
        "TOO_MANY_FRAGMENT_SPREADS",
    ),
    ("max_operations", 1, "query a { __typename } query b { __typename }", "TOO_MANY_OPERATIONS"),
    (
        "max_field_repeats",
        2,
        "{ articles { nodes { title title title } } }",
        "TOO_MANY_REPEATED_FIELDS",
    ),
    ("max_cost", 10, "{ articles(first: 10) { nodes { title } } }", "QUERY_TOO_COMPLEX"),
]


@pytest.mark.parametrize(("limit", "value", "query", "code"), LIMITS, ids=[c[3] for c in LIMITS])
async def test_each_limit_refuses_before_anything_runs(
    run: Run, limit: str, value: int, query: str, code: str
) -> None:
    name = "a" if query.startswith("query a") else None
    passed, _ = await run(query, operation_name=name)
    assert passed.errors is None, passed.errors
    refused, context = await run(query, operation_name=name, **{limit: value})
    assert code_of(refused) == code
    assert refused.data is None
    [error] = refused.errors or []
    assert error.extensions is not None and error.extensions["limit"] == value
    assert f"{value:,}" in error.message
    # Refused before execution: no SQL ran.
    assert context.query_log is not None and context.query_log.statements == 0


async def test_an_answer_over_the_size_limit_is_refused(run: Run) -> None:
    query = "{ articles(first: 10) { nodes { title url excerpt body } } }"
    passed, _ = await run(query)
    assert passed.errors is None
    refused, context = await run(query, max_response_bytes=500)
    assert code_of(refused) == "RESPONSE_TOO_LARGE" and refused.data is None
    assert "more than the 500 this server sends" in (refused.errors or [])[0].message
    assert context.query_log is not None and context.query_log.statements > 0


async def test_limit_errors_say_what_and_how_much(run: Run) -> None:
    result, _ = await run(DEEP, max_depth=3)
    [error] = result.errors or []
    assert error.message == (
        "the query is nested too deeply: 4 levels of fields, more than the 3 this server"
        " accepts; ask for fewer nested levels"
    )
    assert error.extensions == {"code": "QUERY_TOO_DEEP", "limit": 3, "found": 4}
    assert result.extensions is not None
    assert result.extensions["cost"]["requestedQueryCost"] is None


# (attack, its variables, expected code) under the default limits
ATTACKS = [
    ("explosive lists", attacks.explosive_lists(), None, "QUERY_TOO_COMPLEX"),
    ("25 doublings of related", attacks.doubling_related(25), None, "QUERY_TOO_DEEP"),
    ("500 aliases of a list", attacks.aliases(500), None, "TOO_MANY_ALIASES"),
    ("10,000 aliases", attacks.aliases(10_000, "__typename"), None, "QUERY_TOO_LONG"),
    ("10,001 tokens", attacks.tokens(10_001), None, "TOO_MANY_TOKENS"),
    ("branching fragments", attacks.branching_fragments(), None, "TOO_MANY_FIELDS"),
    ("100,000 operations", attacks.operations(100_000), None, "QUERY_TOO_LONG"),
    ("10 MB of tokens", attacks.megabytes_of_tokens(10), None, "QUERY_TOO_LONG"),
    ("depth 64", attacks.nested(64), None, "QUERY_TOO_DEEP"),
    ("depth 100", attacks.nested(100), None, "QUERY_TOO_DEEP"),
    ("300 repeated object fields", attacks.repeated_fields(300), None, "TOO_MANY_REPEATED_FIELDS"),
    ("an or of 1,000", attacks.wide_or(1000), None, "INVALID_ARGUMENT"),
    (
        "a nested JSON cursor",
        attacks.CURSOR_QUERY,
        {"after": attacks.nested_json_cursor()},
        "INVALID_CURSOR",
    ),
]


@pytest.mark.parametrize(
    ("query", "variables", "code"), [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS]
)
async def test_the_attacks_of_the_issue_are_refused(
    run: Run, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    result, context = await run(query, variables)
    assert code_of(result) == code, result.errors
    assert result.data is None or all(v is None for v in result.data.values())
    if code not in ("INVALID_ARGUMENT", "INVALID_CURSOR"):  # those are the resolver's
        assert context.query_log is not None and context.query_log.statements == 0
    after, _ = await run("{ __typename }")
    assert after.errors is None and after.data == {"__typename": "Query"}


async def test_operations_are_counted_before_they_are_validated(run: Run) -> None:
    result, _ = await run(attacks.operations(21), operation_name="q0")
    assert code_of(result) == "TOO_MANY_OPERATIONS"


async def test_branching_fragments_are_refused_however_they_expand(run: Run) -> None:
    # Fragments whose leaves select nothing: only their spreads grow.
    query = attacks.branching_fragments(24).replace("{ __typename }", "{ }")
    result, _ = await run(query)
    assert code_of(result) == "TOO_MANY_FRAGMENT_SPREADS"
    cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    result, _ = await run(cycle)
    assert code_of(result) == "GRAPHQL_VALIDATION_FAILED"
    assert "within itself" in (result.errors or [])[0].message


async def test_a_filter_as_wide_and_deep_as_allowed_runs(run: Run) -> None:
    """The widest `or` at every level of the deepest filter stays within SQLite's limits."""
    level = '{title: {eq: "x"}}'
    for _ in range(15):
        level = "{or: [%s, %s]}" % (", ".join(['{title: {eq: "y"}}'] * 49), level)
    result, _ = await run("{ articles(filter: %s) { totalCount } }" % level)
    assert result.errors is None, result.errors
    assert result.data == {"articles": {"totalCount": 0}}
    wider = attacks.wide_or(51)
    assert code_of((await run(wider))[0]) == "INVALID_ARGUMENT"
    in_list = "{ articles(filter: {title: {in: [%s]}}) { totalCount } }" % ", ".join(
        f'"t{i}"' for i in range(1000)
    )
    result, _ = await run(in_list)
    assert code_of(result) == "INVALID_ARGUMENT"
    assert "1001 conditions and values" in (result.errors or [])[0].message


SENT_BY_US = [(f"readme {i}", q, v) for i, (q, v) in enumerate(readme_queries())] + [
    (s.name, s.document, s.variables) for s in SCENARIOS if not s.name.startswith("peer")
]


@pytest.mark.parametrize(
    ("query", "variables"), [s[1:] for s in SENT_BY_US], ids=[s[0] for s in SENT_BY_US]
)
async def test_what_the_project_sends_passes_the_defaults(
    run: Run, seeds_db: Any, query: str, variables: Any
) -> None:
    values = variables(seeds_db) if callable(variables) else variables
    result, _ = await run(query, values)
    assert result.errors is None, result.errors
    assert result.extensions is not None
    cost = result.extensions["cost"]
    assert 0 < cost["requestedQueryCost"] <= Settings().max_cost
    assert 0 <= cost["actualQueryCost"] <= cost["requestedQueryCost"]


async def test_graphiql_introspection_passes_the_defaults(run: Run) -> None:
    result, _ = await run(INTROSPECTION)
    assert result.errors is None, result.errors


async def test_a_request_out_of_time_is_one_timeout_error(run: Run) -> None:
    """However the deadline strikes (a read interrupted, or the execution cancelled),
    the answer is one TIMEOUT error; the next request is unaffected."""
    query = "{ articles(first: 20) { nodes { related { article { related { title } } } } } }"
    result, _ = await run(query, request_time_limit_ms=1)
    assert result.data is None
    [error] = result.errors or []
    assert error.extensions == {"code": "TIMEOUT"}
    assert error.message == "the request ran past its time limit of 1 ms and was stopped"
    again, _ = await run(query)
    assert again.errors is None


async def test_the_deadline_counts_the_wait_for_a_read_connection(seeds_db: Path) -> None:
    """Time queued for the pool is the request's time (``gql.store.deadlines``): a request
    whose deadline passes while every connection is busy is answered TIMEOUT at its
    deadline, without running a statement."""
    store = await Store.open(seeds_db, read_connections=1, time_limit_ms=2000)
    try:
        schema = build_schema()
        # Field by field: a whole statement seen cheap runs on the event loop's own
        # connection, which no wait for the pool holds up (tests/store/test_placement.py).
        warm = Context.for_request(store, Settings(whole_statements=False))
        assert (
            await schema.execute("{ articles(first: 1) { totalCount } }", context_value=warm)
        ).errors is None
        holder = asyncio.create_task(store.execute(ENDLESS))
        await asyncio.sleep(0)
        context = Context.for_request(
            store, Settings(request_time_limit_ms=50, whole_statements=False)
        )
        result = await schema.execute(
            "{ articles(first: 1) { totalCount } }", context_value=context
        )
        assert code_of(result) == "TIMEOUT" and result.data is None
        assert context.query_log is not None and context.query_log.statements == 0
        assert not holder.done()  # answered before the connection came free
        with pytest.raises(QueryTimeout):
            await holder
    finally:
        await store.close()


def _core_tokens(query: str) -> int:
    """Tokens as graphql-core's lexer links them, comments included: what its parser's
    ``max_tokens`` counts."""
    lexer = Lexer(Source(query))
    while lexer.advance().kind is not TokenKind.EOF:
        pass
    token = lexer.token
    while token.prev is not None:
        token = token.prev
    count = 0
    while token.next is not None and token.next.kind is not TokenKind.EOF:
        token = token.next
        count += 1
    return count


def values_and_fragments(levels: int) -> str:
    """``levels`` fields deep, each with an object argument and an inline fragment: braces
    that open no level of fields."""
    opening = "topic(slug: {a: {b: 1}}) { ... on Topic { "
    return "{ " + opening * levels + "name" + " } }" * levels + " }"


TEXTS = [
    *(s[1] for s in SENT_BY_US),
    INTROSPECTION,
    *(a[1] for a in ATTACKS if len(a[1]) < 10**5),
    values_and_fragments(15),
    "# a comment counts\n{ a: __typename # so does this\n ... # and this\n on Query { b: c } }",
]


@pytest.mark.parametrize("query", TEXTS)
def test_the_text_scan_counts_tokens_as_graphql_core_and_never_overstates(query: str) -> None:
    """``check_tokens`` counts exactly graphql-core's tokens, and its depth and aliases
    (read from the text, fragments not expanded) are at most what the parsed document
    measures: what it refuses, the parsed document would be refused for too."""
    tokens = _core_tokens(query)
    wide_open = Settings(max_tokens=tokens, max_depth=10**6, max_aliases=10**6)
    check_tokens(query, wide_open)  # exactly at the limit: passes
    with pytest.raises(LimitExceeded) as over:
        check_tokens(query, Settings(max_tokens=tokens - 1))
    assert over.value.code == "TOO_MANY_TOKENS" and over.value.found == tokens
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return
    measures = measure_document(document)
    check_tokens(query, replace(wide_open, max_depth=measures.depth))
    check_tokens(query, replace(wide_open, max_aliases=measures.aliases))


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (attacks.tokens(10_001), "TOO_MANY_TOKENS"),
        (attacks.nested(3_000), "QUERY_TOO_DEEP"),
        (attacks.aliases(500), "TOO_MANY_ALIASES"),
        (values_and_fragments(25), "QUERY_TOO_DEEP"),
    ],
    ids=["tokens", "depth", "aliases", "depth-among-values-and-fragments"],
)
async def test_a_query_refused_by_its_text_is_never_parsed(
    seeds_store: Store, query: str, code: str
) -> None:
    schema = build_schema()
    documents = schema.documents
    assert documents is not None
    result = await schema.execute(query, context_value=Context.for_request(seeds_store, Settings()))
    assert code_of(result) == code
    assert len(documents) == 0  # the parser never ran (it keeps what it parses)
    # Refused again, from the kept refusal.
    again = await schema.execute(query, context_value=Context.for_request(seeds_store, Settings()))
    assert code_of(again) == code
    # Too many fields shows only once parsed: parsed, refused, and its parse let go.
    query = attacks.branching_fragments()
    result = await schema.execute(query, context_value=Context.for_request(seeds_store, Settings()))
    assert code_of(result) == "TOO_MANY_FIELDS" and len(documents) == 0
    again = await schema.execute(query, context_value=Context.for_request(seeds_store, Settings()))
    assert code_of(again) == "TOO_MANY_FIELDS" and len(documents) == 0
    assert [e.message for e in again.errors or []] == [e.message for e in result.errors or []]


async def test_a_repeated_refusal_keeps_nothing_of_the_requests_that_met_it(
    seeds_store: Store,
) -> None:
    """A refusal kept by its text is raised anew each time: the kept exception carries no
    traceback, so the frames of the requests it refused (and the documents they parsed)
    are not chained onto it and kept alive, however often the query is sent."""
    schema = build_schema()
    settings = Settings()
    queries = [attacks.tokens(10_001), attacks.branching_fragments(), attacks.aliases(500)]
    for query in queries:
        for _ in range(5):
            result = await schema.execute(
                query, context_value=Context.for_request(seeds_store, settings)
            )
            assert result.errors and result.data is None
    kept = schema_state(schema).refused.values()
    assert len(kept) == len(queries)
    assert all(error.__traceback__ is None for _, error in kept)
    assert len(schema.documents or []) == 0


def test_the_readme_table_publishes_every_limit_with_its_default_and_code() -> None:
    """The README's table of limits says what ``Settings`` and ``gql.graph.limits`` say."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| [^|]+ \| ([\d,]+)(?: ms| s)? \| `?(\w*)`? \| `--([\w-]+)` \|$", readme, re.M
    )
    published = {
        option.replace("-", "_"): (int(d.replace(",", "")), code) for d, code, option in rows
    }
    defaults = Settings()
    limits = [v for v in vars(limits_module).values() if isinstance(v, limits_module.Limit)]
    assert len(limits) >= 11
    for limit in limits:
        assert published[limit.setting] == (getattr(defaults, limit.setting), limit.code)
    assert published["max_response_bytes"] == (defaults.max_response_bytes, "RESPONSE_TOO_LARGE")
    assert published["request_time_limit_ms"] == (defaults.request_time_limit_ms, "TIMEOUT")
