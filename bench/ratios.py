"""gql against PostGraphile (and datasette-graphql), side by side in one run: the ratios.

Absolute req/s move by ±40% between days on these shared machines; a ratio measured in
one run, with the rounds of both servers interleaved, does not. So this::

    python -m bench.ratios --db bench/out/gql-10000.db --rounds 3

1. copies the gql database into a throwaway PostgreSQL cluster (``bench/pgcopy.py``) and
   starts PostGraphile 5 over it (``bench/postgraphile.py``), and datasette-graphql over
   its own copy (``bench/peer.py``) unless ``--no-datasette``;
2. for each gql worker count (1 at ``wrk -c8``, 2 at ``wrk -c32``: the connections that
   keep that many workers busy), starts ``gql serve --workers N --response-cache 0``;
3. for each scenario, checks that gql and PostGraphile answer with the same data (after
   renaming keys, ``bench/samedata.py``), warms every server up, then runs the rounds
   interleaved (gql, peer, gql, peer, ...; the order flips every round so that a drift of
   the machine hits both alike), each one ``wrk`` run of ``--duration`` seconds;
4. prints each round, and the median req/s, median p99 and ``gql / peer`` per scenario,
   writes them to ``bench/out/ratios/ratios.json`` and, with ``--markdown``, to the
   leading section of BENCHMARKS.md.

Idle servers stay up between their rounds: an idle uvicorn, Node or PostgreSQL takes no
CPU, and no server is measured cold after a restart. The machine's load from others (the
busy share of its cores while nothing of this run is working) is sampled before and after.
Nothing here asserts a figure; the targets of issue 13 are reported, not enforced.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import peer, postgraphile
from bench.catalog import SCENARIOS, Scenario
from bench.loadgen import LoadResult, find_wrk, run_wrk
from bench.ratio_report import MARKDOWN, render, write_section
from bench.run import machine
from bench.samedata import differences, reshape
from bench.servers import Server, gql_server
from gql.store.ddl import SCHEMA_VERSION

CONNECTIONS = {1: 8, 2: 32}
DATASETTE_MIN_DURATION_S = 30.0
"""datasette-graphql answers a few pages a second: at 32 connections its first wave of
answers takes several seconds, so its windows are longer (as in ``bench/run.py``)."""


@dataclass
class Side:
    """One server in the comparison and what it is sent for the current scenario."""

    name: str
    server: Server
    body: bytes
    duration_s: float
    rounds: list[LoadResult] = field(default_factory=list)
    loadavg: list[float] = field(default_factory=list)
    """The 1-minute load average as each round started (this run's own load included)."""


def cpu_busy_share(seconds: float = 3.0) -> float:
    """The busy share of all cores over ``seconds`` (from ``/proc/stat``): 0.0 idle, 1.0
    every core busy. Taken while this run is idle, it is what others load the machine."""

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields), idle

    total_before, idle_before = sample()
    time.sleep(seconds)
    total_after, idle_after = sample()
    total = total_after - total_before
    return round(1 - (idle_after - idle_before) / total, 2) if total else 0.0


def load_average() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


def gql_revision() -> str:
    """The last commit that changed ``gql/`` in this checkout (the code being measured),
    marked when ``gql/`` has uncommitted changes."""
    repo = Path(__file__).resolve().parent.parent
    log = subprocess.run(
        ["git", "-C", str(repo), "log", "-1", "--format=%h", "--", "gql"],
        capture_output=True,
        text=True,
    )
    dirty = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain", "--", "gql"],
        capture_output=True,
        text=True,
    )
    return (log.stdout.strip() or "unknown") + (" (gql/ modified)" if dirty.stdout else "")


def check_schema(db: Path) -> None:
    """Refuse a database of another schema version, saying how to build a current one."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    finally:
        conn.close()
    if row is None or int(row[0]) != SCHEMA_VERSION:
        raise SystemExit(
            f"{db} has schema version {row and row[0]}, gql has {SCHEMA_VERSION}: rebuild it with"
            " `python -m bench.generate 10000 bench/out/corpus-10000`"
            f" and `gql load bench/out/corpus-10000 --db {db}`"
        )


def same_data(gql: Server, peer_server: Server, item: Scenario, db: Path) -> list[str]:
    """Where PostGraphile's answer to ``item`` differs from gql's (none: the same page)."""
    body = item.postgraphile_body(db)
    assert body is not None
    expected, got = gql.post(item.body(db)), peer_server.post(body)
    for name, answer in (("gql", expected), ("PostGraphile", got)):
        if answer.get("errors") or answer.get("data") is None:
            raise RuntimeError(f"{name} {item.name}: {json.dumps(answer)[:2000]}")
    return differences(expected["data"], reshape(got["data"]))


def _post_ok(server: Server, body: bytes, what: str) -> None:
    answer = server.post(json.loads(body))
    if answer.get("errors") or answer.get("data") is None:
        raise RuntimeError(f"{what}: {json.dumps(answer)[:2000]}")


def interleave(sides: list[Side], *, rounds: int, warmup_s: float, connections: int) -> None:
    """Warm every side up, then ``rounds`` wrk runs each, interleaved, order flipping."""
    wrk = find_wrk(install=True)
    for side in sides:
        _post_ok(side.server, side.body, side.name)
        if warmup_s > 0:
            run_wrk(wrk, side.server.url, side.body, duration_s=warmup_s, connections=connections)
    for number in range(1, rounds + 1):
        for side in sides if number % 2 else sides[::-1]:
            side.loadavg.append(load_average()[0])
            result = run_wrk(
                wrk, side.server.url, side.body, duration_s=side.duration_s, connections=connections
            )
            side.rounds.append(result)
            failed = f"  {result.errors} FAILED" if result.errors else ""
            print(
                f"  round {number} {side.name:18} {result.rps:8.1f} req/s"
                f"  p99 {result.p99_ms:7.1f} ms{failed}",
                flush=True,
            )


def summary(side: Side) -> dict[str, Any]:
    """The medians of a side's rounds, and every round."""
    return {
        "rps": round(statistics.median(r.rps for r in side.rounds), 1),
        "p99_ms": round(statistics.median(r.p99_ms for r in side.rounds), 1),
        "errors": sum(r.errors for r in side.rounds),
        "rounds": [r.to_dict() for r in side.rounds],
        "loadavg": side.loadavg,
    }


