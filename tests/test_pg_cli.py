"""``gql load``/``gql serve`` with a PostgreSQL URL that cannot be used: one clear line."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import SEEDS
from tests.serving import free_port


def test_an_unreachable_database_is_one_line_without_its_password() -> None:
    url = f"postgresql://gql:s3cret@127.0.0.1:{free_port()}/gql"
    for command in (["load", str(SEEDS)], ["serve"]):
        completed = subprocess.run(
            [sys.executable, "-m", "gql.cli", *command, "--db", url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.returncode == 1, completed
        assert "s3cret" not in completed.stdout + completed.stderr
        assert "Traceback" not in completed.stderr
        assert "cannot open database postgresql://gql:***@127.0.0.1" in completed.stderr
