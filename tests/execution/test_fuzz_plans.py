"""Fuzzed: the fast path answers every generated query exactly as graphql-core does.

Hypothesis and hypothesis-graphql draw queries from ``schema.graphql``, with real IDs,
slugs and cursors of the database, aliases, ``@include``/``@skip`` and variables
(``tests/fuzzing.py``). Each runs through ``build_schema()`` (projections and compiled
plans; twice, the second time on what the first cached) and through
``build_schema(compiled=False)`` (graphql-core's own completion), on the seeds and on a
generated corpus: data as ordered JSON, errors (message, path and code) equal, and no
more SQL statements on the fast path (``tests/execution/differential.py``). One schema
of each kind serves every example, as a server's does, so cached plans meet many
documents and variables.

``GQL_FUZZ_EXAMPLES=5000 pytest tests/execution/test_fuzz_plans.py`` runs longer (100
examples per database by default, derandomized); ``GQL_FUZZ_RANDOM=1`` draws new ones.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gql.graph.schema import GqlSchema
from tests.execution.conftest import Target
from tests.execution.differential import answer, assert_same_answer
from tests.fuzzing import FUZZ, requests


@FUZZ
@given(data=st.data())
def test_compiled_plans_answer_as_graphql_core(
    target: Target, compiled: GqlSchema, reference: GqlSchema, data: st.DataObject
) -> None:
    request = data.draw(requests(target.samples), label="request")
    expected = target.runner.run(answer(reference, target.store, request))
    for _ in range(2):
        assert_same_answer(target.runner.run(answer(compiled, target.store, request)), expected)
