"""Reading and parsing the changed files: read threads, parse worker processes, chunks.

YAML construction is pure Python and bound to one core, so a big load parses in worker
processes while this process writes what they parsed. The worker side is
``read_and_parse`` (one chunk of paths to ``ReadResult``s, never raising for a bad file);
the writing side is ``parsed_chunks``, which hands chunks back in path order.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from gql.errors import IngestError
from gql.ingest import ParsedFile, parse_file
from gql.sync.changes import digest

# Below this many changed files, parsing in this process beats starting worker processes.
PARALLEL_MIN_FILES = 2000
# Files per chunk: one task of a worker, and one write of the load's transaction.
CHUNK_FILES = 500
READ_THREADS = 8  # disk requests in flight per parse worker

# Niceness of the parsing processes. This process writes every chunk they parse, so it is
# the critical path: on a machine with as many busy processes as cores, the scheduler
# must run it first and give the workers what is left (100k files on 2 cores: 48 s -> 33 s).
WORKER_NICENESS = 10


class ReadResult(NamedTuple):
    """One file read and parsed, as a worker sends it back (a tuple, cheap to pickle)."""

    path: str
    digest: str | None
    """The digest of the bytes read; ``None`` when the file could not be read."""
    parsed: ParsedFile | None
    """The parsed file; ``None`` when it was rejected."""
    problem: str | None
    """Why the file was rejected, naming it; ``None`` when it parsed."""


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
    """Read, digest and parse files, in the order given; never raises for a bad file
    (worker-process entry)."""
    results: list[ReadResult] = []
    # A file not in the page cache costs a disk round trip: read the chunk in a few
    # threads, each its own slice (one task per thread, not per file, which would cost
    # more than a warm read), so the waits overlap. 100k files with the page cache dropped
    # first: 32.2 s -> 25.6 s; warm: unchanged (23.0-23.4 s).
    slices = [paths[i::READ_THREADS] for i in range(READ_THREADS)]
    with ThreadPoolExecutor(max_workers=READ_THREADS) as readers:
        read = list(readers.map(_read_all, slices))
    contents: list[bytes | OSError] = [b""] * len(paths)
    for i, part in enumerate(read):
        contents[i::READ_THREADS] = part
    for name, data in zip(paths, contents, strict=True):
        path = Path(name)
        if isinstance(data, OSError):
            problem = f"{name}: cannot read: {data.strerror or data}"
            results.append(ReadResult(name, None, None, problem))
            continue
        try:
            results.append(ReadResult(name, digest(data), parse_file(path, data), None))
        except IngestError as exc:
            results.append(ReadResult(name, digest(data), None, str(exc)))
        except Exception as exc:  # one odd file must never stop a load
            # The type only: a library's message may quote a value of the file.
            problem = f"{name}: unexpected {type(exc).__name__} while parsing"
            results.append(ReadResult(name, digest(data), None, problem))
    return results


def _start_worker() -> None:
    """Worker-process initializer: yield the cores to the writing process when it needs one,
    and skip the cyclic garbage collector."""
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)
    # The worker lives for one load and makes only acyclic garbage (records freed by
    # reference counting once sent back).
    gc.disable()


async def parsed_chunks(paths: list[str]) -> AsyncIterator[list[ReadResult]]:
    """``read_and_parse`` results chunk by chunk, in path order, on every core if worth it.

    Worker processes are started with ``spawn`` because this process runs SQLite threads
    that ``fork`` could copy mid-lock, and niced because this process's writing is the
    critical path. At most two chunks per worker are in flight, so memory stays bounded
    whatever the number of files. A small load parses in this process's default thread
    pool instead, which keeps the event loop free.
    """
    chunks = [paths[i : i + CHUNK_FILES] for i in range(0, len(paths), CHUNK_FILES)]
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
