"""The Store: owns every SQLite connection and issues every SQL statement of the server.

Reads go through a small pool of read-only aiosqlite connections, each read with a time
limit (small lookups by key run on one more read-only connection, on the event loop);
writes go through one serialized write connection in its own thread (the shape of
datasette's ``Database``). Every statement passes through ``execute`` or the write
thread, so counting, timing and limiting have one home (see ``QueryLog``).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from gql.errors import DatabaseDamaged, InvalidText, QueryTimeout, StoreError
from gql.store.access import check_immutable, must_open_immutable, reader_uri
from gql.store.ddl import (
    ADDED_COLUMNS,
    DDL,
    MIGRATED_DDL,
    SCHEMA_VERSION,
    upgrade_full_text_index,
)

T = TypeVar("T")
Row = tuple[Any, ...]
logger = logging.getLogger("gql.store")
# SQLite's primary result codes of a file that is not a database or has damaged pages.
_DAMAGED_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)

# Progress-handler granularity: SQLite calls back every N virtual-machine instructions;
# 1000 costs nothing measurable and reacts to a deadline within well under a millisecond.
_PROGRESS_STEPS = 1000
# A statement run inline blocks the event loop, so it gets this long there before it is
# run again on the pool: 50 times what an indexed lookup of 200 keys takes warm.
INLINE_TIME_LIMIT_MS = 50


@dataclass
class QueryLog:
    """Statements issued while the log is active (one request, or one test)."""

    statements: int = 0
    ms: float = 0.0
    sql: list[str] = field(default_factory=list)


_current_log: ContextVar[QueryLog | None] = ContextVar("gql_query_log", default=None)


@contextmanager
def recording_queries() -> Iterator[QueryLog]:
    """Count and time every read statement issued in this context (and tasks it starts)."""
    log = QueryLog()
    token = _current_log.set(log)
    try:
        yield log
    finally:
        _current_log.reset(token)


def _fold(value: object) -> object:
    """SQL ``gql_fold(x)``: Unicode case folding, for case-insensitive text filters."""
    return value.casefold() if isinstance(value, str) else value


class _Deadline:
    """A read connection's current deadline, checked by SQLite's progress handler."""

    def __init__(self) -> None:
        self.at = float("inf")

    def expired(self) -> int:
        return 1 if time.monotonic() > self.at else 0


def connect_writer(path: Path) -> sqlite3.Connection:
    """Open the write connection: WAL journal, foreign keys on, schema created if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.executescript(DDL)
    for table, column, declaration in ADDED_COLUMNS:
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    conn.executescript(MIGRATED_DDL)
    upgrade_full_text_index(conn)
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('schema_version', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (str(SCHEMA_VERSION),),
    )
    return conn


