"""Topic and publisher definition files to records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gql.ingest import OrganizationRecord, TopicRecord, parse_file
from tests.conftest import SEEDS
from tests.ingest.samples import assert_rejected


def test_topic_file_with_a_stray_document_marker() -> None:
    path = SEEDS / "topics" / "08-ai-in-finance.yaml"
    assert path.read_text().rstrip().endswith("---")
    record = parse_file(path, path.read_bytes()).record
    assert isinstance(record, TopicRecord)
    assert record.name == "AI in Finance" and record.slug == "ai-in-finance"
    assert record.parent == "AI" and record.keywords


def test_organization_file_is_a_publisher_record() -> None:
    path = SEEDS / "organizations" / "wsj.com.md"
    record = parse_file(path, path.read_bytes()).record
    assert isinstance(record, OrganizationRecord)
    assert record.other_names == ("The Wall Street Journal", "Wall Street Journal")


def test_a_topic_slug_comes_from_its_id_else_its_name(
    write_file: Callable[[str, str], Path],
) -> None:
    given = write_file("topics/a.yaml", "taxonomy: topic\nname: ' Deep Learning '\n_id: dl\n")
    blank = write_file("topics/b.yaml", "taxonomy: topic\nname: Deep Learning\n_id: ''\n")
    first = parse_file(given, given.read_bytes()).record
    second = parse_file(blank, blank.read_bytes()).record
    assert isinstance(first, TopicRecord) and isinstance(second, TopicRecord)
    assert (first.name, first.slug, first.extra) == ("Deep Learning", "dl", {"taxonomy": "topic"})
    # An ``_id`` that gives no slug is not lost: it is kept verbatim, like ``taxonomy``.
    assert (second.slug, second.extra) == ("deep-learning", {"taxonomy": "topic", "_id": ""})


def test_a_publisher_is_keyed_by_its_normalized_domain(
    write_file: Callable[[str, str], Path],
) -> None:
    path = write_file(
        "organizations/x", "---\ntaxonomy: organization\ndomain: WWW.Example.COM\n---\nAbout.\n"
    )
    record = parse_file(path, path.read_bytes()).record
    assert isinstance(record, OrganizationRecord)
    assert (record.domain, record.name, record.body) == ("example.com", None, "About.")


def test_definitions_without_their_key_are_rejected(
    write_file: Callable[[str, str], Path],
) -> None:
    assert_rejected(
        write_file("organizations/y.md", "---\ntaxonomy: organization\nname: Y\n---\n"),
        "domain",
        "missing required string",
    )
    assert_rejected(
        write_file("topics/c.yaml", "taxonomy: topic\nkeywords: [a, 1]\n"),
        "name",
        "missing required string",
    )
    assert_rejected(
        write_file("topics/d.yaml", "taxonomy: topic\nname: D\nkeywords: [a, 1]\n"),
        "keywords[1]",
        "expected a string, got int",
    )
