"""Writing a load into the database: one transaction per load, run on the write connection.

``write_load`` takes a ``LoadPlan`` (what changed on disk, already parsed and validated)
and applies it: articles and their children are replaced per article, providers and topics
are upserted by key, then the derived pieces are refreshed for what the load touched:
related links resolved to corpus articles, provider display names and merged images, and
providers/topics nobody refers to any more are dropped.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gql.ingest.records import (
    ArticleRecord,
    ImageRecord,
    OrganizationRecord,
    ProviderRef,
    TopicRecord,
)
from gql.keys import slugify
from gql.store.files import FileEntry

# The page cache of the write connection during a load (KiB). A load's transaction touches
# every index of every table; with SQLite's default 2 MiB the pages it keeps changing are
# spilled and read back all the time (100k files: writing took 16.9 s, 10.4 s with this).
LOAD_CACHE_KIB = 64 * 1024


@dataclass
class Chunk:
    """Part of a load, written as it arrives: files parsed so far and what they define."""

    files: list[FileEntry] = field(default_factory=list)
    restat: list[FileEntry] = field(default_factory=list)
    """Files touched on disk but with unchanged content: only their size and time change."""
    articles: list[ArticleRecord] = field(default_factory=list)
    topics: list[TopicRecord] = field(default_factory=list)
    organizations: list[OrganizationRecord] = field(default_factory=list)
    forget_topic_paths: list[str] = field(default_factory=list)
    """Files that defined a topic before this load: their old definition goes first."""
    forget_organization_paths: list[str] = field(default_factory=list)
    """Files that defined a publisher before this load: their old definition goes first."""


@dataclass(frozen=True)
class WriteResult:
    """What ``write_load`` did, for the load report."""

    added: int
    updated: int
    removed: int
    data_version: int


def to_timestamp(moment: datetime | None) -> str | None:
    """A UTC datetime as stored: ``YYYY-MM-DDTHH:MM:SSZ`` (text order is time order; the
    year is always four digits, which ``strftime`` does not promise before 1000)."""
    if moment is None:
        return None
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def _json(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else None


def _ids_json(ids: Iterable[int | None]) -> str:
    return json.dumps(sorted({i for i in ids if i is not None}))


class _Writer:
    """The state of one load's transaction: caches and the sets of touched keys."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.provider_ids: dict[str, int] = {}
        self.topic_ids: dict[str, int] = {}
        self.touched_providers: set[int] = set()
        self.touched_topics: set[int] = set()
        self.touched_articles: set[int] = set()
        self.touched_urls: set[str] = set()
        self.touched_slugs: set[str] = set()
        self.unindexed_articles: list[int] = []
        """Articles inserted since the last ``index_new_articles``: not yet in ``articles_fts``."""

    # --- keys ------------------------------------------------------------------------

    def provider_id(self, domain: str) -> int:
        cached = self.provider_ids.get(domain)
        if cached is not None:
            return cached
        self.conn.execute(
            "INSERT OR IGNORE INTO providers(domain, name) VALUES (?, ?)", (domain, domain)
        )
        (pid,) = self.conn.execute(
            "SELECT id FROM providers WHERE domain = ?", (domain,)
        ).fetchone()
        self.provider_ids[domain] = pid
        self.touched_providers.add(pid)
        return int(pid)

    def topic_id(self, name: str, slug: str) -> int:
        cached = self.topic_ids.get(name)
        if cached is not None:
            return cached
        row = self.conn.execute("SELECT id FROM topics WHERE name = ?", (name,)).fetchone()
        if row is None:
            taken = self.conn.execute("SELECT 1 FROM topics WHERE slug = ?", (slug,)).fetchone()
            if taken or not slug:
                slug = f"{slug or 'topic'}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"
            cursor = self.conn.execute("INSERT INTO topics(name, slug) VALUES (?, ?)", (name, slug))
            tid = int(cursor.lastrowid or 0)
        else:
            tid = int(row[0])
        self.topic_ids[name] = tid
        self.touched_topics.add(tid)
        return tid

    # --- images ----------------------------------------------------------------------

    def replace_images(
        self, kind: str, owner_id: int, images: Iterable[ImageRecord], *, fresh: bool = False
    ) -> None:
        """Replace an owner's images; ``fresh`` owners (just inserted) have none to delete."""
        if not fresh:
            self.conn.execute(
                "DELETE FROM images WHERE owner_kind = ? AND owner_id = ?", (kind, owner_id)
            )
        self.conn.executemany(
            "INSERT INTO images(owner_kind, owner_id, position, url, width, height, title,"
            " is_cached, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    kind,
                    owner_id,
                    i,
                    im.url,
                    im.width,
                    im.height,
                    im.title,
                    None if im.is_cached is None else int(im.is_cached),
                    _json(im.extra),
                )
                for i, im in enumerate(images)
            ],
        )

    # --- articles --------------------------------------------------------------------

    def index_new_articles(self) -> None:
        """Add the articles inserted since the last call to the full-text index, in one
        statement: FTS5 writes its pending terms out at every statement, so a row at a time
        (an AFTER INSERT trigger) costs ten times as much on a big load."""
        if not self.unindexed_articles:
            return
        self.conn.execute(
            "INSERT INTO articles_fts(rowid, title, excerpt) SELECT id, title, excerpt"
            " FROM articles WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps(self.unindexed_articles),),
        )
        self.unindexed_articles.clear()

    def _delete_children(self, article_id: int) -> None:
        conn = self.conn
        for (pid,) in conn.execute(
            "SELECT DISTINCT provider_id FROM related_links WHERE article_id = ?", (article_id,)
        ):
            if pid is not None:
                self.touched_providers.add(pid)
        for (tid,) in conn.execute(
            "SELECT topic_id FROM article_topics WHERE article_id = ?", (article_id,)
        ):
            self.touched_topics.add(tid)
        conn.execute(
            "DELETE FROM images WHERE owner_kind IN ('related', 'related_provider') AND owner_id IN"
            " (SELECT id FROM related_links WHERE article_id = ?)",
            (article_id,),
        )
        conn.execute(
            "DELETE FROM images WHERE owner_kind IN ('article', 'article_provider')"
            " AND owner_id = ?",
            (article_id,),
        )
        conn.execute("DELETE FROM related_links WHERE article_id = ?", (article_id,))
        conn.execute("DELETE FROM article_topics WHERE article_id = ?", (article_id,))

    def _slug(self, base: str, url: str, article_id: int | None) -> str:
        """A slug for now: ``base`` when free, else a placeholder that ``settle_slugs``
        replaces once the load knows every article sharing ``base``."""
        self.touched_slugs.add(base)
        row = self.conn.execute("SELECT id FROM articles WHERE slug = ?", (base,)).fetchone()
        if row is None or row[0] == article_id:
            return base
        return f"~{hashlib.sha1(url.encode()).hexdigest()}"

    def settle_slugs(self) -> None:
        """Give each group of articles that share a base slug the same slugs as a fresh
        build would: the lowest URL keeps the base, the others get ``base-<url hash>``."""
        conn = self.conn
        groups = conn.execute(
            "SELECT base_slug FROM articles WHERE base_slug IN (SELECT value FROM json_each(?))"
            " GROUP BY base_slug HAVING count(*) > 1 OR max(slug != base_slug)",
            (json.dumps(sorted(self.touched_slugs)),),
        ).fetchall()
        for (base,) in groups:
            rows = conn.execute(
                "SELECT id, url, slug FROM articles WHERE base_slug = ? ORDER BY url", (base,)
            ).fetchall()
            wanted = {
                row[0]: base
                if i == 0
                else f"{base}-{hashlib.sha1(row[1].encode()).hexdigest()[:8]}"
                for i, row in enumerate(rows)
            }
            changes = [(row[0], wanted[row[0]]) for row in rows if row[2] != wanted[row[0]]]
            # Free the slugs first so that swapping them never trips the UNIQUE constraint.
            conn.executemany(
                "UPDATE articles SET slug = '~' || id WHERE id = ?", [(i,) for i, _ in changes]
            )
            conn.executemany(
                "UPDATE articles SET slug = ? WHERE id = ?", [(s, i) for i, s in changes]
            )

    def _provider_fields(
        self, ref: ProviderRef | None
    ) -> tuple[int | None, str | None, str | None]:
        if ref is None:
            return None, None, None
        return self.provider_id(ref.domain), ref.name, _json(ref.extra)

    def upsert_article(self, record: ArticleRecord) -> bool:
        """Insert or replace one article and its children; True when it is new."""
        conn = self.conn
        row = conn.execute(
            "SELECT id, provider_id, base_slug FROM articles WHERE url = ?", (record.url,)
        ).fetchone()
        article_id: int | None = row[0] if row else None
        if row is not None:
            if self.unindexed_articles:
                # The update trigger takes the old title out of the index: it must be in it.
                self.index_new_articles()
            if row[2] is not None:
                self.touched_slugs.add(row[2])
            if row[1] is not None:
                self.touched_providers.add(row[1])
            self._delete_children(row[0])
        provider_id, provider_name, provider_extra = self._provider_fields(record.provider)
        values = (
            record.url,
            self._slug(record.slug, record.url, article_id),
            record.slug,
            record.path,
            record.title,
            record.excerpt,
            record.category,
            record.type,
            to_timestamp(record.published_at),
            record.original_url,
            record.amp_url,
            record.cdn_amp_url,
            record.quality,
            record.heat,
            None if record.published is None else int(record.published),
            record.secured,
            record.body,
            _json(record.extra),
            provider_id,
            provider_name,
            provider_extra,
        )
        columns = (
            "url, slug, base_slug, path, title, excerpt, category, type, published_at,"
            " original_url, amp_url, cdn_amp_url, quality, heat, published, secured, body, extra,"
            " provider_id, provider_name, provider_extra"
        )
        if article_id is None:
            cursor = conn.execute(
                f"INSERT INTO articles({columns}) VALUES ({', '.join('?' * len(values))})", values
            )
            article_id = int(cursor.lastrowid or 0)
            self.unindexed_articles.append(article_id)
        else:
            assignments = ", ".join(f"{c.strip()} = ?" for c in columns.split(","))
            conn.execute(f"UPDATE articles SET {assignments} WHERE id = ?", (*values, article_id))
        self.touched_articles.add(article_id)
        self.touched_urls.add(record.url)

        topic_rows = [
            (article_id, self.topic_id(name, slugify(name)), i)
            for i, name in enumerate(record.topics)
        ]
        conn.executemany(
            "INSERT INTO article_topics(article_id, topic_id, position) VALUES (?, ?, ?)",
            topic_rows,
        )
        # The article's children were deleted above (or never existed): nothing to replace.
        if record.images:
            self.replace_images("article", article_id, record.images, fresh=True)
        if record.provider is not None and record.provider.images:
            self.replace_images("article_provider", article_id, record.provider.images, fresh=True)
        for link in record.related:
            link_provider, link_provider_name, link_provider_extra = self._provider_fields(
                link.provider
            )
            cursor = conn.execute(
                "INSERT INTO related_links(article_id, position, url, title, excerpt, published_at,"
                " type, quality, original_url, amp_url, cdn_amp_url, provider_id, provider_name,"
                " provider_extra, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article_id,
                    link.position,
                    link.url,
                    link.title,
                    link.excerpt,
                    to_timestamp(link.published_at),
                    link.type,
                    link.quality,
                    link.original_url,
                    link.amp_url,
                    link.cdn_amp_url,
                    link_provider,
                    link_provider_name,
                    link_provider_extra,
                    _json(link.extra),
                ),
            )
            link_id = int(cursor.lastrowid or 0)
            if link.images:
                self.replace_images("related", link_id, link.images, fresh=True)
            if link.provider is not None and link.provider.images:
                self.replace_images("related_provider", link_id, link.provider.images, fresh=True)
        return row is None

    def remove_article(self, url: str) -> bool:
        row = self.conn.execute(
            "SELECT id, provider_id FROM articles WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return False
        # The delete trigger takes the old title out of the index: it must be in it.
        self.index_new_articles()
        if row[1] is not None:
            self.touched_providers.add(row[1])
        self._delete_children(row[0])
        for (base,) in self.conn.execute(
            "SELECT base_slug FROM articles WHERE id = ? AND base_slug IS NOT NULL", (row[0],)
        ).fetchall():
            self.touched_slugs.add(base)
        self.conn.execute("DELETE FROM articles WHERE id = ?", (row[0],))
        self.touched_urls.add(url)
        return True

    # --- definitions -----------------------------------------------------------------

    def upsert_topic(self, record: TopicRecord) -> None:
        tid = self.topic_id(record.name, record.slug)
        slug_owner = self.conn.execute(
            "SELECT id FROM topics WHERE slug = ?", (record.slug,)
        ).fetchone()
        if slug_owner is None:
            self.conn.execute("UPDATE topics SET slug = ? WHERE id = ?", (record.slug, tid))
        self.conn.execute(
            "UPDATE topics SET parent_name = ?, shortname = ?, description = ?, keywords = ?,"
            " extra = ?, definition_path = ? WHERE id = ?",
            (
                record.parent,
                record.shortname,
                record.description,
                json.dumps(list(record.keywords), ensure_ascii=False),
                _json(record.extra),
                record.path,
                tid,
            ),
        )
        self.replace_images("topic", tid, record.images)

    def remove_topic_definition(self, path: str) -> None:
        for (tid,) in self.conn.execute(
            "SELECT id FROM topics WHERE definition_path = ?", (path,)
        ).fetchall():
            self.conn.execute(
                "UPDATE topics SET parent_name = NULL, shortname = NULL, description = NULL,"
                " keywords = NULL, extra = NULL, definition_path = NULL WHERE id = ?",
                (tid,),
            )
            self.replace_images("topic", tid, ())
            self.touched_topics.add(tid)

    def upsert_organization(self, record: OrganizationRecord) -> None:
        pid = self.provider_id(record.domain)
        self.conn.execute(
            "UPDATE providers SET defined_name = ?, description = ?, other_names = ?, extra = ?,"
            " body = ?, definition_path = ? WHERE id = ?",
            (
                record.name,
                record.description,
                json.dumps(list(record.other_names), ensure_ascii=False)
                if record.other_names
                else None,
                _json(record.extra),
                record.body or None,
                record.path,
                pid,
            ),
        )
        self.replace_images("organization", pid, record.images)

    def remove_organization_definition(self, path: str) -> None:
        for (pid,) in self.conn.execute(
            "SELECT id FROM providers WHERE definition_path = ?", (path,)
        ).fetchall():
            self.conn.execute(
                "UPDATE providers SET defined_name = NULL, description = NULL, other_names = NULL,"
                " extra = NULL, body = NULL, definition_path = NULL WHERE id = ?",
                (pid,),
            )
            self.replace_images("organization", pid, ())
            self.touched_providers.add(pid)

    # --- derived state ---------------------------------------------------------------

    def resolve_links(self) -> None:
        """Point related links at the corpus article with their URL, both ways round."""
        self.conn.execute(
            "UPDATE related_links SET target_article_id ="
            " (SELECT a.id FROM articles a WHERE a.url = related_links.url)"
            " WHERE (article_id IN (SELECT value FROM json_each(?))"
            " OR url IN (SELECT value FROM json_each(?)))"
            # Most links point outside the corpus: rewriting their rows with the same NULL
            # took most of the time of this statement on a big load.
            " AND target_article_id IS NOT"
            " (SELECT a.id FROM articles a WHERE a.url = related_links.url)",
            (_ids_json(self.touched_articles), json.dumps(sorted(self.touched_urls))),
        )

    def refresh_providers(self) -> None:
        """Recompute display names and merged images of touched providers; drop orphans."""
        ids = _ids_json(self.touched_providers)
        conn = self.conn
        conn.execute(
            "DELETE FROM providers WHERE id IN (SELECT value FROM json_each(?))"
            " AND definition_path IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.provider_id = providers.id)"
            " AND NOT EXISTS (SELECT 1 FROM related_links r WHERE r.provider_id = providers.id)",
            (ids,),
        )
        # The name a publisher file gives wins; else the name most articles use, else the
        # name most related links use (ties: the most recent use), else the domain.
        conn.execute(
            """
            UPDATE providers SET name = COALESCE(
                NULLIF(TRIM(defined_name), ''),
                (SELECT provider_name FROM articles a
                  WHERE a.provider_id = providers.id AND TRIM(COALESCE(provider_name, '')) != ''
                  GROUP BY provider_name ORDER BY count(*) DESC, max(published_at) DESC LIMIT 1),
                (SELECT provider_name FROM related_links r
                  WHERE r.provider_id = providers.id AND TRIM(COALESCE(provider_name, '')) != ''
                  GROUP BY provider_name ORDER BY count(*) DESC, max(published_at) DESC LIMIT 1),
                domain)
            WHERE id IN (SELECT value FROM json_each(?))
            """,
            (ids,),
        )
        conn.execute(
            "DELETE FROM images WHERE owner_kind = 'provider'"
            " AND owner_id IN (SELECT value FROM json_each(?))",
            (ids,),
        )
        # Merged images: the publisher file's first, then those article files list (newest
        # article first), then those related links list; the first image of each URL wins.
        candidates = conn.execute(
            """
            SELECT owner_id, url, width, height, title, is_cached, extra FROM (
                SELECT i.owner_id, 0 AS src, '' AS sort_at, 0 AS sort_id, i.position, i.url,
                       i.width, i.height, i.title, i.is_cached, i.extra
                  FROM images i
                 WHERE i.owner_kind = 'organization'
                   AND i.owner_id IN (SELECT value FROM json_each(:ids))
                UNION ALL
                SELECT a.provider_id, 1, COALESCE(a.published_at, ''), a.id, i.position, i.url,
                       i.width, i.height, i.title, i.is_cached, i.extra
                  FROM articles a JOIN images i
                    ON i.owner_kind = 'article_provider' AND i.owner_id = a.id
                 WHERE a.provider_id IN (SELECT value FROM json_each(:ids))
                UNION ALL
                SELECT r.provider_id, 2, COALESCE(r.published_at, ''), r.id, i.position, i.url,
                       i.width, i.height, i.title, i.is_cached, i.extra
                  FROM related_links r JOIN images i
                    ON i.owner_kind = 'related_provider' AND i.owner_id = r.id
                 WHERE r.provider_id IN (SELECT value FROM json_each(:ids))
            )
            ORDER BY owner_id, src, sort_at DESC, sort_id DESC, position
            """,
            {"ids": ids},
        ).fetchall()
        merged: list[tuple[Any, ...]] = []
        seen: set[tuple[int, str]] = set()
        positions: dict[int, int] = {}
        for owner_id, url, width, height, title, is_cached, extra in candidates:
            if (owner_id, url) in seen:
                continue
            seen.add((owner_id, url))
            position = positions.get(owner_id, 0)
            positions[owner_id] = position + 1
            merged.append(
                ("provider", owner_id, position, url, width, height, title, is_cached, extra)
            )
        conn.executemany(
            "INSERT INTO images(owner_kind, owner_id, position, url, width, height, title,"
            " is_cached, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            merged,
        )

    def refresh_topics(self) -> None:
        """Drop topics that no article uses and no definition file defines."""
        self.conn.execute(
            "DELETE FROM topics WHERE id IN (SELECT value FROM json_each(?))"
            " AND definition_path IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM article_topics t WHERE t.topic_id = topics.id)",
            (_ids_json(self.touched_topics),),
        )


class LoadSession:
    """One load's transaction on the write connection, fed chunk by chunk.

    Every method runs on the write connection (through ``Store.execute_write_fn``); the
    transaction opened by ``begin`` stays open until ``finish`` commits it or ``abort``
    rolls it back, so readers see the old corpus or the new one, never half of it.
    """

    def __init__(self, conn: sqlite3.Connection, *, cache_size: int) -> None:
        self.writer = _Writer(conn)
        self.added = self.updated = self.removed = 0
        self.changed = False
        self.cache_size = cache_size
        """The connection's own ``cache_size``, given back when the load ends."""

    @classmethod
    def begin(cls, conn: sqlite3.Connection) -> LoadSession:
        (cache_size,) = conn.execute("PRAGMA cache_size").fetchone()
        conn.execute(f"PRAGMA cache_size = {-LOAD_CACHE_KIB}")
        conn.execute("BEGIN IMMEDIATE")
        return cls(conn, cache_size=int(cache_size))

    def _end(self) -> None:
        self.writer.conn.execute(f"PRAGMA cache_size = {self.cache_size}")

    def forget(self, paths: list[str]) -> None:
        """Drop vanished files and the topic or publisher definitions they held."""
        conn = self.writer.conn
        conn.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in paths])
        for path in paths:
            self.writer.remove_topic_definition(path)
            self.writer.remove_organization_definition(path)
        self.changed = self.changed or bool(paths)

    def write(self, chunk: Chunk) -> None:
        """Record ``chunk``'s files and upsert what they define."""
        conn = self.writer.conn
        conn.executemany(
            "INSERT INTO files(path, digest, kind, key, size, mtime_ns) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(path) DO UPDATE SET digest = excluded.digest, kind = excluded.kind,"
            " key = excluded.key, size = excluded.size, mtime_ns = excluded.mtime_ns",
            [(f.path, f.digest, f.kind, f.key, f.size, f.mtime_ns) for f in chunk.files],
        )
        conn.executemany(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?",
            [(f.size, f.mtime_ns, f.path) for f in chunk.restat],
        )
        for path in chunk.forget_topic_paths:
            self.writer.remove_topic_definition(path)
        for path in chunk.forget_organization_paths:
            self.writer.remove_organization_definition(path)
        for organization in chunk.organizations:
            self.writer.upsert_organization(organization)
        for topic in chunk.topics:
            self.writer.upsert_topic(topic)
        for article in chunk.articles:
            if self.writer.upsert_article(article):
                self.added += 1
            else:
                self.updated += 1
        self.writer.index_new_articles()
        self.changed = self.changed or bool(
            chunk.files or chunk.articles or chunk.topics or chunk.organizations
        )

    def remove_articles(self, urls: list[str]) -> None:
        for url in urls:
            self.removed += self.writer.remove_article(url)
        self.changed = self.changed or bool(urls)

    def finish(self) -> WriteResult:
        """Refresh what the load touched, bump the data version if anything changed, commit."""
        writer, conn = self.writer, self.writer.conn
        try:
            writer.settle_slugs()
            writer.resolve_links()
            writer.refresh_providers()
            writer.refresh_topics()
            row = conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
            version = int(row[0]) if row else 0
            if self.changed:
                version += 1
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('data_version', ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (str(version),),
                )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            self._end()
        return WriteResult(self.added, self.updated, self.removed, version)

    def abort(self) -> None:
        """Roll the load back; the database is as it was before ``begin``."""
        if self.writer.conn.in_transaction:
            self.writer.conn.rollback()
        self._end()
