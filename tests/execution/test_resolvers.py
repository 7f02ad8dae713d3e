"""Fast resolvers give what Strawberry's per-field wrapper gives: values, and failures.

A fast resolver replaces Strawberry's wrapper only where the wrapper would do nothing but
get the value (``gql.execution.compat``). The reference is Strawberry's own path: the
schema without plans and without fast resolvers (``build_schema(compiled=False,
fast_resolvers=False)``), or the same small schema without ``use_fast_resolvers``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import strawberry
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission
from strawberry.schema.config import StrawberryConfig

from gql.execution.resolvers import use_fast_resolvers
from gql.graph.context import Context
from gql.graph.schema import GqlSchema, build_schema
from gql.settings import Settings
from gql.store import Store

BROKEN_JSON = '{"unterminated": '


def _json_error(text: str) -> str:
    """The message Python's json module gives for ``text`` (what the resolver raises)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return str(error)
    raise AssertionError(f"{text!r} is valid JSON")


@pytest.fixture
def broken_db(seeds_db: Path, tmp_path: Path) -> tuple[Path, str, str]:
    """A copy of the seeds database where one article's ``extra`` and one provider's
    ``other_names`` are not JSON: the values of two fields with fast resolvers raise."""
    target = tmp_path / "broken.db"
    source, copy = sqlite3.connect(seeds_db), sqlite3.connect(target)
    try:
        source.backup(copy)
        article_url, provider_id = copy.execute(
            "SELECT url, provider_id FROM articles WHERE provider_id IS NOT NULL"
            " ORDER BY published_at DESC, id LIMIT 1 OFFSET 2"
        ).fetchone()
        (domain,) = copy.execute(
            "SELECT domain FROM providers WHERE id = ?", (provider_id,)
        ).fetchone()
        with copy:
            copy.execute("UPDATE articles SET extra = ? WHERE url = ?", (BROKEN_JSON, article_url))
            copy.execute(
                "UPDATE providers SET other_names = ? WHERE id = ?", (BROKEN_JSON, provider_id)
            )
    finally:
        source.close()
        copy.close()
    return target, article_url, domain


@pytest.fixture
async def broken_store(broken_db: tuple[Path, str, str]) -> AsyncIterator[Store]:
    store = await Store.open(broken_db[0], read_only=True)
    try:
        yield store
    finally:
        await store.close()


async def _outcome(
    schema: GqlSchema,
    store: Store,
    document: str,
    variables: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> tuple[Any, list[Any], list[str]]:
    """Data, errors as the client sees them, and what was logged (request id taken out)."""
    caplog.clear()
    context = Context.for_request(store, Settings())
    with caplog.at_level(logging.ERROR, logger="gql.errors"):
        result = await schema.execute(document, variable_values=variables, context_value=context)
    errors = []
    for error in result.errors or []:
        formatted = error.formatted
        extensions = dict(formatted.get("extensions") or {})
        if "requestId" in extensions:
            assert extensions.pop("requestId") == context.request_id
        errors.append((formatted["message"], formatted.get("path"), extensions))
    logged = [record.getMessage().replace(context.request_id, "ID") for record in caplog.records]
    return json.dumps(result.data), errors, logged


FAILING_DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    # Compiled: the plan's read fails, the plan steps aside, graphql-core calls the field.
    ("{ articles(first: 10) { nodes { url extra } } }", {}),
    # Never compiled (a directive): graphql-core calls every field's resolver.
    (
        "query($x: Boolean!) { articles(first: 10) { nodes { url extra @include(if: $x) } } }",
        {"x": True},
    ),
    # A prefetched relation, then a method of the prefetched object.
    ("{ articles(first: 10) { nodes { url provider { domain otherNames } } } }", {}),
    # A method of an object the root field loaded (``$domain``: the broken provider).
    ("query($domain: String!) { provider(domain: $domain) { name otherNames } }", {}),
]


