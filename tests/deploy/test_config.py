"""The proxy configuration the README shows is the one the replica test runs."""

from __future__ import annotations

import re

from tests.conftest import REPO

CONFIG = REPO / "deploy" / "haproxy.cfg"


def settings(text: str) -> list[str]:
    """The lines of an HAProxy configuration from ``defaults`` on, without comments."""
    lines = [line.split("#")[0].rstrip() for line in text.splitlines()]
    lines = [line for line in lines if line.strip()]
    return lines[lines.index("defaults") :]


def test_the_readme_shows_deploy_haproxy_cfg() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [shown] = re.findall(r"```\n(defaults\n.*?)```", readme, flags=re.DOTALL)
    assert settings(shown) == settings(CONFIG.read_text(encoding="utf-8"))
