"""The package boundaries of DESIGN.md, checked on the source: data flows one way.

ingest -> sync -> store -> loaders -> graph (+ execution) -> http -> app/cli. A stage
imports only what lies below it, ingest/sync/store know nothing of GraphQL, and no SQL is
written above the store: everything above it goes through ``gql.store``'s names.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "gql"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 400
GRAPHQL_LIBRARIES = ("strawberry", "graphql", "starlette", "uvicorn")
SQL_LIBRARIES = ("sqlite3", "aiosqlite")
SQL_TEXT = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b[\s\S]*\b(FROM|INTO|SET)\b")


def _stage(path: Path) -> str:
    """``ingest``, ``store``, ... for a package module; the module name for a top-level one."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def _uses(imports: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        name for name in imports if any(name == p or name.startswith(p + ".") for p in prefixes)
    )


# What each stage may import of gql itself (beyond the shared leaf modules).
SHARED = ("gql.errors", "gql.keys", "gql.settings")
ALLOWED = {
    "ingest": ("gql.ingest",),
    "sync": ("gql.sync", "gql.ingest", "gql.store"),
    "store": ("gql.store", "gql.ingest.records"),
    "loaders": ("gql.store",),
    "execution": ("gql.execution",),
    "graph": ("gql.graph", "gql.execution", "gql.loaders", "gql.store"),
    "http": ("gql.http", "gql.execution.compat"),
}


def _by_stage(*stages: str) -> list[Path]:
    return [path for path in MODULES if _stage(path) in stages]


def _name(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("path", _by_stage(*ALLOWED), ids=_name)
def test_a_stage_imports_only_what_lies_below_it(path: Path) -> None:
    allowed = (*ALLOWED[_stage(path)], *SHARED)
    ours = {name for name in _imports(path) if name == "gql" or name.startswith("gql.")}
    # ``from gql import store`` names the facade module itself.
    ours = {"gql.store" if name == "gql.store" or name == "gql" else name for name in ours}
    wrong = sorted(
        name
        for name in ours
        if not any(name == a or name.startswith(a + ".") for a in allowed)
        and not any(a.startswith(name + ".") for a in allowed)
    )
    assert wrong == [], f"{_name(path)} imports {wrong}"


@pytest.mark.parametrize("path", _by_stage("ingest", "sync", "store"), ids=_name)
def test_ingest_sync_and_store_know_nothing_of_graphql(path: Path) -> None:
    assert _uses(_imports(path), GRAPHQL_LIBRARIES) == []


@pytest.mark.parametrize("path", _by_stage("ingest"), ids=_name)
def test_ingest_knows_nothing_of_sql(path: Path) -> None:
    assert _uses(_imports(path), SQL_LIBRARIES) == []
    assert [s for s in _strings(path) if SQL_TEXT.search(s)] == []


@pytest.mark.parametrize(
    "path", _by_stage("loaders", "graph", "execution", "http", "app", "cli", "sync"), ids=_name
)
def test_no_sql_above_the_store(path: Path) -> None:
    imports = _imports(path)
    assert _uses(imports, SQL_LIBRARIES) == [] or _stage(path) == "sync"
    inner = [name for name in imports if name.startswith("gql.store.")]
    # ``from gql.store import X`` shows up as ``gql.store.X``: only exported names pass.
    import gql.store

    assert [n for n in inner if n.rsplit(".", 1)[1] not in gql.store.__all__] == []
    assert [s for s in _strings(path) if SQL_TEXT.search(s)] == []


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines: split it by concept"
