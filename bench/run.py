"""Run the benchmarks of issue 5 and write the figures to BENCHMARKS.md.

``make bench`` (or ``python -m bench.run``) does, for each corpus size (default 1k, 10k and
100k generated articles):

1. generate the corpus (cached in ``bench/out/corpus-N`` while size, seed and generator stay
   the same) and build its database with ``gql load``, timing the load and a re-load of the
   unchanged files;
2. start ``gql serve --explain`` once to record each scenario's SQL statement count and to
   check that every scenario answers without errors (and that the front page equals the
   floor's);
3. for each worker count, start ``gql serve --workers N`` on a free port and drive every
   scenario with wrk (``--connections`` keep-alive connections for ``--duration`` seconds
   after a short warm-up), then read the workers' peak RSS;
4. serve a simplified copy with datasette-graphql (``bench/peer.py``) and drive the front
   page and topic page the same way;
5. time the in-process floor (``bench/floor.py``).

Results go to ``bench/out/results/size-N.json`` (one file per size, so a long 100k run can
be done separately) and BENCHMARKS.md is regenerated from all of them, between its
``results`` markers. ``--smoke`` is the seconds-long variant the tests run: a 50-article
corpus, one worker, the built-in Python load loop, no peer, no Markdown. Nothing here asserts
timings; targets are reported, not enforced.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as ``python bench/run.py``: make ``bench`` importable as a package.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import floor, loadgen, peer
from bench.catalog import SCENARIOS, Scenario
from bench.generate import generate
from bench.report import render_markdown, write_markdown
from bench.servers import HOST, Server, descendants, gql_command, gql_server

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "out"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
PEER_MIN_DURATION_S = 30.0


@dataclass(frozen=True)
class Config:
    """What one run measures and how; ``--help`` documents each field."""

    sizes: tuple[int, ...] = DEFAULT_SIZES
    workers: tuple[int, ...] = (1, 2)
    duration_s: float = 10.0
    warmup_s: float = 2.0
    connections: int = 32
    wrk_threads: int = 1
    seed: int = 1
    out_dir: Path = DEFAULT_OUT
    loadgen: str = "wrk"
    peer: bool = True
    floor_s: float = 3.0
    scenarios: tuple[str, ...] = tuple(s.name for s in SCENARIOS)
    markdown: Path | None = REPO / "BENCHMARKS.md"
    command: str = ""
    peer_only: bool = False
    cold_ingest: bool = True
    """Also time a load with the page cache dropped first (needs root; skipped otherwise)."""
    extra: dict[str, Any] = field(default_factory=dict)


# --- corpus and ingest ------------------------------------------------------------------


def _generator_digest() -> str:
    """Changes whenever the generator's code changes, invalidating cached corpora."""
    return hashlib.blake2b((BENCH_DIR / "generate.py").read_bytes(), digest_size=8).hexdigest()


def prepare_corpus(size: int, config: Config) -> tuple[Path, float | None]:
    """The corpus folder for ``size``; the generation time when it had to be generated."""
    corpus = config.out_dir / f"corpus-{size}"
    stamp = corpus / ".stamp"
    wanted = f"{size} {config.seed} {_generator_digest()}"
    if stamp.exists() and stamp.read_text() == wanted:
        return corpus, None
    started = time.perf_counter()
    generate(size, corpus, seed=config.seed)
    elapsed = time.perf_counter() - started
    stamp.write_text(wanted)
    return corpus, round(elapsed, 2)


class _TreeMemory:
    """Samples the memory of a process and its descendants (``gql load``'s parse workers).

    ``sum_mb``: the highest total resident set seen in one sample (every 50 ms), i.e. what
    the load needed at once; ``largest_mb``: the highest ``VmHWM`` of any single process.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.sum_kb = 0
        self.hwm_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in [self.pid, *descendants(self.pid)]:
                rss, hwm = _vm_kb(pid)
                total += rss
                if hwm:
                    self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), hwm)
            self.sum_kb = max(self.sum_kb, total)
            self._stop.wait(0.05)

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        return {
            "sum_mb": round(self.sum_kb / 1024, 1),
            "largest_mb": round(max(self.hwm_kb.values(), default=0) / 1024, 1),
            "processes": len(self.hwm_kb),
        }


def _vm_kb(pid: int) -> tuple[int, int]:
    """``VmRSS`` and ``VmHWM`` of ``pid`` in KiB (0, 0 once it has exited)."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return rss, hwm