class Store:
    """An open corpus database. Build it with ``await Store.open(path)``; ``close()`` it."""

    def __init__(
        self,
        path: Path,
        *,
        read_connections: int,
        time_limit_ms: int,
        read_only: bool,
        immutable: bool = False,
    ) -> None:
        if read_connections < 1:
            raise StoreError(f"read_connections must be at least 1, got {read_connections}")
        assert read_only or not immutable, "an immutable database is opened read-only"
        self.path = path
        self.read_only = read_only
        self.immutable = immutable
        """Read with SQLite's ``immutable=1``: no locks, no ``-wal``/``-shm`` (``access``)."""
        self.damage: DatabaseDamaged | None = None
        """The first sign of a damaged file any read met (then health checks fail)."""
        self.time_limit_ms = time_limit_ms
        self._read_connections = read_connections
        self._pool: asyncio.Queue[tuple[aiosqlite.Connection, _Deadline]] = asyncio.Queue()
        self._readers: list[aiosqlite.Connection] = []
        self._inline: tuple[sqlite3.Connection, _Deadline] | None = None
        self._write_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gql-write")
        self._write_conn: sqlite3.Connection | None = None
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        read_connections: int = 3,
        time_limit_ms: int = 2000,
        read_only: bool = False,
        immutable: bool = False,
    ) -> Store:
        """Open the database at ``path``: created if needed, or ``read_only`` (what a server
        needs: it never writes, so the file may be a published, read-only artifact), and
        ``immutable`` when asked or when only that can read it (see ``gql.store.access``)."""
        path = Path(path)
        if read_only and not path.is_file():
            raise StoreError(f"cannot open database {path}: no such file")
        if read_only and not immutable and must_open_immutable(path):
            logger.warning(
                "opening %s immutable: its folder cannot be written, so SQLite cannot share"
                " its -shm file; it must not change while it is served",
                path,
            )
            immutable = True
        if immutable:
            check_immutable(path)
        store = cls(
            path,
            read_connections=read_connections,
            time_limit_ms=time_limit_ms,
            read_only=read_only,
            immutable=immutable,
        )
        uri = reader_uri(path, immutable=immutable)
        try:
            if not read_only:
                await store.execute_write_fn(lambda conn: None)
            for _ in range(read_connections):
                reader = await aiosqlite.connect(uri, uri=True)
                deadline = _Deadline()
                await reader.set_progress_handler(deadline.expired, _PROGRESS_STEPS)
                await reader.create_function("gql_fold", 1, _fold, deterministic=True)
                store._readers.append(reader)
                store._pool.put_nowait((reader, deadline))
            inline = sqlite3.connect(uri, uri=True, check_same_thread=False)
            deadline = _Deadline()
            store._inline = (inline, deadline)  # from here on close() closes it
            inline.set_progress_handler(deadline.expired, _PROGRESS_STEPS)
            inline.create_function("gql_fold", 1, _fold, deterministic=True)  # type: ignore[arg-type]
            await store.execute("SELECT count(*) FROM meta")
            await store.execute("SELECT count(*) FROM meta", inline=True)
        except DatabaseDamaged:
            await store.close()
            raise
        except (sqlite3.Error, OSError, StoreError) as exc:
            await store.close()
            raise StoreError(f"cannot open database {store.path}: {exc}") from exc
        return store

    async def close(self) -> None:
        """Close every connection; calling it twice is harmless."""
        if self._closed:
            return
        self._closed = True
        for reader in self._readers:
            await reader.close()
        self._readers.clear()
        if self._inline is not None:
            self._inline[0].close()
            self._inline = None

        def close_writer() -> None:
            if self._write_conn is not None:
                self._write_conn.close()
                self._write_conn = None

        await asyncio.get_running_loop().run_in_executor(self._write_executor, close_writer)
        self._write_executor.shutdown(wait=True)

    async def execute_write_fn(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` on the single write connection, after any earlier writes."""
        if self._closed:
            raise StoreError("the store is closed")
        if self.read_only:
            raise StoreError(f"database {self.path} is open read-only")

        def run() -> T:
            # The write thread must survive a failing task: a failed connect is reported to
            # the caller and retried on the next write, never left half-open.
            if self._write_conn is None:
                self._write_conn = connect_writer(self.path)
            return fn(self._write_conn)

        return await asyncio.get_running_loop().run_in_executor(self._write_executor, run)

    async def execute(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = (), *, inline: bool = False
    ) -> list[Row]:
        """Run one read statement; all rows, within the time limit.

        ``inline`` runs it on the calling (event-loop) thread, for statements whose cost is
        bounded and small, such as lookups of a few keys by index: a hop to a pooled
        connection's thread and back costs more than they do. Anything else runs on a
        pooled connection in its own thread, so that a long statement never holds up the
        event loop.
        """
        if self._closed:
            raise StoreError("the store is closed")
        if inline and self._inline is not None:
            conn, deadline = self._inline
            limit_ms = min(self.time_limit_ms, INLINE_TIME_LIMIT_MS)
            try:
                with self._reading(sql, deadline, limit_ms):
                    return conn.execute(sql, params).fetchall()
            except QueryTimeout:
                if limit_ms == self.time_limit_ms:
                    raise
                # Too slow to hold up the event loop (a cold page cache, say): run it
                # again on the pool, with the full time limit.
        reader, deadline = await self._pool.get()
        try:
            with self._reading(sql, deadline):
                rows = await reader.execute_fetchall(sql, params)
        finally:
            self._pool.put_nowait((reader, deadline))
        return cast(list[Row], rows)

    @contextmanager
    def _reading(
        self, sql: str, deadline: _Deadline, limit_ms: int | None = None
    ) -> Iterator[None]:
        """Time limit, error mapping and accounting of one read statement."""
        limit_ms = self.time_limit_ms if limit_ms is None else limit_ms
        started = time.perf_counter()
        try:
            deadline.at = time.monotonic() + limit_ms / 1000
            yield
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise QueryTimeout(limit_ms) from exc
            raise StoreError(f"read failed: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            # Errors sqlite3 raises itself (wrong bindings, say) carry no SQLite code.
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in _DAMAGED_CODES:
                raise
            damage = DatabaseDamaged(self.path, str(exc))
            self.damage = self.damage or damage
            raise damage from exc
        except UnicodeEncodeError as exc:
            # A parameter SQLite cannot take as UTF-8: a client's string with a lone
            # surrogate (GraphQL string escapes allow "\ud800").
            raise InvalidText(exc.object, exc.start) from exc
        finally:
            deadline.at = float("inf")
            log = _current_log.get()
            if log is not None:
                log.statements += 1
                log.ms += (time.perf_counter() - started) * 1000
                log.sql.append(sql)