@pytest.mark.parametrize(("document", "variables"), FAILING_DOCUMENTS)
async def test_a_failing_field_is_reported_as_through_strawberry(
    broken_store: Store,
    broken_db: tuple[Path, str, str],
    document: str,
    variables: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    if "$domain" in document:
        variables = {"domain": broken_db[2]}
    fast = build_schema()
    reference = build_schema(compiled=False, fast_resolvers=False)
    expected = await _outcome(reference, broken_store, document, variables, caplog)
    assert await _outcome(fast, broken_store, document, variables, caplog) == expected
    _, errors, logged = expected
    # Masked by the ErrorPolicy; the cause is logged with the request id.
    assert errors and {message for message, _, _ in errors} == {"Internal server error"}
    assert {extensions["code"] for _, _, extensions in errors} == {"INTERNAL_SERVER_ERROR"}
    assert set(logged) == {f"request ID: {_json_error(BROKEN_JSON)}"}


async def test_the_failing_field_has_its_own_path(
    broken_store: Store, broken_db: tuple[Path, str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """``extra`` is non-null all the way up (``nodes: [Article!]!`` of a non-null
    ``articles``), so the error nulls the data; its path names the broken article."""
    _, article_url, _ = broken_db
    reference = build_schema(compiled=False, fast_resolvers=False)
    healthy = build_schema()
    document = "{ articles(first: 10) { nodes { url } } }"
    data, _, _ = await _outcome(healthy, broken_store, document, {}, caplog)
    index = [node["url"] for node in json.loads(data)["articles"]["nodes"]].index(article_url)
    for schema in (build_schema(), reference):
        data, errors, _ = await _outcome(schema, broken_store, FAILING_DOCUMENTS[0][0], {}, caplog)
        assert [path for _, path, _ in errors] == [["articles", "nodes", index, "extra"]]
        assert json.loads(data) is None


# -- fields whose wrapper does more than get the value keep it ----------------------------


class Deny(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


class Shout(FieldExtension):
    def resolve(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        return str(next_(source, info, **kwargs)).upper()


class Boom(Exception):
    pass


@strawberry.type
class Failed:
    reason: str


@strawberry.type
class Fine:
    value: str


class BoomHandler(strawberry.ExceptionHandler[Boom, Failed]):
    def handle(self, exception: Boom, *, field: Any, info: strawberry.Info) -> Failed:
        return Failed(reason=f"handled {exception}")


@strawberry.type
class Thing:
    name: str
    secret: str = strawberry.field(permission_classes=[Deny], default="hidden")
    loud: str = strawberry.field(extensions=[Shout()], default="quiet")

    @strawberry.field
    def label(self) -> str:
        return f"<{self.name}>"

    @strawberry.field
    def outcome(self) -> Fine | Failed:
        raise Boom(self.name)


@strawberry.type
class ThingQuery:
    @strawberry.field
    def thing(self) -> Thing:
        return Thing(name="x")


async def _compare(document: str, **options: Any) -> tuple[Any, list[Any]]:
    """The result with fast resolvers, checked equal to Strawberry's own."""
    reference = strawberry.Schema(query=ThingQuery, **options)
    fast = strawberry.Schema(query=ThingQuery, **options)
    use_fast_resolvers(fast, {})
    results = []
    for schema in (reference, fast):
        result = await schema.execute(document)
        results.append((result.data, [(e.message, e.path) for e in result.errors or []]))
    assert results[1] == results[0]
    return results[0]


async def test_permissions_and_field_extensions_keep_strawberry_path() -> None:
    assert await _compare("{ thing { name loud label } }") == (
        {"thing": {"name": "x", "loud": "QUIET", "label": "<x>"}},
        [],
    )
    assert await _compare("{ thing { secret } }") == (None, [("not for you", ["thing", "secret"])])


async def test_exception_handlers_keep_strawberry_path() -> None:
    data, errors = await _compare(
        "{ thing { label outcome { ... on Failed { reason } } } }",
        exception_handlers=[BoomHandler()],
    )
    assert errors == []
    assert data == {"thing": {"label": "<x>", "outcome": {"reason": "handled x"}}}


async def test_a_custom_default_resolver_keeps_strawberry_path() -> None:
    calls: list[str] = []

    def default_resolver(source: Any, name: str) -> Any:
        calls.append(name)
        return getattr(source, name).lower() if name == "name" else getattr(source, name)

    def run() -> Any:
        return _compare(
            "{ thing { name } }",
            config=StrawberryConfig(default_resolver=default_resolver),
        )

    assert await run() == ({"thing": {"name": "x"}}, [])
    # Once per schema: the fast one still calls the configured resolver.
    assert calls == ["name", "name"]


def test_only_plain_fields_get_reads() -> None:
    schema = strawberry.Schema(query=ThingQuery)
    reads = use_fast_resolvers(schema, {})
    # Not ``secret`` (a permission) nor ``loud`` (an extension).
    assert set(reads) == {
        ("ThingQuery", "thing"),
        ("Thing", "name"),
        ("Thing", "label"),
        ("Thing", "outcome"),
        ("Fine", "value"),
        ("Failed", "reason"),
    }
    handled = strawberry.Schema(query=ThingQuery, exception_handlers=[BoomHandler()])
    assert use_fast_resolvers(handled, {}) == {}
