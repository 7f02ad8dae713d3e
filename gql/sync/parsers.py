"""Where chunks are parsed: worker processes or threads, each watched file by file.

A parser says which file it is on (``reading.ProgressSlot``). ``abandon_stuck`` finds a
parser on one file for longer than the timeout: that file is rejected (``ChunkTask.blame``)
and the parser abandoned: a worker process is killed and replaced, a thread is sent an
exception (it gets it at its next Python instruction), and what the parser had not
finished is sent again without that file. A worker that dies on a file of its own accord
(a crash, the out-of-memory killer) is replaced the same way (``recover``), that file
rejected. Each worker process is a pool of its own, so that one can be killed alone.

Workers die with the process that started them (``PR_SET_PDEATHSIG`` on Linux, else a
thread watching the parent's pid), so after a ``kill -9`` of ``gql load`` nothing parses
on, holding memory and a core.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from multiprocessing.context import SpawnContext
from typing import Protocol

from gql.errors import LoadError
from gql.sync.reading import (
    SLOT_INDEX,
    SLOT_PID,
    SLOT_SIZE,
    SLOT_STARTED,
    SLOT_TASK,
    FileToRead,
    ParseOptions,
    ProgressSlot,
    ReadResult,
    read_and_parse,
)

# Chunks sent to each worker process ahead of the one it parses, so it never waits.
CHUNKS_PER_WORKER = 2
# Niceness of the parsing processes. This process writes every chunk they parse, so it is
# the critical path: on a machine with as many busy processes as cores, the scheduler
# must run it first and give the workers what is left (100k files on 2 cores: 48 s -> 33 s).
WORKER_NICENESS = 10
# How often a wait for a chunk looks at the parsers' slots (at most), and a worker without
# a death signal at its parent.
WATCH_INTERVAL_S = 1.0
# A chunk whose worker dies this many times with no file to blame stops the load.
_MAX_UNEXPLAINED_DEATHS = 3
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

_TASK_IDS = itertools.count(1)
_SLOT: ProgressSlot | None = None
"""In a worker process, the slot it reports in (set by ``_start_worker``)."""


class _Abandoned(BaseException):
    """Sent to a parsing thread that took too long on one file: it stops the thread (it is
    a ``BaseException`` so that no ``except Exception`` of the parsing catches it)."""


class ChunkTask:
    """A chunk on its way through the parsers; sent again without the files it has been
    abandoned on, when its parser is abandoned or dies."""

    def __init__(self, files: list[FileToRead]) -> None:
        self.files = files
        self.sent = files
        self.blamed: dict[str, ReadResult] = {}
        """The files rejected because their parser was abandoned on them, or died."""
        self.task_id = 0
        self.future: asyncio.Future[list[ReadResult]] | None = None
        self.unexplained_deaths = 0

    def blame(self, index: int, problem: str) -> None:
        """Reject the ``index``-th file of what was last sent, for ``problem``."""
        path = self.sent[index].path
        self.blamed[path] = ReadResult(path, None, None, f"{path}: {problem}")

    def remaining(self) -> list[FileToRead]:
        return [file for file in self.files if file.path not in self.blamed]

    def merge(self, results: list[ReadResult]) -> list[ReadResult]:
        """The results of the whole chunk, in its order: the parser's, and the blamed."""
        if not self.blamed:
            return results
        parsed = iter(results)
        return [self.blamed.get(file.path) or next(parsed) for file in self.files]


def _retrieve(future: asyncio.Future[list[ReadResult]]) -> None:
    """Done callback of a future nobody waits for any more: take its exception, so asyncio
    does not log it as never retrieved."""
    if not future.cancelled():
        future.exception()


class Parsers(Protocol):
    """Where chunks are parsed: in worker processes, or in threads of this process."""

    capacity: int
    """Chunks in flight at once."""

    def submit(self, task: ChunkTask) -> None: ...

    def finished(self, task: ChunkTask) -> None: ...

    def abandon_stuck(self, timeout_s: float) -> None:
        """Abandon every parser on a file for longer than ``timeout_s``; blame the file."""

    def recover(self, task: ChunkTask) -> None:
        """``task``'s worker died: blame its file, replace it, send its chunks again."""

    def close(self, *, wait: bool) -> None: ...


