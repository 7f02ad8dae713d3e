"""Shared fixtures: real SQLite files in tmp_path, filled by our own loader from real seeds."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from strawberry.types import ExecutionResult

from gql.graph.context import Context
from gql.graph.schema import build_schema
from gql.settings import Settings
from gql.store import Store
from gql.sync import load_into
from tests.pg import Cluster, cluster, postgres_bin

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
ORIGINAL_SEED = SEEDS / "000_14c2d3d9f87f535d.txt"
PG_MISSING = (
    "PostgreSQL is not installed and could not be (`make postgres` installs Debian's"
    " package as root): the PostgreSQL half of the suite is SKIPPED"
)


@pytest.fixture(scope="session")
def seeds_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database loaded from all of ``seeds/``, shared by read-only tests."""
    db_path = tmp_path_factory.mktemp("seeds") / "seeds.db"
    report = asyncio.run(load_into(db_path, [SEEDS]))
    assert report.rejected == [], report.rejected
    return db_path


@pytest.fixture
async def seeds_store(seeds_db: Path) -> AsyncIterator[Store]:
    store = await Store.open(seeds_db)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of ``seeds/`` for tests that edit, add or remove files."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write a seed file under tmp_path/files and return its path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture
async def execute(seeds_store: Store) -> Callable[..., Any]:
    """Run a GraphQL document against the seeds database, in process."""
    schema = build_schema()

    async def run(
        query: str, variables: dict[str, Any] | None = None, *, settings: Settings | None = None
    ) -> ExecutionResult:
        context = Context.for_request(seeds_store, settings or Settings(explain=True))
        result = await schema.execute(query, variable_values=variables, context_value=context)
        result.extensions = {"statements": context.query_log.statements if context.query_log else 0}
        return result

    return run


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """ONE throwaway PostgreSQL cluster for the whole session (``tests/pg.py``); each test
    asks it for a database of its own. Skipped, saying why, where PostgreSQL is missing."""
    if postgres_bin() is None:
        pytest.skip(PG_MISSING)
    with cluster() as running:
        yield running
