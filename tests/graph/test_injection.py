"""No SQL injection: every string an argument of a root field takes, at any depth of its
input objects, gets hostile payloads; none reaches SQL as SQL.

The positions are read from the schema itself (so a new argument is tested as soon as it
exists); each answer must be data, or a user error with its code, never an internal
error nor a message naming SQL; the payloads match nothing (no seed holds them), and the
database is whole afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    build_schema,
)

from gql.store import Store, count_corpus
from tests.conftest import REPO
from tests.graph.helpers import Execute

PAYLOADS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE articles; --",
    '" OR ""="',
    "1); DELETE FROM articles; --",
    "] UNION SELECT sql FROM sqlite_master --",
    "x' UNION SELECT name, name FROM sqlite_master WHERE '1'='1",
    "' AND 1=CAST((SELECT sql FROM sqlite_master) AS INT) --",
    "')) OR 1=1 --",
    "%",
    "_",
    "\\",
    "*",
    "NULL",
    "\x00",
    "$1",
    "?",
    ":name",
    "/* */ OR 1=1",
]
# What a hostile string may be told: its own mistake, with its code.
USER_CODES = {
    "INVALID_ID",
    "INVALID_CURSOR",
    "INVALID_SEARCH_QUERY",
    "INVALID_ARGUMENT",
    "INVALID_TEXT",
    "BAD_USER_INPUT",
}
SCHEMA = build_schema((REPO / "schema.graphql").read_text(encoding="utf-8"))
# Arguments a field needs whatever position is tested, with harmless values.
REQUIRED = {("search", "query"): "ai"}


def _unwrap(kind: GraphQLInputType) -> tuple[GraphQLInputType, bool]:
    """The named type under ``kind``, and whether a list lies on the way."""
    listed = False
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        listed = listed or isinstance(kind, GraphQLList)
        kind = kind.of_type
    return kind, listed


def _string_positions(
    kind: GraphQLInputType, within: frozenset[str] = frozenset()
) -> Iterator[tuple[str, Any]]:
    """(path, value builder) for each String or ID leaf of an input type; an input type
    within itself (``and``, ``or``, ``not``) is not followed again: the same SQL."""
    named, listed = _unwrap(kind)
    if isinstance(named, GraphQLScalarType):
        if named.name in ("String", "ID"):
            yield "", (lambda p: [p]) if listed else (lambda p: p)
        return
    if not isinstance(named, GraphQLInputObjectType) or named.name in within:
        return
    for name, field in named.fields.items():
        for path, build in _string_positions(field.type, within | {named.name}):

            def nested(p: Any, name: str = name, build: Any = build, listed: bool = listed) -> Any:
                value = {name: build(p)}
                return [value] if listed else value

            yield f".{name}{path}", nested


def _operator(path: str) -> str:
    """A leaf's place as SQL sees it: the path without the column it compares
    (``.title.eq`` and ``.url.eq`` compile alike, ``.provider.name.eq`` in a join)."""
    parts = path.split(".")[1:]
    if len(parts) >= 2:
        del parts[-2]
    return ".".join(parts)


def positions() -> Iterator[tuple[str, str, str, Any]]:
    """(id, field, argument, value builder) for every string position of the root, one per
    operator of each filter."""
    query = SCHEMA.query_type
    assert query is not None
    for field_name, field in query.fields.items():
        for arg_name, arg in field.args.items():
            seen: set[str] = set()
            for path, build in _string_positions(arg.type):
                if _operator(path) not in seen:
                    seen.add(_operator(path))
                    yield f"{field_name}({arg_name}{path})", field_name, arg_name, build


POSITIONS = list(positions())


def test_the_positions_cover_the_schema() -> None:
    assert len(POSITIONS) >= 32  # the sweep tried 32
    ids = {p[0] for p in POSITIONS}
    assert {"article(slug)", "articles(filter.title.contains)", "search(query)"} <= ids


def _document(field_name: str, arg_name: str) -> str:
    field = SCHEMA.query_type.fields[field_name]  # type: ignore[union-attr]
    arguments = [(arg_name, "$v")]
    declared = [f"$v: {field.args[arg_name].type}"]
    for (name, required), _ in REQUIRED.items():
        if name == field_name and required != arg_name:
            arguments.append((required, "$r"))
            declared.append(f"$r: {field.args[required].type}")
    passed = ", ".join(f"{a}: {v}" for a, v in arguments)
    return f"query({', '.join(declared)}) {{ result: {field_name}({passed}) {{ __typename }} }}"


@pytest.mark.parametrize(
    ("field_name", "arg_name", "build"), [p[1:] for p in POSITIONS], ids=[p[0] for p in POSITIONS]
)
async def test_no_payload_reaches_sql_as_sql(
    execute: Execute, seeds_store: Store, field_name: str, arg_name: str, build: Any
) -> None:
    before = await count_corpus(seeds_store)
    document = _document(field_name, arg_name)
    for payload in PAYLOADS:
        variables = {"v": build(payload), "r": REQUIRED.get((field_name, "query"))}
        result = await execute(document, variables)
        for error in result.errors or []:
            code = (error.extensions or {}).get("code")
            assert code in USER_CODES, (payload, error)
            # A message may quote the client's own value, and nothing else of SQL.
            said = error.message.replace(repr(payload)[1:-1], "").replace(payload, "")
            assert "sqlite" not in said.lower() and "select" not in said.lower(), error
        if result.data is not None and isinstance(result.data.get("result"), dict):
            # Nothing holds these strings: a lookup finds nothing, a list only what the
            # filter's other conditions (none) or the negations let through.
            assert result.data["result"].get("__typename") is not None
    assert await count_corpus(seeds_store) == before
