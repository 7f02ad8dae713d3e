"""Seed-file texts and helpers shared by the ingest tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from gql.errors import IngestError
from gql.ingest import ArticleRecord, parse_file

GOOD = """---
title: "A good article"
webUrl: "https://example.com/a"
publishedDateTime: 2024-01-02T03:04:05Z
provider:
  name: Example
  domain: www.Example.com
topics:
  - AI
---

Body text.
"""


def parse(path: Path) -> ArticleRecord:
    """The article record of the file at ``path``."""
    record = parse_file(path, path.read_bytes()).record
    assert isinstance(record, ArticleRecord)
    return record


def assert_rejected(path: Path, field: str | None, problem: str) -> None:
    """Parsing ``path`` fails with an ``IngestError`` naming the file, ``field`` and
    ``problem``, and its message says which file."""
    with pytest.raises(IngestError) as caught:
        parse_file(path, path.read_bytes())
    assert caught.value.path == str(path)
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert str(path) in str(caught.value)
