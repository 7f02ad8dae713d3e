"""The command line: ``gql load``, ``gql serve`` and ``gql schema``.

Each command parses options, builds settings, calls one library function and prints.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gql.errors import GqlError
from gql.ingest import DEFAULT_LIMITS, IngestLimits, discover_files
from gql.settings import Settings
from gql.sync import (
    DEFAULT_LOCK_TIMEOUT_S,
    DEFAULT_PARSE_TIMEOUT_S,
    LoadReport,
    is_stale,
    load_into,
)

# uvicorn and the schema (Strawberry, graphql-core) are imported by the commands that use
# them: `gql load`'s parse workers are spawned processes that import this module again,
# and would each spend ~0.45 s and ~14 MB on them.

DEFAULT_DB = "data/gql.db"
F = TypeVar("F", bound=Callable[..., Any])


def _print_report(report: LoadReport) -> None:
    echo = click.echo
    echo(f"files seen        {report.files_seen} ({report.files_parsed} parsed)")
    echo(
        f"articles          {report.articles} total: {report.added} added, "
        f"{report.updated} updated, {report.unchanged} unchanged, {report.removed} removed"
    )
    echo(f"providers         {report.providers}")
    echo(f"topics            {report.topics}")
    echo(
        f"related links     {report.related_links} "
        f"({report.related_links_resolved} point at corpus articles)"
    )
    for duplicate in report.duplicates:
        echo(f"duplicate URL     {duplicate.url}: one article from {', '.join(duplicate.paths)}")
    for warning in report.warnings:
        echo(f"warning           {warning}")
    for rejected in report.rejected:
        echo(f"rejected          {rejected.reason}", err=True)
    echo(f"elapsed           {report.elapsed_s:.2f} s (data version {report.data_version})")


def db_option(help_text: str) -> Callable[[F], F]:
    """The ``--db PATH`` option every command that touches a database takes."""
    return click.option(
        "--db",
        "db_path",
        default=DEFAULT_DB,
        show_default=True,
        type=click.Path(path_type=Path),
        help=help_text,
    )


@click.group()
def main() -> None:
    """gql: a GraphQL API over a folder of news-article Markdown files."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option("SQLite database file to create or update.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--max-file-bytes",
    default=DEFAULT_LIMITS.max_file_bytes,
    show_default=True,
    type=click.IntRange(min=1),
    help="Reject a larger file (from its size, before reading it).",
)
@click.option(
    "--parse-timeout",
    "parse_timeout_s",
    default=DEFAULT_PARSE_TIMEOUT_S,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds one file may take to parse before it is rejected.",
)
@click.option(
    "--lock-timeout",
    "lock_timeout_s",
    default=DEFAULT_LOCK_TIMEOUT_S,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds to wait for another load of the same database before giving up.",
)
def load(
    paths: tuple[Path, ...],
    db_path: Path,
    as_json: bool,
    max_file_bytes: int,
    parse_timeout_s: float,
    lock_timeout_s: float,
) -> None:
    """Load article, topic and publisher files into the database.

    Example: gql load seeds/ --db data/gql.db

    Exit status: 0 when every file loaded, 2 when some files were rejected (the others
    are loaded), 1 on a fatal error (a missing folder, a database that is corrupt,
    read-only, or held by another load for longer than --lock-timeout).
    """
    progress = None
    bar = None
    if not as_json and sys.stdout.isatty():
        total = sum(1 for _ in discover_files([p.resolve() for p in paths if p.exists()]))
        # Unchanged files are counted at once, the others as they are parsed.
        bar = click.progressbar(length=total, label="loading", file=sys.stderr)
        progress = bar.update
    run = load_into(
        db_path,
        paths,
        progress=progress,
        limits=IngestLimits(max_file_bytes=max_file_bytes),
        parse_timeout_s=parse_timeout_s,
        lock_timeout_s=lock_timeout_s,
    )
    try:
        if bar is not None:
            with bar:
                report = asyncio.run(run)
        else:
            report = asyncio.run(run)
    except GqlError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    sys.exit(report.exit_code)


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, plus our ``gql`` loggers (masked errors with their traceback)."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["gql"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


