"""Settings: one frozen object with typed defaults, built once and passed down.

Environment variables are fallbacks only, read here and nowhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value and value.isdigit() else default


@dataclass(frozen=True)
class Settings:
    """How the server runs. Every field has a default that works for ``make serve``."""

    db_path: Path = field(default_factory=lambda: Path(os.environ.get("GQL_DB", "data/gql.db")))
    """The SQLite database file (created by ``gql load``)."""
    immutable: bool = field(default_factory=lambda: os.environ.get("GQL_IMMUTABLE") == "1")
    """Read the database with SQLite's ``immutable=1`` (no locks, no ``-wal``/``-shm``
    files): for a published file in a folder the server cannot write. It must not change
    while served. A read-only folder without a ``-shm`` file is opened so anyway."""
    read_connections: int = field(default_factory=lambda: _env_int("GQL_READ_CONNECTIONS", 3))
    """Read-only connections in the pool of each worker."""
    sql_time_limit_ms: int = field(default_factory=lambda: _env_int("GQL_SQL_TIME_LIMIT_MS", 2000))
    """A single read statement is interrupted after this long."""
    default_page_size: int = 20
    """``first`` when a client does not say."""
    max_page_size: int = 100
    """The largest ``first`` a client may ask for; larger is an error, not a clamp."""
    explain: bool = field(default_factory=lambda: os.environ.get("GQL_EXPLAIN") == "1")
    """Add ``extensions.sql = {statements, ms}`` to every response."""
    graphiql: bool = field(default_factory=lambda: os.environ.get("GQL_GRAPHIQL") != "0")
    """Serve GraphiQL to browsers on ``GET /graphql``."""
    introspection: bool = field(default_factory=lambda: os.environ.get("GQL_INTROSPECTION") != "0")
    """Answer ``__schema`` and ``__type`` (tools and GraphiQL need them; off, they are
    validation errors and ``__typename`` alone works)."""
    max_request_bytes: int = field(
        default_factory=lambda: _env_int("GQL_MAX_REQUEST_BYTES", 1 << 20)
    )
    """The largest request body (and GET query string) accepted; larger is refused with
    413 (414) before it is read whole. Real documents with their variables are a few kB
    (100 article IDs in `nodes(ids:)` are ~15 kB); 1 MB leaves generated queries room while
    bounding what one request makes a worker receive and hold. It does not bound the
    parse on its own: graphql-core takes ~3 s for 1 MB of query text, which is what the
    token and depth limits of the schema are for."""
    document_cache_entries: int = 256
    """Distinct query documents each worker keeps parsed, validated and compiled."""
    response_cache_bytes: int = field(
        default_factory=lambda: _env_int("GQL_RESPONSE_CACHE_BYTES", 64 << 20)
    )
    """Bytes of answers the response cache of each worker keeps at most (the front page
    is ~18 kB); an answer over a sixteenth of it, or over 1 MB, is not kept."""
    response_cache_entries: int = field(
        default_factory=lambda: _env_int("GQL_RESPONSE_CACHE_ENTRIES", 1000)
    )
    """Identical requests answered from memory per worker until the next load (0: off;
    always off with ``explain``, whose figures are per request)."""
