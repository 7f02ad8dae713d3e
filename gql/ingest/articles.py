"""An article's frontmatter mapping to an ``ArticleRecord``: its keys, its slug.

An article is identified by its trimmed ``webUrl``; its slug comes from a dated file name
(``2024-01-02-some-story.md``) when it has one, else from its title, so the original seed
(``000_14c2d3d9f87f535d.txt``) still gets a readable one.
"""

from __future__ import annotations

import re
from pathlib import Path

from gql.ingest.fields import (
    extra_keys,
    read_bool,
    read_datetime,
    read_images,
    read_int,
    read_list,
    read_provider,
    read_related,
    read_required_str,
    read_str,
    read_topic_names,
)
from gql.ingest.records import ArticleRecord, JSONDict
from gql.keys import slugify

_DATED_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-.+")

_ARTICLE_KEYS = frozenset(
    {
        "title",
        "excerpt",
        "category",
        "type",
        "publishedDateTime",
        "webUrl",
        "originalUrl",
        "ampWebUrl",
        "cdnAmpWebUrl",
        "quality",
        "heat",
        "published",
        "provider",
        "topics",
        "images",
        "related",
        "secured",
    }
)


def article_slug(path: Path, title: str) -> str:
    """The file name's stem when it is ``YYYY-MM-DD-slug``, else a slug of the title."""
    if _DATED_NAME.match(path.stem):
        return path.stem
    return slugify(title) or slugify(path.stem) or "article"


def parse_article(path: Path, data: JSONDict, body: str) -> ArticleRecord:
    """Validate an article's frontmatter mapping; unknown keys go to ``extra`` verbatim.

    Fields are read in a fixed order, so a file with several bad fields is always
    rejected for the same one.
    """
    title = read_required_str(path, data, "title", "")
    url = read_required_str(path, data, "webUrl", "")
    return ArticleRecord(
        path=str(path),
        slug=article_slug(path, title),
        url=url.strip(),
        title=title,
        excerpt=read_str(path, data, "excerpt", ""),
        category=read_str(path, data, "category", ""),
        type=read_str(path, data, "type", ""),
        published_at=read_datetime(path, data, "publishedDateTime", ""),
        original_url=read_str(path, data, "originalUrl", ""),
        amp_url=read_str(path, data, "ampWebUrl", ""),
        cdn_amp_url=read_str(path, data, "cdnAmpWebUrl", ""),
        quality=read_int(path, data, "quality", ""),
        heat=read_int(path, data, "heat", ""),
        published=read_bool(path, data, "published", ""),
        secured=read_str(path, data, "secured", ""),
        provider=read_provider(path, data, "", url),
        topics=read_topic_names(path, read_list(path, data, "topics", "")),
        images=read_images(path, read_list(path, data, "images", ""), "images"),
        related=read_related(path, read_list(path, data, "related", "")),
        extra=extra_keys(data, _ARTICLE_KEYS),
        body=body,
    )
