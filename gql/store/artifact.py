"""The database file a server serves as a release artifact: re-opened when it is replaced.

A published database is read with SQLite's ``immutable=1`` (``gql.store.access``): no
locks, no ``-wal``/``-shm``, and so SQLite never notices that the file changed. A new
release is therefore published by writing the new file beside the old one and renaming
it over (``cp new.db srv/gql.db.new && mv srv/gql.db.new srv/gql.db``; a rename is
atomic): connections already open keep reading the old file (its inode lives on while
it is open), and a new open gets the new one. ``Artifact`` notices the rename: every
``check_interval_ms`` a task of its own stats the path (a few microseconds, and nothing
on a request's path), and when the file's inode, size or modification time changed it
opens the new file beside the old store, reads its readiness, and makes it current.
Requests lease the current store for their whole length (``lease``), so that each
answers from one file; the old store is closed when its last lease ends. A replacement
that cannot be opened (half copied, damaged, a ``-wal`` holding changes) is logged and
skipped: the old release keeps serving until a good file arrives.

A database SQLite reads with locks (WAL, in a writable folder) is changed in place by
``gql load`` and needs none of this; renaming another file over it while its ``-wal``
and ``-shm`` exist would mix the two, so only immutable stores are watched.

Each load that changes the data writes a random ``release_id`` into ``meta``
(``gql.store.write.session``); with the data version it is the data's identity
(``Release.tag``), which ETags and the response cache use: two artifacts built apart
may share a data version (both "1" after one load), never a release id.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from gql.errors import StoreError
from gql.store.database import Store
from gql.store.health import read_readiness
from gql.store.lookups import data_version
from gql.store.opening import open_store

logger = logging.getLogger("gql.store")

# How often a watched file is checked for a new release: a stat is a few microseconds,
# so twice a second costs nothing and switches well within a load balancer's checks.
DEFAULT_CHECK_INTERVAL_MS = 500


@dataclass(frozen=True)
class FileIdentity:
    """Which file a path names now: a rename gives another inode, a copy over it in place
    (which an immutable reader must not meet, but may) another size or time."""

    device: int
    inode: int
    size: int
    mtime_ns: int


def identity_of(path: Path) -> FileIdentity | None:
    """The identity of the file at ``path``, or None when there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return FileIdentity(found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


@dataclass(frozen=True)
class Release:
    """The data a store answers from: the load that built it and its data version."""

    release_id: str
    """Random, written by each load that changes the data; "" in a database written
    before release ids."""
    data_version: int

    @property
    def tag(self) -> str:
        """A text naming this data and no other, for ETags and caches."""
        return f"{self.release_id}:{self.data_version}"


async def read_release(store: Store) -> Release:
    """The release ``store`` answers from, in one indexed read on the event loop."""
    rows = await store.execute(
        "SELECT key, value FROM meta WHERE key IN ('release_id', 'data_version')", inline=True
    )
    values: dict[str, str] = dict(rows)
    return Release(str(values.get("release_id", "")), int(values.get("data_version", 0)))


class Served:
    """One opened file: its store, which file it is, and how many requests use it."""

    def __init__(self, store: Store, identity: FileIdentity | None, release: Release) -> None:
        self.store = store
        self.identity = identity
        self.release = release
        """The release last read: for good when the store is immutable."""
        self.leases = 0
        self.retired = False
        """Another file is current: close the store once no request uses it."""

    async def read_release(self) -> Release:
        """The release the store answers from now. An immutable store's cannot change; a
        store read with locks may be changed in place by a load, which bumps the data
        version whenever it draws a release id, so the version is read (one row, as
        cheap as before release ids) and the id read again only when it moved."""
        if self.store.immutable:
            return self.release
        if await data_version(self.store) != self.release.data_version:
            self.release = await read_release(self.store)
        return self.release


class Artifact:
    """The database a server serves, switched to a new file when it is replaced.

    Build it with ``await Artifact.open(path, ...)`` and ``close()`` it; ``lease()`` the
    current store for each request.
    """

    def __init__(
        self,
        served: Served,
        opener: Callable[[], Awaitable[Store]],
        *,
        check_interval_ms: int,
    ) -> None:
        self.path = served.store.path
        self.check_interval_ms = check_interval_ms
        self._current = served
        self._open_store = opener
        self._refused: FileIdentity | None = None
        """A replacement that could not be opened: not tried again until it changes."""
        self._retired: set[Served] = set()
        self._closing: set[asyncio.Task[None]] = set()
        self._watcher: asyncio.Task[None] | None = None
        self._checking = asyncio.Lock()
        """One check at a time: two would open the same new file twice."""

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        read_connections: int,
        time_limit_ms: int,
        immutable: bool,
        check_interval_ms: int = DEFAULT_CHECK_INTERVAL_MS,
    ) -> Artifact:
        """Open ``path`` read-only (immutable when asked or needed, as ``Store.open``
        decides) and, when it is immutable and ``check_interval_ms`` is above 0, watch it
        for a new release. A PostgreSQL URL opens that database, never watched: a load
        changes it in place, as a SQLite file read with locks."""
        identity = identity_of(Path(path))
        store = await open_store(
            path,
            read_connections=read_connections,
            time_limit_ms=time_limit_ms,
            read_only=True,
            immutable=immutable,
        )
        try:
            release = await read_release(store)
        except BaseException:
            await store.close()
            raise

        def reopen() -> Awaitable[Store]:
            # The next file is read as the first one was: immutable, since only an
            # immutable store is watched.
            return open_store(
                path,
                read_connections=read_connections,
                time_limit_ms=time_limit_ms,
                read_only=True,
                immutable=True,
            )

        served = Served(store, identity, release)
        artifact = cls(served, reopen, check_interval_ms=check_interval_ms)
        if store.immutable and check_interval_ms > 0:
            artifact._watcher = asyncio.get_running_loop().create_task(artifact._watch())
        return artifact

    @property
    def current(self) -> Served:
        """The file new requests are answered from."""
        return self._current

    @contextmanager
    def lease(self) -> Iterator[Served]:
        """The current file, kept open until the ``with`` block ends, even if another
        becomes current meanwhile (a request answers from one file)."""
        served = self._current
        served.leases += 1
        try:
            yield served
        finally:
            served.leases -= 1
            if served.retired and served.leases == 0:
                self._close_later(served)

    async def check(self) -> bool:
        """Switch to the file at the path if it is another one than the current one and
        can be served; whether it switched. A file that cannot is logged, and tried
        again once it changes. A store read with locks is never switched (see the
        module docstring)."""
        if not self._current.store.immutable:
            return False
        async with self._checking:
            return await self._switch()

    async def _switch(self) -> bool:
        identity = identity_of(self.path)
        if identity is None or identity in (self._current.identity, self._refused):
            return False
        try:
            store = await self._open_store()
        except StoreError as exc:
            self._refuse(identity, exc)
            return False
        try:
            await read_readiness(store)
            release = await read_release(store)
        except (StoreError, sqlite3.Error) as exc:
            await store.close()
            self._refuse(identity, exc)
            return False
        old, self._current = self._current, Served(store, identity, release)
        old.retired = True
        logger.info(
            "serving release %s (data version %d) of %s; the previous one closes after"
            " its %d request(s) in flight",
            release.release_id or "(none)",
            release.data_version,
            self.path,
            old.leases,
        )
        if old.leases == 0:
            await old.store.close()
        else:
            self._retired.add(old)
        return True

    async def close(self) -> None:
        """Stop watching and close every store, the retired ones too; harmless twice."""
        if self._watcher is not None:
            self._watcher.cancel()
            with suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        for served in [*self._retired, self._current]:
            await served.store.close()
        self._retired.clear()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    def _refuse(self, identity: FileIdentity, error: Exception) -> None:
        self._refused = identity
        logger.error(
            "not switching to the new file at %s, still serving release %s: %s",
            self.path,
            self._current.release.release_id or "(none)",
            error,
        )

    def _close_later(self, served: Served) -> None:
        self._retired.discard(served)
        task = asyncio.get_running_loop().create_task(served.store.close())
        self._closing.add(task)  # the loop keeps only a weak reference to tasks
        task.add_done_callback(self._closing.discard)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.check_interval_ms / 1000)
            try:
                await self.check()
            except Exception:
                # The watcher must outlive any surprise, or the replica never switches
                # again; the next interval tries anew.
                logger.exception("checking %s for a new release failed", self.path)
