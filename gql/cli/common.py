"""What the commands share: the ``--db`` option and the load report's printout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gql.sync import LoadReport

DEFAULT_DB = "data/gql.db"
URL_SCHEMES = ("postgresql://", "postgres://")
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


class Database(click.ParamType[Path | str]):
    """``--db``: a SQLite file's path, or a ``postgresql://`` URL (kept as text)."""

    name = "PATH|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Path) or not str(value).startswith(URL_SCHEMES):
            return Path(value)
        return str(value)


def db_option(help_text: str) -> Callable[[F], F]:
    """The ``--db PATH|URL`` option every command that touches a database takes."""
    return click.option(
        "--db",
        "db_path",
        default=DEFAULT_DB,
        show_default=True,
        type=Database(),
        help=help_text + " A postgresql://USER@HOST:PORT/NAME URL uses PostgreSQL instead.",
    )
