"""Prefetching: load a page's relations in one batch each before graphql-core walks it.

A list resolver calls ``prefetch_list`` or ``prefetch_connection`` after reading its page.
For every argument-free relation the client selected (an article's provider, topics,
images and related links; a link's provider and target article; ...) the values of all
objects of the page are loaded the way ``gql.graph.relations`` declares, one batch per
relation and position (as the resolvers would), and stored on the objects, recursively
down the selection. The resolvers then return the stored values synchronously:
graphql-core walks ready objects instead of scheduling a coroutine per field, which is the
main cost of big lists (PERF-NOTES). A relation not prefetched still resolves through its
DataLoader (``relation_of``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from strawberry.types.nodes import SelectedField, Selection

from gql.graph.context import Context
from gql.graph.positions import selected
from gql.graph.relations import RELATIONS as RELATIONS  # also read from here by gql.graph.schema
from gql.loaders import Position


def _flatten(values: list[Any]) -> list[Any]:
    children: list[Any] = []
    for value in values:
        if isinstance(value, list):
            children.extend(value)
        elif value is not None:
            children.append(value)
    return children


async def prefetch(
    context: Context, objects: list[Any], selections: list[Selection], position: Position
) -> None:
    """Load the selected registered relations of ``objects`` (all of one type), recursively."""
    if not objects:
        return
    table = RELATIONS.get(type(objects[0]))
    if not table:
        return
    jobs: list[tuple[SelectedField, Position]] = []
    for field in selected(selections):
        if field.name in table and not field.arguments:
            jobs.append((field, (field.alias or field.name, *position)))
    if not jobs:
        return
    results = await asyncio.gather(
        *(table[field.name](context.loaders, here, objects) for field, here in jobs)
    )
    nested = []
    for (field, here), values in zip(jobs, results, strict=True):
        for obj, value in zip(objects, values, strict=True):
            obj.prefetched[field.name] = value
        children = _flatten(values)
        if children and field.selections:
            nested.append(prefetch(context, children, field.selections, here))
    await asyncio.gather(*nested)


async def prefetch_list(
    context: Context, objects: list[Any], fields: list[SelectedField], position: Position
) -> None:
    """Prefetch for a field that returns a list of objects (``fields``: its selections)."""
    for field in fields:
        await prefetch(context, objects, field.selections, position)


async def prefetch_connection(
    context: Context, objects: list[Any], fields: list[SelectedField], position: Position
) -> None:
    """Prefetch for a connection field: its ``nodes`` and ``edges { node }`` selections."""
    for field in fields:
        for child in selected(field.selections):
            if child.name == "nodes":
                await prefetch(
                    context, objects, child.selections, (child.alias or "nodes", *position)
                )
            elif child.name == "edges":
                edges = (child.alias or "edges", *position)
                for grandchild in selected(child.selections):
                    if grandchild.name == "node":
                        here = (grandchild.alias or "node", *edges)
                        await prefetch(context, objects, grandchild.selections, here)
