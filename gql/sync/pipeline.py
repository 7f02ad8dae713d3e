"""Loading: compare seed folders with the store, parse what changed, write it, report.

The only place where ingest meets the store. A load is incremental: files whose size and
time (or else digest) are unchanged are not parsed again; a file that vanished from a
folder being loaded takes its article (or definition) with it; a file that now fails to
parse is reported and its last good version stays in the store.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import multiprocessing
import os
import sqlite3
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from gql import store as db
from gql.errors import IngestError, LoadError
from gql.ingest import discover_paths, parse_file
from gql.ingest.records import ArticleRecord, ParsedFile, TopicRecord
from gql.store import Chunk, FileEntry, LoadSession, Store

ProgressCallback = Callable[[int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Rejected:
    """A file that was not loaded, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Duplicate:
    """Several files with the same webUrl: one article, taken from the first path."""

    url: str
    paths: tuple[str, ...]


@dataclass
class LoadReport:
    """What a load saw and did; printed by ``gql load`` (``--json`` for machines)."""

    files_seen: int = 0
    files_parsed: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    articles: int = 0
    providers: int = 0
    topics: int = 0
    related_links: int = 0
    related_links_resolved: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    data_version: int = 0
    elapsed_s: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when every file loaded, 2 when some were rejected (the rest are loaded)."""
        return 2 if self.rejected else 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _kind_and_key(parsed: ParsedFile) -> tuple[str, str]:
    record = parsed.record
    if isinstance(record, ArticleRecord):
        return "article", record.url
    if isinstance(record, TopicRecord):
        return "topic", record.name
    return "organization", record.domain


def _under(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


# Below this many changed files, parsing in this process beats starting worker processes.
PARALLEL_MIN_FILES = 2000
_CHUNK_FILES = 500
_READ_THREADS = 8  # disk requests in flight per parse worker

# Niceness of the parsing processes. This process writes every chunk they parse, so it is
# the critical path: on a machine with as many busy processes as cores, the scheduler
# must run it first and give the workers what is left (100k files on 2 cores: 48 s -> 33 s).
WORKER_NICENESS = 10

ReadResult = tuple[str, str | None, ParsedFile | None, str | None]
"""(path, digest of the bytes read, the parsed file or None, the rejection reason or None)"""


def _read_all(names: list[str]) -> list[bytes | OSError]:
    contents: list[bytes | OSError] = []
    for name in names:
        try:
            with open(name, "rb") as file:
                contents.append(file.read())
        except OSError as exc:
            contents.append(exc)
    return contents


def read_and_parse(paths: list[str]) -> list[ReadResult]:
    """Read, digest and parse files; never raises for a bad file (worker-process entry)."""
    results: list[ReadResult] = []
    # A file not in the page cache costs a disk round trip: read the chunk in a few
    # threads, each its own slice (one task per thread, not per file, which would cost
    # more than a warm read), so the waits overlap. 100k files with the page cache dropped
    # first: 32.2 s -> 25.6 s; warm: unchanged (23.0-23.4 s).
    slices = [paths[i::_READ_THREADS] for i in range(_READ_THREADS)]
    with ThreadPoolExecutor(max_workers=_READ_THREADS) as readers:
        read = list(readers.map(_read_all, slices))
    contents: list[bytes | OSError] = [b""] * len(paths)
    for i, part in enumerate(read):
        contents[i::_READ_THREADS] = part
    for name, data in zip(paths, contents, strict=True):
        path = Path(name)
        if isinstance(data, OSError):
            results.append((name, None, None, f"{name}: cannot read: {data.strerror or data}"))
            continue
        try:
            results.append((name, _digest(data), parse_file(path, data), None))
        except IngestError as exc:
            results.append((name, _digest(data), None, str(exc)))
        except Exception as exc:  # one odd file must never stop a load
            problem = f"{name}: unexpected {type(exc).__name__} while parsing: {exc}"
            results.append((name, _digest(data), None, problem))
    return results


def _start_worker() -> None:
    """Worker-process initializer: yield the cores to the writing process when it needs one,
    and skip the cyclic garbage collector."""
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)
    # The worker lives for one load and makes only acyclic garbage (see below).
    gc.disable()


async def _parsed_chunks(paths: list[str]) -> AsyncIterator[list[ReadResult]]:
    """``read_and_parse`` results chunk by chunk, in path order, on every core if worth it.

    YAML construction is pure Python and bound to one core, so big loads parse in worker
    processes, started with ``spawn`` because this process runs SQLite threads that
    ``fork`` could copy mid-lock, and niced because this process's writing is the critical
    path. At most two chunks per worker are in flight, so memory stays bounded whatever the
    number of files.
    """
    chunks = [paths[i : i + _CHUNK_FILES] for i in range(0, len(paths), _CHUNK_FILES)]
    loop = asyncio.get_running_loop()
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_MIN_FILES or workers < 2:
        for chunk in chunks:
            yield await loop.run_in_executor(None, read_and_parse, chunk)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker
    ) as pool:
        pending: deque[Future[list[ReadResult]]] = deque()
        waiting = iter(chunks)
        for chunk in islice(waiting, 2 * workers):
            pending.append(pool.submit(read_and_parse, chunk))
        while pending:
            results = await asyncio.wrap_future(pending.popleft())
            following = next(waiting, None)
            if following is not None:
                pending.append(pool.submit(read_and_parse, following))
            yield results


class _Loader:
    """The bookkeeping of one load: which file defines each URL, what was written."""

    def __init__(self, stored: dict[str, FileEntry], changed: set[str], vanished: set[str]) -> None:
        self.stored = stored
        self.state = {p: e for p, e in stored.items() if p not in vanished}
        # The same URL in several files is one article, defined by the first path in sorted
        # order, whatever file changed or was seen first. Files are handled in path order,
        # so the owners known when a file is handled are final for every smaller path.
        self.owner: dict[str, str] = {}
        for entry in self.state.values():
            if entry.kind == "article" and entry.path not in changed:
                self._claim(entry.key, entry.path)
        self.written_urls: set[str] = set()
        self.redefined: list[str] = sorted(vanished)
        """Files whose previous definition is gone: vanished, or changed and parsed anew."""

    def _claim(self, url: str, path: str) -> bool:
        current = self.owner.get(url)
        if current is not None and current < path:
            return False
        self.owner[url] = path
        return True

    def keep(self, path: str) -> None:
        """A changed file that was rejected or whose content is the same: its last good
        version stays, and with it its claim on its URL."""
        entry = self.stored.get(path)
        if entry is not None and entry.kind == "article":
            self._claim(entry.key, path)

    def take(self, entry: FileEntry, result: ParsedFile, chunk: Chunk) -> None:
        """A changed file parsed: record it and what it defines (replacing its old one)."""
        old = self.stored.get(entry.path)
        if old is not None:
            self.redefined.append(entry.path)
            if old.kind == "topic":
                chunk.forget_topic_paths.append(entry.path)
            elif old.kind == "organization":
                chunk.forget_organization_paths.append(entry.path)
        self.state[entry.path] = entry
        chunk.files.append(entry)
        record = result.record
        if isinstance(record, ArticleRecord):
            if self._claim(record.url, entry.path):
                chunk.articles.append(record)
                self.written_urls.add(record.url)
        elif isinstance(record, TopicRecord):
            chunk.topics.append(record)
        else:
            chunk.organizations.append(record)

    def orphaned_urls(self) -> list[str]:
        """URLs whose defining file changed or vanished and that nothing rewrote."""
        urls = {
            entry.key
            for path in self.redefined
            if (entry := self.stored.get(path)) is not None and entry.kind == "article"
        }
        return sorted(urls - self.written_urls)

    def paths_of(self, url: str) -> list[str]:
        return sorted(e.path for e in self.state.values() if e.kind == "article" and e.key == url)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (process-wide) for the length of a load.

    A load keeps hundreds of thousands of container objects alive (file entries, the URL
    owners) and makes millions of short-lived, acyclic ones (the records of each chunk,
    freed by reference counting). Every few thousand allocations the collector ran, and
    its full passes rescanned all the long-lived ones: half the cost of unpickling the
    workers' results, and more as the load went on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def load_paths(
    store: Store, roots: Iterable[Path | str], *, progress: ProgressCallback | None = None
) -> LoadReport:
    """Bring the store in line with the seed files under ``roots`` and report what changed.

    A file whose size and modification time match the last load is not read again; one
    whose content digest matches is not written again. Parsed files are written chunk by
    chunk while the next chunks are parsed, all in one transaction.
    """
    with _cycle_collector_paused():
        return await _load_paths(store, roots, progress=progress)


async def _load_paths(
    store: Store, roots: Iterable[Path | str], *, progress: ProgressCallback | None = None
) -> LoadReport:
    started = time.perf_counter()
    root_paths = [Path(r).resolve() for r in roots]
    for root in root_paths:
        if not root.exists():
            raise LoadError(f"{root}: no such file or folder")
    report = LoadReport()
    stored = {entry.path: entry for entry in await db.load_file_entries(store)}
    seen: dict[str, os.stat_result] = {}
    try:
        for name, stat in discover_paths(root_paths):
            seen.setdefault(name, stat)
    except OSError as exc:
        # A folder that cannot be listed would make its files look vanished: stop instead.
        raise LoadError(f"{exc.filename}: cannot list: {exc.strerror or exc}") from exc
    changed = sorted(
        name
        for name, stat in seen.items()
        if (old := stored.get(name)) is None
        or old.size != stat.st_size
        or old.mtime_ns != stat.st_mtime_ns
    )
    # Gone: files of the folders being loaded that are no longer there, and files loaded
    # from anywhere else that no longer exist (a seed folder that was moved or renamed).
    roots_text = [str(r) for r in root_paths]
    vanished = [
        p
        for p in stored
        if (p not in seen and _under(p, roots_text))
        or (not _under(p, roots_text) and not os.path.exists(p))
    ]
    report.files_seen, report.files_parsed = len(seen), len(changed)
    if progress is not None:
        progress(len(seen) - len(changed))

    state = _Loader(stored, set(changed), set(vanished))
    session = await store.execute_write_fn(LoadSession.begin)
    try:
        await store.execute_write_fn(_on_writer(partial(session.forget, vanished)))
        writing: asyncio.Future[None] | None = None
        async for results in _parsed_chunks(changed):
            chunk = Chunk()
            for name, digest, result, problem in results:
                stat = seen[name]
                old = stored.get(name)
                if problem is not None or result is None or digest is None:
                    report.rejected.append(Rejected(name, problem or f"{name}: not loaded"))
                    state.keep(name)
                elif old is not None and old.digest == digest:
                    chunk.restat.append(replace(old, size=stat.st_size, mtime_ns=stat.st_mtime_ns))
                    state.keep(name)
                else:
                    kind, key = _kind_and_key(result)
                    entry = FileEntry(name, digest, kind, key, stat.st_size, stat.st_mtime_ns)
                    state.take(entry, result, chunk)
                    report.warnings.extend(result.warnings)
            if writing is not None:
                await writing
            writing = asyncio.ensure_future(
                store.execute_write_fn(_on_writer(partial(session.write, chunk)))
            )
            if progress is not None:
                progress(len(results))
        if writing is not None:
            await writing
        await _settle_orphans(store, session, state)
        written = await store.execute_write_fn(_on_writer(session.finish))
    except BaseException:
        await store.execute_write_fn(_on_writer(session.abort))
        raise

    report.duplicates = _duplicates(state.state)
    report.added, report.updated, report.removed = written.added, written.updated, written.removed
    report.data_version = written.data_version
    counts = await db.count_corpus(store)
    report.articles, report.providers, report.topics = (
        counts.articles,
        counts.providers,
        counts.topics,
    )
    report.related_links, report.related_links_resolved = counts.links, counts.resolved_links
    report.unchanged = report.articles - report.added - report.updated
    report.elapsed_s = round(time.perf_counter() - started, 3)
    return report


def _on_writer(call: Callable[[], T]) -> Callable[[sqlite3.Connection], T]:
    """``call`` as a function of the write connection (LoadSession holds its own)."""
    return lambda conn: call()


async def _settle_orphans(store: Store, session: LoadSession, state: _Loader) -> None:
    """Give each URL whose defining file changed or vanished to its next file, or drop it.

    The next file is usually one that was parsed in this load; when it is an unchanged
    twin (same URL, later path) it is read again here, which is rare.
    """
    removed: list[str] = []
    rewrites = Chunk()
    for url in state.orphaned_urls():
        paths = state.paths_of(url)
        if not paths:
            removed.append(url)
            continue
        for path in paths:
            [(_, _, winner, _)] = read_and_parse([path])
            if winner is not None and isinstance(winner.record, ArticleRecord):
                rewrites.articles.append(winner.record)
                break
    await store.execute_write_fn(_on_writer(partial(session.remove_articles, removed)))
    await store.execute_write_fn(_on_writer(partial(session.write, rewrites)))


def _duplicates(state: dict[str, FileEntry]) -> list[Duplicate]:
    paths_by_url: dict[str, list[str]] = defaultdict(list)
    for entry in state.values():
        if entry.kind == "article":
            paths_by_url[entry.key].append(entry.path)
    return [
        Duplicate(url, tuple(sorted(paths)))
        for url, paths in sorted(paths_by_url.items())
        if len(paths) > 1
    ]


async def load_into(
    db_path: Path | str, roots: Iterable[Path | str], *, progress: ProgressCallback | None = None
) -> LoadReport:
    """Open the database at ``db_path`` (creating it), load ``roots`` into it, close it."""
    store = await Store.open(db_path, read_connections=1)
    try:
        return await load_paths(store, roots, progress=progress)
    finally:
        await store.close()


def is_stale(db_path: Path | str, roots: Iterable[Path | str]) -> bool:
    """True when the database is missing or older than a seed file or folder under ``roots``.

    Folders count too: removing a file changes its folder's modification time.
    """
    db = Path(db_path)
    if not db.exists():
        return True
    built = db.stat().st_mtime
    for root in roots:
        root_path = Path(root)
        if not root_path.exists():
            continue
        candidates = [root_path, *root_path.rglob("*")] if root_path.is_dir() else [root_path]
        if any(p.stat().st_mtime > built for p in candidates):
            return True
    return False
