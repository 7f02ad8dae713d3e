"""The README's GraphQL examples, for the tests that run them: each ```graphql block with
the variables of the ```json block right after it (``{}`` when there is none)."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```graphql\n(.*?)```(?:\s*```json\n(.*?)```)?", flags=re.DOTALL)


def readme_queries() -> list[tuple[str, dict[str, Any]]]:
    """(document, variables) of every GraphQL example in README.md, in order."""
    return [
        (query, json.loads(variables) if variables else {})
        for query, variables in BLOCK.findall(README)
    ]
