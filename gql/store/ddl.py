"""The database schema: tables, indexes, the FTS5 index and the triggers that feed it.

The entity tables are created from their declarations in ``columns`` (the one place that
spells their columns); the rest is written out here. Timestamps are stored as
``YYYY-MM-DDTHH:MM:SSZ`` (UTC) so that text order is time order; JSON columns hold the
keys that have no typed column, verbatim (see ``encoding``).
"""

from __future__ import annotations

from gql.store.columns import (
    ARTICLE_TOPICS,
    ARTICLES,
    FILES,
    IMAGES,
    PROVIDERS,
    RELATED_LINKS,
    TOPICS,
    added_columns,
)

SCHEMA_VERSION = 4

DDL = f"""
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per loaded seed file: what it was when last loaded, and what it defined.
{FILES.create_sql}
CREATE INDEX IF NOT EXISTS files_kind_key ON files(kind, key);

{PROVIDERS.create_sql}
CREATE INDEX IF NOT EXISTS providers_name ON providers(name, id);

{TOPICS.create_sql}
CREATE INDEX IF NOT EXISTS topics_parent_name ON topics(parent_name);

{ARTICLES.create_sql}
CREATE INDEX IF NOT EXISTS articles_published_at ON articles(published_at, id);
CREATE INDEX IF NOT EXISTS articles_quality ON articles(quality, id);
CREATE INDEX IF NOT EXISTS articles_heat ON articles(heat, id);
CREATE INDEX IF NOT EXISTS articles_provider ON articles(provider_id, published_at, id);

{ARTICLE_TOPICS.create_sql}
CREATE INDEX IF NOT EXISTS article_topics_topic ON article_topics(topic_id, article_id);

{RELATED_LINKS.create_sql}
CREATE INDEX IF NOT EXISTS related_links_url ON related_links(url);
CREATE INDEX IF NOT EXISTS related_links_target ON related_links(target_article_id, article_id);
CREATE INDEX IF NOT EXISTS related_links_provider ON related_links(provider_id);

{IMAGES.create_sql}
CREATE INDEX IF NOT EXISTS images_owner ON images(owner_kind, owner_id, position);

CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, excerpt, content='articles', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
-- New articles are indexed by the writer, one statement per batch (see
-- ``index_new_articles``): FTS5 flushes its pending terms at every statement savepoint, so
-- a per-row AFTER INSERT trigger wrote one tiny segment per article and took 7 of the 17 s
-- of a 100k-file load.
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
    *added_columns(FILES, "size", "mtime_ns"),
    *added_columns(ARTICLES, "base_slug"),
]

# Run after ADDED_COLUMNS, as it indexes columns that older databases only have from then.
MIGRATED_DDL = """
UPDATE articles SET base_slug = slug WHERE base_slug IS NULL;
CREATE INDEX IF NOT EXISTS articles_base_slug ON articles(base_slug);
"""
