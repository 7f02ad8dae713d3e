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
from gql.ingest import discover_files
from gql.sync import LoadReport, is_stale, load_into

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
def load(paths: tuple[Path, ...], db_path: Path, as_json: bool) -> None:
    """Load article, topic and publisher files into the database.

    Example: gql load seeds/ --db data/gql.db

    Exit status: 0 when every file loaded, 2 when some files were rejected (the others
    are loaded), 1 on a fatal error.
    """
    progress = None
    bar = None
    if not as_json and sys.stdout.isatty():
        total = sum(1 for _ in discover_files([p.resolve() for p in paths if p.exists()]))
        # Unchanged files are counted at once, the others as they are parsed.
        bar = click.progressbar(length=total, label="loading", file=sys.stderr)
        progress = bar.update
    try:
        if bar is not None:
            with bar:
                report = asyncio.run(load_into(db_path, paths, progress=progress))
        else:
            report = asyncio.run(load_into(db_path, paths))
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
    "--no-introspection", is_flag=True, help="Refuse __schema and __type queries (production)."
)
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
    no_introspection: bool,
) -> None:
    """Serve the GraphQL API and GraphiQL on http://HOST:PORT/graphql.

    Example: gql serve --db data/gql.db --seeds seeds --port 8000
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
