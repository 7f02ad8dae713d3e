"""The peer: datasette-graphql serving the same data, from its own virtual environment.

datasette-graphql pins its own graphql-core and graphene, so it lives in
``bench/.venv-peer`` (created on demand with ``pip install datasette-graphql``; uvloop and
httptools are added so that both servers use the same event loop and HTTP parser), never
in the project's ``.venv``.

It serves a *simplified copy* of the gql database (``build_peer_db``): the same normalized
tables with foreign keys (providers, topics, articles, article_topics, related_links), minus
the FTS index, triggers and bookkeeping tables, and with one denormalized column:
``article_topics.published_at``. datasette sorts a table only by its own columns, so without
it a topic's newest articles cannot be asked for in one request. article_topics also gets a
rowid (gql's is ``WITHOUT ROWID``) so that datasette can page through it.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.servers import HOST, Server, free_port, running

PEER_VENV = Path(__file__).resolve().parent / ".venv-peer"
PEER_PACKAGES = ("datasette-graphql", "uvloop", "httptools")

PEER_DDL = """
CREATE TABLE providers (
    id INTEGER PRIMARY KEY,
    domain TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE TABLE topics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL
);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    slug TEXT NOT NULL,
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
    body TEXT,
    provider_id INTEGER REFERENCES providers(id)
);
CREATE TABLE article_topics (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    topic_id INTEGER NOT NULL REFERENCES topics(id),
    position INTEGER NOT NULL,
    published_at TEXT
);
CREATE TABLE related_links (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    position INTEGER NOT NULL,
    url TEXT NOT NULL,
    title TEXT,
    excerpt TEXT,
    published_at TEXT,
    provider_id INTEGER REFERENCES providers(id),
    target_article_id INTEGER REFERENCES articles(id)
);
"""

PEER_COPY = """
INSERT INTO providers SELECT id, domain, name FROM src.providers;
INSERT INTO topics SELECT id, name, slug FROM src.topics;
INSERT INTO articles SELECT id, url, slug, title, excerpt, category, type, published_at,
    original_url, amp_url, cdn_amp_url, quality, heat, published, secured, body, provider_id
    FROM src.articles;
INSERT INTO article_topics(article_id, topic_id, position, published_at)
    SELECT x.article_id, x.topic_id, x.position, a.published_at
    FROM src.article_topics x JOIN src.articles a ON a.id = x.article_id
    ORDER BY x.article_id, x.position;
INSERT INTO related_links SELECT id, article_id, position, url, title, excerpt, published_at,
    provider_id, target_article_id FROM src.related_links;
CREATE INDEX articles_published_at ON articles(published_at);
CREATE INDEX article_topics_article ON article_topics(article_id, position);
CREATE INDEX article_topics_topic ON article_topics(topic_id, published_at);
CREATE INDEX related_links_article ON related_links(article_id, position);
CREATE INDEX related_links_target ON related_links(target_article_id);
CREATE INDEX topics_slug ON topics(slug);
"""


def build_peer_db(source: Path, target: Path) -> Path:
    """Write the simplified copy of the gql database ``source`` to ``target``."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(target)
    try:
        conn.executescript(PEER_DDL)
        conn.execute("ATTACH DATABASE ? AS src", (f"file:{source}?mode=ro",))
        conn.executescript(f"BEGIN; {PEER_COPY} COMMIT;")
        conn.execute("DETACH DATABASE src")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return target


def peer_python() -> Path:
    return PEER_VENV / "bin" / "python"


def ensure_peer_venv() -> Path:
    """Create ``bench/.venv-peer`` with datasette-graphql if it is not there yet."""
    datasette = PEER_VENV / "bin" / "datasette"
    if datasette.exists():
        return datasette
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [str(peer_python()), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True
    )
    return datasette


def peer_versions() -> dict[str, str]:
    """Versions of the peer's packages, for the report."""
    code = (
        "import importlib.metadata as m, json;"
        "print(json.dumps({p: m.version(p) for p in"
        " ('datasette', 'datasette-graphql', 'graphene', 'graphql-core', 'uvicorn')}))"
    )
    completed = subprocess.run(
        [str(peer_python()), "-c", code], capture_output=True, text=True, check=True
    )
    versions: dict[str, str] = json.loads(completed.stdout)
    return versions


@contextmanager
def datasette_server(db_path: Path, *, log_path: Path) -> Iterator[Server]:
    """``datasette serve -i DB`` (immutable, as for a published database) with the plugin.

    The SQL time limit is raised from 1 s to 10 s, and the plugin's own limits likewise, so
    that a slow request under load is measured rather than turned into an error.
    """
    datasette = ensure_peer_venv()
    port = free_port()
    # datasette-graphql stops a whole GraphQL request after 1 s and 100 SQL queries by
    # default; under 32 concurrent requests a front page takes longer than that, and we
    # want its throughput, not its errors.
    metadata = log_path.with_suffix(".metadata.json")
    plugin = {"time_limit_ms": 120_000, "num_queries_limit": 10_000}
    metadata.write_text(json.dumps({"plugins": {"datasette-graphql": plugin}}))
    command = [str(datasette), "serve", "-i", str(db_path), "--host", HOST, "--port", str(port)]
    command += ["--setting", "sql_time_limit_ms", "10000", "--metadata", str(metadata)]
    with running(
        "datasette-graphql",
        command,
        port=port,
        path="/graphql",
        ready_path="/-/versions.json",
        log_path=log_path,
        startups=1,
    ) as server:
        yield server
