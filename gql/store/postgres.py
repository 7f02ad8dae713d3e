"""The PostgreSQL store: the same interface as SQLite's ``Store``, over psycopg 3.

Opened from a ``postgresql://`` URL (``open_store``). Reads go through an async pool of
autocommit connections; writes (a load) through one blocking connection in its own
thread, wrapped as ``PgWriteConnection`` so that the write modules use it as they use
SQLite's. Every statement is written once for both backends (``dialect``); this module
only translates placeholders, maps errors, and bounds time:

- every read connection has ``statement_timeout`` set to the store's time limit, so the
  server itself stops a statement that runs past it;
- a read of a request also stops at the request's deadline, or as soon as the request
  is cancelled (``RequestDeadline.cancel``): a cancel request is sent to the server for
  the connection (``cancel_safe``), which then fails the statement, reported as
  ``RequestTimeout``, as SQLite's progress handler does;
- a read whose caller is cancelled cancels its statement on the server too, rather than
  leaving it running on a pooled connection.

The write connection's transactions are a load's (``LoadSession``): ``BEGIN``, then a
transaction-level advisory lock that serialises loads (waiting at most the write lock
timeout, then ``DatabaseLocked``), then the load's statements, then ``COMMIT``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg_pool
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus

from gql.errors import (
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
from gql.store.connections import WRITE_LOCK_TIMEOUT_MS
from gql.store.database import Row, Store
from gql.store.deadlines import CURRENT_DEADLINE, CURRENT_LOG, StatementDeadline
from gql.store.dialect import POSTGRES
from gql.store.pg_schema import create_schema

T = TypeVar("T")
_DATA_VERSION_SQL = "SELECT value FROM meta WHERE key = 'data_version'"
URL_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(db: Path | str) -> bool:
    """Whether ``db`` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(db, str) and db.startswith(URL_SCHEMES)


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs (even a malformed one, which
    the connection then refuses with its own message)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _problem(exc: BaseException) -> str:
    """The first line of what PostgreSQL (or the driver) said."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _with_nul(params: Sequence[Any] | dict[str, Any]) -> str | None:
    """The first text parameter holding a NUL (which PostgreSQL's text cannot), if any."""
    values = params.values() if isinstance(params, dict) else params
    for value in values:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and "\0" in item:
                return item
    return None


class PgWriteConnection:
    """The write connection as the write modules use SQLite's: ``execute`` and
    ``executemany`` with ``?`` placeholders, ``commit``/``rollback``, ``in_transaction``."""

    dialect = POSTGRES

    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]]) -> None:
        self.raw = conn

    def execute(self, sql: str, parameters: Any = (), /) -> psycopg.Cursor[tuple[Any, ...]]:
        return self.raw.execute(POSTGRES.sql(sql), parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> psycopg.Cursor[Any]:
        cursor = self.raw.cursor()
        cursor.executemany(POSTGRES.sql(sql), list(parameters))
        return cursor

    def commit(self) -> None:
        self.raw.execute("COMMIT")

    def rollback(self) -> None:
        self.raw.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


class _Cancelling(StatementDeadline):
    """A read's entry in its request's ``reading`` set: when the request is cancelled
    (its deadline moved to minus infinity) the statement is cancelled on the server."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._at = float("inf")
        self.conn = conn
        self.cancelling: asyncio.Task[None] | None = None

    @property
    def at(self) -> float:
        return self._at

    @at.setter
    def at(self, value: float) -> None:
        self._at = value
        if value == float("-inf"):
            self.cancel()

    def cancel(self) -> None:
        if self.cancelling is None:
            self.cancelling = asyncio.get_running_loop().create_task(self.conn.cancel_safe())


class PostgresStore(Store):
    """An open PostgreSQL database; ``await PostgresStore.open(url)``, then ``close()``."""

    dialect = POSTGRES

    def execute_here(
        self, sql: str, params: Sequence[Any] | dict[str, Any], limit_ms: int
    ) -> list[Row] | None:
        """Never: every PostgreSQL statement is a round trip to the server."""
        return None

    def __init__(
        self,
        url: str,
        *,
        read_connections: int,
        time_limit_ms: int,
        read_only: bool,
        write_lock_timeout_ms: int = WRITE_LOCK_TIMEOUT_MS,
    ) -> None:
        if read_connections < 1:
            raise StoreError(f"read_connections must be at least 1, got {read_connections}")
        self.url = url
        self.name = redacted(url)
        self.path = Path(self.name)
        self.read_only = read_only
        self.immutable = False
        self.damage = None
        self.time_limit_ms = time_limit_ms
        self.write_lock_timeout_ms = write_lock_timeout_ms
        self.seen_data_version = None
        self._read_connections = read_connections
        self._pg_pool: psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]] | None = None
        self._write_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gql-write")
        self._pg_writer: PgWriteConnection | None = None
        self._closed = False

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
    ) -> PostgresStore:
        """Connect to the database at the URL ``path``: its schema created if needed (not
        when ``read_only``, what a server needs; ``immutable`` means nothing here)."""
        store = cls(
            str(path),
            read_connections=read_connections,
            time_limit_ms=time_limit_ms,
            read_only=read_only,
            write_lock_timeout_ms=write_lock_timeout_ms,
        )
        try:
            if not read_only:
                await store.execute_write_fn(lambda conn: None)
            pool: psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]]
            pool = psycopg_pool.AsyncConnectionPool(
                store.url,
                min_size=read_connections,
                max_size=read_connections,
                kwargs={"autocommit": True},
                configure=store._configure_reader,
                open=False,
                timeout=max(time_limit_ms / 1000, 1.0),
            )
            store._pg_pool = pool
            await pool.open(wait=True, timeout=10)
            await store.execute("SELECT count(*) FROM meta")
        except StoreError as exc:
            await store.close()
            if isinstance(exc, DatabaseLocked):
                raise
            problem = exc.problem if isinstance(exc, StatementFailed) else str(exc)
            raise DatabaseUnavailable(store.name, store.scrubbed(problem)) from exc
        except (psycopg.Error, psycopg_pool.PoolTimeout, OSError) as exc:
            await store.close()
            raise DatabaseUnavailable(store.name, store.scrubbed(_problem(exc))) from exc
        return store

    def scrubbed(self, problem: str) -> str:
        """``problem`` (what the driver said) with the URL's password hidden: libpq quotes
        a URL it cannot parse whole."""
        return problem.replace(self.url, self.name)

    async def _configure_reader(self, conn: psycopg.AsyncConnection[Any]) -> None:
        # The server stops any statement past the store's time limit on its own; and a
        # read connection cannot write, as SQLite's (``mode=ro``) cannot.
        await conn.execute(f"SET statement_timeout = {int(self.time_limit_ms)}")
        await conn.execute("SET default_transaction_read_only = on")

    async def close(self) -> None:
        """Close every connection; calling it twice is harmless."""
        if self._closed:
            return
        self._closed = True
        if self._pg_pool is not None:
            await self._pg_pool.close()

        def close_writer() -> None:
            if self._pg_writer is not None:
                self._pg_writer.close()
                self._pg_writer = None

        await asyncio.get_running_loop().run_in_executor(self._write_executor, close_writer)
        self._write_executor.shutdown(wait=True)

    def _connect_writer(self) -> PgWriteConnection:
        conn = psycopg.connect(self.url, autocommit=True)
        try:
            # A load waits this long for another load's lock (``LoadSession.begin``).
            conn.execute(f"SET lock_timeout = {int(self.write_lock_timeout_ms)}")
            create_schema(conn)
        except BaseException:
            conn.close()
            raise
        return PgWriteConnection(conn)

    async def execute_write_fn(self, fn: Callable[[Any], T]) -> T:
        """Run ``fn(conn)`` on the single write connection, after any earlier writes."""
        if self._closed:
            raise StoreClosed(self.name)
        if self.read_only:
            raise DatabaseReadOnly(self.name)

        def run() -> T:
            try:
                if self._pg_writer is None:
                    self._pg_writer = self._connect_writer()
                return fn(self._pg_writer)
            except pg_errors.LockNotAvailable as exc:
                raise DatabaseLocked(self.name, self.write_lock_timeout_ms) from exc
            except psycopg.OperationalError as exc:
                # The connection is gone (server restarted, network): the next write
                # connects again.
                if self._pg_writer is not None and self._pg_writer.raw.closed:
                    self._pg_writer = None
                raise StatementFailed(self.name, "write", self.scrubbed(_problem(exc))) from exc
            except psycopg.Error as exc:
                raise StatementFailed(self.name, "write", self.scrubbed(_problem(exc))) from exc

        return await asyncio.get_running_loop().run_in_executor(self._write_executor, run)

    async def data_version(self) -> int:
        """The data version, remembered as ``seen_data_version``; not logged, as on SQLite."""
        rows = await self._read(_DATA_VERSION_SQL, (), logged=False)
        version = int(rows[0][0]) if rows else 0
        self.seen_data_version = version
        return version

    async def execute(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = (), *, inline: bool = False
    ) -> list[Row]:
        """Run one read statement; all rows, within the time limit and the request's
        deadline. ``inline`` means nothing here: every read is a round trip."""
        return await self._read(sql, params, logged=True)

    async def _read(
        self, sql: str, params: Sequence[Any] | dict[str, Any], *, logged: bool
    ) -> list[Row]:
        if self._closed or self._pg_pool is None:
            raise StoreClosed(self.name)
        request = CURRENT_DEADLINE.get()
        if request is not None and request.expired():
            raise RequestTimeout(request.limit_ms)
        limit_ms = self.time_limit_ms
        wait_s = limit_ms / 1000
        if request is not None:
            wait_s = min(wait_s, max(request.at - time.monotonic(), 0.001))
        started = time.perf_counter()
        try:
            async with self._pg_pool.connection(timeout=wait_s) as conn:
                return await self._run(conn, POSTGRES.sql(sql), params)
        except psycopg_pool.PoolTimeout as exc:
            if request is not None and request.expired():
                raise RequestTimeout(request.limit_ms) from exc
            raise QueryTimeout(limit_ms) from exc
        except pg_errors.QueryCanceled as exc:
            if request is not None and request.expired():
                raise RequestTimeout(request.limit_ms) from exc
            raise QueryTimeout(limit_ms) from exc
        except UnicodeEncodeError as exc:
            # A client's string with a lone surrogate (GraphQL escapes allow "\\ud800").
            raise InvalidText(exc.object, exc.start) from exc
        except psycopg.DataError as exc:
            nul = _with_nul(params)
            if nul is not None:
                raise InvalidText(nul, nul.index("\0"), "NUL character") from exc
            raise StatementFailed(self.name, "read", self.scrubbed(_problem(exc))) from exc
        except psycopg.Error as exc:
            raise StatementFailed(self.name, "read", self.scrubbed(_problem(exc))) from exc
        finally:
            log = CURRENT_LOG.get() if logged else None
            if log is not None:
                log.statements += 1
                log.ms += (time.perf_counter() - started) * 1000
                log.sql.append(sql)

    async def _run(
        self,
        conn: psycopg.AsyncConnection[Any],
        sql: str,
        params: Sequence[Any] | dict[str, Any],
    ) -> list[Row]:
        request = CURRENT_DEADLINE.get()
        watch = _Cancelling(conn)
        timer: asyncio.TimerHandle | None = None
        if request is not None:
            request.reading.add(watch)
            timer = asyncio.get_running_loop().call_later(
                max(request.at - time.monotonic(), 0.0), watch.cancel
            )
        try:
            cursor = await conn.execute(sql, params)
            return cast(list[Row], await cursor.fetchall())
        except asyncio.CancelledError:
            # The caller gave up: stop the statement on the server too, so that the
            # connection goes back to the pool idle rather than busy.
            watch.cancel()
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if request is not None:
                request.reading.discard(watch)
            if watch.cancelling is not None:
                await asyncio.shield(watch.cancelling)
