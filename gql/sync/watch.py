"""Watching the seed folders: each batch of changes on disk is loaded as ``gql load`` would.

``gql serve --watch`` runs ``watch_process`` in one process of its own, started before
uvicorn's workers, so the database has exactly one writer however many workers serve
it: the workers learn of each load from its data version and change log. The watcher
holds one store open and, for every batch of file events (watchfiles, from inotify:
a burst is one batch once ``STEP_MS`` pass without a new event, or ``DEBOUNCE_MS`` after
its first), runs the same incremental load (``load_paths``), and everything that changed
is written in one transaction. The load looks only at the paths the batch named
(``gql.sync.named``): on 100k files, walking the folders would cost ~2 s a batch. A
batch it cannot judge from its paths (a folder copied, moved or deleted, a symbolic
link, thousands of paths) walks the folders as ``gql load`` does, and so does the first
load, and one at least every ``RESCAN_S`` (a safety net: inotify can drop events when
its queue overflows, and watchfiles does not say so). An editor's atomic save (a
temporary file renamed over the old one), a rename, a delete or a folder copied in at
once are all just changes the load finds. A file that does not parse is reported
in the log and its last good version stays served; a load that fails as a whole (the
database locked by a ``gql load`` past its wait) is logged, and the next batch retries.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

from watchfiles import Change, DefaultFilter, awatch

from gql.errors import GqlError
from gql.store import Store, open_store
from gql.sync.changes import resolve_roots
from gql.sync.named import NamedChanges
from gql.sync.pipeline import DEFAULT_LOCK_TIMEOUT_S, load_paths
from gql.sync.report import LoadReport

logger = logging.getLogger("gql.watch")

STEP_MS: Final = 50
"""A batch ends once no event came for this long: an editor's save is a few events
within a millisecond or two, and a copy of many files keeps arriving faster than this."""
DEBOUNCE_MS: Final = 1_600
"""A batch ends this long after its first event even if events keep coming, so that a
long copy is loaded in steps rather than only at its end."""
RESCAN_S: Final = 600.0
"""The folders are walked at least this often (a whole load's stat of every file), in
case the watcher missed an event: at the next batch once this long passed, or after
this long without any."""
PARENT_CHECK_S: Final = 1.0
"""How often the watcher process checks that ``gql serve`` still runs (and ends if not)."""

ReportFn = Callable[[LoadReport], None]


class SeedEvents(DefaultFilter):
    """File events worth a load: not the database's own files (it may sit in a seed
    folder), nor editors' swap and backup files (watchfiles' defaults)."""

    def __init__(self, db_path: Path | str) -> None:
        db = str(Path(db_path).resolve())
        super().__init__(
            ignore_paths=tuple(db + suffix for suffix in ("", "-wal", "-shm", "-journal"))
        )


async def watch_seeds(
    db_path: Path | str,
    roots: Iterable[Path | str],
    *,
    report: ReportFn,
    stop: asyncio.Event | None = None,
    ready: Callable[[], None] | None = None,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    rescan_s: float = RESCAN_S,
) -> None:
    """Load ``roots`` into ``db_path`` now, then again after every batch of changes to
    them, until ``stop`` is set; each load's report goes to ``report``. ``ready`` is
    called once the folders are watched (changes from then on are seen). The folders
    are walked by the first load and at least every ``rescan_s``; other loads look at
    the paths their batch named."""
    root_paths = resolve_roots(roots)
    store = await open_store(
        db_path, read_connections=1, write_lock_timeout_ms=round(lock_timeout_s * 1000)
    )
    events = awatch(
        *root_paths,
        watch_filter=SeedEvents(db_path),
        step=STEP_MS,
        debounce=DEBOUNCE_MS,
        stop_event=stop,
        # An empty batch now and then (every 5 s without changes), to walk when due.
        rust_timeout=round(min(rescan_s, 5.0) * 1000),
        yield_on_timeout=True,
    )
    # The first step of the iterator creates the inotify watches (and runs before this
    # task resumes from ``sleep(0)``): what changes from then on is in its first batch,
    # and what changed before is caught by the load right after.
    batch: asyncio.Future[set[tuple[Change, str]]] = asyncio.ensure_future(anext(events))
    try:
        await asyncio.sleep(0)
        walked_at = time.monotonic() if await _load(store, root_paths, report) else -math.inf
        if ready is not None:
            ready()
        while True:
            try:
                changes = await batch
            except StopAsyncIteration:
                break
            due = time.monotonic() - walked_at >= rescan_s
            if changes or due:
                named = None if due else NamedChanges(path for _, path in changes)
                if not await _load(store, root_paths, report, named):
                    walked_at = -math.inf  # its paths are lost: the next load walks
                elif named is None or named.walked is not None:
                    walked_at = time.monotonic()
            batch = asyncio.ensure_future(anext(events))
    finally:
        batch.cancel()
        await events.aclose()
        await store.close()


async def _load(
    store: Store, roots: list[Path], report: ReportFn, named: NamedChanges | None = None
) -> bool:
    """One load: of the paths ``named``, or (None) of all the folders, walked; False when
    it failed as a whole."""
    try:
        if named is None:
            loaded = await load_paths(store, roots)
        else:
            loaded = await load_paths(store, roots, find=named)
            if named.walked is not None:
                logger.info("watch: walked the folders: %s", named.walked)
    except GqlError as exc:
        logger.error("watch: the load failed, and is tried again at the next change: %s", exc)
        return False
    report(loaded)
    return True


def log_report(report: LoadReport) -> None:
    """One log line per load that changed something, and one per rejected file."""
    for rejected in report.rejected:
        logger.error("watch: rejected %s", rejected.reason)
    for warning in report.warnings:
        logger.warning("watch: %s", warning)
    if report.added or report.updated or report.removed or report.files_parsed:
        logger.info(
            "watch: loaded %d changed file(s) in %.3f s: %d added, %d updated, %d removed"
            " (data version %d)",
            report.files_parsed,
            report.elapsed_s,
            report.added,
            report.updated,
            report.removed,
            report.data_version,
        )


class _UvicornLike(logging.Formatter):
    """``INFO:     message``, as uvicorn's lines beside them."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname + ':':<9} {record.getMessage()}"


def watch_process(db_path: Path | str, roots: list[Path], parent_pid: int) -> None:
    """The watcher process of ``gql serve --watch``: logs to stderr as uvicorn does, ends
    on SIGTERM (after the load in progress) or when ``parent_pid`` is gone."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_UvicornLike())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # "1 change detected", each batch
    # Ctrl-C reaches the whole process group: ``gql serve`` ends the watcher itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)

        def orphaned() -> None:
            while not stop.is_set():
                if os.getppid() != parent_pid:
                    loop.call_soon_threadsafe(stop.set)
                    return
                threading.Event().wait(PARENT_CHECK_S)

        threading.Thread(target=orphaned, daemon=True).start()
        await watch_seeds(
            db_path,
            roots,
            report=log_report,
            stop=stop,
            ready=lambda: logger.info("watch: watching %s", ", ".join(map(str, roots))),
        )

    asyncio.run(main())
