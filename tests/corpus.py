"""An independent reading of the seed files, for expectations that do not come from gql.

It uses plain python-frontmatter / PyYAML with their defaults, so a test comparing the
store with it compares two separate readings of the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import frontmatter
import yaml


def read_articles(root: Path) -> dict[Path, dict[str, Any]]:
    """Every article file under ``root`` (not topic or publisher definitions)."""
    found: dict[Path, dict[str, Any]] = {}
    for path in sorted(root.rglob("*")):
        if path.suffix not in {".md", ".txt"} or path.parent.name in {"topics", "organizations"}:
            continue
        if path.stem.lower() == "readme":
            continue
        found[path] = frontmatter.load(str(path)).metadata
    return found


def read_topics(root: Path) -> list[dict[str, Any]]:
    docs = []
    for path in sorted((root / "topics").glob("*.yaml")):
        docs.append(next(d for d in yaml.safe_load_all(path.read_text()) if d))
    return docs


def read_organizations(root: Path) -> list[dict[str, Any]]:
    return [frontmatter.load(str(p)).metadata for p in sorted((root / "organizations").iterdir())]


def domain(value: str) -> str:
    value = value.strip().lower()
    return value.removeprefix("www.")
