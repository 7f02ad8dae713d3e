"""Compare two checkouts of gql side by side: interleaved rounds, medians, their ratio.

Absolute req/s move by ±40% between days on these shared machines, so a claim of speed is
a ratio measured in one run. This serves the same database with each checkout's own
``gql`` in turn (never both at once: they would share the cores), drives one scenario with
wrk for each round, and prints every round, the medians and ``candidate / baseline``::

    python -m bench.compare --baseline /path/to/old/checkout --candidate . \\
        --db bench/out/gql-10000.db --scenario front_page --rounds 5

Each checkout is served by its own environment (``<checkout>/.venv``, made by ``make
setup`` there), by ``--baseline-gql``/``--candidate-gql`` naming the command, or else by
this interpreter importing the checkout's code (a ``git worktree`` of an older commit
needs no environment of its own while its dependencies are this one's).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.catalog import scenario
from bench.loadgen import LoadResult, find_wrk, run_wrk
from bench.servers import HOST, free_port, running


@dataclass(frozen=True)
class Variant:
    """One side of the comparison: a name, its checkout and the ``gql`` command that
    serves it (run in the checkout, with ``env`` added)."""

    name: str
    checkout: Path
    gql: tuple[str, ...]
    db: Path
    """The database it serves: both sides serve the same data, but a checkout of another
    schema version needs its own copy, built by its own ``gql load``."""
    env: dict[str, str] = field(default_factory=dict)


def _serve_command(variant: Variant, db: Path, port: int, workers: int) -> list[str]:
    return [
        *variant.gql,
        "serve",
        "--db",
        str(db.resolve()),
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--response-cache",
        "0",
    ]


def measure(
    variant: Variant,
    *,
    db: Path,
    body: bytes,
    workers: int,
    duration_s: float,
    warmup_s: float,
    connections: int,
    log_dir: Path,
) -> LoadResult:
    """Serve ``db`` with ``variant`` and drive it with wrk once (after a warm-up)."""
    wrk = find_wrk(install=True)
    port = free_port()
    with running(
        variant.name,
        _serve_command(variant, db, port, workers),
        port=port,
        path="/graphql",
        ready_path="/healthz",
        log_path=log_dir / f"{variant.name}.log",
        env=variant.env,
        cwd=variant.checkout,
        startups=workers,
    ) as server:
        run_wrk(wrk, server.url, body, duration_s=warmup_s, connections=connections)
        return run_wrk(wrk, server.url, body, duration_s=duration_s, connections=connections)


def _variant(name: str, checkout: Path, explicit: Path | None, db: Path) -> Variant:
    """The variant of ``checkout``: its ``--X-gql`` command, else its own ``.venv``'s
    ``gql``, else this interpreter importing the checkout's code (``PYTHONPATH``). Each
    runs in its checkout: ``python -c`` puts the working directory ahead of
    ``PYTHONPATH``, so run from another checkout it would serve that one's code."""
    checkout = checkout.resolve()
    own = checkout / ".venv" / "bin" / "gql"
    if explicit is not None or own.exists():
        command = (explicit or own).resolve()
        if not command.exists():
            raise SystemExit(f"{command} does not exist")
        return Variant(name, checkout, (str(command),), db)
    if not (checkout / "gql" / "cli").exists():
        raise SystemExit(f"{checkout} is not a checkout of gql")
    return Variant(
        name,
        checkout,
        (sys.executable, "-c", "from gql.cli import main; main()"),
        db,
        env={"PYTHONPATH": str(checkout)},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the older checkout")
    parser.add_argument("--candidate", type=Path, default=Path("."), help="the newer checkout")
    parser.add_argument("--baseline-gql", type=Path, help="gql command of the baseline")
    parser.add_argument("--candidate-gql", type=Path, help="gql command of the candidate")
    parser.add_argument("--db", type=Path, required=True, help="the database both serve")
    parser.add_argument(
        "--baseline-db", type=Path, help="the baseline's own copy (a checkout of another schema)"
    )
    parser.add_argument("--scenario", default="front_page", help="bench/scenarios/<name>")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per variant")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per round")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per round")
    parser.add_argument("--log-dir", type=Path, default=Path("bench/out/compare"))
    args = parser.parse_args(argv)

    # The scenario's variables (a topic's slug, the most-cited article) from the database.
    body = json.dumps(scenario(args.scenario).body(args.db)).encode()
    variants = [
        _variant("baseline", args.baseline, args.baseline_gql, args.baseline_db or args.db),
        _variant("candidate", args.candidate, args.candidate_gql, args.db),
    ]
    rps: dict[str, list[float]] = {v.name: [] for v in variants}
    p99: dict[str, list[float]] = {v.name: [] for v in variants}
    for round_number in range(1, args.rounds + 1):
        # Alternate which side goes first, so a drift of the machine hits both alike.
        order = variants if round_number % 2 else variants[::-1]
        for variant in order:
            result = measure(
                variant,
                db=variant.db,
                body=body,
                workers=args.workers,
                duration_s=args.duration,
                warmup_s=args.warmup,
                connections=args.connections,
                log_dir=args.log_dir,
            )
            if result.errors:
                print(f"{variant.name}: {result.errors} failed requests", file=sys.stderr)
            rps[variant.name].append(result.rps)
            p99[variant.name].append(result.p99_ms)
            print(
                f"round {round_number} {variant.name:9} {result.rps:8.1f} req/s"
                f"  p99 {result.p99_ms:7.1f} ms",
                flush=True,
            )
    medians = {name: statistics.median(values) for name, values in rps.items()}
    for name in rps:
        p99_ms = statistics.median(p99[name])
        print(f"median {name:9} {medians[name]:8.1f} req/s  p99 {p99_ms:7.1f} ms")
    print(f"ratio candidate/baseline {medians['candidate'] / medians['baseline']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
