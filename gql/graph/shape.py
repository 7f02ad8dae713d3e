"""An operation's shape: its fields merged as graphql-core executes them.

Fragments are expanded, fields with the same response key merged, and below an
interface one branch per possible type. The cost model (``gql.graph.cost``) counts the
objects of this shape, and the guard (``gql.graph.guard``) reads from it how often one
response entry is selected (validation compares those selections pairwise). Built once
per operation, on documents already within the depth and field limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
    value_from_ast_untyped,
)

PAGE_ARGUMENTS = ("first", "last")
"""Arguments that size a page: a field taking them is paged."""


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


@dataclass(frozen=True)
class SchemaFacts:
    """The schema as the cost model reads it: types, fields, arguments, possible types."""

    schema: GraphQLSchema

    def field(self, parent: GraphQLObjectType, name: str) -> GraphQLField | None:
        if parent is self.schema.query_type:
            if name == "__schema":
                return SchemaMetaFieldDef
            if name == "__type":
                return TypeMetaFieldDef
        found: GraphQLField | None = parent.fields.get(name)
        return found


@dataclass
class ResponseField:
    """One composite entry of the answer: the field nodes merged into it, and below it
    the entries of each type its value can have."""

    key: str
    parent: str
    name: str
    node: FieldNode
    is_list: bool
    paged: bool
    children: dict[str, list[ResponseField]] = field(default_factory=dict)


@dataclass
class OperationShape:
    """An operation's composite entries, and what its cost depends on."""

    fields: list[ResponseField]
    variables: tuple[str, ...]
    """The variables that size a list (``first``, ``last``, ``ids``)."""
    defaults: dict[str, Any]
    most_repeated: int
    """The most field nodes merged into one response entry (what validation compares
    pairwise), and where: ``repeated_at``."""
    repeated_at: str
    count_plan: CountPlan


CountPlan = tuple[tuple[str, bool, "CountPlan", tuple[str, ...] | None], ...]
"""Per composite response key: whether it holds a list, the plan below it, and when
everything below is a single object without objects of its own (``provider { name }``),
those keys, so that counting needs no call per item."""


class _Builder:
    def __init__(self, facts: SchemaFacts, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.facts = facts
        self.fragments = fragments
        self.variables: set[str] = set()
        self.most_repeated = 0
        self.repeated_at = ""

    def matches(self, condition: Any, runtime: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        named = self.facts.schema.get_type(condition.name.value)
        if named is runtime:
            return True
        return is_abstract_type(named) and self.facts.schema.is_sub_type(named, runtime)

    def collect(
        self,
        selection_set: SelectionSetNode,
        runtime: GraphQLObjectType,
        into: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        """graphql-core's field collection: response key to the nodes merged into it."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                into.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self.matches(selection.type_condition, runtime):
                    self.collect(selection.selection_set, runtime, into, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self.matches(fragment.type_condition, runtime):
                    self.collect(fragment.selection_set, runtime, into, visited)

    def build(
        self, sets: list[SelectionSetNode], runtime: GraphQLObjectType, path: str
    ) -> list[ResponseField]:
        grouped: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in sets:
            self.collect(selection_set, runtime, grouped, visited)
        entries = []
        for key, nodes in grouped.items():
            where = f"{path}.{key}" if path else key
            if len(nodes) > self.most_repeated:
                self.most_repeated, self.repeated_at = len(nodes), where
            definition = self.facts.field(runtime, nodes[0].name.value)
            if definition is None:
                continue  # __typename, or unknown: validation says so
            named: GraphQLNamedType = get_named_type(definition.type)
            if not is_composite_type(named):
                continue
            node = nodes[0]
            paged = any(name in definition.args for name in PAGE_ARGUMENTS)
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    self.variables.add(argument.value.name.value)
            entry = ResponseField(
                key, runtime.name, node.name.value, node, _is_list(definition.type), paged
            )
            below = [n.selection_set for n in nodes if n.selection_set is not None]
            possible = (
                self.facts.schema.get_possible_types(named) if is_abstract_type(named) else [named]
            )
            for kind in possible:
                assert isinstance(kind, GraphQLObjectType)
                entry.children[kind.name] = self.build(below, kind, where)
            entries.append(entry)
        return entries


def _count_plan(fields: list[ResponseField]) -> CountPlan:
    merged: dict[str, tuple[bool, list[ResponseField]]] = {}
    for entry in fields:
        _, below = merged.setdefault(entry.key, (entry.is_list, []))
        for children in entry.children.values():
            below.extend(children)
    plan = []
    for key, (is_list, below) in merged.items():
        inner = _count_plan(below)
        flat = all(not deeper_list and not deeper for _, deeper_list, deeper, _ in inner)
        plan.append((key, is_list, inner, tuple(k for k, *_ in inner) if flat else None))
    return tuple(plan)


def shape_operation(
    facts: SchemaFacts,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
) -> OperationShape:
    """The merged composite entries of ``operation`` (a query, or a subscription: one
    event's answer).

    Run it on documents within the depth and field limits only: it expands fragments.
    """
    builder = _Builder(facts, fragments)
    subscribes = operation.operation is OperationType.SUBSCRIPTION
    root = facts.schema.subscription_type if subscribes else facts.schema.query_type
    assert root is not None
    fields = builder.build([operation.selection_set], root, "")
    defaults = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    variables = tuple(sorted(builder.variables))
    return OperationShape(
        fields,
        variables,
        {name: defaults[name] for name in variables if name in defaults},
        builder.most_repeated,
        builder.repeated_at,
        _count_plan(fields),
    )
