"""The database schema: tables, indexes, the FTS5 index and the triggers that feed it.

Timestamps are stored as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC) so that text order is time order.
JSON columns hold the keys that have no typed column, verbatim.
"""

from __future__ import annotations

SCHEMA_VERSION = 4

DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per loaded seed file: what it was when last loaded, and what it defined.
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('article', 'topic', 'organization')),
    key TEXT NOT NULL,
    size INTEGER,
    mtime_ns INTEGER
);
CREATE INDEX IF NOT EXISTS files_kind_key ON files(kind, key);

CREATE TABLE IF NOT EXISTS providers (
    id INTEGER PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    defined_name TEXT,
    description TEXT,
    other_names TEXT,
    extra TEXT,
    body TEXT,
    definition_path TEXT
);
CREATE INDEX IF NOT EXISTS providers_name ON providers(name, id);

CREATE TABLE IF NOT EXISTS topics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    parent_name TEXT,
    shortname TEXT,
    description TEXT,
    keywords TEXT,
    extra TEXT,
    definition_path TEXT
);
CREATE INDEX IF NOT EXISTS topics_parent_name ON topics(parent_name);

CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    base_slug TEXT,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    excerpt TEXT,
    category TEXT,
    type TEXT,
    published_at TEXT,
    original_url TEXT,
    amp_url TEXT,
    cdn_amp_url TEXT,
    quality INTEGER,
    heat INTEGER,
    published INTEGER,
    secured TEXT,
    body TEXT NOT NULL DEFAULT '',
    extra TEXT,
    provider_id INTEGER REFERENCES providers(id),
    provider_name TEXT,
    provider_extra TEXT
);
CREATE INDEX IF NOT EXISTS articles_published_at ON articles(published_at, id);
CREATE INDEX IF NOT EXISTS articles_quality ON articles(quality, id);
CREATE INDEX IF NOT EXISTS articles_heat ON articles(heat, id);
CREATE INDEX IF NOT EXISTS articles_provider ON articles(provider_id, published_at, id);

CREATE TABLE IF NOT EXISTS article_topics (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, topic_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_topics_topic ON article_topics(topic_id, article_id);

CREATE TABLE IF NOT EXISTS related_links (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    url TEXT NOT NULL,
    title TEXT,
    excerpt TEXT,
    published_at TEXT,
    type TEXT,
    quality INTEGER,
    original_url TEXT,
    amp_url TEXT,
    cdn_amp_url TEXT,
    provider_id INTEGER REFERENCES providers(id),
    provider_name TEXT,
    provider_extra TEXT,
    target_article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    extra TEXT,
    UNIQUE (article_id, position)
);
CREATE INDEX IF NOT EXISTS related_links_url ON related_links(url);
CREATE INDEX IF NOT EXISTS related_links_target ON related_links(target_article_id, article_id);
CREATE INDEX IF NOT EXISTS related_links_provider ON related_links(provider_id);

-- owner_kind: article | article_provider (the provider images an article file lists) |
-- related | related_provider | organization (a publisher file's images) |
-- provider (the merged set served by the API) | topic
CREATE TABLE IF NOT EXISTS images (
    id INTEGER PRIMARY KEY,
    owner_kind TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    url TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    title TEXT,
    is_cached INTEGER,
    extra TEXT
);
CREATE INDEX IF NOT EXISTS images_owner ON images(owner_kind, owner_id, position);

CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, excerpt, content='articles', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
-- New articles are indexed by the writer, one statement per batch (see write.py): FTS5
-- flushes its pending terms at every statement savepoint, so a per-row AFTER INSERT trigger
-- wrote one tiny segment per article and took 7 of the 17 s of a 100k-file load.
DROP TRIGGER IF EXISTS articles_fts_insert;
CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, excerpt)
    VALUES ('delete', old.id, old.title, old.excerpt);
END;
CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, excerpt ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, excerpt)
    VALUES ('delete', old.id, old.title, old.excerpt);
    INSERT INTO articles_fts(rowid, title, excerpt) VALUES (new.id, new.title, new.excerpt);
END;
"""

# Columns added after a table was first released: (table, column, declaration).
ADDED_COLUMNS = [
    ("files", "size", "INTEGER"),
    ("files", "mtime_ns", "INTEGER"),
    ("articles", "base_slug", "TEXT"),
]

# Run after ADDED_COLUMNS, as it indexes columns that older databases only have from then.
MIGRATED_DDL = """
UPDATE articles SET base_slug = slug WHERE base_slug IS NULL;
CREATE INDEX IF NOT EXISTS articles_base_slug ON articles(base_slug);
"""
