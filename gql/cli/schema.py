"""``gql schema``: the SDL that schema.graphql holds."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
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