# `gql serve` options for the request limits: (option, Settings field, environment
# variable the workers read, help). Defaults and reasons are the Settings docstrings.
LIMIT_OPTIONS = (
    ("--max-query-chars", "max_query_chars", "GQL_MAX_QUERY_CHARS", "Characters of query text."),
    ("--max-tokens", "max_tokens", "GQL_MAX_TOKENS", "Lexical tokens of a query."),
    ("--max-depth", "max_depth", "GQL_MAX_DEPTH", "Levels of nested fields."),
    ("--max-fields", "max_fields", "GQL_MAX_FIELDS", "Fields, fragments expanded."),
    (
        "--max-field-repeats",
        "max_field_repeats",
        "GQL_MAX_FIELD_REPEATS",
        "Selections of one response field at one place.",
    ),
    ("--max-aliases", "max_aliases", "GQL_MAX_ALIASES", "Aliased fields."),
    ("--max-root-fields", "max_root_fields", "GQL_MAX_ROOT_FIELDS", "Top-level fields."),
    ("--max-directives", "max_directives", "GQL_MAX_DIRECTIVES", "Directive uses."),
    (
        "--max-fragment-spreads",
        "max_fragment_spreads",
        "GQL_MAX_FRAGMENT_SPREADS",
        "Fragment spreads, nested spreads expanded.",
    ),
    ("--max-operations", "max_operations", "GQL_MAX_OPERATIONS", "Operations in one document."),
    ("--max-cost", "max_cost", "GQL_MAX_COST", "Objects a query may return (requested cost)."),
    (
        "--max-response-bytes",
        "max_response_bytes",
        "GQL_MAX_RESPONSE_BYTES",
        "Bytes of JSON data in one answer.",
    ),
    (
        "--request-time-limit-ms",
        "request_time_limit_ms",
        "GQL_REQUEST_TIME_LIMIT_MS",
        "A request still running after this long is stopped (TIMEOUT).",
    ),
    (
        "--shutdown-grace-s",
        "shutdown_grace_s",
        "GQL_SHUTDOWN_GRACE_S",
        "On SIGTERM, in-flight requests get this long before the worker exits.",
    ),
)


def limit_options(command: F) -> F:
    """The request-limit options of ``gql serve`` (see ``LIMIT_OPTIONS``)."""
    defaults = Settings()
    for option, name, _, help_text in reversed(LIMIT_OPTIONS):
        command = click.option(
            option,
            name,
            default=getattr(defaults, name),
            show_default=True,
            type=click.IntRange(min=1),
            help=help_text,
        )(command)
    return command


@main.command()
@db_option("SQLite database file to serve.")
@click.option(
    "--seeds",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Seed folder to load first when the database is missing or older than it (repeatable).",
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
    "--immutable",
    is_flag=True,
    help="Read the database as a file nobody changes while it is served (no locks, no"
    " -wal/-shm files): for a published copy in a read-only folder.",
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
@limit_options
def serve(
    db_path: Path,
    seeds: tuple[Path, ...],
    host: str,
    port: int,
    workers: int,
    explain: bool,
    response_cache: int,
    max_request_bytes: int,
    immutable: bool,
    no_graphiql: bool,
    cors_origins: tuple[str, ...],
    cache_control: str,
    no_introspection: bool,
    **limits: int,
) -> None:
    """Serve the GraphQL API and GraphiQL on http://HOST:PORT/graphql.

    Example: gql serve --db data/gql.db --seeds seeds --port 8000

    Queries over a limit (--max-*) are refused before they run, each limit with its own
    error code; see the README's "Limits" section.
    """
    if seeds and is_stale(db_path, seeds):
        try:
            report = asyncio.run(load_into(db_path, seeds))
        except GqlError as exc:
            raise click.ClickException(str(exc)) from exc
        _print_report(report)
    if not db_path.exists():
        raise click.ClickException(f"{db_path} does not exist: run `gql load` or pass --seeds")
    # Before uvicorn: a file that cannot be served is one line here, not a traceback from
    # every worker's start-up.
    from gql.store import check_database

    try:
        asyncio.run(check_database(db_path, immutable=immutable))
    except GqlError as exc:
        raise click.ClickException(str(exc)) from exc
    # Workers are separate processes that build the app from the factory, so settings
    # travel as the environment variables gql.settings reads.
    os.environ["GQL_DB"] = str(db_path.resolve())
    os.environ["GQL_EXPLAIN"] = "1" if explain else "0"
    os.environ["GQL_RESPONSE_CACHE_ENTRIES"] = str(response_cache)
    os.environ["GQL_MAX_REQUEST_BYTES"] = str(max_request_bytes)
    os.environ["GQL_IMMUTABLE"] = "1" if immutable else "0"
    os.environ["GQL_GRAPHIQL"] = "0" if no_graphiql else "1"
    os.environ["GQL_INTROSPECTION"] = "0" if no_introspection else "1"
    for _, name, variable, _ in LIMIT_OPTIONS:
        os.environ[variable] = str(limits[name])
    os.environ["GQL_CORS_ORIGINS"] = " ".join(cors_origins)
    os.environ["GQL_CACHE_CONTROL"] = cache_control
    import uvicorn

    click.echo(f"serving http://{host}:{port}/graphql ({workers} worker(s))")
    uvicorn.run(
        "gql.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=_log_config(),
        access_log=False,
        # No `server: uvicorn` banner: it tells scanners which exploits to try.
        server_header=False,
        # Without it a worker waits for every open request, however long, after SIGTERM.
        timeout_graceful_shutdown=limits["shutdown_grace_s"],
    )


@main.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the SDL to this file instead of standard output.",
)
def schema(output: Path | None) -> None:
    """Print the GraphQL schema (SDL); schema.graphql in the repository is its output.

    Example: gql schema -o schema.graphql
    """
    from gql.graph.schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if output is None:
        click.echo(sdl, nl=False)
    else:
        output.write_text(sdl, encoding="utf-8")


if __name__ == "__main__":
    main()
