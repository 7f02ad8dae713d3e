"""CPU time per search-page request of several checkouts, side by side, in process.

The search page is SQL-bound: its cost is the CPU its statements take in SQLite's threads
plus the request's own Python. ``time.process_time`` counts both, and other load on a
shared machine inflates it far less than wall-clock time. Each round runs every checkout
in turn (its own code and virtualenv, a fresh process: the app driven straight through
ASGI, warmed, then ``--requests`` requests), the order alternating between rounds; the
medians and their ratio to the first checkout are printed.

    python -m bench.search_cpu --db /work/benchdata/gql-100k-v6.db \\
        /work/wt/baseline-s10 .
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

WARM_REQUESTS = 3


async def _measure(db: Path, scenario_name: str, requests: int) -> float:
    """CPU seconds per request of the scenario on this checkout."""
    from bench.catalog import scenario
    from bench.overhead import _requests, _started
    from gql.app import create_app
    from gql.settings import Settings

    item = scenario(scenario_name)
    app = create_app(Settings(db_path=db, response_cache_entries=0))
    state, stop, task = await _started(app)
    body = json.dumps({"query": item.document, "variables": item.variables(db)}).encode()
    await _requests(app, state, body, WARM_REQUESTS)
    seconds = await _requests(app, state, body, requests)
    stop.set()
    await task
    return seconds


def _run(checkout: Path, db: Path, scenario_name: str, requests: int) -> float:
    checkout = checkout.resolve()
    venv = checkout / ".venv" / "bin" / "python"
    result = subprocess.run(
        [
            str(venv if venv.exists() else sys.executable),
            __file__,
            "--measure",
            "--db",
            str(db),
            "--scenario",
            scenario_name,
            "--requests",
            str(requests),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
    )
    return float(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", type=Path, nargs="*")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--scenario", default="search_page")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(asyncio.run(_measure(args.db, args.scenario, args.requests)))
        return 0
    times: dict[Path, list[float]] = {checkout: [] for checkout in args.checkouts}
    for number in range(args.rounds):
        order = args.checkouts if number % 2 == 0 else args.checkouts[::-1]
        for checkout in order:
            times[checkout].append(_run(checkout, args.db, args.scenario, args.requests))
    first = statistics.median(times[args.checkouts[0]])
    for checkout, values in times.items():
        median = statistics.median(values)
        print(
            f"{median * 1e3:8.1f} ms CPU/request  {first / median:5.2f}x  {checkout}"
            f"  (rounds: {', '.join(f'{v * 1e3:.1f}' for v in values)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
