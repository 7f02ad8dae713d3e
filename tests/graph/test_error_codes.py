"""Every class of error a client sees has its own ``extensions.code`` (the table of
``gql.graph.extensions``): an invalid document, an invalid variable or argument value,
a mistake of the server's (masked), each told apart by when it was raised."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import strawberry

from gql.graph.extensions import INTERNAL_ERROR_MESSAGE, ErrorPolicy
from gql.graph.schema import GqlSchema
from tests.graph.helpers import Execute

# (query, variables, code, a part of the message graphql-core words)
CODED = [
    pytest.param("{ nope }", None, "GRAPHQL_VALIDATION_FAILED", "nope", id="unknown-field"),
    pytest.param(
        "{ articles(first: true) { totalCount } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        "Int cannot represent",
        id="literal-of-the-wrong-type",
    ),
    pytest.param(
        "query($url: String!) { article(url: $url) { title } }",
        {"url": 5},
        "BAD_USER_INPUT",
        "Variable '$url' has invalid value: String cannot represent a non string value: 5",
        id="variable-of-the-wrong-type",
    ),
    pytest.param(
        "query($url: String!) { article(url: $url) { title } }",
        {},
        "BAD_USER_INPUT",
        "Expected a value of non-null type 'String!' to be provided",
        id="missing-variable",
    ),
    pytest.param(
        'query($ids: [ID!] = ["x"]) { nodes(ids: $ids) { id } }',
        {"ids": None},
        "BAD_USER_INPUT",
        "Argument 'ids'",
        id="null-for-a-non-null-argument",
    ),
]


@pytest.mark.parametrize(("query", "variables", "code", "message"), CODED)
async def test_each_class_of_client_error_has_its_code(
    execute: Execute, query: str, variables: dict[str, Any] | None, code: str, message: str
) -> None:
    result = await execute(query, variables)
    assert result.errors, result.data
    [error] = result.errors
    assert error.extensions is not None and error.extensions["code"] == code
    assert message in error.message


@strawberry.type
class Broken:
    """Fields whose resolvers break graphql-core's contract: the server's fault."""

    @strawberry.field
    def count(self) -> int:
        return None  # type: ignore[return-value]

    @strawberry.field
    def names(self) -> list[str]:
        return 7  # type: ignore[return-value]

    @strawberry.field
    def fine(self) -> str:
        return "fine"


@pytest.mark.parametrize(
    ("field", "logged"),
    [("count", "Cannot return null"), ("names", "Expected Iterable")],
)
async def test_what_graphql_core_finds_wrong_in_our_answer_is_masked(
    caplog: pytest.LogCaptureFixture, field: str, logged: str
) -> None:
    schema = GqlSchema(query=Broken, extensions=[ErrorPolicy])
    with caplog.at_level(logging.ERROR, logger="gql.errors"):
        result = await schema.execute(f"{{ fine {field} }}")
    assert result.data is None  # the non-null field's null reaches the root
    [error] = result.errors or []
    assert error.message == INTERNAL_ERROR_MESSAGE
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": None}
    assert error.path == [field]
    assert logged in caplog.text  # the real message goes to the log, not the client
