"""What the commands share: the ``--db`` option and the load report's printout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gql.sync import LoadReport

DEFAULT_DB = "data/gql.db"
F = TypeVar("F", bound=Callable[..., Any])


def print_report(report: LoadReport) -> None:
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