def _gql_load(corpus: Path, db_path: Path) -> tuple[dict[str, Any], float, dict[str, Any]]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [*gql_command(), "load", str(corpus), "--db", str(db_path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    memory = _TreeMemory(process.pid)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    peak = memory.stop()
    if process.returncode not in (0, 2):
        raise RuntimeError(f"gql load failed ({process.returncode}):\n{stderr}")
    report: dict[str, Any] = json.loads(stdout)
    return report, wall, peak


def _remove_db(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


def _warm_page_cache(corpus: Path) -> None:
    """Read every file once, as writing or copying the corpus would leave it."""
    for path in corpus.rglob("*"):
        if path.is_file():
            path.read_bytes()


def _drop_page_cache() -> bool:
    """Empty the kernel's page cache (root only); False when not allowed."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def ingest(corpus: Path, db_path: Path, *, cold: bool = True) -> dict[str, Any]:
    """Build ``db_path`` from scratch with ``gql load``, then re-load the unchanged files.

    The timed load reads a corpus in the page cache (every file is read once first), as
    right after writing it, so that figures do not depend on what ran before. With
    ``cold`` (and root) a first load into a throwaway database runs after the page cache
    was dropped, and its time is reported as ``load_cold_s``.
    """
    cold_s = None
    if cold and _drop_page_cache():
        scratch = db_path.with_name(db_path.stem + "-cold.db")
        _remove_db(scratch)
        _, cold_s, _ = _gql_load(corpus, scratch)
        _remove_db(scratch)
    _remove_db(db_path)
    _warm_page_cache(corpus)
    first, first_wall, first_peak = _gql_load(corpus, db_path)
    again, again_wall, again_peak = _gql_load(corpus, db_path)
    files = first["files_seen"]
    return {
        "load_cold_s": None if cold_s is None else round(cold_s, 2),
        "files": files,
        "articles": first["articles"],
        "providers": first["providers"],
        "related_links": first["related_links"],
        "related_links_resolved": first["related_links_resolved"],
        "rejected": len(first["rejected"]),
        "load_s": round(first_wall, 2),
        "load_reported_s": first["elapsed_s"],
        "files_per_s": round(files / first_wall, 1),
        "reload_s": round(again_wall, 2),
        "reload_reported_s": again["elapsed_s"],
        "reload_unchanged": again["unchanged"],
        "db_mb": round(db_path.stat().st_size / 2**20, 1),
        "load_peak_rss": first_peak,
        "reload_peak_rss": again_peak,
    }


# --- servers under load -----------------------------------------------------------------


def _drive(server: Server, body: dict[str, Any], config: Config, wrk: str | None) -> dict[str, Any]:
    """Warm up, then measure one scenario on a running server."""
    data = json.dumps(body).encode("utf-8")
    host_port = server.url.split("/")[2]
    port = int(host_port.rsplit(":", 1)[1])
    path = "/" + server.url.split("/", 3)[3]
    if wrk is not None:
        if config.warmup_s > 0:
            loadgen.run_wrk(
                wrk, server.url, data, duration_s=config.warmup_s, connections=config.connections
            )
        result = loadgen.run_wrk(
            wrk,
            server.url,
            data,
            duration_s=config.duration_s,
            connections=config.connections,
            threads=config.wrk_threads,
        )
    else:
        if config.warmup_s > 0:
            loadgen.run_python(
                HOST, port, path, data, duration_s=config.warmup_s, connections=config.connections
            )
        result = loadgen.run_python(
            HOST, port, path, data, duration_s=config.duration_s, connections=config.connections
        )
    return result.to_dict()


def _check(response: dict[str, Any], what: str) -> None:
    if response.get("errors") or response.get("data") is None:
        raise RuntimeError(f"{what} answered with errors: {json.dumps(response)[:2000]}")


def explain(db_path: Path, scenarios: list[Scenario], log_dir: Path) -> dict[str, Any]:
    """Statements per request of each scenario, and whether the front page equals the floor."""
    found: dict[str, Any] = {}
    with gql_server(db_path, workers=1, explain=True, log_path=log_dir / "explain.log") as server:
        for item in scenarios:
            response = server.post(item.body(db_path))
            _check(response, f"gql {item.name}")
            sql = response.get("extensions", {}).get("sql", {})
            found[item.name] = {
                "statements": sql.get("statements"),
                "sql_ms": sql.get("ms"),
                "response_kb": round(len(json.dumps(response["data"])) / 1024, 1),
            }
            # The whole list's size when the document asks for it (the search page's hits).
            for value in response["data"].values():
                if isinstance(value, dict) and "totalCount" in value:
                    found[item.name]["total_count"] = value["totalCount"]
            if item.name == "front_page":
                found["floor_matches_front_page"] = (
                    response["data"] == floor.reference(db_path)["data"]
                )
    return found


def measure_gql(
    db_path: Path, workers: int, scenarios: list[Scenario], config: Config, wrk: str | None
) -> dict[str, Any]:
    """Every scenario against ``gql serve --workers N``, then the workers' peak RSS."""
    log = config.out_dir / "logs" / f"{db_path.stem}-{workers}w.log"
    results: dict[str, Any] = {}
    with gql_server(db_path, workers=workers, explain=False, log_path=log) as server:
        for item in scenarios:
            _check(server.post(item.body(db_path)), f"gql {item.name}")
            results[item.name] = _drive(server, item.body(db_path), config, wrk)
        rss = server.peak_rss_mb()
    return {"scenarios": results, "peak_rss_mb": [round(r, 1) for r in rss]}


def measure_peer(
    db_path: Path, scenarios: list[Scenario], config: Config, wrk: str | None
) -> dict[str, Any]:
    """The scenarios datasette-graphql can answer, on the simplified copy of the database."""
    peer_db = peer.build_peer_db(db_path, db_path.with_name(db_path.stem + "-peer.db"))
    results: dict[str, Any] = {}
    log = config.out_dir / "logs" / f"{db_path.stem}-peer.log"
    # With 32 connections all started at once, a server at a few requests per second
    # completes its first wave only after 32 x its latency: too late for a 10 s window.
    # A longer window for the peer keeps the count of completed requests meaningful.
    slow = replace(config, duration_s=max(config.duration_s, PEER_MIN_DURATION_S))
    with peer.datasette_server(peer_db, log_path=log) as server:
        for item in scenarios:
            body = item.peer_body(db_path)
            if body is None:
                continue
            _check(server.post(body), f"datasette-graphql {item.name}")
            results[item.name] = _drive(server, body, slow, wrk)
        rss = server.peak_rss_mb()
    return {"scenarios": results, "peak_rss_mb": [round(r, 1) for r in rss]}


# --- the run ----------------------------------------------------------------------------


def _version(module: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(module)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(wrk: str | None) -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk_version = None
    if wrk is not None:
        completed = subprocess.run([wrk, "--version"], capture_output=True, text=True)
        wrk_version = (completed.stdout or completed.stderr).split("\n", 1)[0].strip()
    gql_file = subprocess.run(
        [sys.executable, "-c", "import gql; print(gql.__file__)"],
        capture_output=True,
        text=True,
        cwd="/",
    )
    revision = os.environ.get("BENCH_GQL_REVISION")
    if not revision:
        # The checkout the measured gql package comes from (PYTHONPATH may point elsewhere).
        checkout = Path(gql_file.stdout.strip() or REPO / "gql").parent.parent
        git = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(checkout), "status", "--porcelain", "gql"],
            capture_output=True,
            text=True,
        )
        revision = (git.stdout.strip() or "unknown") + (" (gql/ modified)" if dirty.stdout else "")
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "packages": {
            name: _version(name)
            for name in ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "uvloop")
        },
        "wrk": wrk_version,
        "git": revision,
        "gql_module": gql_file.stdout.strip(),
    }


