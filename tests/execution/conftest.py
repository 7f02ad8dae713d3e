"""Fixtures of the differential tests: the server's schema and the reference, and the
databases they both run on (the seeds, and a generated corpus), with samples of each."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from gql.graph.context import Context
from gql.graph.schema import GqlSchema, build_schema
from gql.settings import Settings
from gql.store import Store
from gql.sync.pipeline import load_into
from tests.fuzzing import SAMPLES_QUERY, Samples


class Target:
    """A database opened on a long-lived event loop, with samples of its records."""

    def __init__(
        self, name: str, db: Path, runner: asyncio.Runner, store: Store, samples: Samples
    ) -> None:
        self.name = name
        self.db = db
        self.runner = runner
        self.store = store
        self.samples = samples

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return f"Target({self.name!r})"


@pytest.fixture(scope="module")
def compiled() -> GqlSchema:
    """The server's schema; one for the module, as a server's serves every request."""
    return build_schema()


@pytest.fixture(scope="module")
def reference() -> GqlSchema:
    """graphql-core's own execution of every field: what the fast path must equal."""
    return build_schema(compiled=False)


@pytest.fixture(scope="module")
def generated_fuzz_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bench.generate import generate

    root = tmp_path_factory.mktemp("fuzz-generated")
    generate(200, root / "corpus", seed=5)
    db = root / "gen.db"
    assert asyncio.run(load_into(db, [root / "corpus"])).rejected == []
    return db


@pytest.fixture(scope="module", params=["seeds", "generated"])
def target(
    request: pytest.FixtureRequest, seeds_db: Path, generated_fuzz_db: Path, reference: GqlSchema
) -> Iterator[Target]:
    db = seeds_db if request.param == "seeds" else generated_fuzz_db
    with asyncio.Runner() as runner:
        store = runner.run(Store.open(db, read_only=True))
        try:
            result = runner.run(
                reference.execute(
                    SAMPLES_QUERY, context_value=Context.for_request(store, Settings())
                )
            )
            assert result.errors is None and result.data
            yield Target(request.param, db, runner, store, Samples.from_data(result.data))
        finally:
            runner.run(store.close())
