"""The store package's shape: SQL only, no private names across modules, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gql.store

STORE = Path(gql.store.__file__).parent
MODULES = sorted(STORE.rglob("*.py"))
# What the store must not know: GraphQL, HTTP, and the layers above it.
FORBIDDEN = ("gql.graph", "gql.execution", "gql.http", "gql.loaders", "gql.sync", "gql.app")
FORBIDDEN += ("strawberry", "graphql", "starlette")


def _imports(path: Path) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(STORE)))
def test_a_store_module_knows_sql_only(path: Path) -> None:
    for module, _ in _imports(path):
        assert not module.startswith(FORBIDDEN), f"{path.name} imports {module}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(STORE)))
def test_no_private_name_crosses_a_module(path: Path) -> None:
    for module, name in _imports(path):
        if module.startswith("gql.") and name is not None:
            assert not name.startswith("_"), f"{path.name} imports {name} from {module}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(STORE)))
def test_modules_are_small_and_say_what_they_hold(path: Path) -> None:
    source = path.read_text()
    assert len(source.splitlines()) < 400, path.name
    assert ast.get_docstring(ast.parse(source)), f"{path.name} has no module docstring"