def run_size(size: int, config: Config, wrk: str | None) -> dict[str, Any]:
    """Everything measured for one corpus size; written to ``results/size-N.json``."""
    scenarios = [s for s in SCENARIOS if s.name in config.scenarios]
    result: dict[str, Any] = {
        "size": size,
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": config.command,
        "config": {
            "duration_s": config.duration_s,
            "warmup_s": config.warmup_s,
            "connections": config.connections,
            "wrk_threads": config.wrk_threads,
            "loadgen": "wrk" if wrk else "python",
            "seed": config.seed,
        },
        "machine": machine(wrk),
    }
    if config.peer_only:
        return _rerun_peer(size, config, wrk, scenarios)
    corpus, generate_s = prepare_corpus(size, config)
    result["generate_s"] = generate_s
    db_path = config.out_dir / f"gql-{size}.db"
    print(f"[{size}] ingest", file=sys.stderr)
    result["ingest"] = ingest(corpus, db_path, cold=config.cold_ingest)
    result["variables"] = {s.name: s.variables(db_path) for s in scenarios}
    print(f"[{size}] statements", file=sys.stderr)
    result["explain"] = explain(db_path, scenarios, config.out_dir / "logs")
    result["gql"] = {}
    for workers in config.workers:
        print(f"[{size}] gql, {workers} worker(s)", file=sys.stderr)
        result["gql"][f"{workers}w"] = measure_gql(db_path, workers, scenarios, config, wrk)
    if config.peer:
        print(f"[{size}] datasette-graphql", file=sys.stderr)
        result["peer"] = measure_peer(db_path, scenarios, config, wrk)
        result["peer"]["versions"] = peer.peer_versions()
    if config.floor_s > 0:
        result["floor"] = floor.measure(db_path, duration_s=config.floor_s)
    return result


