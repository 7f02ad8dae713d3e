"""Article files to records: every field of the original seed, and slugs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import ORIGINAL_SEED
from tests.ingest.samples import GOOD, parse


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


def test_slug_comes_from_a_dated_file_name(write_file: Callable[[str, str], Path]) -> None:
    assert parse(write_file("2024-01-02-a-good-one.md", GOOD)).slug == "2024-01-02-a-good-one"
    assert parse(write_file("x.txt", GOOD)).slug == "a-good-article"
