"""Rows the store returns to readers: frozen dataclasses, one per table, in column order.

JSON columns arrive decoded; timestamps arrive as timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

JSONValue = Any


@dataclass(frozen=True, slots=True)
class ArticleRow:
    id: int
    url: str
    slug: str
    path: str
    title: str
    excerpt: str | None
    category: str | None
    type: str | None
    published_at: datetime | None
    original_url: str | None
    amp_url: str | None
    cdn_amp_url: str | None
    quality: int | None
    heat: int | None
    published: bool | None
    secured: str | None
    body: str
    extra: dict[str, JSONValue]
    provider_id: int | None
    provider_name: str | None


@dataclass(frozen=True, slots=True)
class ProviderRow:
    id: int
    domain: str
    name: str
    description: str | None
    other_names: list[str]
    extra: dict[str, JSONValue]


@dataclass(frozen=True, slots=True)
class TopicRow:
    id: int
    name: str
    slug: str
    parent_name: str | None
    shortname: str | None
    description: str | None
    keywords: list[str]
    extra: dict[str, JSONValue]


@dataclass(frozen=True, slots=True)
class ImageRow:
    url: str
    width: int | None
    height: int | None
    title: str | None
    is_cached: bool | None


@dataclass(frozen=True, slots=True)
class RelatedLinkRow:
    id: int
    article_id: int
    position: int
    url: str
    title: str | None
    excerpt: str | None
    published_at: datetime | None
    type: str | None
    quality: int | None
    original_url: str | None
    amp_url: str | None
    cdn_amp_url: str | None
    provider_id: int | None
    provider_name: str | None
    target_article_id: int | None
    extra: dict[str, JSONValue]
