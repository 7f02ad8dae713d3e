"""Typed field readers: values as the records want them, one clear error per bad field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gql.errors import IngestError
from gql.ingest.fields import read_bool, read_int, read_required_str
from tests.ingest.samples import GOOD, assert_rejected, parse


def test_unknown_keys_are_kept_verbatim(write_file: Callable[[str, str], Path]) -> None:
    text = GOOD.replace("topics:", "mood: calm\nscores: {a: 1}\nwhen: 2020-01-01\ntopics:")
    record = parse(write_file("a.md", text))
    assert record.extra == {"mood": "calm", "scores": {"a": 1}, "when": "2020-01-01"}
    assert record.body == "Body text."
    assert record.provider is not None and record.provider.domain == "example.com"


def test_missing_provider_takes_the_domain_of_the_url(
    write_file: Callable[[str, str], Path],
) -> None:
    text = GOOD.replace("provider:\n  name: Example\n  domain: www.Example.com\n", "")
    record = parse(write_file("a.md", text))
    assert record.provider is not None
    assert (record.provider.domain, record.provider.name) == ("example.com", None)


def test_dates_become_utc(write_file: Callable[[str, str], Path]) -> None:
    offset = GOOD.replace("2024-01-02T03:04:05Z", '"2024-01-02T05:04:05+02:00"')
    assert parse(write_file("a.md", offset)).published_at == datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=UTC
    )
    naive = GOOD.replace("2024-01-02T03:04:05Z", "2024-01-02 03:04:05")
    assert parse(write_file("b.md", naive)).published_at == datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=UTC
    )


BROKEN_FIELDS = [
    ("no-url.md", GOOD.replace('webUrl: "https://example.com/a"\n', ""), "webUrl", "missing"),
    (
        "url-list.md",
        GOOD.replace('webUrl: "https://example.com/a"', "webUrl: [1, 2]"),
        "webUrl",
        "expected a string",
    ),
    ("no-title.md", GOOD.replace('title: "A good article"\n', ""), "title", "missing"),
    (
        "title-int.md",
        GOOD.replace('title: "A good article"', "title: 42"),
        "title",
        "expected a string, got int",
    ),
    (
        "quality.md",
        GOOD.replace("topics:", 'quality: "high"\ntopics:'),
        "quality",
        "expected an integer, got str",
    ),
    (
        "published.md",
        GOOD.replace("topics:", 'published: "yes"\ntopics:'),
        "published",
        "expected true or false",
    ),
    (
        "date.md",
        GOOD.replace("2024-01-02T03:04:05Z", '"last tuesday"'),
        "publishedDateTime",
        "expected an ISO-8601 date-time",
    ),
    (
        "related.md",
        GOOD.replace("topics:", "related:\n  - title: x\ntopics:"),
        "related[0].webUrl",
        "missing",
    ),
    ("topics.md", GOOD.replace("  - AI", "  - {a: 1}"), "topics[0]", "expected a topic name"),
    (
        "image.md",
        GOOD.replace("topics:", "images:\n  - url: u\n    width: wide\ntopics:"),
        "images[0].width",
        "expected an integer",
    ),
]


@pytest.mark.parametrize(("name", "content", "field", "problem"), BROKEN_FIELDS)
def test_broken_field_is_rejected_with_file_field_and_problem(
    write_file: Callable[[str, str], Path],
    name: str,
    content: str,
    field: str | None,
    problem: str,
) -> None:
    assert_rejected(write_file(name, content), field, problem)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), (-(2**31), -(2**31)), (2**31 - 1, 2**31 - 1), (None, None)],
)
def test_integers_within_graphql_int_are_read(value: Any, expected: int | None) -> None:
    assert read_int(Path("f.md"), {"heat": value}, "heat", "") == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (2**31, "integer out of range (-2147483648 to 2147483647)"),
        (-(2**31) - 1, "integer out of range (-2147483648 to 2147483647)"),
        (True, "expected an integer, got bool"),
        (1.5, "expected an integer, got float"),
    ],
)
def test_integers_outside_graphql_int_are_rejected(value: Any, problem: str) -> None:
    with pytest.raises(IngestError) as caught:
        read_int(Path("f.md"), {"heat": value}, "heat", "related[3].")
    assert (caught.value.field, caught.value.problem) == ("related[3].heat", problem)


def test_a_bool_is_only_true_or_false() -> None:
    assert read_bool(Path("f.md"), {"published": False}, "published", "") is False
    with pytest.raises(IngestError, match=r"expected true or false, got int$"):
        read_bool(Path("f.md"), {"published": 1}, "published", "")


@pytest.mark.parametrize(
    ("value", "problem"),
    [(None, "missing required string"), ("  ", "must not be empty"), (7, "expected a string")],
)
def test_a_required_string_is_present_and_not_blank(value: Any, problem: str) -> None:
    with pytest.raises(IngestError) as caught:
        read_required_str(Path("f.md"), {"title": value}, "title", "")
    assert caught.value.field == "title" and problem in caught.value.problem


# A value in the wrong place may be a secret: a rejection names the field and the type it
# got, never the value.
SECRET = "hunter2-s3cret"
MISTYPED_SECRETS = [
    ("secured", f"secured:\n  password: {SECRET}", "expected a string, got dict"),
    ("title", f"title: [{SECRET}]", "expected a string, got list"),
    ("quality", f"quality: {SECRET}", "expected an integer, got str"),
    ("heat", "heat: 99999999999", "integer out of range"),
    ("published", f"published: {SECRET}", "expected true or false, got str"),
    ("publishedDateTime", f"publishedDateTime: {SECRET}", "expected an ISO-8601 date-time"),
    ("topics[0]", f"topics:\n  - [{SECRET}]", "expected a topic name, got list"),
    ("images[0]", f"images:\n  - [{SECRET}]", "expected an image mapping or URL, got list"),
    (None, f"heat: !!int {SECRET}", "invalid YAML value: invalid literal for int()"),
]


@pytest.mark.parametrize(("field", "line", "problem"), MISTYPED_SECRETS)
def test_a_rejection_names_field_and_type_never_the_value(
    write_file: Callable[[str, str], Path], field: str | None, line: str, problem: str
) -> None:
    key = line.split(":", 1)[0]
    required = {"title": "title: T", "webUrl": "webUrl: https://example.com/a"}
    lines = [text for name, text in required.items() if name != key] + [line]
    path = write_file("secret.md", "---\n" + "\n".join(lines) + "\n---\nBody\n")
    with pytest.raises(IngestError) as caught:
        parse(path)
    assert caught.value.field == field
    assert caught.value.problem.startswith(problem), caught.value.problem
    assert "hunter2" not in str(caught.value) and "99999999999" not in str(caught.value)
