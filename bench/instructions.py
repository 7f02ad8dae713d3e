"""Instructions per request of two checkouts, counted by valgrind: figures load cannot blur.

``python -m bench.instructions --baseline ../baseline --candidate . --db DB``
runs each document of ``bench.cpu`` through the app in process (ASGI, no sockets) under
``valgrind --tool=cachegrind`` (instructions executed, every thread: SQLite's too), once
with ``--requests`` and once with twice as many after the same warm-up; the difference
over the extra requests is what one request costs, start-up and warm-up cancelled out.
On a shared machine, where CPU time moves by tens of percent with the other processes,
these counts repeat to a fraction of a percent; they do not weigh cache misses or
branch mispredictions, so they say how much work a change removes, not its exact time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

_TOTAL = re.compile(r"^summary:\s+(\d+)", re.MULTILINE)


async def _child(db: Path, body: str, warm: int, requests: int) -> None:
    """In the checkout measured: warm up, then send ``requests`` more POSTs of ``body``."""
    from bench.overhead import _requests, _started
    from gql.app import create_app
    from gql.settings import Settings

    settings = Settings(db_path=db, response_cache_entries=0, access_log=False, metrics=False)
    app = create_app(settings)
    state, stop, task = await _started(app)
    await _requests(app, state, body.encode(), warm)
    if requests:
        await _requests(app, state, body.encode(), requests)
    stop.set()
    await task


def _count(checkout: Path, db: Path, body: str, requests: int, env: dict[str, str]) -> int:
    """Instructions of one child run (cachegrind's summary line)."""
    python = checkout / ".venv" / "bin" / "python"
    with tempfile.NamedTemporaryFile(prefix="gql-cachegrind-") as out:
        command = [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            f"--cachegrind-out-file={out.name}",
            str(python),
            __file__,
            "--child",
            str(checkout),
            str(db),
            body,
            str(requests),
        ]
        subprocess.run(command, cwd=checkout, capture_output=True, check=True, env=env)
        found = _TOTAL.search(Path(out.name).read_text(encoding="utf-8"))
    assert found is not None, "no summary in cachegrind's output"
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        checkout, db, body, requests = argv[1:]
        sys.path[0] = checkout
        asyncio.run(_child(Path(db), body, 20, int(requests)))
        return 0
    if __package__ in (None, ""):
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.catalog import scenario
    from bench.cpu import FIXED, SCENARIOS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--candidate", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--documents", nargs="*", default=[*FIXED, *SCENARIOS])
    parser.add_argument("--baseline-env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    runs = {
        "baseline": (
            args.baseline.resolve(),
            {**os.environ, **dict(item.split("=", 1) for item in args.baseline_env)},
        ),
        "candidate": (args.candidate.resolve(), dict(os.environ)),
    }
    print(f"{'document':16} {'baseline k':>11} {'candidate k':>12} {'ratio':>7}  (instructions)")
    for document in args.documents:
        fixed = FIXED.get(document)
        body = json.dumps({"query": fixed} if fixed else scenario(document).body(args.db))
        per: dict[str, float] = {}
        for name, (checkout, env) in runs.items():
            once = _count(checkout, args.db, body, args.requests, env)
            twice = _count(checkout, args.db, body, 2 * args.requests, env)
            per[name] = (twice - once) / args.requests / 1000
        base, cand = per["baseline"], per["candidate"]
        print(f"{document:16} {base:11.0f} {cand:12.0f} {cand / base:7.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
