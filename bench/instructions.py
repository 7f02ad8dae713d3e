"""Instructions per request of checkouts, in process, counted by valgrind: no noise.

``python -m bench.instructions --db DB CHECKOUT... [--scenario topic_page] [--requests 60]``

CPU time on a shared 2-core machine moves by ±15% between rounds of the same code
(``bench.cpu`` needs many interleaved rounds to see 5%); the instructions a request
executes do not. Each checkout's app (its ``.venv``'s Python, its own ``gql``, response
cache, access log and metrics off) is run twice under ``valgrind --tool=cachegrind
--cache-sim=no``: warmed by 5 requests and stopped, then warmed and sent ``--requests``
more POSTs of the scenario straight through ASGI (``bench.overhead``); the difference of
the two counts, divided by the requests, is one request's instructions, SQLite's included
(start-up and warm-up cancel out). Slow (~30 s a run), and what it counts is
instructions, not time: a cache miss or a system call counts one. Prints a line per
scenario and checkout, and each checkout's ratio to the first.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

RUN = """
import asyncio, json, sys
from pathlib import Path
sys.path.insert(0, {checkout!r})
from bench.catalog import scenario
from bench.overhead import _requests, _started
from gql.app import create_app
from gql.settings import Settings

async def main() -> None:
    db = Path({db!r})
    app = create_app(Settings(db_path=db, response_cache_entries=0, access_log=False,
                              metrics=False))
    state, stop, task = await _started(app)
    found = scenario({scenario!r})
    body = json.dumps({{"query": found.document, "variables": found.variables(db)}}).encode()
    await _requests(app, state, body, 5)
    if {count}:
        await _requests(app, state, body, {count})
    stop.set()
    await task

asyncio.run(main())
"""

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def count(checkout: Path, db: Path, scenario: str, requests: int) -> int:
    """Instructions of one run of ``checkout``'s app sending ``requests`` POSTs."""
    code = RUN.format(checkout=str(checkout), db=str(db), scenario=scenario, count=requests)
    done = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            str(checkout / ".venv" / "bin" / "python"),
            "-c",
            code,
        ],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        capture_output=True,
        text=True,
        check=True,
    )
    found = _REFS.search(done.stderr)
    if found is None:
        raise SystemExit(f"{checkout}: no instruction count in valgrind's output")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", type=Path, nargs="+")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--scenario", action="append", dest="scenarios")
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed: apt-get install valgrind")
    scenarios = args.scenarios or ["front_page", "topic_page", "deep_traversal"]
    for name in scenarios:
        first: float | None = None
        for checkout in args.checkouts:
            checkout = checkout.resolve()
            base = count(checkout, args.db.resolve(), name, 0)
            total = count(checkout, args.db.resolve(), name, args.requests)
            per_request = (total - base) / args.requests
            first = per_request if first is None else first
            print(
                f"{name:15} {per_request / 1e6:8.3f} M instructions/request"
                f" {per_request / first:.3f}x  {checkout}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