def _stuck_index(slot: ProgressSlot, timeout_s: float) -> tuple[int, int] | None:
    """The task and file index of a slot whose file started more than ``timeout_s`` ago."""
    started = slot[SLOT_STARTED]
    if not started or time.monotonic() - started <= timeout_s:
        return None
    task_id, index = int(slot[SLOT_TASK]), int(slot[SLOT_INDEX])
    if slot[SLOT_STARTED] != started:  # it moved on while we read
        return None
    return task_id, index


def _timed_out(timeout_s: float) -> str:
    return f"parsing took longer than {timeout_s:g} s: abandoned"


class _Worker:
    """One worker process (a pool of one, so that one can be killed and replaced alone)."""

    def __init__(self, context: SpawnContext, options: ParseOptions) -> None:
        self.slot: ProgressSlot = context.RawArray("d", SLOT_SIZE)
        self.pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=context,
            initializer=_start_worker,
            initargs=(os.getpid(), self.slot),
        )
        self.options = options
        self.tasks: list[ChunkTask] = []

    def send(self, task: ChunkTask) -> None:
        task.task_id = next(_TASK_IDS)
        task.sent = task.remaining()
        future = self.pool.submit(_parse_task, task.task_id, task.sent, self.options)
        task.future = asyncio.wrap_future(future)
        self.tasks.append(task)

    def kill(self) -> None:
        pid = int(self.slot[SLOT_PID])
        if pid:
            with suppress(ProcessLookupError):
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        self.pool.shutdown(wait=False, cancel_futures=True)


class ProcessParsers:
    """Worker processes, started with ``spawn`` (this process runs SQLite threads that
    ``fork`` could copy mid-lock) and niced (this process's writing is the critical path)."""

    def __init__(self, count: int, options: ParseOptions) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.options = options
        self.workers = [_Worker(self.context, options) for _ in range(count)]
        self.capacity = CHUNKS_PER_WORKER * count

    def submit(self, task: ChunkTask) -> None:
        worker = min(self.workers, key=lambda worker: len(worker.tasks))
        try:
            worker.send(task)
        except BrokenProcessPool:  # it died while idle (the out-of-memory killer?)
            worker.kill()
            self._replace(worker)
            self.submit(task)

    def finished(self, task: ChunkTask) -> None:
        for worker in self.workers:
            if task in worker.tasks:
                worker.tasks.remove(task)

    def abandon_stuck(self, timeout_s: float) -> None:
        for worker in list(self.workers):
            stuck = _stuck_index(worker.slot, timeout_s)
            if stuck is None:
                continue
            task_id, index = stuck
            task = next((t for t in worker.tasks if t.task_id == task_id), None)
            # A task whose future is done has its results, or its worker died (``recover``).
            if task is not None and task.future is not None and not task.future.done():
                task.blame(index, _timed_out(timeout_s))
                worker.kill()
                self._replace(worker)

    def recover(self, task: ChunkTask) -> None:
        worker = next(w for w in self.workers if task in w.tasks)
        slot = worker.slot
        blamed = next((t for t in worker.tasks if t.task_id == int(slot[SLOT_TASK])), None)
        if slot[SLOT_STARTED] and blamed is not None:
            problem = "the parser died while parsing it (a crash, or out of memory): not loaded"
            blamed.blame(int(slot[SLOT_INDEX]), problem)
        else:
            task.unexplained_deaths += 1
            if task.unexplained_deaths >= _MAX_UNEXPLAINED_DEATHS:
                raise LoadError(
                    task.files[0].path, "parse workers keep dying on this chunk of files"
                )
        worker.kill()
        self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        """A new worker in ``worker``'s place, sent what ``worker`` had not finished."""
        replacement = _Worker(self.context, self.options)
        self.workers[self.workers.index(worker)] = replacement
        for task in worker.tasks:
            old = task.future
            if old is not None and old.done() and not old.cancelled() and not old.exception():
                replacement.tasks.append(task)  # finished before the end: keep its results
                continue
            if old is not None:
                old.add_done_callback(_retrieve)
            replacement.send(task)

    def close(self, *, wait: bool) -> None:
        for worker in self.workers:
            if wait:
                worker.pool.shutdown(wait=True)
            else:
                worker.kill()


