"""Completing the objects of a projection where nothing below needs a path.

Most objects of a big page are such: a provider's name, an article's title and url, a
topic's name; their steps are plain reads and prefetched relations (with nothing below
them that resolves through a resolver), so no ``Path`` is built for them. Completing one
was the loop of ``gql.execution.projector._object`` over its steps, reading five
attributes of each step per object; here the steps are flattened into tuples once, when
the projection is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType
from graphql.pyutils import Path

from gql.execution.compat import origin_class
from gql.execution.projection import READ, Abandon, Complete, Run, Slot, Step


def unpathed_object(steps: tuple[Step, ...], object_type: GraphQLObjectType) -> Complete:
    """The completion of an object whose ``steps`` all run without a path, as
    ``gql.execution.projector._object`` completes them."""
    is_type_of: Callable[[Any, Any], Any] | None = object_type.is_type_of
    origin = origin_class(object_type)
    flat = tuple(
        (step.key, step.read, step.exact, step.complete, None if step.kind == READ else step)
        for step in steps
    )

    def complete(value: Any, path: Path | None, run: Run, slot: Slot) -> dict[str, Any]:
        if (
            is_type_of is not None
            and type(value) is not origin
            and is_type_of(value, None) is not True
        ):
            raise Abandon
        out: dict[str, Any] = {}
        for key, read, exact, finish, relation in flat:
            if relation is None:
                result = read(value)  # type: ignore[misc]
                # A str or bool of a String, ID or Boolean field is its own output.
                out[key] = result if type(result) is exact else finish(result, None, run, slot)
                continue
            try:
                result = read(value)  # type: ignore[misc]
            except KeyError:  # not prefetched: its resolver loads it
                assert relation.position is not None
                result = relation.resolve(value, relation.position, run)
                if run.executor.is_awaitable(result):
                    out[key] = None
                    run.pending.append((out, relation, result, relation.position, slot))
                    continue
            out[key] = finish(result, None, run, slot)
        return out

    return complete