def measure(args: argparse.Namespace, scenarios: list[Scenario]) -> dict[str, Any]:
    """The whole run: servers up, then every (worker count, scenario) cell."""
    db: Path = args.db
    out: Path = args.out
    result: dict[str, Any] = {"cells": []}
    with ExitStack() as stack:
        cluster = stack.enter_context(postgraphile.cluster(out / "pg"))
        print(f"PostgreSQL {cluster.version}: copying {db}", file=sys.stderr)
        result["pg_copy_s"] = round(postgraphile.load_copy(cluster, db), 1)
        pg = stack.enter_context(
            postgraphile.postgraphile_server(cluster, log_path=out / "postgraphile.log")
        )
        result["versions"] = {
            "postgresql": cluster.query("SHOW server_version"),
            **postgraphile.postgraphile_versions(),
        }
        datasette = None
        if args.datasette:
            peer_db = peer.build_peer_db(db, out / f"{db.stem}-peer.db")
            datasette = stack.enter_context(
                peer.datasette_server(peer_db, log_path=out / "datasette.log")
            )
            result["versions"]["datasette"] = peer.peer_versions()
        for workers in args.workers:
            connections = CONNECTIONS.get(workers, 16 * workers)
            log = out / f"gql-{workers}w.log"
            with gql_server(db, workers=workers, explain=False, log_path=log) as gql:
                for item in scenarios:
                    print(f"{item.name}, gql {workers}w, wrk -c{connections}", flush=True)
                    cell: dict[str, Any] = {
                        "scenario": item.name,
                        "workers": workers,
                        "connections": connections,
                        "differences": same_data(gql, pg, item, db),
                    }
                    for line in cell["differences"]:
                        print(f"  DATA DIFFERS: {line}", flush=True)
                    sides = [_side("gql", gql, item.body(db), args.duration)]
                    pg_body = item.postgraphile_body(db)
                    assert pg_body is not None
                    sides.append(_side("postgraphile", pg, pg_body, args.duration))
                    datasette_body = item.peer_body(db)
                    if datasette is not None and datasette_body is not None:
                        slow = max(args.duration, DATASETTE_MIN_DURATION_S)
                        sides.append(_side("datasette-graphql", datasette, datasette_body, slow))
                    interleave(
                        sides, rounds=args.rounds, warmup_s=args.warmup, connections=connections
                    )
                    for side in sides:
                        cell[side.name] = summary(side)
                    result["cells"].append(cell)
    return result


def _side(name: str, server: Server, body: dict[str, Any], duration_s: float) -> Side:
    return Side(name, server, json.dumps(body).encode("utf-8"), duration_s)


def _int_list(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ratios", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", type=Path, required=True, help="the gql database to serve")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server (default 3)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per round")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per server")
    parser.add_argument("--workers", type=_int_list, default=(1, 2), help="default 1,2")
    default_scenarios = ",".join(s.name for s in SCENARIOS if s.postgraphile_document_file)
    parser.add_argument("--scenarios", default=default_scenarios, help="comma-separated")
    parser.add_argument(
        "--no-datasette", dest="datasette", action="store_false", help="skip datasette-graphql"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/out/ratios"), help="work folder")
    parser.add_argument(
        "--markdown", type=Path, help=f"write the table into this file ({MARKDOWN} markers)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    args = parse_args(arguments)
    check_schema(args.db)
    wanted = args.scenarios.split(",")
    scenarios = [s for s in SCENARIOS if s.name in wanted and s.postgraphile_document_file]
    args.out.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    revision = gql_revision()
    before = {"busy_share": cpu_busy_share(), "loadavg": load_average()}
    result = measure(args, scenarios)
    after = {"busy_share": cpu_busy_share(), "loadavg": load_average()}
    result |= {
        "command": shlex.join(["python", "-m", "bench.ratios", *arguments]),
        "when": started.strftime("%Y-%m-%d %H:%M UTC"),
        "minutes": round((datetime.now(UTC) - started).total_seconds() / 60, 1),
        "db": str(args.db),
        "gql_revision": revision,
        "articles": _count_articles(args.db),
        "rounds": args.rounds,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "load_before": before,
        "load_after": after,
        "machine": machine(find_wrk(install=False)),
    }
    (args.out / "ratios.json").write_text(json.dumps(result, indent=2) + "\n")
    section = render(result)
    print(section)
    if args.markdown is not None:
        write_section(args.markdown, section)
        print(f"wrote {args.markdown}", file=sys.stderr)
    return 0


def _count_articles(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        conn.close()


if __name__ == "__main__":
    raise SystemExit(main())
