"""Where a request's time goes: cProfile of the in-process ``schema.execute`` of a scenario.

``python -m bench.hotspots DB [--scenario front_page] [--requests 200]`` opens the store the
way the server does, runs the scenario's document through the real schema with a fresh
context per request (so DataLoaders are per request, as in production), and prints the
mean time per request and the functions with the most time (own and cumulative). No HTTP,
so this is the GraphQL + store share of a request.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.catalog import scenario
from gql.graph.context import Context
from gql.graph.schema import build_schema
from gql.settings import Settings
from gql.store import Store


async def _execute(db_path: Path, name: str, requests: int, profile: cProfile.Profile) -> float:
    item = scenario(name)
    document, variables = item.document, item.variables(db_path)
    settings = Settings(db_path=db_path)
    schema = build_schema()
    store = await Store.open(db_path, read_connections=settings.read_connections)
    try:
        for _ in range(5):
            warm = await schema.execute(
                document,
                variable_values=variables,
                context_value=Context.for_request(store, settings),
            )
            assert warm.errors is None, warm.errors
        started = time.perf_counter()
        profile.enable()
        for _ in range(requests):
            await schema.execute(
                document,
                variable_values=variables,
                context_value=Context.for_request(store, settings),
            )
        profile.disable()
        return (time.perf_counter() - started) / requests
    finally:
        await store.close()


def profile_scenario(db_path: Path, name: str, requests: int, top: int) -> str:
    """The report: mean ms per request (under the profiler) and the top functions."""
    profile = cProfile.Profile()
    mean_s = asyncio.run(_execute(db_path, name, requests, profile))
    out = io.StringIO()
    out.write(f"{name} on {db_path}: {mean_s * 1000:.2f} ms per request under cProfile\n")
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__)
    parser.add_argument("db", type=Path, help="a database built by gql load")
    parser.add_argument("--scenario", default="front_page")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    print(profile_scenario(args.db, args.scenario, args.requests, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
