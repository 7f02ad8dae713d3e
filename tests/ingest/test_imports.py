"""Ingest knows frontmatter and YAML, nothing of SQL, GraphQL or the later stages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.sync.test_imports import imported_modules

INGEST_MODULES = sorted((REPO / "gql" / "ingest").glob("*.py"))
LATER_STAGES = ("sqlite3", "aiosqlite", "strawberry", "graphql", "starlette", "gql.store")
LATER_GQL = ("gql.sync", "gql.graph", "gql.execution", "gql.http", "gql.loaders", "gql.app")


@pytest.mark.parametrize("path", INGEST_MODULES, ids=lambda p: p.name)
def test_ingest_imports_no_later_stage(path: Path) -> None:
    later = {
        name
        for name in imported_modules(path)
        if name.split(".")[0] in LATER_STAGES or name.startswith(LATER_STAGES + LATER_GQL)
    }
    assert later == set()