class ThreadParsers:
    """One daemon thread per chunk, one chunk at a time: a thread stuck in C code cannot be
    stopped, but being a daemon it never keeps the process alive."""

    capacity = 1

    def __init__(self, options: ParseOptions) -> None:
        self.options = options
        self.loop = asyncio.get_running_loop()
        self.running: dict[int, tuple[threading.Thread, ProgressSlot]] = {}
        self.tasks: list[ChunkTask] = []

    def submit(self, task: ChunkTask) -> None:
        task.task_id = next(_TASK_IDS)
        task.sent = task.remaining()
        future: asyncio.Future[list[ReadResult]] = self.loop.create_future()
        task.future = future
        slot: ProgressSlot = [float(task.task_id), 0.0, 0.0, float(os.getpid())]
        thread = threading.Thread(
            target=self._run, args=(future, task.sent, slot), name="gql-parse", daemon=True
        )
        self.running[task.task_id] = (thread, slot)
        if task not in self.tasks:
            self.tasks.append(task)
        thread.start()

    def _run(
        self, future: asyncio.Future[list[ReadResult]], files: list[FileToRead], slot: ProgressSlot
    ) -> None:
        try:
            results = read_and_parse(files, self.options, slot)
        except BaseException as exc:  # _Abandoned, or a bug: the waiting side decides
            outcome: list[ReadResult] | BaseException = exc
        else:
            outcome = results
        with suppress(RuntimeError):  # the loop is closed: nobody waits any more
            self.loop.call_soon_threadsafe(_settle, future, outcome)

    def finished(self, task: ChunkTask) -> None:
        self.running.pop(task.task_id, None)
        self.tasks.remove(task)

    def abandon_stuck(self, timeout_s: float) -> None:
        for task in list(self.tasks):
            stuck = _stuck_index(self.running[task.task_id][1], timeout_s)
            if stuck is None or task.future is None or task.future.done():
                continue
            task.blame(stuck[1], _timed_out(timeout_s))
            self._interrupt(task)
            self.submit(task)

    def _interrupt(self, task: ChunkTask) -> None:
        thread, _ = self.running.pop(task.task_id)
        if task.future is not None:
            task.future.add_done_callback(_retrieve)
        set_async_exc = getattr(ctypes.pythonapi, "PyThreadState_SetAsyncExc", None)
        if set_async_exc is not None and thread.ident is not None:
            set_async_exc(ctypes.c_ulong(thread.ident), ctypes.py_object(_Abandoned))

    def recover(self, task: ChunkTask) -> None:
        raise AssertionError("threads do not break like process pools")

    def close(self, *, wait: bool) -> None:
        if not wait:
            for task in list(self.tasks):
                if task.task_id in self.running:
                    self._interrupt(task)


def _settle(
    future: asyncio.Future[list[ReadResult]], outcome: list[ReadResult] | BaseException
) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _parse_task(task_id: int, files: list[FileToRead], options: ParseOptions) -> list[ReadResult]:
    """Worker-process entry: ``read_and_parse`` reporting in this process's slot."""
    slot = _SLOT
    if slot is not None:
        slot[SLOT_STARTED] = 0.0
        slot[SLOT_TASK] = task_id
    return read_and_parse(files, options, slot)


def _start_worker(parent_pid: int, slot: ProgressSlot) -> None:
    """Worker-process initializer: die with the parent, report in ``slot``, yield the
    cores to the writing process when it needs one, and skip the cyclic collector."""
    _die_with(parent_pid)
    global _SLOT
    _SLOT = slot
    slot[SLOT_PID] = os.getpid()
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)
    # The worker lives for one load and makes only acyclic garbage (records freed by
    # reference counting once sent back).
    gc.disable()


def _die_with(parent_pid: int) -> None:
    """Make this process end when ``parent_pid`` does: a worker left behind by a killed
    load would parse on for nothing, holding memory and a core."""
    if not _death_signal_set():
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the kernel was asked
        os._exit(1)


def _death_signal_set() -> bool:
    """Ask Linux to SIGKILL this process when its parent ends; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return bool(prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCH_INTERVAL_S)
    os._exit(1)
