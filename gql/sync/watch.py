"""Watching the seed folders: each batch of changes on disk is loaded as ``gql load`` would.

``gql serve --watch`` runs ``watch_process`` in one process of its own, started before
uvicorn's workers, so the database has exactly one writer however many workers serve
it: the workers learn of each load from its data version and change log. The watcher
holds one store open and, for every batch of file events (watchfiles, from inotify:
a burst is one batch once ``STEP_MS`` pass without a new event, or ``DEBOUNCE_MS`` after
its first), runs the same incremental load (``load_paths``): unchanged files cost a
``stat``, and everything that changed is written in one transaction. An editor's atomic
save (a temporary file renamed over the old one), a rename, a delete or a folder copied
in at once are all just changes the load finds. A file that does not parse is reported
in the log and its last good version stays served; a load that fails as a whole (the
database locked by a ``gql load`` past its wait) is logged, and the next batch retries.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

from watchfiles import Change, DefaultFilter, awatch

from gql.errors import GqlError
from gql.store import Store
from gql.sync.changes import resolve_roots
from gql.sync.pipeline import DEFAULT_LOCK_TIMEOUT_S, load_paths
from gql.sync.report import LoadReport

logger = logging.getLogger("gql.watch")

STEP_MS: Final = 50
"""A batch ends once no event came for this long: an editor's save is a few events
within a millisecond or two, and a copy of many files keeps arriving faster than this."""
DEBOUNCE_MS: Final = 1_600
"""A batch ends this long after its first event even if events keep coming, so that a
long copy is loaded in steps rather than only at its end."""
PARENT_CHECK_S: Final = 1.0
"""How often the watcher process checks that ``gql serve`` still runs (and ends if not)."""

ReportFn = Callable[[LoadReport], None]


class SeedEvents(DefaultFilter):
    """File events worth a load: not the database's own files (it may sit in a seed
    folder), nor editors' swap and backup files (watchfiles' defaults)."""

    def __init__(self, db_path: Path) -> None:
        db = str(db_path.resolve())
        super().__init__(
            ignore_paths=tuple(db + suffix for suffix in ("", "-wal", "-shm", "-journal"))
        )


async def watch_seeds(
    db_path: Path,
    roots: Iterable[Path | str],
    *,
    report: ReportFn,
    stop: asyncio.Event | None = None,
    ready: Callable[[], None] | None = None,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
) -> None:
    """Load ``roots`` into ``db_path`` now, then again after every batch of changes to
    them, until ``stop`` is set; each load's report goes to ``report``. ``ready`` is
    called once the folders are watched (changes from then on are seen)."""
    root_paths = resolve_roots(roots)
    store = await Store.open(
        db_path, read_connections=1, write_lock_timeout_ms=round(lock_timeout_s * 1000)
    )
    events = awatch(
        *root_paths,
        watch_filter=SeedEvents(db_path),
        step=STEP_MS,
        debounce=DEBOUNCE_MS,
        stop_event=stop,
    )
    # The first step of the iterator creates the inotify watches (and runs before this
    # task resumes from ``sleep(0)``): what changes from then on is in its first batch,
    # and what changed before is caught by the load right after.
    batch: asyncio.Future[set[tuple[Change, str]]] = asyncio.ensure_future(anext(events))
    try:
        await asyncio.sleep(0)
        await _load(store, root_paths, report)
        if ready is not None:
            ready()
        while True:
            try:
                changes = await batch
            except StopAsyncIteration:
                break
            if changes:
                await _load(store, root_paths, report)
            batch = asyncio.ensure_future(anext(events))
    finally:
        batch.cancel()
        await events.aclose()
        await store.close()


async def _load(store: Store, roots: list[Path], report: ReportFn) -> None:
    try:
        loaded = await load_paths(store, roots)
    except GqlError as exc:
        logger.error("watch: the load failed, and is tried again at the next change: %s", exc)
        return
    report(loaded)


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


def watch_process(db_path: Path, roots: list[Path], parent_pid: int) -> None:
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
