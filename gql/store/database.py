"""The Store: owns every SQLite connection and issues every SQL statement of the server.

Reads go through a small pool of read-only aiosqlite connections, each read with a time
limit (small lookups by key run on one more read-only connection, on the event loop);
writes go through one serialized write connection in its own thread (the shape of
datasette's ``Database``). Every statement passes through ``execute`` or the write
thread, so counting, timing and limiting have one home (see ``QueryLog``), and so has
stopping: a read ends at its own time limit or at its request's deadline
(``request_deadline``), whichever comes first, and a read whose caller was cancelled is
interrupted rather than left running in its thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from gql.errors import (
    DatabaseDamaged,
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseUnavailable,
    InvalidText,
    QueryTimeout,
    RequestTimeout,
    StatementFailed,
    StoreClosed,
    StoreError,
)
from gql.store.access import damage_of, read_immutable, reader_uri
from gql.store.connections import (
    WRITE_LOCK_TIMEOUT_MS,
    base64url,
    connect_writer,
    fold,
    missing_columns,
)
from gql.store.deadlines import CURRENT_DEADLINE, CURRENT_LOG, StatementDeadline
from gql.store.dialect import SQLITE, Dialect

T = TypeVar("T")
Row = tuple[Any, ...]

# Progress-handler granularity: SQLite calls back every N virtual-machine instructions;
# 1000 costs nothing measurable and reacts to a deadline within well under a millisecond.
_PROGRESS_STEPS = 1000
# A statement run inline blocks the event loop, so it gets this long there before it is
# run again on the pool: 50 times what an indexed lookup of 200 keys takes warm.
INLINE_TIME_LIMIT_MS = 50
_DATA_VERSION_SQL = "SELECT value FROM meta WHERE key = 'data_version'"


class Store:
    """An open corpus database. Build it with ``await Store.open(path)``; ``close()`` it.

    ``dialect`` says how the read and write modules spell the few statements that differ
    between backends; ``gql.store.postgres.PostgresStore`` is the other backend."""

    dialect: Dialect = SQLITE

    def __init__(
        self,
        path: Path,
        *,
        read_connections: int,
        time_limit_ms: int,
        read_only: bool,
        write_lock_timeout_ms: int = WRITE_LOCK_TIMEOUT_MS,
        immutable: bool = False,
    ) -> None:
        if read_connections < 1:
            raise StoreError(f"read_connections must be at least 1, got {read_connections}")
        assert read_only or not immutable, "an immutable database is opened read-only"
        self.path = path
        self.name = str(path)
        """The database as messages name it (a PostgreSQL store's URL, without password)."""
        self.read_only = read_only
        self.immutable = immutable  # read with no locks and no -wal/-shm (``access``)
        self.damage: DatabaseDamaged | None = None  # the first damage any read met
        self.time_limit_ms = time_limit_ms
        self.write_lock_timeout_ms = write_lock_timeout_ms
        self._read_connections = read_connections
        self._pool: asyncio.Queue[tuple[aiosqlite.Connection, StatementDeadline]] = asyncio.Queue()
        self._readers: list[aiosqlite.Connection] = []
        self._inline: tuple[sqlite3.Connection, StatementDeadline] | None = None
        self._write_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gql-write")
        self._write_conn: sqlite3.Connection | None = None
        self._releasing: set[asyncio.Task[None]] = set()
        self._closed = False
        self.seen_data_version: int | None = None
        """The data version this store read last (``data_version``): a version the data
        had at some moment before now."""

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        read_connections: int = 3,
        time_limit_ms: int = 2000,
        read_only: bool = False,
        write_lock_timeout_ms: int = WRITE_LOCK_TIMEOUT_MS,
        immutable: bool = False,
    ) -> Store:
        """Open the database at ``path``: created if needed, or ``read_only`` (what a server
        needs: it never writes, so the file may be a published, read-only artifact), and
        ``immutable`` when asked or when only that can read it (``gql.store.access``).
        Writes wait up to ``write_lock_timeout_ms`` for another writer (``DatabaseLocked``)."""
        path = Path(path)
        if read_only and not path.is_file():
            raise DatabaseUnavailable(path, "no such file")
        immutable = read_only and read_immutable(path, asked=immutable)
        store = cls(
            path,
            read_connections=read_connections,
            time_limit_ms=time_limit_ms,
            read_only=read_only,
            write_lock_timeout_ms=write_lock_timeout_ms,
            immutable=immutable,
        )
        uri = reader_uri(path, immutable=immutable)
        try:
            if not read_only:
                await store.execute_write_fn(lambda conn: None)
            for _ in range(read_connections):
                reader = await aiosqlite.connect(uri, uri=True)
                deadline = StatementDeadline()
                await reader.set_progress_handler(deadline.expired, _PROGRESS_STEPS)
                await reader.create_function("gql_fold", 1, fold, deterministic=True)
                await reader.create_function("gql_base64url", 1, base64url, deterministic=True)
                store._readers.append(reader)
                store._pool.put_nowait((reader, deadline))
            inline = sqlite3.connect(uri, uri=True, check_same_thread=False)
            deadline = StatementDeadline()
            store._inline = (inline, deadline)  # from here on close() closes it
            inline.set_progress_handler(deadline.expired, _PROGRESS_STEPS)
            inline.create_function("gql_fold", 1, fold, deterministic=True)  # type: ignore[arg-type]
            inline.create_function("gql_base64url", 1, base64url, deterministic=True)  # type: ignore[arg-type]
            await store.execute("SELECT count(*) FROM meta")
            await store.execute("SELECT count(*) FROM meta", inline=True)
            if missing := missing_columns(inline):
                raise DatabaseUnavailable(
                    store.path,
                    f"built by an older gql (no {', '.join(missing)}): run `gql load` on it,"
                    " which brings it to this version's schema",
                )
        except (DatabaseLocked, DatabaseDamaged, DatabaseUnavailable):
            await store.close()
            raise
        except (sqlite3.Error, OSError, StoreError) as exc:
            await store.close()
            # A failed statement says what SQLite said (its problem), once.
            problem = exc.problem if isinstance(exc, StatementFailed) else str(exc)
            raise DatabaseUnavailable(store.path, problem) from exc
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
            raise StoreClosed(self.path)
        if self.read_only:
            raise DatabaseReadOnly(self.path)

        def run() -> T:
            # The write thread must survive a failing task: a failed connect is reported to
            # the caller and retried on the next write, never left half-open.
            try:
                if self._write_conn is None:
                    self._write_conn = connect_writer(
                        self.path, lock_timeout_ms=self.write_lock_timeout_ms
                    )
                return fn(self._write_conn)
            except sqlite3.Error as exc:
                # Another writer past the wait, or a corrupt or read-only file: a typed
                # error with one clear line, not a traceback from deep in a load.
                if getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY:
                    raise DatabaseLocked(self.path, self.write_lock_timeout_ms) from exc
                damage = (
                    damage_of(exc, self.path) if isinstance(exc, sqlite3.DatabaseError) else None
                )
                if damage is not None:
                    raise damage from exc
                raise StatementFailed(self.path, "write", str(exc)) from exc

        return await asyncio.get_running_loop().run_in_executor(self._write_executor, run)

    async def data_version(self) -> int:
        """The number of loads that changed the data, remembered as ``seen_data_version``.

        Read two or three times per request (HTTP caching, and the view's check that a
        request did not straddle a load), so it skips what ``execute`` does for a
        request's own reads: one row by its key, on the event loop, neither timed nor
        logged (it is not the request's work, and cannot run long).
        """
        if self._closed or self._inline is None:
            raise StoreClosed(self.path)
        try:
            row = self._inline[0].execute(_DATA_VERSION_SQL).fetchone()
        except sqlite3.DatabaseError as exc:
            damage = damage_of(exc, self.path)
            if damage is None:
                raise StatementFailed(self.path, "read", str(exc)) from exc
            self.damage = self.damage or damage
            raise damage from exc
        version = int(row[0]) if row else 0
        self.seen_data_version = version
        return version

    async def run_on_writer(self, call: Callable[[], T]) -> T:
        """Run ``call()`` on the write thread, after any earlier writes: for objects that
        hold the write connection themselves (a load's ``LoadSession``), so that callers
        above the store never handle a connection."""
        return await self.execute_write_fn(lambda conn: call())

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
            raise StoreClosed(self.path)
        if inline and self._inline is not None:
            conn, deadline = self._inline
            limit_ms = min(self.time_limit_ms, INLINE_TIME_LIMIT_MS)
            try:
                with self._reading(sql, deadline, limit_ms):
                    return conn.execute(sql, params).fetchall()
            except QueryTimeout as exc:
                if limit_ms == self.time_limit_ms or isinstance(exc, RequestTimeout):
                    raise
                # Too slow to hold up the event loop (a cold page cache, say): run it
                # again on the pool, with the full time limit.
        reader, deadline = await self._pool.get()
        idle = True
        try:
            with self._reading(sql, deadline):
                rows = await reader.execute_fetchall(sql, params)
        except asyncio.CancelledError:
            # The statement goes on in the connection's thread (aiosqlite cannot take it
            # back): stop it there, and lend the connection out again once it is idle.
            idle = False
            self._release_when_idle(reader, deadline)
            raise
        finally:
            if idle:
                self._pool.put_nowait((reader, deadline))
        return cast(list[Row], rows)

    def execute_here(
        self, sql: str, params: Sequence[Any] | dict[str, Any], limit_ms: int
    ) -> list[Row] | None:
        """Run one read statement on the event loop's own connection, if it finishes within
        ``limit_ms``; None when it does not (stopped there, and not counted as a statement
        of the request: run it with ``execute``). For a statement seen to be cheap, which a
        hop to a pooled connection's thread and back would cost more than it does."""
        if self._closed:
            raise StoreClosed(self.path)
        if self._inline is None:
            return None
        conn, deadline = self._inline
        try:
            with self._reading(sql, deadline, min(self.time_limit_ms, limit_ms), stoppable=True):
                return conn.execute(sql, params).fetchall()
        except QueryTimeout as exc:
            if isinstance(exc, RequestTimeout):
                raise
            return None

    def _release_when_idle(self, reader: aiosqlite.Connection, deadline: StatementDeadline) -> None:
        """Interrupt what ``reader`` runs now; put it back in the pool once it is idle."""
        deadline.at = float("-inf")  # the progress handler stops the statement

        async def release() -> None:
            try:
                # Queued behind the interrupted statement, so done once the connection
                # is idle; too short to reach a progress callback, so not interrupted.
                await reader.execute_fetchall("SELECT 1")
            except (sqlite3.Error, ValueError):
                pass  # closed meanwhile (the server is shutting down)
            finally:
                deadline.at = float("inf")
                if not self._closed:
                    self._pool.put_nowait((reader, deadline))

        task = asyncio.get_running_loop().create_task(release())
        self._releasing.add(task)  # the loop keeps only a weak reference to tasks
        task.add_done_callback(self._releasing.discard)

    @contextmanager
    def _reading(
        self,
        sql: str,
        deadline: StatementDeadline,
        limit_ms: int | None = None,
        *,
        stoppable: bool = False,
    ) -> Iterator[None]:
        """Time limits, error mapping and accounting of one read statement (``stoppable``:
        an attempt that, stopped by its time limit, is not counted)."""
        limit_ms = self.time_limit_ms if limit_ms is None else limit_ms
        counted = True
        request = CURRENT_DEADLINE.get()
        if request is not None and request.expired():
            raise RequestTimeout(request.limit_ms)
        started = time.perf_counter()
        try:
            deadline.at = time.monotonic() + limit_ms / 1000
            if request is not None:
                deadline.at = min(deadline.at, request.at)
                request.reading.add(deadline)
            yield
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                if request is not None and request.expired():
                    raise RequestTimeout(request.limit_ms) from exc
                counted = not stoppable
                raise QueryTimeout(limit_ms) from exc
            raise StatementFailed(self.path, "read", str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            damage = damage_of(exc, self.path)
            if damage is None:
                raise
            self.damage = self.damage or damage
            raise damage from exc
        except UnicodeEncodeError as exc:
            # A parameter SQLite cannot take as UTF-8: a client's string with a lone
            # surrogate (GraphQL string escapes allow "\ud800").
            raise InvalidText(exc.object, exc.start) from exc
        finally:
            deadline.at = float("inf")
            if request is not None:
                request.reading.discard(deadline)
            log = CURRENT_LOG.get()
            if log is not None and counted:
                log.statements += 1
                log.ms += (time.perf_counter() - started) * 1000
                log.sql.append(sql)
