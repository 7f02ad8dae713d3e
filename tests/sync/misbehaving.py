"""A file parser that misbehaves on purpose, for the tests of abandoned parsers.

It is ``gql.ingest.parse_file`` except for files named after a misbehaviour: ``spin-*``
loops in Python forever, ``sleep-*`` waits in C code (where no exception reaches it; it
first leaves a ``.sleeping`` file next to itself), and ``crash-*`` kills its own process,
as the out-of-memory killer would. It lives in a module of its own so that worker
processes, which are spawned, can import it by name.

``python -m tests.sync.misbehaving FOLDER`` parses the files of FOLDER with it in worker
processes, as a load would: a stand-in for ``gql load`` that a test can kill while a
worker is busy.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from gql.ingest import IngestLimits, ParsedFile, parse_file
from gql.sync import workers
from gql.sync.reading import ParseOptions, file_to_read

# Long enough to outlast any test's wait for what happens at once; short enough that a
# thread left sleeping does not outlive the test session by much.
SLEEP_S = 60


def parse_or_misbehave(path: Path, data: bytes, *, limits: IngestLimits) -> ParsedFile:
    """``parse_file``, or the misbehaviour the file's name asks for."""
    if path.name.startswith("spin-"):
        while True:
            pass
    if path.name.startswith("sleep-"):
        path.with_suffix(".sleeping").touch()
        time.sleep(SLEEP_S)
    if path.name.startswith("crash-"):
        os.kill(os.getpid(), signal.SIGKILL)
    return parse_file(path, data, limits=limits)


async def _parse_folder(folder: Path) -> None:
    files = [file_to_read(str(p), p.stat(), None) for p in sorted(folder.glob("*.md"))]
    options = ParseOptions(parse=parse_or_misbehave)
    async for chunk in workers.parsed_chunks(files, options=options, parse_timeout_s=3600):
        print(len(chunk), flush=True)


if __name__ == "__main__":
    workers.PARALLEL_MIN_FILES = 1
    asyncio.run(_parse_folder(Path(sys.argv[1])))