def _rerun_peer(
    size: int, config: Config, wrk: str | None, scenarios: list[Scenario]
) -> dict[str, Any]:
    """Measure datasette-graphql again on an earlier run's database, keeping the rest."""
    saved = config.out_dir / "results" / f"size-{size}.json"
    db_path = config.out_dir / f"gql-{size}.db"
    if not saved.exists() or not db_path.exists():
        raise FileNotFoundError(f"--peer-only needs an earlier run's {saved} and {db_path}")
    result: dict[str, Any] = json.loads(saved.read_text())
    print(f"[{size}] datasette-graphql (again)", file=sys.stderr)
    result["peer"] = measure_peer(db_path, scenarios, config, wrk)
    result["peer"]["versions"] = peer.peer_versions()
    result["peer"]["command"] = config.command
    return result


def run(config: Config) -> list[dict[str, Any]]:
    """Measure every size, save each size's JSON, regenerate the Markdown if asked."""
    wrk = loadgen.find_wrk(install=True) if config.loadgen == "wrk" else None
    results_dir = config.out_dir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for size in config.sizes:
        result = run_size(size, config, wrk)
        (results_dir / f"size-{size}.json").write_text(json.dumps(result, indent=2) + "\n")
        results.append(result)
    if config.markdown is not None:
        saved = [json.loads(p.read_text()) for p in sorted(results_dir.glob("size-*.json"))]
        saved.sort(key=lambda r: r["size"])
        write_markdown(config.markdown, render_markdown(saved))
    return results


def _int_list(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "").replace("k", "000")) for part in text.split(",") if part)


def parse_args(argv: list[str] | None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description="Benchmark gql against its targets (issue 5)."
    )
    parser.add_argument("--sizes", type=_int_list, help="corpus sizes, e.g. 1k,10k,100k")
    parser.add_argument("--workers", type=_int_list, help="worker counts (default 1,2)")
    parser.add_argument("--duration", type=float, help="seconds per scenario (default 10)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds per scenario (default 2)")
    parser.add_argument("--connections", type=int, help="keep-alive connections (default 32)")
    parser.add_argument("--wrk-threads", type=int, help="wrk threads (default 1)")
    parser.add_argument("--seed", type=int, help="generator seed (default 1)")
    parser.add_argument("--out", type=Path, help="work folder (default bench/out)")
    parser.add_argument("--scenarios", help="comma-separated scenario names (default all)")
    parser.add_argument(
        "--loadgen",
        choices=("wrk", "python"),
        help="wrk (default; installed with apt-get if missing) or the built-in Python loop",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip datasette-graphql")
    parser.add_argument(
        "--peer-only",
        action="store_true",
        help="measure only datasette-graphql again, on the databases of an earlier run",
    )
    parser.add_argument("--markdown", type=Path, help="report file (default BENCHMARKS.md)")
    parser.add_argument("--no-markdown", action="store_true", help="do not write the report")
    parser.add_argument(
        "--quick", action="store_true", help="1k and 10k only, 3 s per scenario, 1 s warm-up"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="seconds-long check: 50 articles, 1 worker, Python loop, no peer, no report",
    )
    args = parser.parse_args(argv)
    config = Config(command=shlex.join(["python", "-m", "bench.run", *(argv or [])]))
    if args.quick:
        config = replace(config, sizes=(1_000, 10_000), duration_s=3, warmup_s=1, floor_s=1)
    if args.smoke:
        config = replace(
            config,
            sizes=(50,),
            workers=(1,),
            duration_s=1,
            warmup_s=0,
            connections=4,
            loadgen="python",
            peer=False,
            floor_s=0.2,
            markdown=None,
            cold_ingest=False,
        )
    overrides: dict[str, Any] = {
        "sizes": args.sizes,
        "workers": args.workers,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "connections": args.connections,
        "wrk_threads": args.wrk_threads,
        "seed": args.seed,
        "out_dir": args.out,
        "loadgen": args.loadgen,
        "markdown": args.markdown,
    }
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    if args.scenarios:
        config = replace(config, scenarios=tuple(args.scenarios.split(",")))
    if args.no_peer:
        config = replace(config, peer=False)
    if args.peer_only:
        config = replace(config, peer_only=True, peer=True)
    if args.no_markdown:
        config = replace(config, markdown=None)
    return config


def main(argv: list[str] | None = None) -> int:
    config = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        run(config)
    except loadgen.WrkMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if config.markdown is not None:
        print(f"wrote {config.markdown}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
