"""Status codes of GraphQL results, from the GraphQL-over-HTTP spec's "Status Codes" section."""

from __future__ import annotations

import pytest
from graphql import GraphQLError
from strawberry.types import ExecutionResult

from gql.http.responses import result_body, result_status

GRJ = "application/graphql-response+json"
JSON = "application/json"


def error(code: str, path: list[str | int] | None = None) -> GraphQLError:
    return GraphQLError("problem", path=path, extensions={"code": code})


@pytest.mark.parametrize(
    ("result", "grj_status", "has_data"),
    [
        (ExecutionResult(data={"a": 1}, errors=None), 200, True),
        # executed, a field error nulled the root: data is present (null), so 2xx
        (ExecutionResult(data=None, errors=[error("INVALID_ARGUMENT", ["a"])]), 200, True),
        (ExecutionResult(data={"a": None}, errors=[error("INVALID_ID", ["a"])]), 200, True),
        # refused before execution: no data, 4xx
        (ExecutionResult(data=None, errors=[error("GRAPHQL_VALIDATION_FAILED")]), 400, False),
        # refused before execution by our own failure: 5xx
        (ExecutionResult(data=None, errors=[error("INTERNAL_SERVER_ERROR")]), 500, False),
    ],
)
def test_result_status(result: ExecutionResult, grj_status: int, has_data: bool) -> None:
    assert result_status(result, GRJ) == grj_status
    assert result_status(result, JSON) == 200
    assert ("data" in result_body(result)) is has_data
