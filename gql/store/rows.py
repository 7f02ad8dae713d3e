"""Rows the store returns to readers: named tuples, one type per table, and their readers.

Named tuples rather than frozen dataclasses (the project's usual record): a page builds a
few hundred rows per request, and a frozen dataclass sets each field through
``object.__setattr__``, three times slower (measured: ~160 vs ~50 µs per front page).
They are as typed and as immutable.

The fields are written out (the type checker needs them) and must be the read columns of
their table in ``columns``, in order: each ``Reader`` below checks that when it is built,
and gives the select list and decoder every query uses. JSON columns arrive as text and
are decoded when read (most requests never read them); timestamps arrive as
timezone-aware UTC datetimes, flags as booleans.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from gql.store.columns import ARTICLES, IMAGES, PROVIDERS, RELATED_LINKS, TOPICS, Reader

JSONValue = Any


def _object(text: str | None) -> dict[str, JSONValue]:
    if not text or text == "{}":
        return {}
    value: dict[str, JSONValue] = json.loads(text)
    return value


def _strings(text: str | None) -> list[str]:
    if not text or text == "[]":
        return []
    value: list[str] = json.loads(text)
    return value


class ArticleRow(NamedTuple):
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
    extra_json: str | None
    provider_id: int | None
    provider_name: str | None

    @property
    def extra(self) -> dict[str, JSONValue]:
        return _object(self.extra_json)


class ProviderRow(NamedTuple):
    id: int
    domain: str
    name: str
    description: str | None
    other_names_json: str | None
    extra_json: str | None

    @property
    def other_names(self) -> list[str]:
        return _strings(self.other_names_json)

    @property
    def extra(self) -> dict[str, JSONValue]:
        return _object(self.extra_json)


class TopicRow(NamedTuple):
    id: int
    name: str
    slug: str
    parent_name: str | None
    shortname: str | None
    description: str | None
    keywords_json: str | None
    extra_json: str | None

    @property
    def keywords(self) -> list[str]:
        return _strings(self.keywords_json)

    @property
    def extra(self) -> dict[str, JSONValue]:
        return _object(self.extra_json)


class ImageRow(NamedTuple):
    url: str
    width: int | None
    height: int | None
    title: str | None
    is_cached: bool | None


class RelatedLinkRow(NamedTuple):
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
    extra_json: str | None

    @property
    def extra(self) -> dict[str, JSONValue]:
        return _object(self.extra_json)


ARTICLE = Reader(ARTICLES, ArticleRow)
PROVIDER = Reader(PROVIDERS, ProviderRow)
TOPIC = Reader(TOPICS, TopicRow)
IMAGE = Reader(IMAGES, ImageRow)
RELATED_LINK = Reader(RELATED_LINKS, RelatedLinkRow)
