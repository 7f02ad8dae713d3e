"""Every document we publish, with random variables: the fast path equals the reference.

The README's examples (``tests/readme.py``), every operation of ``examples/`` and every
bench scenario run through the server's schema (whole statements, projections, plans,
fast resolvers; and again with the statements off) and
through graphql-core's reference path, on the seeds and on a generated corpus: first
with the variables they come with, then with variables drawn by hypothesis for their
declared variables and for the lists' arguments moved into variables or added (pages,
cursors, filters and sort keys at every level, invalid ones included:
``tests/execution/differential.py``). Data as ordered JSON, errors (message, path and
code) equal, and no more SQL statements on the fast path.

``GQL_DIFF_EXAMPLES`` (default 12) examples per document and database, derandomized like
the fuzz tests (``GQL_FUZZ_RANDOM=1`` draws new ones); ``GQL_DIFF_EXAMPLES=500`` for a
long run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.catalog import SCENARIOS
from gql.graph.schema import GqlSchema
from tests.conftest import REPO
from tests.execution.conftest import Target
from tests.execution.differential import answer, assert_same_answer, lifted_requests
from tests.fuzzing import FUZZ, Request
from tests.readme import readme_queries

EXAMPLES = REPO / "examples"
EXAMPLE_VARIABLES: dict[str, dict[str, Any]] = json.loads(
    (EXAMPLES / "variables.json").read_text(encoding="utf-8")
)


def _documents() -> list[Any]:
    found = [
        pytest.param(query, variables, id=f"readme-{index}")
        for index, (query, variables) in enumerate(readme_queries())
    ]
    found += [
        pytest.param(
            path.read_text(encoding="utf-8"),
            EXAMPLE_VARIABLES.get(path.stem, {}),
            id=f"example-{path.stem}",
        )
        for path in sorted(EXAMPLES.glob("*.graphql"))
    ]
    # Their variables name records of the database measured: looked up per target.
    found += [pytest.param(s.document, s.variables, id=f"bench-{s.name}") for s in SCENARIOS]
    return found


DOCUMENTS = _documents()
DIFFERENTIAL = settings(FUZZ, max_examples=int(os.environ.get("GQL_DIFF_EXAMPLES", "12")))


def _check(target: Target, compiled: GqlSchema, reference: GqlSchema, request: Request) -> Any:
    expected = target.runner.run(answer(reference, target.store, request))
    # Twice: the second run takes the statements, projections, plans and selections the
    # first cached. With the statements off too: projections answer what they answer.
    for statements in (True, True, False):
        got = target.runner.run(answer(compiled, target.store, request, statements=statements))
        assert_same_answer(got, expected)
    return expected


@pytest.mark.parametrize(("document", "variables"), DOCUMENTS)
def test_as_published(
    target: Target,
    compiled: GqlSchema,
    reference: GqlSchema,
    document: str,
    variables: dict[str, Any] | Callable[[Path], dict[str, Any]],
) -> None:
    if callable(variables):
        variables = variables(target.db)
    expected = _check(target, compiled, reference, Request(document, variables))
    assert expected.errors == [] and json.loads(expected.data)


@pytest.mark.parametrize(("document", "variables"), DOCUMENTS)
@DIFFERENTIAL
@given(data=st.data())
def test_with_random_variables(
    target: Target,
    compiled: GqlSchema,
    reference: GqlSchema,
    document: str,
    variables: Any,
    data: st.DataObject,
) -> None:
    request = data.draw(lifted_requests(document, target.samples), label="request")
    _check(target, compiled, reference, request)


def test_every_example_is_run_with_its_variables() -> None:
    ids = {param.id for param in DOCUMENTS}
    assert {f"example-{name}" for name in EXAMPLE_VARIABLES} <= ids
    assert len([i for i in ids if i and i.startswith("example-")]) == len(EXAMPLE_VARIABLES)
