"""The graph package's imports: what it may depend on, and no import cycle left unbroken.

The types refer to each other (an article's provider, a provider's articles), so modules
that would import each other use lazy references; a module that only worked when another
had been imported first would break the first program that imports it directly.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

GRAPH = REPO / "gql" / "graph"
MODULES = sorted(
    ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
    for path in GRAPH.rglob("*.py")
)

# The graph knows GraphQL; it reaches the store through the loaders and the store's
# public interface (``gql.store`` itself, never one of its modules), and no database.
ALLOWED = ("gql.graph", "gql.execution", "gql.loaders", "gql.errors", "gql.settings", "gql.keys")
FORBIDDEN = ("sqlite3", "aiosqlite")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            if node.module == "gql":
                names += [f"gql.{alias.name}" for alias in node.names]
    return names


def test_the_graph_imports_only_what_it_may() -> None:
    wrong = []
    for path in sorted(GRAPH.rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in FORBIDDEN:
                wrong.append((path.name, name))
            elif name == "gql" or not name.startswith("gql."):
                continue
            elif name != "gql.store" and not name.startswith(ALLOWED):
                wrong.append((path.name, name))
    assert wrong == []


def test_every_graph_module_imports_on_its_own() -> None:
    """Each module, imported first in a fresh set of modules, then the schema builds."""
    script = f"""
import sys
for name in {MODULES!r}:
    for loaded in [m for m in sys.modules if m == "gql" or m.startswith("gql.")]:
        del sys.modules[loaded]
    __import__(name)
    __import__("gql.graph.schema").graph.schema.build_schema()
    print(name)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == MODULES
    assert "gql.graph.types.link" in MODULES and len(MODULES) > 15
