"""Parsing seed files into records: field by field, and one clear error per bad file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import frontmatter
import pytest
import yaml

from gql.errors import IngestError
from gql.ingest import discover_files, is_seed_file, parse_file
from gql.ingest.frontmatter_yaml import SafeLoader, load_yaml
from gql.ingest.records import ArticleRecord, OrganizationRecord, TopicRecord
from tests.conftest import ORIGINAL_SEED, SEEDS

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
    record = parse_file(path, path.read_bytes()).record
    assert isinstance(record, ArticleRecord)
    return record


def test_original_seed_field_by_field() -> None:
    record = parse(ORIGINAL_SEED)
    assert record.title == "Microsoft recommits to open source AI models, despite OpenAI investment"
    assert record.url == (
        "https://venturebeat.com/ai/microsoft-recommits-to-open-source-ai-models-despite-openai-investment/"
    )
    assert record.slug == "microsoft-recommits-to-open-source-ai-models-despite-openai-investment"
    assert record.published_at == datetime(2023, 11, 17, tzinfo=UTC)
    assert record.published_at.tzinfo is not None
    assert (record.quality, record.heat, record.published) == (66, 136, True)
    assert record.category == "news" and record.type == "article"
    assert record.provider is not None
    assert (record.provider.name, record.provider.domain) == ("VentureBeat", "venturebeat.com")
    assert [im.url for im in record.provider.images] == [
        "https://everyday-cc.github.io/ai/assets/images/organizations/venturebeat.com-50x50.jpg"
    ]
    assert record.topics == ("Facebook AI", "AI", "Microsoft AI")
    assert len(record.related) == 7
    providers = [link.provider.domain for link in record.related if link.provider]
    assert "forbes.com" in providers and "bloomberg.com" in providers
    assert record.related[1].provider is not None
    assert record.related[1].provider.name == "Bloomberg L.P."
    assert record.related[0].published_at == datetime(2023, 11, 19, 18, 28, tzinfo=UTC)
    assert record.secured is not None
    raw = ORIGINAL_SEED.read_text()
    assert f'secured: "{record.secured}"' in raw
    assert record.extra == {}


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


def test_slug_comes_from_a_dated_file_name(write_file: Callable[[str, str], Path]) -> None:
    assert parse(write_file("2024-01-02-a-good-one.md", GOOD)).slug == "2024-01-02-a-good-one"
    assert parse(write_file("x.txt", GOOD)).slug == "a-good-article"


def test_dates_become_utc(write_file: Callable[[str, str], Path]) -> None:
    offset = GOOD.replace("2024-01-02T03:04:05Z", '"2024-01-02T05:04:05+02:00"')
    assert parse(write_file("a.md", offset)).published_at == datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=UTC
    )
    naive = GOOD.replace("2024-01-02T03:04:05Z", "2024-01-02 03:04:05")
    assert parse(write_file("b.md", naive)).published_at == datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=UTC
    )


BROKEN = [
    ("broken-yaml.md", "---\ntitle: [unclosed\nwebUrl: x\n---\n", None, "invalid YAML at line"),
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
        "expected an integer, got str 'high'",
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
    ("list.md", "---\n- a\n- b\n---\n", None, "must be a mapping"),
    ("nofront.md", "just text\n", None, "no YAML frontmatter"),
    ("unclosed.md", "---\ntitle: x\n", None, "not closed"),
]


@pytest.mark.parametrize(("name", "content", "field", "problem"), BROKEN)
def test_broken_file_is_rejected_with_file_field_and_problem(
    write_file: Callable[[str, str], Path],
    name: str,
    content: str,
    field: str | None,
    problem: str,
) -> None:
    path = write_file(name, content)
    with pytest.raises(IngestError) as caught:
        parse_file(path, path.read_bytes())
    assert caught.value.path == str(path)
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert str(path) in str(caught.value)


def test_binary_and_bad_encoding_are_rejected(write_file: Callable[[str, bytes], Path]) -> None:
    binary = write_file("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(IngestError, match="binary file"):
        parse_file(binary, binary.read_bytes())
    latin1 = write_file("latin1.md", GOOD.replace("A good", "Caf\xe9").encode("latin-1"))
    with pytest.raises(IngestError, match="not UTF-8"):
        parse_file(latin1, latin1.read_bytes())


def test_control_characters_are_repaired_with_a_warning(
    write_file: Callable[[str, str], Path],
) -> None:
    path = write_file("ctrl.md", GOOD.replace("A good article", "A good\x08 article\x1b"))
    parsed = parse_file(path, path.read_bytes())
    assert isinstance(parsed.record, ArticleRecord)
    assert parsed.record.title == "A good article"
    assert len(parsed.warnings) == 1
    assert str(path) in parsed.warnings[0] and "U+0008" in parsed.warnings[0]


def test_topic_file_with_a_stray_document_marker() -> None:
    path = SEEDS / "topics" / "08-ai-in-finance.yaml"
    assert path.read_text().rstrip().endswith("---")
    record = parse_file(path, path.read_bytes()).record
    assert isinstance(record, TopicRecord)
    assert record.name == "AI in Finance" and record.slug == "ai-in-finance"
    assert record.parent == "AI" and record.keywords


def test_organization_file_without_suffix_is_found() -> None:
    paths = {p.name for p, _ in discover_files([SEEDS])}
    assert "theguardian.com" in paths
    record = parse_file(
        SEEDS / "organizations" / "wsj.com.md",
        (SEEDS / "organizations" / "wsj.com.md").read_bytes(),
    ).record
    assert isinstance(record, OrganizationRecord)
    assert record.other_names == ("The Wall Street Journal", "Wall Street Journal")


# Documents that take every path of gql.ingest.frontmatter_yaml: typed plain scalars, quoted ones,
# explicit tags, anchors and merge keys, recursion, and errors of each stage.
YAML_DOCUMENTS = [
    "a: 1\nb: '1'\nc: \"1\"\nd: 1.5\ne: .inf\nf: -.nan\ng: yes\nh: No\ni: on\nj: ~\nk: null\nl:\n",
    "m: 2024-01-02\nn: 2024-01-02T03:04:05Z\no: 2024-01-02 03:04:05.5 +02:00\nx: '2024-01-02'\n",
    "p: 0x1F\nq: 0o17\nr: 017\ns: 1_000\nt: 190:20:30\nu: 1e3\nv: 1.0e+3\nw: +12\nb: 0b101\n",
    "y: !!str 12\nz: !!int '12'\nf: !!float 1\nn: ! 12\nbig: 12345678901234567890\n",
    "a: &x [1, 2]\nb: *x\n",
    "a: &x {k: 1}\nb:\n  <<: *x\n  j: 2\n",
    "a: &x\n  - *x\n",
    "? [1, 2]\n: 3\n",
    "a: !!binary aGVsbG8=\nb: !!set {x, y}\nc: !!omap [x: 1]\n",
    "a: =\n",
    "a: 2024-02-30\n",
    "a: [1, 2\n",
    "a: !custom x\n",
    "- 1\n- 2\n",
    "plain\n",
    "",
    "a: 1\na: 2\n",
    "{1: a, 2.5: b, true: c, null: d, 2020-01-01: e}\n",
    "a: |\n  block\n  text\nb: >\n  folded\n  text\n",
    'a: "esc \\u00e9 \\x41 \\t"\n',
    "---\na: 1\n---\nb: 2\n",
    # The block subset read without libyaml, and its edges.
    "t: 2024-01-02T03:04:05Z\nu: 2024-13-02T03:04:05Z\nv: 2024-01-02T03:04:05\nyes: 1\nnull: 2\n",
    "a: x # comment\nb: 'it''s'\nc: \"\"\nd: ''\ne: \"a\" # c\nf:  \"x\"  \ng: -1\nh: -\n",
    "a: plain\n  continued\nb: 1\n",
    "a: b: c\n",
    "a:\n- x\n- y\nb: 1\n",
    "a:\n  - - x\n  - -1\n  -\n  - 'q'\n",
    "a:\n  - k: 1\n    l:\n      - m\n    n:\n  - k: 2\nb:\n\n   \nc: [1, {d: 2}]\n",
    "a:\n  -   k: 1\n      l: 2\n  - k: 3\n     bad: 4\n",
    "a: 1\r\nb: 2\r\n",
    "a:\t1\n",
    "  a: 1\n  b: 2\n",
    "a: 1\n b: 2\n",
    "a: >-\n  folded\nb: |+\n  kept\n\n",
    "a: 'x\n  y'\nb: \"p\n  q\"\n",
    "a: 'x' trailing\n",
    "a: @x\nb: `y\n",
    "a: %x\n",
    "a: x:y\nb: http://e.com/a#b?c=d&e=f\nc: x:\n",
    "a: .5\nb: 1_0\nc: 0o7\nd: +.inf\ne: 1:30\nf: ~\ng: Null\nh: On\ni: n\n",
]


def _safe_reading(text: str) -> tuple[str, ...]:
    """What PyYAML's C safe loader makes of ``text``: its value (``repr`` tells ``1`` from
    ``True`` and ``1.0``) or its error."""
    try:
        return ("value", repr(yaml.load(text, Loader=SafeLoader)))
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))


def _fast_reading(text: str) -> tuple[str, ...]:
    try:
        return ("value", repr(load_yaml(text)))
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))


@pytest.mark.parametrize("text", YAML_DOCUMENTS)
def test_yaml_values_are_those_of_the_safe_loader(text: str) -> None:
    assert _fast_reading(text) == _safe_reading(text)


def test_every_seed_frontmatter_reads_as_with_the_safe_loader() -> None:
    for path in sorted(SEEDS.rglob("*")):
        if path.is_file() and path.suffix != ".yaml" and path.stem.lower() != "readme":
            front = frontmatter.YAMLHandler().split(path.read_text(encoding="utf-8-sig").lstrip())
            assert _fast_reading(front[0]) == _safe_reading(front[0]), path


def test_discovery_keeps_records_by_suffix_folder_and_name(tmp_path: Path) -> None:
    names = [
        "a.md",
        "b.MD",
        "c.markdown",
        "d.txt",
        "e.yaml",
        "f.YML",
        "g.json",
        "noext",
        "trailing.",
        "README.md",
        "readme.txt",
        ".hidden.md",
        "two.dots.md",
        "organizations/example.com",
        "organizations/README",
        "topics/ai",
        "topics/.keep",
        "deep/er/h.md",
        ".git/i.md",
    ]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [str(p.relative_to(tmp_path)) for p, _ in discover_files([tmp_path])]
    assert found == [
        "a.md",
        "b.MD",
        "c.markdown",
        "d.txt",
        "deep/er/h.md",
        "e.yaml",
        "f.YML",
        "organizations/example.com",
        "topics/ai",
        "two.dots.md",
    ]
    assert all(is_seed_file(tmp_path / name) for name in found)
