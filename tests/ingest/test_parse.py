"""One file to a record: every seed parses, and a file that is not frontmatter is rejected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gql.ingest import ArticleRecord, OrganizationRecord, TopicRecord, discover_files, parse_file
from tests.conftest import SEEDS
from tests.ingest.samples import assert_rejected


def test_every_seed_file_parses() -> None:
    paths = [path for path, _ in discover_files([SEEDS])]
    kinds = {"article": 0, "topic": 0, "organization": 0}
    for path in paths:
        record = parse_file(path, path.read_bytes()).record
        if isinstance(record, ArticleRecord):
            kinds["article"] += 1
        elif isinstance(record, TopicRecord):
            kinds["topic"] += 1
        else:
            assert isinstance(record, OrganizationRecord)
            kinds["organization"] += 1
    assert kinds == {"article": 60, "topic": 22, "organization": 25}


BROKEN_FILES = [
    ("broken-yaml.md", "---\ntitle: [unclosed\nwebUrl: x\n---\n", None, "invalid YAML at line"),
    ("list.md", "---\n- a\n- b\n---\n", None, "must be a mapping"),
    ("nofront.md", "just text\n", None, "no YAML frontmatter"),
    ("unclosed.md", "---\ntitle: x\n", None, "not closed"),
    ("date.md", "---\ntitle: x\nwebUrl: u\nwhen: 2024-02-30\n---\n", None, "invalid YAML value"),
    ("two.yaml", "taxonomy: topic\nname: A\n---\nname: B\n", None, "expected one YAML mapping"),
    ("list.yaml", "- a\n", None, "expected one YAML mapping, got 1 document(s)"),
    ("bad.yaml", "name: [a\n", None, "invalid YAML at line 2"),
]


@pytest.mark.parametrize(("name", "content", "field", "problem"), BROKEN_FILES)
def test_broken_file_is_rejected_with_file_field_and_problem(
    write_file: Callable[[str, str], Path],
    name: str,
    content: str,
    field: str | None,
    problem: str,
) -> None:
    assert_rejected(write_file(name, content), field, problem)


def test_taxonomy_says_what_a_file_defines(write_file: Callable[[str, str], Path]) -> None:
    """Whatever the file's name or folder, its ``taxonomy`` picks the record."""
    topic = write_file("a.md", "---\ntaxonomy: topic\nname: A\n---\n")
    publisher = write_file("b.yaml", "taxonomy: organization\ndomain: b.example\n")
    article = write_file("topics/c.md", "---\ntitle: C\nwebUrl: https://c.example/\n---\n")
    assert isinstance(parse_file(topic, topic.read_bytes()).record, TopicRecord)
    assert isinstance(parse_file(publisher, publisher.read_bytes()).record, OrganizationRecord)
    assert isinstance(parse_file(article, article.read_bytes()).record, ArticleRecord)
