"""Fast resolvers: plain functions for fields that only read a value.

See ``use_fast_resolvers``. This module knows Strawberry's fields as
``gql.execution.compat.object_fields`` describes them, not our types: which relations are
prefetched is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import Any

import strawberry
from strawberry.types import get_object_definition

from gql.execution.compat import ResolverCall, object_fields, replace_resolver, resolver_call
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
    value at a fraction of the cost, and fails the same way (``gql.execution.compat`` says
    what the wrapper does and why nothing is lost). Fields with extensions or permissions,
    every field of a schema with exception handlers, and relations that were not
    prefetched keep Strawberry's path. graphql-core calls
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
    for field in object_fields(schema):
        if not field.plain:
            continue
        key = (field.type_name, field.name)
        if field.attribute:
            replace_resolver(field, _attribute_resolver(field.python_name))
            reads[key] = attrgetter(field.python_name)
        elif field.python_name in prefetched_names.get(field.type_name, ()):
            replace_resolver(field, _prefetched_resolver(field.python_name, field.resolve))
            reads[key] = _prefetched_read(field.python_name)
        elif field.method is not None:
            replace_resolver(field, _method_resolver(field.method))
            reads[key] = field.method
    return reads


def resolver_calls(schema: strawberry.Schema) -> dict[tuple[str, str], ResolverCall]:
    """How to call the resolver of every plain field that has one, as Strawberry's wrapper
    would (``gql.execution.compat.resolver_call``), by ``(type name, field name)``: what
    whole-operation projections (``gql.execution.projection``) call. Read before
    ``use_fast_resolvers`` replaces the wrappers, or after: the definitions are the same."""
    calls: dict[tuple[str, str], ResolverCall] = {}
    for field in object_fields(schema):
        call = resolver_call(schema, field)
        if call is not None:
            calls[(field.type_name, field.name)] = call
    return calls


def relation_fields(prefetchable: dict[type, set[str]]) -> set[tuple[str, str]]:
    """The ``(type name, field name)`` of the relations a prefetch may have stored."""
    return {
        (graphql_name, name)
        for cls, names in prefetchable.items()
        if (graphql_name := _graphql_name(cls))
        for name in names
    }


def batch_resolvers(
    calls: Mapping[tuple[str, str], ResolverCall],
    batches: Mapping[Callable[..., Any], Callable[..., Any]],
) -> dict[tuple[str, str], Callable[..., Any]]:
    """The batch resolver of every plain field whose resolver has one, by ``(type name,
    field name)``: ``batches`` maps a resolver's function to the same for many parents
    (their sources in a list), which projections call once per response position."""
    return {key: batches[call.func] for key, call in calls.items() if call.func in batches}
