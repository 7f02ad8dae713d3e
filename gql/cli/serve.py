"""``gql serve``: load when asked, check the database, then run uvicorn's workers (and,
with ``--watch``, the one process that loads every change of the seed folders).

Workers are separate processes that build the app from ``gql.app:create_app``, so the
options travel to them as the ``GQL_*`` environment variables ``gql.settings`` reads.
uvicorn and the schema are imported inside the command: ``gql load``'s parse workers are
spawned processes that import this package again, and would each spend ~0.45 s and
~14 MB on them.
"""

from __future__ import annotations

import asyncio
import copy
import multiprocessing
import multiprocessing.process
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import click

from gql.cli.common import URL_SCHEMES, db_option, print_report
from gql.cli.limit_options import LIMIT_OPTIONS, SUBSCRIPTION_OPTIONS, limit_options
from gql.errors import GqlError
from gql.sync import is_stale, load_into

WATCHER_STOP_TIMEOUT_S = 30.0
"""How long ``gql serve`` waits for the watcher to finish its load when stopping."""


def _log_config(log_format: str) -> dict[str, Any]:
    """uvicorn's logging, plus our ``gql`` loggers (masked errors with their traceback and
    request id); with ``json``, every record is one JSON line (``JsonFormatter``). The
    access log is not a logger: ``gql.http.access_log`` writes it."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["gql"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    if log_format == "json":
        config["formatters"]["default"] = {"()": "gql.http.access_log.JsonFormatter"}
    return config


def _check_allow_list(path: Path) -> None:
    """Fail with one line, before any worker starts, when a document of the allow-list
    does not parse or validate (each worker loads it again)."""
    from gql.execution.compat import graphql_schema
    from gql.graph.schema import build_schema
    from gql.http.manifests import load_allow_list

    try:
        allow_list = load_allow_list(path, graphql_schema(build_schema()))
    except GqlError as exc:
        raise click.ClickException(f"--persisted-only {exc}") from exc
    click.echo(f"running only the {len(allow_list.documents)} persisted document(s) of {path}")


@click.command()
@db_option("SQLite database file to serve.")
@click.option(
    "--seeds",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Seed folder to load first when the database is missing or older than it (repeatable).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Watch the --seeds folders and load every change while serving (one writer"
    " process; every worker sees each load, subscriptions are told of it).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes (each with its own read connections).",
)
@click.option(
    "--explain", is_flag=True, help="Add extensions.sql = {statements, ms} to every response."
)
@click.option(
    "--response-cache",
    default=1000,
    show_default=True,
    type=click.IntRange(min=0),
    help="Identical requests answered from memory per worker until the next load (0: off).",
)
@click.option(
    "--max-request-bytes",
    default=1 << 20,
    show_default=True,
    type=click.IntRange(min=1),
    help="Largest request body or GET query string; larger is refused (413/414).",
)
@click.option(
    "--read-db",
    "read_db",
    default=None,
    metavar="URL",
    help="Answer requests from this PostgreSQL database (a read replica of --db's) rather"
    " than from --db, which --seeds and --watch still load into.",
)
@click.option(
    "--immutable",
    is_flag=True,
    help="Read the database as a file nobody changes while it is served (no locks, no"
    " -wal/-shm files): for a published copy in a read-only folder. A new release renamed"
    " over the file is served from the next request on.",
)
@click.option(
    "--release-check-ms",
    default=500,
    show_default=True,
    type=click.IntRange(min=0),
    help="How often an immutable database's file is checked for a new release (0: never).",
)
@click.option("--no-graphiql", is_flag=True, help="Do not serve GraphiQL to browsers.")
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="An origin whose pages may call the API, e.g. http://localhost:3000 (repeatable; *: any).",
)
@click.option(
    "--cache-control",
    default="no-cache",
    show_default=True,
    help='Cache-Control of successful GET answers, e.g. "public, max-age=60".',
)
@click.option(
    "--no-introspection", is_flag=True, help="Refuse __schema and __type queries (production)."
)
@click.option(
    "--persisted-only",
    type=click.Path(path_type=Path),
    help="Run only the documents of this allow-list: a folder of .graphql files, or an"
    " Apollo, Relay or graphql-codegen persisted-document manifest (JSON).",
)
@click.option(
    "--apq-entries",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Queries each worker keeps registered for automatic persisted queries (APQ).",
)
@click.option(
    "--apq-bytes",
    default=8 << 20,
    show_default=True,
    type=click.IntRange(min=1),
    help="Bytes of query text each worker's APQ registry holds at most.",
)
@click.option(
    "--batch-limit",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Operations one POST may carry as a JSON array (a batch); 0: batching off.",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="One JSON line per request on standard output (id, operation, status, duration, SQL,"
    " cost, cache).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Format of the other log lines (start-up, errors with their request id) on stderr.",
)
@click.option("--no-metrics", is_flag=True, help="Do not count requests nor serve /metrics.")
@limit_options
def serve(
    db_path: Path | str,
    seeds: tuple[Path, ...],
    watch: bool,
    host: str,
    port: int,
    workers: int,
    explain: bool,
    response_cache: int,
    max_request_bytes: int,
    read_db: str | None,
    immutable: bool,
    release_check_ms: int,
    no_graphiql: bool,
    cors_origins: tuple[str, ...],
    cache_control: str,
    no_introspection: bool,
    persisted_only: Path | None,
    apq_entries: int,
    apq_bytes: int,
    batch_limit: int,
    access_log: bool,
    log_format: str,
    no_metrics: bool,
    **limits: int,
) -> None:
    """Serve the GraphQL API and GraphiQL on http://HOST:PORT/graphql.

    Example: gql serve --db data/gql.db --seeds seeds --port 8000

    Queries over a limit (--max-*) are refused before they run, each limit with its own
    error code; see the README's "Limits" section. With --watch, edits to the seed
    folders are loaded as they happen, and pushed to subscriptions (WebSocket, same URL).
    """
    if read_db is not None and not read_db.startswith(URL_SCHEMES):
        raise click.UsageError("--read-db takes a postgresql:// URL (a read replica)")
    if watch and not seeds:
        raise click.UsageError("--watch needs the seed folders to watch: pass --seeds")
    if watch and immutable:
        raise click.UsageError("--watch changes the database: it cannot be --immutable")
    if seeds and is_stale(db_path, seeds):
        try:
            report = asyncio.run(load_into(db_path, seeds))
        except GqlError as exc:
            raise click.ClickException(str(exc)) from exc
        print_report(report)
    if isinstance(db_path, Path) and not db_path.exists():
        raise click.ClickException(f"{db_path} does not exist: run `gql load` or pass --seeds")
    # Before uvicorn: a file that cannot be served is one line here, not a traceback from
    # every worker's start-up.
    from gql.store import check_database

    try:
        asyncio.run(check_database(read_db or db_path, immutable=immutable))
    except GqlError as exc:
        raise click.ClickException(str(exc)) from exc
    if persisted_only is not None:
        _check_allow_list(persisted_only)
    # Workers are separate processes that build the app from the factory, so settings
    # travel as the environment variables gql.settings reads.
    os.environ["GQL_DB"] = str(db_path.resolve() if isinstance(db_path, Path) else db_path)
    os.environ["GQL_EXPLAIN"] = "1" if explain else "0"
    os.environ["GQL_RESPONSE_CACHE_ENTRIES"] = str(response_cache)
    os.environ["GQL_MAX_REQUEST_BYTES"] = str(max_request_bytes)
    os.environ["GQL_IMMUTABLE"] = "1" if immutable else "0"
    os.environ["GQL_READ_DB"] = read_db or ""
    os.environ["GQL_RELEASE_CHECK_MS"] = str(release_check_ms)
    os.environ["GQL_GRAPHIQL"] = "0" if no_graphiql else "1"
    os.environ["GQL_INTROSPECTION"] = "0" if no_introspection else "1"
    for _, name, variable, _ in (*LIMIT_OPTIONS, *SUBSCRIPTION_OPTIONS):
        os.environ[variable] = str(limits[name])
    os.environ["GQL_CORS_ORIGINS"] = " ".join(cors_origins)
    os.environ["GQL_CACHE_CONTROL"] = cache_control
    os.environ["GQL_PERSISTED_ONLY"] = str(persisted_only.resolve()) if persisted_only else ""
    os.environ["GQL_APQ_ENTRIES"] = str(apq_entries)
    os.environ["GQL_APQ_BYTES"] = str(apq_bytes)
    os.environ["GQL_BATCH_LIMIT"] = str(batch_limit)
    os.environ["GQL_ACCESS_LOG"] = "1" if access_log else "0"
    os.environ["GQL_METRICS"] = "0" if no_metrics else "1"
    # Every worker counts in its own files in this folder, and a scrape sums them all
    # (gql.http.metrics). Fresh for every run, whatever a previous one left: counts of
    # processes that are gone would be summed in. It is made before the workers start,
    # and removed once they have all stopped.
    metrics_dir = None if no_metrics else tempfile.mkdtemp(prefix="gql-metrics-")
    if metrics_dir is not None:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir

    click.echo(f"serving http://{host}:{port}/graphql ({workers} worker(s))")
    watcher = start_watcher(db_path, seeds) if watch else None
    try:
        _run_uvicorn(host, port, workers, limits["shutdown_grace_s"], log_format)
    finally:
        if watcher is not None:
            stop_watcher(watcher)
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _run_uvicorn(
    host: str, port: int, workers: int, shutdown_grace_s: int, log_format: str
) -> None:
    import uvicorn

    from gql.cli.workers import run_workers

    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_config": _log_config(log_format),
        "access_log": False,
        # No `server: uvicorn` banner: it tells scanners which exploits to try.
        "server_header": False,
        # Without it a worker waits for every open request, however long, after SIGTERM.
        "timeout_graceful_shutdown": shutdown_grace_s,
    }
    if workers > 1:
        # A listening socket per worker, so that connections spread (gql.cli.workers).
        run_workers(uvicorn.Config("gql.app:create_app", **options))
    else:
        uvicorn.run("gql.app:create_app", **options)


def start_watcher(
    db_path: Path | str, seeds: tuple[Path, ...]
) -> multiprocessing.process.BaseProcess:
    """The one process that writes while uvicorn's workers serve (``gql.sync.watch``)."""
    from gql.sync.watch import watch_process

    # Spawned, not forked: the parent may hold threads (and soon uvicorn's sockets); and
    # not a daemon, whose own parse workers multiprocessing would refuse.
    process = multiprocessing.get_context("spawn").Process(
        target=watch_process,
        args=(
            db_path.resolve() if isinstance(db_path, Path) else db_path,
            [path.resolve() for path in seeds],
            os.getpid(),
        ),
        name="gql watch",
    )
    process.start()
    return process


def stop_watcher(process: multiprocessing.process.BaseProcess) -> None:
    """End the watcher: SIGTERM lets a load in progress commit; past 30 s it is killed."""
    process.terminate()
    process.join(WATCHER_STOP_TIMEOUT_S)
    if process.is_alive():
        process.kill()
        process.join()
