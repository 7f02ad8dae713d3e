-- The entity tables of schema version 4, as sqlite_master holds them in a database
-- built before the tables were declared in gql/store/columns.py. Changing one means
-- a new SCHEMA_VERSION and a migration, not an edit of this file alone.

CREATE TABLE article_topics (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, topic_id)
) WITHOUT ROWID;

CREATE TABLE articles (
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

CREATE TABLE files (
    path TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('article', 'topic', 'organization')),
    key TEXT NOT NULL,
    size INTEGER,
    mtime_ns INTEGER
);

CREATE TABLE images (
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

CREATE TABLE providers (
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

CREATE TABLE related_links (
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

CREATE TABLE topics (
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
