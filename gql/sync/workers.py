"""Parsing the changed files chunk by chunk, on every core when worth it, each file's
parse time watched.

YAML construction is pure Python and bound to one core, so a big load parses in worker
processes while this process writes what they parsed; a small one parses in a thread of
this process (``parsers``). ``parsed_chunks`` hands the chunks back in path order either
way, and while it waits for one it abandons any parser stuck on a file for longer than
the parse timeout: that file is rejected, the rest parsed again.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncGenerator
from concurrent.futures.process import BrokenProcessPool
from itertools import islice

from gql.sync.parsers import (
    WATCH_INTERVAL_S,
    ChunkTask,
    Parsers,
    ProcessParsers,
    ThreadParsers,
)
from gql.sync.reading import DEFAULT_OPTIONS, FileToRead, ParseOptions, ReadResult

# Below this many changed files, parsing in this process beats starting worker processes.
PARALLEL_MIN_FILES = 2000
# Files per chunk: one task of a parser, and one write of the load's transaction.
CHUNK_FILES = 500
# A backstop, not a budget: with the limits of ``IngestLimits`` the slowest file allowed
# parses in well under a second; this is for what the limits did not foresee.
DEFAULT_PARSE_TIMEOUT_S = 30.0


async def _results_of(task: ChunkTask, parsers: Parsers, timeout_s: float) -> list[ReadResult]:
    """The parsers' results for ``task``, abandoning any parser stuck on a file meanwhile."""
    interval = min(WATCH_INTERVAL_S, timeout_s / 4)
    while True:
        future = task.future
        assert future is not None, "a task is submitted before it is waited for"
        await asyncio.wait([future], timeout=interval)
        if future is not task.future:  # abandoned and sent again while we waited
            continue
        if not future.done():
            parsers.abandon_stuck(timeout_s)
            continue
        exc = future.exception()
        if exc is None:
            return future.result()
        if isinstance(exc, BrokenProcessPool):
            parsers.recover(task)
            continue
        raise exc


async def parsed_chunks(
    files: list[FileToRead],
    *,
    options: ParseOptions = DEFAULT_OPTIONS,
    parse_timeout_s: float = DEFAULT_PARSE_TIMEOUT_S,
) -> AsyncGenerator[list[ReadResult], None]:
    """``read_and_parse`` results chunk by chunk, in path order, on every core if worth it.

    At most two chunks per worker are in flight, so memory stays bounded whatever the
    number of files. A file that parses for longer than ``parse_timeout_s`` is rejected.
    """
    chunks = [files[i : i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)]
    workers = min(os.cpu_count() or 1, 8)
    parsers: Parsers
    if len(files) >= PARALLEL_MIN_FILES and workers >= 2:
        parsers = ProcessParsers(workers, options)
    else:
        parsers = ThreadParsers(options)
    done = False
    try:
        pending: deque[ChunkTask] = deque()
        waiting = iter(chunks)
        for chunk in islice(waiting, parsers.capacity):
            pending.append(ChunkTask(chunk))
            parsers.submit(pending[-1])
        while pending:
            task = pending[0]
            results = await _results_of(task, parsers, parse_timeout_s)
            pending.popleft()
            parsers.finished(task)
            following = next(waiting, None)
            if following is not None:
                pending.append(ChunkTask(following))
                parsers.submit(pending[-1])
            yield task.merge(results)
        done = True
    finally:
        parsers.close(wait=done)
