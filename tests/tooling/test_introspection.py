"""graphql-js against a real server: live introspection, rebuilt by ``buildClientSchema``
and printed by ``printSchema``, is schema.graphql.

graphql-js prints types in introspection order and Strawberry's printer by name, so the
texts are compared with the types in name order (fields, arguments and enum values keep
their order: a field moved inside a type still fails), and once more after
``lexicographicSortSchema``. The introspection asks for ``specifiedByURL`` and the other
optional parts, as GraphiQL and codegen do.
"""

from __future__ import annotations

import json

from tests.conftest import REPO
from tests.tooling.toolchain import TOOLING, Node


def test_live_introspection_prints_as_schema_graphql(node: Node, server: str) -> None:
    run = node.run(node.binary, TOOLING / "introspect.mjs", server, REPO / "schema.graphql")
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)
    assert result["status"] == 200
    assert result["customDirectives"] == []
    assert result["byNameEqual"], result["byNameDifference"]
    assert result["sortedEqual"], result["sortedDifference"]
