"""The command line: ``gql load``, ``gql serve`` and ``gql schema``.

Each command parses options, builds settings, calls one library function and prints.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click

from gql.errors import GqlError
from gql.ingest import discover_files
from gql.loading import LoadReport, load_into

DEFAULT_DB = "data/gql.db"


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


@click.group()
def main() -> None:
    """gql: a GraphQL API over a folder of news-article Markdown files."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(path_type=Path),
    help="SQLite database file to create or update.",
)
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
