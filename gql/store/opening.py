"""Opening a store from ``--db``: a SQLite file's path, or a PostgreSQL URL.

Everything above the store opens it here (``open_store``) and never learns which backend
answers: both have ``Store``'s methods, and the read and write modules build their SQL
through the store's ``dialect``.
"""

from __future__ import annotations

from pathlib import Path

from gql.store.connections import WRITE_LOCK_TIMEOUT_MS
from gql.store.database import Store
from gql.store.postgres import PostgresStore, is_database_url, redacted


async def open_store(
    db: Path | str,
    *,
    read_connections: int = 3,
    time_limit_ms: int = 2000,
    read_only: bool = False,
    write_lock_timeout_ms: int = WRITE_LOCK_TIMEOUT_MS,
    immutable: bool = False,
) -> Store:
    """Open the database ``db`` as ``Store.open`` does: a ``postgresql://`` URL opens
    PostgreSQL (``immutable`` means nothing there), anything else a SQLite file."""
    opener = PostgresStore.open if is_database_url(db) else Store.open
    return await opener(
        db,
        read_connections=read_connections,
        time_limit_ms=time_limit_ms,
        read_only=read_only,
        write_lock_timeout_ms=write_lock_timeout_ms,
        immutable=immutable,
    )


def database_name(db: Path | str) -> str:
    """``db`` as messages name it: a URL without its password, or the path."""
    return redacted(str(db)) if is_database_url(db) else str(db)
