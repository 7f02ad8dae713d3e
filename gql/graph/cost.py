"""What a query costs: the objects its answer can hold, counted before it runs, and the
objects the answer did hold.

The requested cost of an operation (``requested_cost``, over its shape from
``gql.graph.shape``) counts every object its answer can hold: connections, edges, page
info and nodes alike, each list at the most items it can have:

- a field with ``first``/``last`` that returns a list: that many (``default_page_size``
  when neither is given, at most ``max_page_size``: more is an ``INVALID_ARGUMENT``);
- a field with ``first``/``last`` that returns a connection: one connection, whose
  ``edges`` and ``nodes`` lists have that many;
- ``nodes(ids:)``: one per id;
- the unpaged lists of a record (``Article.topics``, ``related``, ``images``...): the
  longest such list in the database (``gql.store.bounds``), ``ArticleFacets.published``
  three (true, false, missing);
- introspection (``__schema``, ``__type``): exactly, by walking the schema itself, which
  cannot change while it is served;
- any other list: ``max_page_size`` (``tests/graph/test_cost.py`` checks no list of the
  schema falls to this rule unnoticed).

``@skip``/``@include`` are not evaluated: the cost is an upper bound. The root object is
not counted, so ``{ __typename }`` costs 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    StringValueNode,
    VariableNode,
    value_from_ast_untyped,
)

from gql.graph.limits import SATURATED
from gql.graph.shape import PAGE_ARGUMENTS, CountPlan, OperationShape, ResponseField, SchemaFacts
from gql.settings import Settings
from gql.store import ListBounds

# Unpaged lists of records, bounded by the longest list of their kind in the database.
STORE_BOUNDED: dict[tuple[str, str], str] = {
    ("Article", "topics"): "topics_per_article",
    ("Article", "related"): "related_per_article",
    ("Article", "images"): "images_per_article",
    ("Provider", "images"): "images_per_provider",
    ("Topic", "images"): "images_per_topic",
    ("Topic", "children"): "children_per_topic",
    ("RelatedLink", "images"): "images_per_link",
}
FIXED_BOUNDS: dict[tuple[str, str], int] = {("ArticleFacets", "published"): 3}
SIZED_BY_ARGUMENT: dict[tuple[str, str], str] = {("Query", "nodes"): "ids"}


@dataclass(frozen=True)
class Sizes:
    """What list sizes come from: the request's variables, the data and the settings."""

    variables: Mapping[str, Any]
    bounds: ListBounds | None
    facts: SchemaFacts
    default_page_size: int
    max_page_size: int

    @classmethod
    def for_request(
        cls,
        shape: OperationShape,
        variables: Mapping[str, Any] | None,
        bounds: ListBounds | None,
        facts: SchemaFacts,
        settings: Settings,
    ) -> Sizes:
        given = variables or {}
        values = {n: given.get(n, shape.defaults.get(n)) for n in shape.variables}
        return cls(values, bounds, facts, settings.default_page_size, settings.max_page_size)

    def _value(self, node: Any) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, StringValueNode):
            return node.value
        if isinstance(node, ListValueNode):
            return node.values
        if node is None or isinstance(node, NullValueNode):
            return None
        return value_from_ast_untyped(node)

    def _clamp(self, value: Any, default: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            return default
        return max(0, min(value, self.max_page_size))

    def argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return self._value(argument.value)
        return None

    def page(self, node: FieldNode) -> int:
        """The most items a paged field's page holds."""
        sizes = [self.argument(node, name) for name in PAGE_ARGUMENTS]
        given = [s for s in sizes if s is not None]
        if not given:
            return self.default_page_size
        return max(self._clamp(s, self.default_page_size) for s in given)

    def longest(self, entry: ResponseField, page: int | None) -> int:
        """The most items an unpaged list holds (``page``: its connection's page)."""
        where = (entry.parent, entry.name)
        if where in SIZED_BY_ARGUMENT:
            value = self.argument(entry.node, SIZED_BY_ARGUMENT[where])
            count = len(value) if isinstance(value, list | tuple) else int(value is not None)
            return min(count, self.max_page_size)
        if page is not None:
            return page
        if where in STORE_BOUNDED:
            if self.bounds is None:
                return self.max_page_size
            return int(getattr(self.bounds, STORE_BOUNDED[where]))
        return FIXED_BOUNDS.get(where, self.max_page_size)


def _introspected(schema: GraphQLSchema, kind: str, value: Any, name: str) -> list[Any]:
    """What introspection field ``name`` of ``value`` (a ``kind`` object) holds."""
    if kind == "__Schema":
        if name == "types":
            return list(schema.type_map.values())
        if name == "directives":
            return list(schema.directives)
        root = {
            "queryType": schema.query_type,
            "mutationType": schema.mutation_type,
            "subscriptionType": schema.subscription_type,
        }.get(name)
        return [] if root is None else [root]
    if kind == "__Type":
        if name == "ofType":
            wrapped = isinstance(value, GraphQLList | GraphQLNonNull)
            return [value.of_type] if wrapped else []
        if name == "fields" and isinstance(value, GraphQLObjectType | GraphQLInterfaceType):
            return list(value.fields.values())
        if name == "interfaces" and isinstance(value, GraphQLObjectType | GraphQLInterfaceType):
            return list(value.interfaces)
        if name == "possibleTypes" and isinstance(value, GraphQLInterfaceType | GraphQLUnionType):
            return list(schema.get_possible_types(value))
        if name == "enumValues" and isinstance(value, GraphQLEnumType):
            return list(value.values.values())
        if name == "inputFields" and isinstance(value, GraphQLInputObjectType):
            return list(value.fields.values())
        return []
    if name == "type":  # of a __Field or an __InputValue
        return [value.type]
    if name == "args":  # of a __Field or a __Directive
        return list(value.args.values())
    return []


def _introspection_cost(
    schema: GraphQLSchema,
    kind: str,
    value: Any,
    fields: list[ResponseField],
    memo: dict[tuple[int, int], int],
) -> int:
    """The objects below one introspection object, walking the schema: exact, and shared
    where the same type is reached again (``fields { type { fields ...``)."""
    key = (id(value), id(fields))
    found = memo.get(key)
    if found is not None:
        return found
    total = 0
    for entry in fields:
        [(child_kind, below)] = entry.children.items()  # introspection types are objects
        for child in _introspected(schema, kind, value, entry.name):
            total = min(
                total + 1 + _introspection_cost(schema, child_kind, child, below, memo), SATURATED
            )
    memo[key] = total
    return total


def _root_introspection(entry: ResponseField, sizes: Sizes) -> int | None:
    """The cost of ``__schema`` or ``__type`` at the root; None for any other field."""
    schema = sizes.facts.schema
    if entry.parent != getattr(schema.query_type, "name", None) or entry.name not in (
        "__schema",
        "__type",
    ):
        return None
    [(kind, below)] = entry.children.items()
    memo: dict[tuple[int, int], int] = {}
    if entry.name == "__schema":
        return 1 + _introspection_cost(schema, kind, schema, below, memo)
    name = sizes.argument(entry.node, "name")
    named = [schema.get_type(name)] if isinstance(name, str) else schema.type_map.values()
    costs = [1 + _introspection_cost(schema, kind, t, below, memo) for t in named if t]
    return max(costs, default=0)


def _cost(fields: list[ResponseField], sizes: Sizes, page: int | None) -> int:
    total = 0
    for entry in fields:
        introspection = _root_introspection(entry, sizes)
        if introspection is not None:
            total = min(total + introspection, SATURATED)
            continue
        own = sizes.page(entry.node) if entry.paged else None
        if entry.is_list:
            count = own if own is not None else sizes.longest(entry, page)
            inner_page = None
        else:
            count = 1
            inner_page = own
        each = 1 + max(
            (_cost(children, sizes, inner_page) for children in entry.children.values()),
            default=0,
        )
        total = min(total + count * each, SATURATED)
    return total


def requested_cost(shape: OperationShape, sizes: Sizes) -> int:
    """The most objects the operation's answer can hold (see the module docstring)."""
    return _cost(shape.fields, sizes, None)


def _count(value: dict[str, Any], plan: CountPlan) -> int:
    total = 0
    for key, is_list, below, flat in plan:
        found = value.get(key)
        if found is None:
            continue
        if not is_list:
            total += 1 + _count(found, below) if below else 1
        elif flat == ():
            total += len(found) - found.count(None)
        elif flat is not None:
            for item in found:
                if item is not None:
                    total += 1
                    for inner in flat:
                        if item.get(inner) is not None:
                            total += 1
        else:
            for item in found:
                if item is not None:
                    total += 1 + _count(item, below)
    return total


def returned_objects(data: dict[str, Any] | None, shape: OperationShape) -> int:
    """How many objects ``data`` (an answer of the operation) holds, the root not counted."""
    return 0 if data is None else _count(data, shape.count_plan)
