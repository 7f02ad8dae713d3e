"""What the graph tests share: the seed files read independently of the API
(``tests.corpus``), and running a query that must succeed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests import corpus
from tests.conftest import SEEDS

Execute = Callable[..., Any]
Meta = dict[str, Any]
FILES: list[Meta] = list(corpus.read_articles(SEEDS).values())
ALL_URLS = {m["webUrl"].strip() for m in FILES}


async def data(execute: Execute, query: str, variables: dict[str, Any] | None = None) -> Any:
    result = await execute(query, variables)
    assert result.errors is None, result.errors
    return result.data


def urls(predicate: Callable[[Meta], bool]) -> set[str]:
    return {m["webUrl"].strip() for m in FILES if predicate(m)}


def has(m: Meta, key: str) -> bool:
    return m.get(key) is not None


def topics_of(m: Meta) -> list[str]:
    return list(m["topics"])


def domain_of(m: Meta) -> str:
    return corpus.domain(m["provider"]["domain"])


# The root article list with every argument, and the fields orderings sort by.
LIST = """query($f: ArticleFilter, $o: [ArticleOrder!], $first: Int, $after: String, $last: Int,
  $before: String) { articles(filter: $f, orderBy: $o, first: $first, after: $after,
  last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage
  startCursor endCursor } nodes { url title quality heat publishedAt } } }"""
