"""Shared fixtures: real SQLite files in tmp_path, filled by our own loader from real seeds."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from strawberry.types import ExecutionResult

from gql.graph.context import Context
from gql.graph.schema import build_schema
from gql.settings import Settings
from gql.store import Store, open_store
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


BACKENDS = ("sqlite", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): runs on the SQLite backend only (the reason says why PostgreSQL"
        " answers otherwise, and which test covers it there)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that reads the seeds through a store (``seeds_store``, ``execute``) runs
    once per backend, with the same expected values, unless marked ``sqlite_only``."""
    if "backend" in metafunc.fixturenames:
        only_sqlite = metafunc.definition.get_closest_marker("sqlite_only") is not None
        backends = BACKENDS[:1] if only_sqlite else BACKENDS
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The backend a parametrized test reads from: ``sqlite`` or ``postgres``."""
    return str(request.param)


@pytest.fixture(scope="session")
def seeds_pg(pg_cluster: Cluster) -> str:
    """A PostgreSQL database loaded from all of ``seeds/``, shared by read-only tests."""
    url = pg_cluster.new_database()
    # In a thread of its own: first asked for from inside an async fixture's event loop.
    with ThreadPoolExecutor(max_workers=1) as thread:
        report = thread.submit(asyncio.run, load_into(url, [SEEDS])).result()
    assert report.rejected == [], report.rejected
    return url


@pytest.fixture
async def seeds_store(
    backend: str, seeds_db: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Store]:
    """The seeds, read through the store of ``backend``."""
    db: Path | str = request.getfixturevalue("seeds_pg") if backend == "postgres" else seeds_db
    store = await open_store(db)
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
