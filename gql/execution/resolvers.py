"""Fast resolvers: plain functions for fields that only read a value.

See ``use_fast_resolvers``. This module knows Strawberry's field definitions and
graphql-core's field objects, not our types: which relations are prefetched is given.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, cast

import strawberry
from graphql import GraphQLObjectType
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from gql.execution.plans import Read


def _attribute_resolver(name: str) -> Callable[..., Any]:
    def resolve(source: Any, info: Any) -> Any:
        return getattr(source, name)

    return resolve


def _prefetched_resolver(name: str, resolve: Callable[..., Any]) -> Callable[..., Any]:
    def resolve_prefetched(source: Any, info: Any, **arguments: Any) -> Any:
        prefetched = source.prefetched
        if name in prefetched:
            return prefetched[name]
        return resolve(source, info, **arguments)

    return resolve_prefetched


def _prefetched_read(name: str) -> Read:
    """Read a prefetched relation; a KeyError when it was not prefetched (the plan steps
    aside and the field's resolver loads it)."""

    def read(source: Any) -> Any:
        return source.prefetched[name]

    return read


def _method_resolver(method: Callable[[Any], Any]) -> Callable[..., Any]:
    def resolve(source: Any, info: Any) -> Any:
        return method(source)

    return resolve


def _plain_method(definition: StrawberryField) -> Callable[[Any], Any] | None:
    """The function of a sync resolver that takes nothing but ``self``, else None."""
    resolver = definition.base_resolver
    if resolver is None or resolver.is_async or resolver.arguments:
        return None
    if resolver.info_parameter or resolver.root_parameter or resolver.parent_parameter:
        return None
    if resolver.self_parameter is None:
        return None
    return cast(Callable[[Any], Any], resolver.wrapped_func)


def _graphql_name(cls: type) -> str | None:
    definition = get_object_definition(cls)
    return definition.name if definition else None


def use_fast_resolvers(
    schema: strawberry.Schema, prefetchable: dict[type, set[str]]
) -> dict[tuple[str, str], Read]:
    """Resolve plain fields and prefetched relations without Strawberry's per-field wrapper.

    Strawberry wraps every field's resolver (building its ``Info``, converting arguments,
    running field extensions); for a field that only reads an attribute, a relation whose
    value was prefetched, or a method of ``self`` alone, a plain function returns the same
    value at a fraction of the cost. Fields with resolvers of their own, extensions or
    permissions keep Strawberry's path. graphql-core calls
    ``field.resolve(source, info, **arguments)``.

    Returns the same reads as ``(type name, field name) -> read(source)``, for the
    compiled plans of ``gql.execution.plans``. ``prefetchable``: per Python type, the
    relations whose values a prefetch may have stored in ``obj.prefetched``.
    """
    prefetched_names = {
        graphql_name: names
        for cls, names in prefetchable.items()
        if (graphql_name := _graphql_name(cls))
    }
    reads: dict[tuple[str, str], Read] = {}
    for type_name, graphql_type in schema._schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in graphql_type.fields.items():
            definition = field.extensions.get("strawberry-definition")
            if not isinstance(definition, StrawberryField) or field.resolve is None:
                continue
            if definition.extensions or definition.permission_classes:
                continue
            method = _plain_method(definition)
            if definition.base_resolver is None:
                field.resolve = _attribute_resolver(definition.python_name)
                reads[type_name, field_name] = attrgetter(definition.python_name)
            elif definition.python_name in prefetched_names.get(type_name, ()):
                field.resolve = _prefetched_resolver(definition.python_name, field.resolve)
                reads[type_name, field_name] = _prefetched_read(definition.python_name)
            elif method is not None:
                field.resolve = _method_resolver(method)
                reads[type_name, field_name] = method
    return reads
