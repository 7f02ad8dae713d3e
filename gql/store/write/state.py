"""The state of one load's transaction, and the writes every part of the load shares.

A ``Writer`` wraps the write connection for one load: it caches the ids of providers
(by domain) and topics (by name) it has seen, and it collects what the load touched
(providers, topics, articles, URLs, base slugs), so that ``derived`` refreshes
only those at the end. The writes of articles (``articles``) and of topic and
publisher definitions (``definitions``) are functions of a ``Writer``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from gql.ingest.records import ImageRecord
from gql.store.columns import IMAGES, PROVIDERS, TOPICS, Write
from gql.store.write.connection import WriteConnection, dialect_of

IMAGE_WRITE = Write(
    IMAGES,
    ("owner_kind", "owner_id", "position", "url", "width", "height", "title", "is_cached", "extra"),
)
_NEW_PROVIDER = Write(PROVIDERS, ("domain", "name"))
_NEW_TOPIC = Write(TOPICS, ("name", "slug"))


class Writer:
    """One load's transaction: its connection, its key caches and the keys it touched."""

    def __init__(self, conn: WriteConnection) -> None:
        self.conn = conn
        self.dialect = dialect_of(conn)
        self.provider_ids: dict[str, int] = {}
        self.topic_ids: dict[str, int] = {}
        self.touched_providers: set[int] = set()
        self.touched_topics: set[int] = set()
        self.touched_articles: set[int] = set()
        self.touched_urls: set[str] = set()
        self.touched_slugs: set[str] = set()
        self.unindexed_articles: list[int] = []
        """Articles inserted since the last ``index_new_articles``: not yet in ``articles_fts``."""
        self.changes: dict[str, str] = {}
        """The load's changes for the change log: article URL to added/updated/removed."""

    def keys(self, keys: set[int] | set[str]) -> Any:
        """A set of touched keys as one bound parameter (``Dialect.in_keys``)."""
        return self.dialect.key_set(keys)

    def provider_id(self, domain: str) -> int:
        """The id of the provider with ``domain``, created (named by its domain until
        ``refresh_providers`` names it) when new."""
        cached = self.provider_ids.get(domain)
        if cached is not None:
            return cached
        self.conn.execute(
            _NEW_PROVIDER.insert_or_ignore_sql,
            _NEW_PROVIDER.values(domain=domain, name=domain),
        )
        (pid,) = self.conn.execute(
            "SELECT id FROM providers WHERE domain = ?", (domain,)
        ).fetchone()
        self.provider_ids[domain] = pid
        self.touched_providers.add(pid)
        return int(pid)

    def topic_id(self, name: str, slug: str) -> int:
        """The id of the topic ``name``, created with ``slug`` when new (or, when that slug
        is taken or empty, the slug with a hash of the name)."""
        cached = self.topic_ids.get(name)
        if cached is not None:
            return cached
        row = self.conn.execute("SELECT id FROM topics WHERE name = ?", (name,)).fetchone()
        if row is None:
            taken = self.conn.execute("SELECT 1 FROM topics WHERE slug = ?", (slug,)).fetchone()
            if taken or not slug:
                slug = f"{slug or 'topic'}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"
            values = _NEW_TOPIC.values(name=name, slug=slug)
            (new_id,) = self.conn.execute(_NEW_TOPIC.insert_returning_id_sql, values).fetchone()
            tid = int(new_id)
        else:
            tid = int(row[0])
        self.topic_ids[name] = tid
        self.touched_topics.add(tid)
        return tid

    def replace_images(
        self, kind: str, owner_id: int, images: Iterable[ImageRecord], *, fresh: bool = False
    ) -> None:
        """Replace an owner's images; ``fresh`` owners (just inserted) have none to delete."""
        if not fresh:
            self.conn.execute(
                "DELETE FROM images WHERE owner_kind = ? AND owner_id = ?", (kind, owner_id)
            )
        self.conn.executemany(
            IMAGE_WRITE.insert_sql,
            [
                IMAGE_WRITE.values(
                    owner_kind=kind,
                    owner_id=owner_id,
                    position=i,
                    url=im.url,
                    width=im.width,
                    height=im.height,
                    title=im.title,
                    is_cached=im.is_cached,
                    extra=im.extra,
                )
                for i, im in enumerate(images)
            ],
        )
