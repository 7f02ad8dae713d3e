"""The view's check that a request did not straddle a load costs one read of the data
version per request: the version before it is the last one read before it began."""

from __future__ import annotations

import strawberry
from starlette.testclient import TestClient
from starlette.types import Scope

from gql.http.view import GraphQLView
from gql.settings import Settings


def test_one_version_read_per_request_and_a_straddling_one_runs_again() -> None:
    version = [1]
    seen: list[int | None] = [None]
    reads: list[int] = []
    runs: list[int] = []

    @strawberry.type
    class Query:
        @strawberry.field
        def value(self) -> int:
            runs.append(version[0])
            if len(runs) == 2:
                version[0] += 1  # a load commits while the second request reads
            return version[0]

    async def data_version(scope: Scope) -> int:
        reads.append(version[0])
        seen[0] = version[0]
        return version[0]

    view = GraphQLView(
        strawberry.Schema(query=Query),
        Settings(graphiql=False),
        context=lambda scope: None,
        data_version=data_version,
        seen_version=lambda scope: seen[0],
    )
    client = TestClient(view)
    # Nothing read yet: read before and after.
    assert client.post("/", json={"query": "{ value }"}).json() == {"data": {"value": 1}}
    assert (len(reads), runs) == (2, [1])
    # A load commits during the run: the version after differs from the one seen before,
    # so the request runs again, on the new version.
    assert client.post("/", json={"query": "{ value }"}).json() == {"data": {"value": 2}}
    assert (len(reads), runs) == (4, [1, 1, 2])
    # From here on, one read per request.
    assert client.post("/", json={"query": "{ value }"}).json() == {"data": {"value": 2}}
    assert (len(reads), runs) == (5, [1, 1, 2, 2])
