"""How a SQLite store's connections are made: the write connection, with the schema
brought to this version (``ddl``: tables, added columns and their backfills, indexes), and
the SQL functions every read connection registers (``gql_fold``, ``gql_base64url``).
"""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

from gql.store.ddl import (
    ADDED_COLUMNS,
    BACKFILLS,
    DDL,
    MIGRATED_DDL,
    SCHEMA_VERSION,
    upgrade_full_text_index,
)

WRITE_LOCK_TIMEOUT_MS = 5000
"""How long the write connection waits for another writer (another ``gql load``) to
release the database before a write fails with ``DatabaseLocked``."""


def fold(value: object) -> object:
    """SQL ``gql_fold(x)``: Unicode case folding, for case-insensitive text filters."""
    return value.casefold() if isinstance(value, str) else value


def base64url(value: object) -> object:
    """SQL ``gql_base64url(x)``: the text's UTF-8 in unpadded base64url (``json_sql``)."""
    if not isinstance(value, str):
        return value
    return base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii").rstrip("=")


def missing_columns(conn: sqlite3.Connection) -> list[str]:
    """The columns of ``ADDED_COLUMNS`` the database lacks (``table.column``): one an older
    gql built and nothing has opened for writing since, which the reads of this one need."""
    missing = []
    for table, column, _ in ADDED_COLUMNS:
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if present and column not in present:
            missing.append(f"{table}.{column}")
    return missing


def connect_writer(
    path: Path, *, lock_timeout_ms: int = WRITE_LOCK_TIMEOUT_MS
) -> sqlite3.Connection:
    """Open the write connection: WAL journal, foreign keys on, schema created if missing;
    a write waits up to ``lock_timeout_ms`` for another writer to finish."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        _prepare_writer(conn, lock_timeout_ms)
    except BaseException:
        conn.close()
        raise
    return conn


def _prepare_writer(conn: sqlite3.Connection, lock_timeout_ms: int) -> None:
    # First: switching to WAL, and the schema's writes, wait for another writer too.
    conn.execute(f"PRAGMA busy_timeout = {int(lock_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(DDL)
    for table, column, declaration in ADDED_COLUMNS:
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            # One transaction: a column added without its backfill would stay empty (the
            # backfill runs only when the column is missing).
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
                if (table, column) in BACKFILLS:
                    conn.execute(BACKFILLS[(table, column)])
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
    conn.executescript(MIGRATED_DDL)
    upgrade_full_text_index(conn)
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('schema_version', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (str(SCHEMA_VERSION),),
    )
