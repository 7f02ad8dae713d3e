"""A load's one transaction on the write connection: ``LoadSession``, fed ``Chunk`` by chunk.

The sync pipeline opens a session (``LoadSession.begin``), forgets the files that
vanished, writes each chunk of parsed files as it arrives (files, then definitions, then
articles, then the full-text index of the new articles), removes the articles no file
defines any more, and ``finish``es: the derived state is refreshed for what the load
touched (``derived``), the data version bumped if anything changed, what changed
recorded in the change log under it (``changelog``), a new release id drawn, and the
transaction committed. Readers see the old corpus or the new one, never half of it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from gql.ingest.records import ArticleRecord, OrganizationRecord, TopicRecord
from gql.store.files import FileEntry, forget_files, record_files, restat_files
from gql.store.write.articles import index_new_articles, remove_article, upsert_article
from gql.store.write.changelog import record_changes
from gql.store.write.connection import WriteConnection, dialect_of
from gql.store.write.definitions import (
    remove_organization_definition,
    remove_topic_definition,
    upsert_organization,
    upsert_topic,
)
from gql.store.write.derived import refresh_providers, refresh_topics, resolve_links, settle_slugs
from gql.store.write.state import Writer

# The page cache of the write connection during a load (KiB). A load's transaction touches
# every index of every table; with SQLite's default 2 MiB the pages it keeps changing are
# spilled and read back all the time (100k files: writing took 16.9 s, 10.4 s with this).
LOAD_CACHE_KIB = 64 * 1024
# The advisory lock a load holds on PostgreSQL for its whole transaction (as SQLite's
# ``BEGIN IMMEDIATE`` takes the write lock): loads into one database run one at a time.
# The same key as the schema's (``pg_schema.SCHEMA_LOCK``).
LOAD_LOCK = 0x67716C00


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
    """What a load session did, for the load report."""

    added: int
    updated: int
    removed: int
    data_version: int


class LoadSession:
    """One load's transaction on the write connection, fed chunk by chunk.

    Every method runs on the write connection (through ``Store.execute_write_fn``); the
    transaction opened by ``begin`` stays open until ``finish`` commits it or ``abort``
    rolls it back, so readers see the old corpus or the new one, never half of it.
    """

    def __init__(self, conn: WriteConnection, *, cache_size: int | None) -> None:
        self.writer = Writer(conn)
        self.added = self.updated = self.removed = 0
        self.changed = False
        self.cache_size = cache_size
        """SQLite's connection's own ``cache_size``, given back when the load ends."""

    @classmethod
    def begin(cls, conn: WriteConnection) -> LoadSession:
        if dialect_of(conn).name != "sqlite":
            conn.execute("BEGIN")
            try:
                # Waits up to the connection's lock_timeout for another load.
                conn.execute("SELECT pg_advisory_xact_lock(?)", (LOAD_LOCK,))
            except BaseException:
                conn.rollback()
                raise
            return cls(conn, cache_size=None)
        (cache_size,) = conn.execute("PRAGMA cache_size").fetchone()
        conn.execute(f"PRAGMA cache_size = {-LOAD_CACHE_KIB}")
        conn.execute("BEGIN IMMEDIATE")
        return cls(conn, cache_size=int(cache_size))

    def _end(self) -> None:
        if self.cache_size is not None:
            self.writer.conn.execute(f"PRAGMA cache_size = {self.cache_size}")

    def forget(self, paths: list[str]) -> None:
        """Drop vanished files and the topic or publisher definitions they held."""
        forget_files(self.writer.conn, paths)
        for path in paths:
            remove_topic_definition(self.writer, path)
            remove_organization_definition(self.writer, path)
        self.changed = self.changed or bool(paths)

    def write(self, chunk: Chunk) -> None:
        """Record ``chunk``'s files and upsert what they define."""
        writer = self.writer
        record_files(writer.conn, chunk.files)
        restat_files(writer.conn, chunk.restat)
        for path in chunk.forget_topic_paths:
            remove_topic_definition(writer, path)
        for path in chunk.forget_organization_paths:
            remove_organization_definition(writer, path)
        for organization in chunk.organizations:
            upsert_organization(writer, organization)
        for topic in chunk.topics:
            upsert_topic(writer, topic)
        for article in chunk.articles:
            if upsert_article(writer, article):
                self.added += 1
            else:
                self.updated += 1
        index_new_articles(writer)
        self.changed = self.changed or bool(
            chunk.files or chunk.articles or chunk.topics or chunk.organizations
        )

    def remove_articles(self, urls: list[str]) -> None:
        """Delete the articles with ``urls`` (no file defines them any more)."""
        for url in urls:
            self.removed += remove_article(self.writer, url)
        self.changed = self.changed or bool(urls)

    def finish(self) -> WriteResult:
        """Refresh what the load touched, bump the data version if anything changed, commit."""
        writer, conn = self.writer, self.writer.conn
        try:
            settle_slugs(writer)
            resolve_links(writer)
            refresh_providers(writer)
            refresh_topics(writer)
            row = conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
            version = int(row[0]) if row else 0
            if self.changed:
                version += 1
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('data_version', ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (str(version),),
                )
                record_changes(conn, version, writer.changes)
            # Random, so that two databases built apart never share one (their data
            # versions may well be equal): ETags and caches are keyed by both
            # (``gql.store.artifact``). A load that changes nothing keeps it.
            keep = "DO UPDATE SET value = excluded.value" if self.changed else "DO NOTHING"
            conn.execute(
                f"INSERT INTO meta(key, value) VALUES ('release_id', ?) ON CONFLICT(key) {keep}",
                (secrets.token_hex(16),),
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
