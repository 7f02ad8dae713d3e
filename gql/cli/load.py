"""``gql load``: files into the database, with a report."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click

from gql.cli.common import db_option, print_report
from gql.errors import GqlError
from gql.ingest import DEFAULT_LIMITS, IngestLimits, discover_files
from gql.sync import DEFAULT_LOCK_TIMEOUT_S, DEFAULT_PARSE_TIMEOUT_S, load_into


@click.command()
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
    db_path: Path | str,
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
        print_report(report)
    sys.exit(report.exit_code)
