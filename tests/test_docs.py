"""The README's example queries run without errors against the seeds."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
QUERIES = re.findall(r"```graphql\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_examples() -> None:
    assert len(QUERIES) >= 3


@pytest.mark.parametrize("query", QUERIES)
async def test_readme_query_runs(execute: Callable[..., Any], query: str) -> None:
    result = await execute(query)
    assert result.errors is None, result.errors
    assert all(value is not None for value in result.data.values()), result.data
