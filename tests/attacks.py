"""Documents that took a worker down before the request limits (issue "Hold under abuse"),
built here so that tests in process and over HTTP send the same ones."""

from __future__ import annotations

import base64


def explosive_lists() -> str:
    """Under 200 characters: four nested lists of 100 (drove a worker past 4.8 GB on 10k)."""
    return (
        "{ articles(first: 100) { nodes { provider { articles(first: 100) { nodes {"
        " topics { articles(first: 100) { nodes { provider { articles(first: 100) {"
        " nodes { title } } } } } } } } } } } }"
    )


def doubling_related(levels: int = 25) -> str:
    """``related { article { related { article ...`` ``levels`` times, on 100 articles."""
    inner = "title"
    for _ in range(levels):
        inner = "related { article { %s } }" % inner
    return "{ articles(first: 100) { nodes { %s } } }" % inner


def aliases(count: int, selection: str = "articles(first: 100) { totalCount }") -> str:
    """``count`` aliases of one root field."""
    return "{ %s }" % " ".join(f"a{i}: {selection}" for i in range(count))


def branching_fragments(levels: int = 24) -> str:
    """~2 kB of fragments, each spreading both of the next level's: 2**levels expansions."""
    fragments = [
        f"fragment F{i} on Query {{ ...F{i + 1} ...G{i + 1} }}"
        f" fragment G{i} on Query {{ ...F{i + 1} ...G{i + 1} }}"
        for i in range(levels)
    ]
    fragments.append(
        f"fragment F{levels} on Query {{ __typename }} fragment G{levels} on Query {{ __typename }}"
    )
    return "{ ...F0 } " + " ".join(fragments)


def operations(count: int) -> str:
    """``count`` named operations in one document."""
    return " ".join(f"query q{i} {{ __typename }}" for i in range(count))


def megabytes_of_tokens(megabytes: int = 10) -> str:
    """A query of ``megabytes`` MB of ``__typename`` fields."""
    field = "__typename "
    return "{ " + field * (megabytes * 1_000_000 // len(field)) + "}"


def nested(depth: int) -> str:
    """A query ``depth`` fields deep: ``topic { parent { parent ... { name } } }``."""
    return '{ topic(slug: "ai") { ' + "parent { " * (depth - 2) + "name" + " }" * (depth - 1) + " }"


def wide_or(count: int) -> str:
    """An article filter: an ``or`` of ``count`` conditions."""
    items = ", ".join(f'{{title: {{eq: "t{i}"}}}}' for i in range(count))
    return "{ articles(filter: {or: [%s]}) { totalCount } }" % items


def repeated_fields(count: int) -> str:
    """The same object field ``count`` times at one place (validation compares pairs)."""
    return "{ articles { nodes { %s } } }" % " ".join(["related { provider { name } }"] * count)


def nested_json_cursor(depth: int = 100_000) -> str:
    """A "cursor" that decodes to JSON arrays nested ``depth`` deep."""
    text = "[" * depth + "]" * depth
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


CURSOR_QUERY = "query($after: String) { articles(first: 1, after: $after) { totalCount } }"


def tokens(count: int) -> str:
    """A query of ``count`` one-letter fields: two characters a token."""
    return "{ " + "a " * (count - 2) + "}"
