"""The README's example queries run without errors against the seeds (with the variables of
the ```json block right after one, when there is one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.readme import readme_queries

QUERIES = readme_queries()


def test_readme_has_examples() -> None:
    assert len(QUERIES) >= 3


@pytest.mark.parametrize(("query", "variables"), QUERIES)
async def test_readme_query_runs(
    execute: Callable[..., Any], query: str, variables: dict[str, Any]
) -> None:
    result = await execute(query, variables)
    assert result.errors is None, result.errors
    assert all(value is not None for value in result.data.values()), result.data
