"""gql on SQLite, gql on PostgreSQL and PostGraphile on the same PostgreSQL, side by side.

    python -m bench.backends --db /work/benchdata/gql-10k-v6.db \\
        --corpus /work/benchdata/corpus-10k --rounds 3

1. starts a throwaway PostgreSQL cluster (``bench/postgraphile.py``) and in it: the
   database ``gql``, a copy of the SQLite file for PostGraphile (``bench/pgcopy.py``:
   its tables with the keys and indexes its plans need), and the database ``gqlpg``,
   filled by ``gql load --db postgresql://…/gqlpg CORPUS`` (gql's own PostgreSQL schema);
   ``--db`` must be the same corpus loaded into SQLite;
2. serves all three: ``gql serve --db FILE``, ``gql serve --db postgresql://…/gqlpg``
   (both ``--workers N --response-cache 0``) and PostGraphile 5 over ``gql``;
3. per scenario, checks that the three answer with the same data (PostGraphile's after
   renaming keys), then runs the rounds interleaved, as ``bench.ratios`` does, and prints
   the medians, their ratios and ``bench/out/backends/backends.json``.

Both PostgreSQL databases live in one cluster, so PostGraphile and gql's PostgreSQL
backend read the same server with the same settings: the fairest comparison there is.
Nothing here asserts a figure.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import postgraphile
from bench.catalog import SCENARIOS, Scenario
from bench.ratio_report import TIMES
from bench.ratios import CONNECTIONS, Side, _side, interleave, load_average, same_data, summary
from bench.servers import Server, gql_command, gql_server

DATABASE = "gqlpg"
DEFAULT_SCENARIOS = ("front_page", "deep_traversal")


def load_postgres(cluster: postgraphile.Cluster, corpus: Path, log_path: Path) -> str:
    """``gql load`` of ``corpus`` into a new database of ``cluster``; its URL."""
    subprocess.run(
        cluster.psql("-c", f"CREATE DATABASE {DATABASE}", database="postgres"), check=True
    )
    url = cluster.url.replace("postgres://", "postgresql://").rsplit("/", 1)[0] + f"/{DATABASE}"
    with log_path.open("ab") as log:
        subprocess.run(
            [*gql_command(), "load", "--db", url, str(corpus)],
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return url


def _same_answers(a: Server, b: Server, item: Scenario, db: Path) -> list[str]:
    """Where two gql servers' answers to the scenario differ (nothing: the same JSON)."""
    body = item.body(db)
    left, right = a.post(body), b.post(body)
    left.pop("extensions", None)
    right.pop("extensions", None)
    return [] if left == right else [f"{a.name} and {b.name} answer {item.name} differently"]


def measure(args: argparse.Namespace, scenarios: list[Scenario]) -> dict[str, Any]:
    out: Path = args.out
    result: dict[str, Any] = {"cells": []}
    with ExitStack() as stack:
        cluster = stack.enter_context(postgraphile.cluster(out / "pg"))
        print(f"PostgreSQL {cluster.version}: copying {args.db}", file=sys.stderr)
        result["pg_copy_s"] = round(postgraphile.load_copy(cluster, args.db), 1)
        print(f"gql load into PostgreSQL: {args.corpus}", file=sys.stderr)
        url = load_postgres(cluster, args.corpus, out / "gql-load.log")
        peer = stack.enter_context(
            postgraphile.postgraphile_server(cluster, log_path=out / "postgraphile.log")
        )
        result["versions"] = {
            "postgresql": cluster.query("SHOW server_version"),
            **postgraphile.postgraphile_versions(),
        }
        for workers in args.workers:
            connections = CONNECTIONS.get(workers, 16 * workers)
            with ExitStack() as servers:
                on_sqlite, on_postgres = (
                    servers.enter_context(
                        gql_server(db, workers=workers, explain=False, log_path=out / log)
                    )
                    for db, log in (
                        (args.db, f"gql-sqlite-{workers}w.log"),
                        (url, f"gql-pg-{workers}w.log"),
                    )
                )
                for item in scenarios:
                    result["cells"].append(
                        _cell(args, item, workers, connections, on_sqlite, on_postgres, peer)
                    )
    return result


def _cell(
    args: argparse.Namespace,
    item: Scenario,
    workers: int,
    connections: int,
    on_sqlite: Server,
    on_postgres: Server,
    peer: Server,
) -> dict[str, Any]:
    """One scenario at one worker count: same data checked, then the rounds."""
    print(f"{item.name}, {workers}w, wrk -c{connections}", flush=True)
    differences = same_data(on_sqlite, peer, item, args.db)
    differences += _same_answers(on_sqlite, on_postgres, item, args.db)
    for line in differences:
        print(f"  DATA DIFFERS: {line}", flush=True)
    pg_body = item.postgraphile_body(args.db)
    assert pg_body is not None
    sides: list[Side] = [
        _side("gql-sqlite", on_sqlite, item.body(args.db), args.duration),
        _side("gql-postgres", on_postgres, item.body(args.db), args.duration),
        _side("postgraphile", peer, pg_body, args.duration),
    ]
    interleave(sides, rounds=args.rounds, warmup_s=args.warmup, connections=connections)
    cell: dict[str, Any] = {
        "scenario": item.name,
        "workers": workers,
        "connections": connections,
        "differences": differences,
    }
    for side in sides:
        cell[side.name] = summary(side)
    return cell


def render(result: dict[str, Any]) -> str:
    """The result as a Markdown table with the command that made it."""
    lines = [
        "| scenario | workers | gql on SQLite req/s | gql on PostgreSQL req/s |"
        " PostGraphile req/s | **gql PG / PostGraphile** | gql SQLite / gql PG |"
        " p99 ms (SQLite / PG / PostGraphile) |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for cell in result["cells"]:
        s, p, g = cell["gql-sqlite"], cell["gql-postgres"], cell["postgraphile"]
        lines.append(
            f"| {cell['scenario'].replace('_', ' ')} | {cell['workers']} (c{cell['connections']})"
            f" | {s['rps']:,.0f} | {p['rps']:,.0f} | {g['rps']:,.0f}"
            f" | **{p['rps'] / g['rps']:.2f}{TIMES}** | {s['rps'] / p['rps']:.2f}{TIMES}"
            f" | {s['p99_ms']:,.0f} / {p['p99_ms']:,.0f} / {g['p99_ms']:,.0f} |"
        )
    lines += ["", "```", result["command"], "```"]
    return "\n".join(lines)


def _int_list(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.backends", description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="the corpus loaded into SQLite")
    parser.add_argument("--corpus", type=Path, required=True, help="the corpus's folder")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per round")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=_int_list, default=(2,), help="default 2")
    parser.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS))
    parser.add_argument("--out", type=Path, default=Path("bench/out/backends"))
    args = parser.parse_args(arguments)
    wanted = args.scenarios.split(",")
    scenarios = [s for s in SCENARIOS if s.name in wanted and s.postgraphile_document_file]
    args.out.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    load_before = load_average()
    result = measure(args, scenarios)
    result |= {
        "command": shlex.join(["python", "-m", "bench.backends", *arguments]),
        "when": started.strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg": [load_before, load_average()],
    }
    (args.out / "backends.json").write_text(json.dumps(result, indent=2) + "\n")
    print(render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
