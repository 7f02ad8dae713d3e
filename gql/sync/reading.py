"""Reading and parsing one chunk of changed files: the work of a parser, in any process.

``read_and_parse`` turns a chunk of ``FileToRead`` into ``ReadResult``s and never raises
for a bad file. A file is read only if it is still the one discovery found: opened
without following a final symbolic link and without blocking (a FIFO swapped in), it
must be a regular file with the device, inode, size and modification time discovery saw,
so a file replaced by a link out of the roots, or changed while the load runs, is
reported rather than read; and a file larger than ``IngestLimits.max_file_bytes`` is
rejected from its ``stat``, before any of it is read. The parser reports the file it is
on in a ``ProgressSlot``, so that the load can abandon a parser stuck on one file.
"""

from __future__ import annotations

import errno
import os
import stat as stat_module
import time
from collections.abc import MutableSequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

from gql.errors import IngestError
from gql.ingest import DEFAULT_LIMITS, IngestLimits, ParsedFile, parse_file
from gql.sync.changes import digest

READ_THREADS = 8  # disk requests in flight per parser

# Not following a final symbolic link, and never blocking on a FIFO (O_NONBLOCK does not
# change reads of a regular file).
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)

ProgressSlot = MutableSequence[float]
"""Where a parser says what it is doing (a shared array for a worker process): the task,
the index of the file in it, when that file was started (``time.monotonic``; 0 when
between files) and the parser's process id."""
SLOT_TASK, SLOT_INDEX, SLOT_STARTED, SLOT_PID = range(4)
SLOT_SIZE = 4


class FileParser(Protocol):
    """What turns one file's bytes into a record: ``gql.ingest.parse_file``."""

    def __call__(self, path: Path, data: bytes, *, limits: IngestLimits) -> ParsedFile: ...


@dataclass(frozen=True)
class ParseOptions:
    """How a parser reads and parses each file (sent with every chunk, so it pickles)."""

    limits: IngestLimits = DEFAULT_LIMITS
    parse: FileParser = parse_file
    """The parser of one file; tests give one that hangs or crashes on purpose."""


DEFAULT_OPTIONS = ParseOptions()


class FileToRead(NamedTuple):
    """A changed file, as discovery found it: what to open, and what it must still be."""

    path: str
    """Its name in the load (a link's own path)."""
    open_path: str
    """What to open: the path, or a link's target."""
    device: int
    """``st_dev``, ``st_ino``, ``st_size`` and ``st_mtime_ns`` when found; a device of -1
    (a file loaded earlier from another root) asks only for a regular file."""
    inode: int
    size: int
    mtime_ns: int


def file_to_read(path: str, stat: os.stat_result | None, target: str | None) -> FileToRead:
    """The ``FileToRead`` of a file found at ``path`` with ``stat`` (``None``: not found by
    this load's discovery), leading to ``target`` when it is a link."""
    if stat is None:
        return FileToRead(path, path, -1, -1, -1, -1)
    return FileToRead(
        path, target or path, stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns
    )


class ReadResult(NamedTuple):
    """One file read and parsed, as a parser sends it back (a tuple, cheap to pickle)."""

    path: str
    digest: str | None
    """The digest of the bytes read; ``None`` when the file could not be read."""
    parsed: ParsedFile | None
    """The parsed file; ``None`` when it was rejected."""
    problem: str | None
    """Why the file was rejected, naming it; ``None`` when it parsed."""


def _read(file: FileToRead, limits: IngestLimits) -> bytes | str:
    """The bytes of ``file``, or why they were not read."""
    try:
        fd = os.open(file.open_path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "became a symbolic link while the load ran: not read"
        return f"cannot read: {exc.strerror or exc}"
    try:
        found = os.fstat(fd)
        if not stat_module.S_ISREG(found.st_mode):
            return "is no longer a regular file: not read"
        if file.device != -1 and (
            found.st_dev != file.device
            or found.st_ino != file.inode
            or found.st_size != file.size
            or found.st_mtime_ns != file.mtime_ns
        ):
            return "changed while the load ran: not read (its last version stays; load again)"
        if found.st_size > limits.max_file_bytes:
            return limits.file_too_large(found.st_size)
        data = _read_up_to(fd, found.st_size + 1)
        if file.device != -1 and len(data) != file.size:
            return "changed while the load ran: not read (its last version stays; load again)"
        return data
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    finally:
        os.close(fd)


def _read_up_to(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes of ``fd``: its whole content when it has fewer. One read when
    the file has ``size - 1`` bytes, as its ``stat`` said (a second would only say EOF)."""
    data = os.read(fd, size)
    if len(data) >= size - 1:
        return data
    parts = [data]
    left = size - len(data)
    while left > 0 and (part := os.read(fd, left)):
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _read_all(files: list[FileToRead], limits: IngestLimits) -> list[bytes | str]:
    return [_read(file, limits) for file in files]


def read_and_parse(
    files: list[FileToRead],
    options: ParseOptions = DEFAULT_OPTIONS,
    slot: ProgressSlot | None = None,
) -> list[ReadResult]:
    """Read, digest and parse files, in the order given; never raises for a bad file.

    ``slot``, when given, is told which file is being parsed and when it started.
    """
    results: list[ReadResult] = []
    # A file not in the page cache costs a disk round trip: read the chunk in a few
    # threads, each its own slice (one task per thread, not per file, which would cost
    # more than a warm read), so the waits overlap. 100k files with the page cache dropped
    # first: 32.2 s -> 25.6 s; warm: unchanged (23.0-23.4 s).
    limits, parse = options.limits, options.parse
    slices = [files[i::READ_THREADS] for i in range(READ_THREADS)]
    with ThreadPoolExecutor(max_workers=READ_THREADS) as readers:
        read = list(readers.map(_read_all, slices, [limits] * READ_THREADS))
    contents: list[bytes | str] = [b""] * len(files)
    for i, part in enumerate(read):
        contents[i::READ_THREADS] = part
    for index, (file, data) in enumerate(zip(files, contents, strict=True)):
        name = file.path
        if isinstance(data, str):
            results.append(ReadResult(name, None, None, f"{name}: {data}"))
            continue
        if slot is not None:
            # Cleared first, so that a reader of the slot never pairs this start with
            # the previous file.
            slot[SLOT_STARTED] = 0.0
            slot[SLOT_INDEX] = index
            slot[SLOT_STARTED] = time.monotonic()
        try:
            parsed = parse(Path(name), data, limits=limits)
            results.append(ReadResult(name, digest(data), parsed, None))
        except IngestError as exc:
            results.append(ReadResult(name, digest(data), None, str(exc)))
        except Exception as exc:  # one odd file must never stop a load
            # The type only: a library's message may quote a value of the file.
            problem = f"{name}: unexpected {type(exc).__name__} while parsing"
            results.append(ReadResult(name, digest(data), None, problem))
    if slot is not None:
        slot[SLOT_STARTED] = 0.0
    return results
