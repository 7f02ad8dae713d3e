"""Records passed from ingest to the store: frozen, typed, free of SQL and GraphQL.

A record holds every key of its source file: known keys as typed attributes, the rest
verbatim in ``extra`` (JSON-ready values, datetimes as ISO-8601 strings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSONDict = dict[str, Any]


@dataclass(frozen=True)
class ImageRecord:
    """An image of an article, a provider, a topic or a related link."""

    url: str
    width: int | None = None
    height: int | None = None
    title: str | None = None
    is_cached: bool | None = None
    extra: JSONDict = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderRef:
    """A publisher as an article or related link names it."""

    domain: str
    name: str | None
    images: tuple[ImageRecord, ...] = ()
    extra: JSONDict = field(default_factory=dict)


@dataclass(frozen=True)
class RelatedRecord:
    """One item of an article's ``related`` list (coverage by another outlet)."""

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
    provider: ProviderRef | None
    images: tuple[ImageRecord, ...]
    extra: JSONDict


@dataclass(frozen=True)
class ArticleRecord:
    """One article file, validated."""

    path: str
    slug: str
    url: str
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
    provider: ProviderRef | None
    topics: tuple[str, ...]
    images: tuple[ImageRecord, ...]
    related: tuple[RelatedRecord, ...]
    extra: JSONDict
    body: str


@dataclass(frozen=True)
class TopicRecord:
    """A topic definition file (``taxonomy: topic``)."""

    path: str
    name: str
    slug: str
    parent: str | None
    shortname: str | None
    description: str | None
    keywords: tuple[str, ...]
    images: tuple[ImageRecord, ...]
    extra: JSONDict


@dataclass(frozen=True)
class OrganizationRecord:
    """A publisher definition file (``taxonomy: organization``)."""

    path: str
    domain: str
    name: str | None
    description: str | None
    other_names: tuple[str, ...]
    images: tuple[ImageRecord, ...]
    extra: JSONDict
    body: str


ParsedRecord = ArticleRecord | TopicRecord | OrganizationRecord


@dataclass(frozen=True)
class ParsedFile:
    """The outcome of parsing one file: a record plus repair warnings."""

    record: ParsedRecord
    warnings: tuple[str, ...] = ()
