"""Sync reaches the other stages through their facades only, so their insides can move."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

SYNC_MODULES = sorted((REPO / "gql" / "sync").glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, by its full dotted name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "gql":
                names.update(f"gql.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", SYNC_MODULES, ids=lambda p: p.name)
def test_sync_uses_the_store_and_ingest_through_their_packages(path: Path) -> None:
    behind_facades = {
        name
        for name in imported_modules(path)
        if name.startswith(("gql.store.", "gql.ingest.", "gql.graph", "gql.http", "gql.execution"))
    }
    assert behind_facades == set()


@pytest.mark.parametrize("path", SYNC_MODULES, ids=lambda p: p.name)
def test_sync_never_handles_a_database_connection(path: Path) -> None:
    """Connections are the store's: a load's writes go through ``Store.run_on_writer`` and
    the session the store hands out, so a second backend needs no change here."""
    assert {"sqlite3", "aiosqlite"} & imported_modules(path) == set()
    assert "sqlite3." not in path.read_text(encoding="utf-8")


def test_every_sync_module_is_checked() -> None:
    assert {p.name for p in SYNC_MODULES} >= {"pipeline.py", "changes.py", "workers.py"}
