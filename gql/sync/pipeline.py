"""The load itself: compare, parse what changed, write it chunk by chunk in one transaction.

A load is incremental: files whose size and time (or else digest) are unchanged are not
parsed again (``changes``); a file that vanished from a folder being loaded takes its
article (or definition) with it; a file that now fails to parse is reported and its last
good version stays in the store (``state``). The next chunk is parsed (``workers``) while
the previous one is written, and a failed load leaves the database as it was: the
transaction is rolled back.

A load holds under abuse: files past ``IngestLimits`` are rejected, a parser stuck on a
file past ``parse_timeout_s`` is abandoned and the file rejected (``workers``), links that
loop or leave the roots are reported and not read (``gql.ingest.discovery``), and a load
that finds another holding the database waits ``lock_timeout_s``, then gives up with
``DatabaseLocked``, leaving the database as it was.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import aclosing, contextmanager
from functools import partial
from pathlib import Path

from gql.ingest import DEFAULT_LIMITS, ArticleRecord, IngestLimits
from gql.store import Chunk, LoadSession, Store, count_corpus, load_file_entries, open_store
from gql.sync.changes import ChangeFinder, DiskChanges, find_changes, resolve_roots
from gql.sync.reading import FileToRead, ParseOptions, ReadResult, file_to_read
from gql.sync.report import LoadReport, Rejected
from gql.sync.state import SyncState
from gql.sync.workers import DEFAULT_PARSE_TIMEOUT_S, parsed_chunks

DEFAULT_LOCK_TIMEOUT_S = 30.0
"""How long a load waits for another one to release the database before giving up."""

ProgressCallback = Callable[[int], None]
"""Told how many more files are done: unchanged ones at once, the others as parsed."""


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
    store: Store,
    roots: Iterable[Path | str],
    *,
    progress: ProgressCallback | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
    parse_timeout_s: float = DEFAULT_PARSE_TIMEOUT_S,
    find: ChangeFinder = find_changes,
) -> LoadReport:
    """Bring the store in line with the seed files under ``roots`` and report what changed.

    A file whose size and modification time match the last load is not read again; one
    whose content digest matches is not written again. Parsed files are written chunk by
    chunk while the next chunks are parsed, all in one transaction. A file past
    ``limits``, or whose parse takes longer than ``parse_timeout_s``, is rejected.
    ``find`` tells what changed on disk: the walk of the roots, or a watcher's named
    paths (``gql.sync.named``).
    """
    with _cycle_collector_paused():
        return await _load_paths(
            store,
            roots,
            progress=progress,
            limits=limits,
            parse_timeout_s=parse_timeout_s,
            find=find,
        )


def _report_skipped(changes: DiskChanges, report: LoadReport) -> None:
    """Links and folders discovery did not follow: rejected, or warned about."""
    for skipped in changes.skipped:
        message = f"{skipped.path}: {skipped.problem}"
        if skipped.rejected:
            report.rejected.append(Rejected(skipped.path, message))
        else:
            report.warnings.append(message)


async def _load_paths(
    store: Store,
    roots: Iterable[Path | str],
    *,
    progress: ProgressCallback | None,
    limits: IngestLimits,
    parse_timeout_s: float,
    find: ChangeFinder,
) -> LoadReport:
    started = time.perf_counter()
    root_paths = resolve_roots(roots)
    report = LoadReport()
    stored = {entry.path: entry for entry in await load_file_entries(store)}
    changes = find(root_paths, stored)
    _report_skipped(changes, report)
    report.files_seen, report.files_parsed = len(changes.seen), len(changes.changed)
    if progress is not None:
        progress(len(changes.seen) - len(changes.changed))
    seen, targets = changes.seen, changes.targets
    to_read = [file_to_read(name, seen[name], targets.get(name)) for name in changes.changed]

    state = SyncState(stored, set(changes.changed), set(changes.vanished))
    session = await store.execute_write_fn(LoadSession.begin)
    try:
        await store.run_on_writer(partial(session.forget, changes.vanished))
        writing: asyncio.Future[None] | None = None
        chunks = parsed_chunks(
            to_read, options=ParseOptions(limits), parse_timeout_s=parse_timeout_s
        )
        async with aclosing(chunks):
            async for results in chunks:
                chunk = state.plan_chunk(results, changes.seen, report)
                if writing is not None:
                    await writing
                writing = asyncio.ensure_future(store.run_on_writer(partial(session.write, chunk)))
                if progress is not None:
                    progress(len(results))
        if writing is not None:
            await writing
        await _settle_orphans(store, session, state, changes, limits, parse_timeout_s)
        written = await store.run_on_writer(session.finish)
    except BaseException:
        await store.run_on_writer(session.abort)
        raise

    report.duplicates = state.duplicates()
    report.added, report.updated, report.removed = written.added, written.updated, written.removed
    report.data_version = written.data_version
    counts = await count_corpus(store)
    report.articles, report.providers, report.topics = (
        counts.articles,
        counts.providers,
        counts.topics,
    )
    report.related_links, report.related_links_resolved = counts.links, counts.resolved_links
    report.unchanged = report.articles - report.added - report.updated
    report.elapsed_s = round(time.perf_counter() - started, 3)
    return report


async def _settle_orphans(
    store: Store,
    session: LoadSession,
    state: SyncState,
    changes: DiskChanges,
    limits: IngestLimits,
    parse_timeout_s: float,
) -> None:
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
            twin = file_to_read(path, changes.seen.get(path), changes.targets.get(path))
            result = await _read_one(twin, limits, parse_timeout_s)
            if result.parsed is not None and isinstance(result.parsed.record, ArticleRecord):
                rewrites.articles.append(result.parsed.record)
                break
    await store.run_on_writer(partial(session.remove_articles, removed))
    await store.run_on_writer(partial(session.write, rewrites))


async def _read_one(file: FileToRead, limits: IngestLimits, parse_timeout_s: float) -> ReadResult:
    """``file`` read and parsed as the changed files are, its parse time watched."""
    chunks = parsed_chunks([file], options=ParseOptions(limits), parse_timeout_s=parse_timeout_s)
    async with aclosing(chunks):
        async for [result] in chunks:
            return result
    raise AssertionError("parsed_chunks gives one result per file")


async def load_into(
    db_path: Path | str,
    roots: Iterable[Path | str],
    *,
    progress: ProgressCallback | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
    parse_timeout_s: float = DEFAULT_PARSE_TIMEOUT_S,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
) -> LoadReport:
    """Open the database at ``db_path`` (creating it), load ``roots`` into it, close it.

    When another load holds the database, wait up to ``lock_timeout_s`` for it, then
    raise ``DatabaseLocked``.
    """
    store = await open_store(
        db_path, read_connections=1, write_lock_timeout_ms=round(lock_timeout_s * 1000)
    )
    try:
        return await load_paths(
            store, roots, progress=progress, limits=limits, parse_timeout_s=parse_timeout_s
        )
    finally:
        await store.close()
