"""The lean path of prepared queries answers byte for byte as ``Schema.execute`` does.

Two apps over the same database, one with the lean path (``gql.graph.prepared``) and one
without (``Settings(prepared_path=False)``: every request through ``Schema.execute``, the
reference), get the same requests over ASGI: every README, example and bench document
with its variables, then with random variables (``tests.execution.differential``:
invalid ones included), generated documents of the whole schema (``tests.fuzzing``), and
a table of requests that end in errors (variables refused, unknown and missing operation
names, user errors, limits, subscriptions over HTTP, GET). Each is sent to the lean app
twice, so that the second is answered by the lean path (a count checks it was), and the
status, headers and body of both must equal the reference's. A request id is sent with
each, so that masked errors name the same one; ``extensions.sql.ms`` (with ``explain``)
is a timing, the one part compared as "present" only.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from bench.catalog import SCENARIOS
from gql.app import create_app
from gql.graph.context import Context
from gql.graph.costing import parse_options, schema_state
from gql.graph.prepared import PreparedOperations
from gql.graph.schema import build_schema
from gql.settings import Settings
from gql.store import Store
from tests.conftest import REPO
from tests.execution.differential import lifted_requests
from tests.faults import damaged_copy
from tests.fuzzing import FUZZ, SAMPLES_QUERY, Request, Samples, requests
from tests.http.test_view import GRJ
from tests.readme import readme_queries

EXAMPLES = REPO / "examples"
EXAMPLE_VARIABLES: dict[str, dict[str, Any]] = json.loads(
    (EXAMPLES / "variables.json").read_text(encoding="utf-8")
)
Exchange = tuple[int, list[tuple[str, str]], bytes]
"""What a client sees: status, headers (in order), body."""
TIMING = re.compile(rb'"ms":[0-9.e+-]+(?=[,}])')
"""``extensions.sql.ms`` in a body as orjson writes it."""


class Served:
    """The lean-path answers counted (``PreparedOperations.execute`` returning one)."""

    def __init__(self) -> None:
        self.count = 0


@dataclass
class Pair:
    """The app with the lean path and the reference, on one database."""

    lean: TestClient
    reference: TestClient
    served: Served
    db: Path
    samples: Samples | None = None

    def exchange(self, client: TestClient, body: Any, *, get: bool = False) -> Exchange:
        sent = {"accept": GRJ, "x-request-id": "prepared-test"}
        if get:
            response = client.get(f"/graphql?{urlencode(body)}", headers=sent)
        else:
            response = client.post("/graphql", json=body, headers=sent)
        headers = list(response.headers.items())
        content, timed = TIMING.subn(b'"ms":"timed"', response.content)
        if timed:  # its length is the timing's too
            headers = [(name, value) for name, value in headers if name != "content-length"]
        return response.status_code, headers, content

    def assert_same(self, body: Any, *, get: bool = False, lean: bool | None = None) -> Exchange:
        """``body``'s answer from the reference; the lean app's, twice, equal to it.
        ``lean``: whether the lean path must have answered the second (None: either)."""
        expected = self.exchange(self.reference, body, get=get)
        assert self.exchange(self.lean, body, get=get) == expected
        before = self.served.count
        assert self.exchange(self.lean, body, get=get) == expected
        if lean is not None:
            assert (self.served.count > before) is lean, body
        return expected


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    counter = Served()
    execute = PreparedOperations.execute

    async def counted(self: PreparedOperations, *args: Any, **kwargs: Any) -> Any:
        result = await execute(self, *args, **kwargs)
        counter.count += result is not None
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PreparedOperations, "execute", counted)
        yield counter


def _pair(db: Path, served: Served, *, sampled: bool = True, **options: Any) -> Iterator[Pair]:
    # A deadline no request of these meets even on a loaded machine: a timeout on one
    # side only would be a difference of load, not of paths.
    base = Settings(
        db_path=db,
        response_cache_entries=0,
        access_log=False,
        request_time_limit_ms=60_000,
        **options,
    )
    with (
        TestClient(create_app(base)) as lean,
        TestClient(create_app(replace(base, prepared_path=False))) as reference,
    ):
        pair = Pair(lean, reference, served, db)
        if sampled:
            found = reference.post("/graphql", json={"query": SAMPLES_QUERY}).json()
            pair.samples = Samples.from_data(found["data"])
        yield pair


@pytest.fixture(scope="module")
def pair(seeds_db: Path, served: Served) -> Iterator[Pair]:
    yield from _pair(seeds_db, served)


@pytest.fixture(scope="module")
def explained(seeds_db: Path, served: Served) -> Iterator[Pair]:
    """With ``explain`` (``extensions.sql``), a low cost limit and a small answer cap."""
    yield from _pair(
        seeds_db, served, sampled=False, explain=True, max_cost=400, max_response_bytes=3000
    )


def _documents() -> list[Any]:
    found = [
        pytest.param(query, variables, id=f"readme-{index}")
        for index, (query, variables) in enumerate(readme_queries())
    ]
    found += [
        pytest.param(
            path.read_text(encoding="utf-8"),
            EXAMPLE_VARIABLES.get(path.stem, {}),
            id=f"example-{path.stem}",
        )
        for path in sorted(EXAMPLES.glob("*.graphql"))
    ]
    found += [pytest.param(s.document, s.variables, id=f"bench-{s.name}") for s in SCENARIOS]
    return found


DOCUMENTS = _documents()


def _variables(pair: Pair, variables: Any) -> dict[str, Any]:
    return dict(variables(pair.db) if callable(variables) else variables)


@pytest.mark.parametrize(("document", "variables"), DOCUMENTS)
def test_published_documents(pair: Pair, document: str, variables: Any) -> None:
    body = {"query": document, "variables": _variables(pair, variables)}
    status, _, answer = pair.assert_same(body, lean=True)
    assert status == 200 and "errors" not in json.loads(answer), answer


@pytest.mark.parametrize(("document", "variables"), DOCUMENTS)
def test_published_documents_explained_and_limited(
    explained: Pair, document: str, variables: Any
) -> None:
    explained.assert_same({"query": document, "variables": _variables(explained, variables)})


@pytest.mark.parametrize(("document", "variables"), DOCUMENTS)
@settings(FUZZ, max_examples=8)
@given(data=st.data())
def test_published_documents_with_random_variables(
    pair: Pair, document: str, variables: Any, data: st.DataObject
) -> None:
    assert pair.samples is not None
    request = data.draw(lifted_requests(document, pair.samples), label="request")
    pair.assert_same(request.body())


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_generated_documents(pair: Pair, data: st.DataObject) -> None:
    assert pair.samples is not None
    request: Request = data.draw(requests(pair.samples), label="request")
    pair.assert_same(request.body())


TOPIC = "query Topic($slug: String!, $first: Int) { topic(slug: $slug) { name articles(first: $first) { nodes { title } } } }"  # noqa: E501
TWO = "query A { __typename } query B { articles(first: 1) { nodes { title } } }"
ERRORS = [
    # Variables graphql-core refuses: BAD_USER_INPUT, before execution.
    pytest.param({"query": TOPIC, "variables": {"slug": "x", "first": "many"}}, id="bad-type"),
    pytest.param({"query": TOPIC, "variables": {"first": 2}}, id="missing-variable"),
    pytest.param({"query": TOPIC, "variables": {"slug": None}}, id="null-variable"),
    pytest.param({"query": TOPIC, "variables": {"slug": "x", "nope": 1}}, id="extra-variable"),
    # Found by name, or not.
    pytest.param({"query": TWO, "operationName": "B"}, id="named-operation"),
    pytest.param({"query": TWO}, id="operation-name-missing"),
    pytest.param({"query": TWO, "operationName": "C"}, id="operation-name-unknown"),
    # Field errors of ours (with a path) and limits.
    pytest.param({"query": '{ article(id: "bogus") { title } }'}, id="invalid-id"),
    pytest.param({"query": "{ articles(first: 1000) { nodes { title } } }"}, id="page-size"),
    pytest.param(
        {"query": "{ articles(first: 100) { nodes { related { article { topics { name } } } } } }"},
        id="cost",
    ),
    pytest.param({"query": "{ articles { nodes { title } } }", "extensions": {"a": 1}}, id="ext"),
    pytest.param({"query": "{ __schema { queryType { name } } }"}, id="introspection"),
    pytest.param(
        {
            "query": "query($x: Boolean!) { articles(first: 2) { nodes { title @include(if: $x) } } }",  # noqa: E501
            "variables": {"x": False},
        },
        id="directive",
    ),
    pytest.param({"query": "subscription { articleChanged { title } }"}, id="subscription"),
    pytest.param({"query": "{ articles { nodes { title } }"}, id="syntax"),
    pytest.param({"query": ""}, id="empty"),
]


@pytest.mark.parametrize("body", ERRORS)
def test_errors(pair: Pair, explained: Pair, body: dict[str, Any]) -> None:
    pair.assert_same(body)
    explained.assert_same(body)


@pytest.mark.parametrize("body", ERRORS[:8])
def test_errors_over_get(pair: Pair, body: dict[str, Any]) -> None:
    query = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in body.items()}
    pair.assert_same(query, get=True)


def test_refusals_before_execution_take_schema_execute(explained: Pair) -> None:
    """A document the guard refuses is answered by ``Schema.execute`` (in its words)."""
    status, _, answer = explained.assert_same(
        {"query": "{ articles(first: 100) { nodes { topics { name } } } }"}, lean=False
    )
    [error] = json.loads(answer)["errors"]
    assert status == 400 and error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_answers_over_the_size_cap(explained: Pair) -> None:
    body = {"query": "{ articles(first: 20) { nodes { title url } } }"}
    answer = json.loads(explained.assert_same(body, lean=True)[2])
    assert answer["data"] is None
    assert answer["errors"][-1]["extensions"]["code"] == "RESPONSE_TOO_LARGE"


def test_variables_refused_on_the_lean_path(pair: Pair) -> None:
    pair.assert_same({"query": TOPIC, "variables": {"slug": "x", "first": 1}}, lean=True)
    status, _, answer = pair.assert_same(
        {"query": TOPIC, "variables": {"slug": "x", "first": "many"}}, lean=True
    )
    [error] = json.loads(answer)["errors"]
    assert status == 400 and error["extensions"]["code"] == "BAD_USER_INPUT"


def test_masked_errors(seeds_db: Path, served: Served, tmp_path_factory: Any) -> None:
    """Reads that fail (a damaged table) are masked the same way, request id included."""
    folder = tmp_path_factory.mktemp("damaged")
    shutil.copy(seeds_db, folder / "seeds.db")
    db = damaged_copy(folder / "seeds.db", folder / "damaged.db", "related_links")
    for damaged in _pair(db, served, sampled=False):
        body = {"query": "{ articles(first: 3) { nodes { title related { url } } } }"}
        answer = json.loads(damaged.assert_same(body, lean=True)[2])
        assert answer["errors"][0]["extensions"] == {
            "code": "INTERNAL_SERVER_ERROR",
            "requestId": "prepared-test",
        }


async def test_a_schema_with_an_extension_of_its_own_takes_schema_execute(
    seeds_store: Store,
) -> None:
    """The lean path does what the schema's own extensions do; with any other, it steps
    aside, whatever that one does."""
    schema = build_schema()
    prepared = PreparedOperations(schema)
    query = "{ articles(first: 1) { nodes { title } } }"
    # One, as a server's: verdicts are kept per settings object. The first request
    # builds the guard's view of the schema: on a loaded machine it may take seconds.
    settings = Settings(request_time_limit_ms=60_000)

    async def run() -> ExecutionResult | None:
        context = Context.for_request(seeds_store, settings)
        result = await prepared.execute(
            query, variables=None, context=context, operation_name=None, operation_extensions=None
        )
        if result is None:
            context = Context.for_request(seeds_store, settings)
            done = await schema.execute(query, context_value=context)
            assert done.errors is None, done.errors
        return result

    assert await run() is None  # first sight: Schema.execute parses and validates it
    documents = schema.documents
    assert documents is not None and documents.validated(query, parse_options(settings))
    known = schema_state(schema).documents.get(query)
    assert known is not None and known.passed is settings
    answered = await run()
    assert answered is not None and answered.errors is None and answered.data

    class Mine(SchemaExtension):
        pass

    schema.extensions = (*schema.extensions, Mine)
    assert await run() is None
