"""Fuzzed: compiled plans answer every generated query exactly as graphql-core does.

Hypothesis and hypothesis-graphql draw queries from ``schema.graphql``, with real IDs,
slugs and cursors of the database, aliases, ``@include``/``@skip`` and variables
(``tests/fuzzing.py``). Each runs through ``build_schema()`` (compiled plans; twice, the
second time on the plans and selections cached by the first) and through
``build_schema(compiled=False)`` (graphql-core's own completion), on the seeds and on a
generated corpus: data as ordered JSON, errors (message and path) and SQL statement
counts must be equal. One schema of each kind serves every example, as a server's does,
so cached plans meet many documents and variables.

``GQL_FUZZ_EXAMPLES=5000 pytest tests/execution/test_fuzz_plans.py`` runs longer (100
examples per database by default, derandomized); ``GQL_FUZZ_RANDOM=1`` draws new ones.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gql.graph.context import Context
from gql.graph.schema import GqlSchema, build_schema
from gql.settings import Settings
from gql.store import Store
from gql.sync.pipeline import load_into
from tests.fuzzing import FUZZ, SAMPLES_QUERY, Request, Samples, requests


@dataclass
class Target:
    """A database opened on a long-lived event loop, with samples of its records."""

    name: str
    runner: asyncio.Runner
    store: Store
    samples: Samples

    def __repr__(self) -> str:
        return f"Target({self.name!r})"


@pytest.fixture(scope="module")
def compiled() -> GqlSchema:
    return build_schema()


@pytest.fixture(scope="module")
def reference() -> GqlSchema:
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
            yield Target(request.param, runner, store, Samples.from_data(result.data))
        finally:
            runner.run(store.close())


@dataclass(frozen=True)
class Answer:
    """What one run gave: data as JSON text, errors, and the SQL statements it issued."""

    data: str
    errors: list[tuple[str, list[str | int] | None]]
    statements: int

    def comparable(self) -> tuple[Any, ...]:
        """What must be equal between the two paths.

        Data always, as JSON text (key order counts: graphql-core writes keys in selection
        order). Errors that stay where they were raised (their field is nullable: its
        path leads to a null in the data), in any order: fields complete concurrently.
        An error in a non-null field nulls its parent, and graphql-core then answers with
        the errors of whichever siblings finished first: only errors before execution
        (no path) are certain. Statement counts only without errors: a failed field
        leaves its siblings running in the background.
        """
        data = json.loads(self.data)
        settled = all(path is not None and _leads_to_null(data, path) for _, path in self.errors)
        errors = (
            sorted(self.errors, key=repr) if settled else [e for e in self.errors if e[1] is None]
        )
        return (
            self.data,
            settled,
            errors,
            bool(self.errors),
            (self.statements if not self.errors else None),
        )


def _leads_to_null(data: Any, path: list[str | int]) -> bool:
    for key in path:
        if isinstance(data, dict) and isinstance(key, str) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return False
    return data is None


async def _run(schema: GqlSchema, store: Store, request: Request) -> Answer:
    context = Context.for_request(store, Settings())
    result = await schema.execute(
        request.query, variable_values=request.variables, context_value=context
    )
    errors = [(error.message, error.path) for error in result.errors or []]
    statements = context.query_log.statements if context.query_log else -1
    return Answer(json.dumps(result.data), errors, statements)


@FUZZ
@given(data=st.data())
def test_compiled_plans_answer_as_graphql_core(
    target: Target, compiled: GqlSchema, reference: GqlSchema, data: st.DataObject
) -> None:
    request = data.draw(requests(target.samples), label="request")
    expected = target.runner.run(_run(reference, target.store, request)).comparable()
    assert target.runner.run(_run(compiled, target.store, request)).comparable() == expected
    assert target.runner.run(_run(compiled, target.store, request)).comparable() == expected
