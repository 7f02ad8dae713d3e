"""CPU time per request of two checkouts, in process, side by side: interleaved, medians.

``python -m bench.cpu --baseline /path/to/old --candidate . --db DB [--scenario topic_page]
[--requests 40] [--rounds 9]``

Each checkout runs in a process of its own (its ``.venv``'s Python, its own ``gql`` on the
path), its app driven straight through ASGI as ``bench.overhead`` drives it (no sockets, no
HTTP server), with the access log and metrics off and the response cache off. Rounds of
``--requests`` POSTs alternate between the two (baseline first on even rounds, candidate
first on odd ones); the figure per round is the process's CPU time per request (its
SQLite threads' included), which other processes on a busy machine inflate far less than
wall-clock time. Prints per scenario the median and fastest round of each and
``candidate / baseline`` of both: what a change to the execution path saves, without the
HTTP server's share and without wrk's noise.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

WORKER = """
import asyncio, gc, json, sys
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
    bodies = {{}}
    for name in {scenarios!r}:
        found = scenario(name)
        body = json.dumps({{"query": found.document, "variables": found.variables(db)}})
        bodies[name] = body.encode()
        await _requests(app, state, bodies[name], 20)  # warm: compiled, caches full
    print("ready", flush=True)
    for line in sys.stdin:
        name, count = line.split()
        gc.collect()  # each round starts from the same heap, not from the last one's garbage
        print(await _requests(app, state, bodies[name], int(count)), flush=True)
    stop.set()
    await task

asyncio.run(main())
"""


def _worker(checkout: Path, db: Path, scenarios: list[str]) -> subprocess.Popen[str]:
    python = checkout / ".venv" / "bin" / "python"
    code = WORKER.format(checkout=str(checkout), db=str(db), scenarios=scenarios)
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    process = subprocess.Popen(
        [str(python), "-c", code],
        cwd=checkout,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if line != "ready":
        raise SystemExit(f"{checkout}: the worker did not start ({line!r})")
    return process


def _round(process: subprocess.Popen[str], name: str, count: int) -> float:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{name} {count}\n")
    process.stdin.flush()
    return float(process.stdout.readline())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--candidate", type=Path, default=Path("."))
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--scenario", action="append", dest="scenarios")
    parser.add_argument("--requests", type=int, default=40, help="requests per round")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    scenarios = args.scenarios or ["front_page", "topic_page", "deep_traversal"]
    sides = {
        "baseline": _worker(args.baseline.resolve(), args.db.resolve(), scenarios),
        "candidate": _worker(args.candidate.resolve(), args.db.resolve(), scenarios),
    }
    times: dict[str, dict[str, list[float]]] = {name: {} for name in scenarios}
    try:
        for number in range(args.rounds):
            order = list(sides) if number % 2 == 0 else list(sides)[::-1]
            for name in scenarios:
                for side in order:
                    seconds = _round(sides[side], name, args.requests)
                    times[name].setdefault(side, []).append(seconds)
    finally:
        for process in sides.values():
            assert process.stdin is not None
            process.stdin.close()
            process.wait()
    report: dict[str, Any] = {}
    for name, by_side in times.items():
        base, cand = by_side["baseline"], by_side["candidate"]
        report[name] = {
            "baseline_median_us": round(statistics.median(base) * 1e6, 1),
            "candidate_median_us": round(statistics.median(cand) * 1e6, 1),
            "median_ratio": round(statistics.median(cand) / statistics.median(base), 3),
            "baseline_fastest_us": round(min(base) * 1e6, 1),
            "candidate_fastest_us": round(min(cand) * 1e6, 1),
            "fastest_ratio": round(min(cand) / min(base), 3),
        }
        print(
            f"{name:15} baseline {statistics.median(base) * 1e6:8.0f} µs"
            f" candidate {statistics.median(cand) * 1e6:8.0f} µs"
            f" ratio {report[name]['median_ratio']:.3f}"
            f" (fastest rounds {min(base) * 1e6:.0f} / {min(cand) * 1e6:.0f} µs,"
            f" {report[name]['fastest_ratio']:.3f})",
            file=sys.stderr,
        )
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
