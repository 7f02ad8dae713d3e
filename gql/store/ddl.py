"""The database schema: tables, indexes, the FTS5 index and the triggers that feed it.

The entity tables are created from their declarations in ``columns`` (the one place that
spells their columns); the rest is written out here. Timestamps are stored as
``YYYY-MM-DDTHH:MM:SSZ`` (UTC) so that text order is time order; JSON columns hold the
keys that have no typed column, verbatim (see ``encoding``).
"""

from __future__ import annotations

import sqlite3

from gql.store.columns import (
    ARTICLE_CHANGES,
    ARTICLE_TOPICS,
    ARTICLES,
    DATA_VERSIONS,
    FILES,
    IMAGES,
    PROVIDERS,
    RELATED_LINKS,
    TOPICS,
    added_columns,
)

SCHEMA_VERSION = 8
"""5: the full-text index holds the first ``INDEXED_CHARS`` characters of each field.
6: the change log (``data_versions``, ``article_changes``): what each load changed.
7: ``SEARCH_COLUMNS_INDEX``, the narrow columns a search filters, sorts and groups by."""

INDEXED_CHARS = 1000
"""Characters of an article's title and of its excerpt that the full-text index holds;
the row keeps the whole text. FTS5's ``snippet()`` runs inside one step of SQLite's
virtual machine, where no time limit can stop it, and its work grows with the square of
the matches in a row: over a 40,000-token title it took 11.7 s, over a 1 MB title
minutes. Real titles are under 200 characters and excerpts under 400 (the sample's
longest are 150 and 378), so their index, ranks and snippets are the whole text's; a
field past the bound is found by the words of its first 1,000 characters only, and
counts as 1,000 characters in BM25's average document length, so one huge title does not
reorder the other articles: on the 10k-article corpus, one 1.2 MB title uncapped changed
the order of 27% of the matches of ``data`` and 94% of ``microsoft OR google``; capped,
of none."""

SEARCH_COLUMNS_INDEX = "articles_search_columns"
"""An index of the articles' narrow columns by id: what a search reads of each match to
test its filter, sort its page and group its facets. An article row is ~1.4 kB (one to
three to a page), so reading those columns from the table for each of 24,000 matches
reads as many scattered pages; this index holds ~100 entries a page (3.8 MB at 100k
articles). Searches name it with ``INDEXED BY`` (SQLite prefers the rowid lookup) and do
without it on a database built before it (``gql.store.search``)."""
SEARCH_COLUMNS = ("id", "published_at", "provider_id", "published", "quality", "heat")
_SEARCH_COLUMN_LIST = ", ".join(SEARCH_COLUMNS)

# External content from a view of the fields' first INDEXED_CHARS characters: what the
# index holds, what ``snippet()`` reads back, and what the triggers remove are the same
# text. New articles are indexed by the writer, one statement per batch (see
# ``index_new_articles``): FTS5 flushes its pending terms at every statement savepoint, so
# a per-row AFTER INSERT trigger wrote one tiny segment per article and took 7 of the 17 s
# of a 100k-file load.
_HEAD = "substr({row}.title, 1, {n}), substr({row}.excerpt, 1, {n})"
FULL_TEXT_DDL = f"""
CREATE VIEW IF NOT EXISTS articles_fts_text AS
    SELECT id, substr(title, 1, {INDEXED_CHARS}) AS title,
        substr(excerpt, 1, {INDEXED_CHARS}) AS excerpt
    FROM articles;
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, excerpt, content='articles_fts_text', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
DROP TRIGGER IF EXISTS articles_fts_insert;
CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, excerpt)
    VALUES ('delete', old.id, {_HEAD.format(row="old", n=INDEXED_CHARS)});
END;
CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, excerpt ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, excerpt)
    VALUES ('delete', old.id, {_HEAD.format(row="old", n=INDEXED_CHARS)});
    INSERT INTO articles_fts(rowid, title, excerpt)
    VALUES (new.id, {_HEAD.format(row="new", n=INDEXED_CHARS)});
END;
"""

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
CREATE INDEX IF NOT EXISTS {SEARCH_COLUMNS_INDEX} ON articles({_SEARCH_COLUMN_LIST});

{ARTICLE_TOPICS.create_sql}
CREATE INDEX IF NOT EXISTS article_topics_topic ON article_topics(topic_id, article_id);

{RELATED_LINKS.create_sql}
CREATE INDEX IF NOT EXISTS related_links_url ON related_links(url);
CREATE INDEX IF NOT EXISTS related_links_target ON related_links(target_article_id, article_id);
CREATE INDEX IF NOT EXISTS related_links_provider ON related_links(provider_id);

{IMAGES.create_sql}
CREATE INDEX IF NOT EXISTS images_owner ON images(owner_kind, owner_id, position);

{FULL_TEXT_DDL}
-- The change log: each load that changed something, and the articles it changed.
{DATA_VERSIONS.create_sql}
{ARTICLE_CHANGES.create_sql}
"""

# Columns added after a table was first released: (table, column, declaration).
ADDED_COLUMNS = [
    *added_columns(FILES, "size", "mtime_ns"),
    *added_columns(ARTICLES, "base_slug"),
    *added_columns(ARTICLE_TOPICS, "published_at"),
]

# Run once when the column is added to an older database: its values for rows already there.
BACKFILLS = {
    ("article_topics", "published_at"): (
        "UPDATE article_topics SET published_at ="
        " (SELECT a.published_at FROM articles a WHERE a.id = article_topics.article_id)"
    ),
}

# Run after ADDED_COLUMNS, as it indexes columns that older databases only have from then.
MIGRATED_DDL = """
UPDATE articles SET base_slug = slug WHERE base_slug IS NULL;
CREATE INDEX IF NOT EXISTS articles_base_slug ON articles(base_slug);
CREATE INDEX IF NOT EXISTS article_topics_published
    ON article_topics(topic_id, published_at, article_id);
"""


def upgrade_full_text_index(conn: sqlite3.Connection) -> None:
    """Rebuild the full-text index when it was built with another ``INDEXED_CHARS`` (or,
    before schema 5, over whole fields), in one transaction; otherwise do nothing."""
    key = "full_text_indexed_chars"
    found = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    if found == (str(INDEXED_CHARS),):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DROP TRIGGER IF EXISTS articles_fts_delete")
        conn.execute("DROP TRIGGER IF EXISTS articles_fts_update")
        conn.execute("DROP TABLE IF EXISTS articles_fts")
        conn.execute("DROP VIEW IF EXISTS articles_fts_text")
        for statement in _statements(FULL_TEXT_DDL):
            conn.execute(statement)
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, str(INDEXED_CHARS)),
        )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _statements(script: str) -> list[str]:
    """The statements of a script, each whole (a trigger's body holds semicolons)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return statements
