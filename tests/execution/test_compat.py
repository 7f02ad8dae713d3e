"""Only ``gql/execution/compat.py`` touches the private parts of Strawberry and graphql-core.

An AST scan of ``gql/``: imports of strawberry and graphql modules outside the public
ones, imported names starting with ``_``, graphql-core's executor methods (the ones its
own source marks ``:meta private:``, read from the installed package), attributes of
Strawberry's internals, the definition back-reference key, and writes of resolvers or
executor classes after construction. Every hit must be in compat.py, and compat.py must
have a hit of each kind (so the scan is known to see them).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import graphql
import strawberry

from gql.execution.plans import compiled_executor
from tests.conftest import REPO

COMPAT = Path("gql/execution/compat.py")

PUBLIC_MODULES = {
    "graphql",
    "graphql.execution",
    "graphql.pyutils",
    "strawberry",
    "strawberry.asgi",
    "strawberry.exceptions",
    "strawberry.extensions",
    "strawberry.scalars",
    "strawberry.types",
    # The documented types of ``info.selected_fields`` (``__all__``: SelectedField, ...).
    "strawberry.types.nodes",
    # Documented in Strawberry's field-extension and error guides.
    "strawberry.types.field",
}

STRAWBERRY_INTERNALS = {
    # Strawberry's Info and Schema
    "_raw_info",
    "_field",
    "_schema",
    "_strawberry_schema",
    # StrawberryResolver, undocumented
    "base_resolver",
    "wrapped_func",
    "self_parameter",
    "info_parameter",
    "root_parameter",
    "parent_parameter",
}

# Names graphql-core marks private that are also ordinary words in our own code (the
# store's write session has ``finish`` and ``abort``).
GENERIC_NAMES = {"abort", "finish"}

WRITTEN_AFTER_CONSTRUCTION = {"resolve", "execution_context_class"}


def _private_executor_methods() -> set[str]:
    """The methods graphql-core's execution package documents as ``:meta private:``."""
    names: set[str] = set()
    for path in (Path(graphql.__file__).parent / "execution").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        if ":meta private:" in (ast.get_docstring(item) or ""):
                            names.add(item.name)
    return names - GENERIC_NAMES


PRIVATE_METHODS = _private_executor_methods()


def _findings(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """(kind, what) for every private touch point in a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for module in modules:
                top = module.split(".")[0]
                if top in ("strawberry", "graphql") and module not in PUBLIC_MODULES:
                    yield "module", module
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
                "strawberry",
                "graphql",
            ):
                for alias in node.names:
                    if alias.name.startswith("_"):
                        yield "name", alias.name
        elif isinstance(node, ast.Attribute):
            if node.attr in STRAWBERRY_INTERNALS:
                yield "attribute", node.attr
            elif node.attr in PRIVATE_METHODS:
                yield "method", node.attr
            if isinstance(node.ctx, ast.Store) and node.attr in WRITTEN_AFTER_CONSTRUCTION:
                yield "write", node.attr
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name in PRIVATE_METHODS:
                yield "override", node.name
        elif isinstance(node, ast.Constant) and node.value == "strawberry-definition":
            yield "key", node.value


def _scan() -> dict[Path, list[tuple[str, str]]]:
    found = {}
    for path in sorted((REPO / "gql").rglob("*.py")):
        hits = list(_findings(ast.parse(path.read_text(encoding="utf-8"))))
        if hits:
            found[path.relative_to(REPO)] = hits
    return found


def test_private_parts_are_touched_only_in_compat() -> None:
    outside = {path: hits for path, hits in _scan().items() if path != COMPAT}
    assert outside == {}


def test_the_scan_sees_what_compat_touches() -> None:
    hits = _scan()[COMPAT]
    assert {kind for kind, _ in hits} == {
        "module",
        "attribute",
        "method",
        "override",
        "write",
    }
    assert ("module", "graphql.execution.collect_fields") in hits
    assert ("module", "strawberry.schema.schema") in hits
    assert ("attribute", "_raw_info") in hits and ("attribute", "_schema") in hits
    assert ("override", "complete_object_value") in hits
    for method in ("execute_field", "collect_subfields", "settle_in_background"):
        assert ("method", method) in hits
    assert ("write", "resolve") in hits


def test_the_scan_flags_each_kind() -> None:
    source = """
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from graphql.execution.collect_fields import FieldDetails
from strawberry.utils import _private
import graphql.execution.executor
raw = info._raw_info
schema._schema.type_map
definition.base_resolver.wrapped_func
field.resolve = resolver
schema.execution_context_class = Executor
self.execute_field(a, b, c, d, None)
class E:
    def complete_object_value(self): ...
field.extensions.get("strawberry-definition")
"""
    kinds = [kind for kind, _ in _findings(ast.parse(source))]
    assert sorted(set(kinds)) == [
        "attribute",
        "key",
        "method",
        "module",
        "name",
        "override",
        "write",
    ]
    assert kinds.count("module") == 4


def test_graphql_core_still_marks_the_hooks_private() -> None:
    """If graphql-core made them public (or renamed them), compat's comments are stale."""
    assert {
        "complete_object_value",
        "execute_field",
        "collect_subfields",
        "settle_in_background",
    } <= PRIVATE_METHODS


@strawberry.type
class EchoQuery:
    @strawberry.field
    def echo(self, info: strawberry.Info, n: int) -> str:
        return json.dumps([info.variable_values, info.input_extensions, n])


async def test_the_executor_keeps_what_strawberrys_info_needs() -> None:
    """Strawberry's executor (which ours extends) gives ``Info`` the coerced variables
    and the operation's extensions; graphql-core's own would not."""
    document = "query($n: Int!) { echo(n: $n) }"
    expected = json.dumps([{"n": 3}, {"trace": True}, 3])
    for schema in (
        strawberry.Schema(query=EchoQuery),
        strawberry.Schema(
            query=EchoQuery, execution_context_class=compiled_executor({}, max_documents=8)
        ),
    ):
        result = await schema.execute(
            document, variable_values={"n": 3}, operation_extensions={"trace": True}
        )
        assert result.errors is None
        assert result.data == {"echo": expected}
