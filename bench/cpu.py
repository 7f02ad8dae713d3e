"""CPU per request of two checkouts, in process, side by side: the request path's own cost.

``python -m bench.cpu --baseline ../baseline --candidate . --db DB [--rounds 7]``
runs, for each checkout in turn (interleaved: baseline, candidate, baseline, ...), a
child process with that checkout's own ``.venv`` and code, which builds the app and
sends it each document's POST straight through ASGI (``bench.overhead``: no sockets,
``time.process_time``), and reports the fastest of a few series per document. The table
gives the median over rounds of each and their ratio. Over HTTP the server's own share
and the machine's load blur differences of a few tens of microseconds; this sees them.

Documents: ``{ __typename }`` and one article's title (the fixed cost of a request),
an invalid document (of a request error) and the bench scenarios (``bench.catalog``).
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
from typing import Any

FIXED = {
    "typename": "{ __typename }",
    "one_title": "{ articles(first: 1) { nodes { title } } }",
    # Not a field of the schema: the fixed cost of a request error (validation, cached).
    "invalid": "{ corpus { articles } }",
}
SCENARIOS = ("front_page", "topic_page", "article_page", "deep_traversal")


async def _child(db: Path, requests: int, series: int) -> dict[str, float]:
    """In the checkout measured: the fastest series' CPU µs per request, per document."""
    from bench.catalog import scenario
    from bench.overhead import _requests, _started
    from gql.app import create_app
    from gql.settings import Settings

    settings = Settings(db_path=db, response_cache_entries=0, access_log=False, metrics=False)
    app = create_app(settings)
    state, stop, task = await _started(app)
    bodies = {name: {"query": query} for name, query in FIXED.items()}
    for name in SCENARIOS:
        bodies[name] = scenario(name).body(db)
    found: dict[str, float] = {}
    for name, body in bodies.items():
        encoded = json.dumps(body).encode()
        await _requests(app, state, encoded, max(requests // 2, 5))
        times = [await _requests(app, state, encoded, requests) for _ in range(series)]
        found[name] = min(times) * 1e6
    stop.set()
    await task
    return found


def _run_child(
    checkout: Path, db: Path, requests: int, series: int, env: dict[str, str]
) -> dict[str, float]:
    """One round of ``checkout``: this file run as a child with that checkout's Python,
    whose ``gql`` and ``bench`` packages are the checkout's own."""
    python = checkout / ".venv" / "bin" / "python"
    command = [str(python), __file__, "--child", str(checkout), str(db), str(requests), str(series)]
    out = subprocess.run(command, cwd=checkout, capture_output=True, text=True, check=True, env=env)
    found: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        checkout, db, requests, series = argv[1:]
        sys.path[0] = checkout
        found = asyncio.run(_child(Path(db), int(requests), int(series)))
        print(json.dumps(found))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--candidate", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="requests per series")
    parser.add_argument("--series", type=int, default=5, help="series per document and round")
    parser.add_argument(
        "--baseline-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the baseline's runs only (a setting: GQL_*),"
        " e.g. the candidate itself with one lever off",
    )
    args = parser.parse_args(argv)
    envs = {
        "baseline": {**os.environ, **dict(item.split("=", 1) for item in args.baseline_env)},
        "candidate": dict(os.environ),
    }
    checkouts = {"baseline": args.baseline.resolve(), "candidate": args.candidate.resolve()}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    for number in range(args.rounds):
        order = list(checkouts) if number % 2 == 0 else list(checkouts)[::-1]
        for name in order:
            found = _run_child(checkouts[name], args.db, args.requests, args.series, envs[name])
            runs[name].append(found)
    print(f"{'document':16} {'baseline µs':>12} {'candidate µs':>13} {'ratio':>7}")
    for document in runs["baseline"][0]:
        medians: dict[str, Any] = {
            name: statistics.median(run[document] for run in found) for name, found in runs.items()
        }
        base, cand = medians["baseline"], medians["candidate"]
        print(f"{document:16} {base:12.0f} {cand:13.0f} {cand / base:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
