"""Health reads: whether the database can be read now, through the same pool requests use.

A liveness read is the data version; a readiness read adds a sanity read of the articles
table (its count, and its first and last rows: the pages at both ends of its b-tree) and
fails when any read has met a damaged file since the store opened (``Store.damage``).
``PRAGMA quick_check`` would read every page, seconds on a large file: too slow for a
probe every few seconds, so damage elsewhere shows when a request reads it, and from
then on readiness fails. Both go through the read pool rather than the inline
connection, so that a pool whose connections are all stuck is what they report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gql.store.database import Store
from gql.store.opening import open_store


@dataclass(frozen=True)
class Readiness:
    """What a readiness read found."""

    data_version: int
    articles: int


async def read_data_version(store: Store) -> int:
    """The data version, read on a pooled connection (``lookups.data_version`` reads it
    inline, which works even when every pooled connection is stuck)."""
    rows = await store.execute("SELECT value FROM meta WHERE key = 'data_version'")
    return int(rows[0][0]) if rows else 0


async def read_readiness(store: Store) -> Readiness:
    """The data version and the article count, after a read of both ends of the
    articles table; raises ``DatabaseDamaged`` when a read met damage before."""
    if store.damage is not None:
        raise store.damage
    rows = await store.execute(
        "SELECT (SELECT value FROM meta WHERE key = 'data_version'),"
        " (SELECT count(*) FROM articles),"
        " (SELECT length(title) FROM articles ORDER BY id LIMIT 1),"
        " (SELECT length(title) FROM articles ORDER BY id DESC LIMIT 1)"
    )
    version, articles, _, _ = rows[0]
    return Readiness(data_version=int(version or 0), articles=int(articles))


async def check_database(path: Path | str, *, immutable: bool = False) -> Readiness:
    """Open ``path`` as a server would (read-only), read its readiness and close it:
    ``StoreError`` (``DatabaseDamaged`` for a damaged file) says why it cannot be served."""
    store = await open_store(path, read_connections=1, read_only=True, immutable=immutable)
    try:
        return await read_readiness(store)
    finally:
        await store.close()
