"""The command line: ``gql load``, ``gql serve`` and ``gql schema``.

Each command parses options, builds settings, calls one library function and prints;
each lives in its own module.
"""

from __future__ import annotations

import click

from gql.cli.load import load
from gql.cli.schema import schema
from gql.cli.serve import serve


@click.group()
def main() -> None:
    """gql: a GraphQL API over a folder of news-article Markdown files."""


main.add_command(load)
main.add_command(serve)
main.add_command(schema)

__all__ = ["main"]
