"""Building projections: a whole query operation compiled into completion functions.

``Projector.projection`` builds the ``Projection`` (``gql.execution.projection``) of an
operation on first sight and keeps it with its document; ``Unsupported`` anywhere in it
(see that module for what is covered) keeps graphql-core's execution for the operation.
Completion follows graphql-core's: leaves are coerced by their type, nulls refused where
the type is non-null, objects checked with ``is_type_of``; anything it would report as
an error abandons the projection (graphql-core runs the operation, and reports it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from graphql import (
    FieldNode,
    GraphQLBoolean,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    OperationType,
    Undefined,
)
from graphql.pyutils import Path

from gql.execution.compat import (
    FieldGroup,
    PlanningExecutor,
    ResolverCall,
    field_nodes,
    is_plain,
    origin_class,
)
from gql.execution.documents import DocumentCache
from gql.execution.objects import unpathed_object
from gql.execution.projection import (
    BATCH,
    CALL,
    READ,
    RELATION,
    STATIC,
    Abandon,
    Complete,
    Nulled,
    Parent,
    Projection,
    Run,
    Slot,
    Step,
    Unsupported,
    needs_path,
    resolved,
)

Read = Callable[[Any], Any]
FieldCalls = Mapping[tuple[str, str], ResolverCall]
"""``(type name, field name)`` -> how to call the field's resolver."""
FieldBatches = Mapping[tuple[str, str], Callable[..., Any]]
"""``(type name, field name)`` -> the field's batch resolver: its resolver's signature,
with a list of sources where it takes one, returning an awaitable of their values."""


def _leaf(leaf_type: GraphQLLeafType) -> Complete:
    coerce = leaf_type.coerce_output_value

    def complete(value: Any, path: Path | None, run: Run, slot: Slot) -> Any:
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise Abandon
        return coerced

    if leaf_type is GraphQLString or leaf_type is GraphQLID:
        return lambda value, path, run, slot: (
            value if type(value) is str else complete(value, path, run, slot)
        )
    if leaf_type is GraphQLBoolean:
        return lambda value, path, run, slot: (
            value if type(value) is bool else complete(value, path, run, slot)
        )
    return complete


def _non_null(inner: Complete) -> Complete:
    def complete(value: Any, path: Path | None, run: Run, slot: Slot) -> Any:
        if value is None:
            raise Abandon
        return inner(value, path, run, slot)

    return complete


def _nullable(inner: Complete) -> Complete:
    return lambda value, path, run, slot: None if value is None else inner(value, path, run, slot)


def _list(inner: Complete, needs_path: bool, nullable_items: bool) -> Complete:
    def complete(value: Any, path: Path | None, run: Run, slot: Slot) -> list[Any]:
        if type(value) is not list and type(value) is not tuple:
            raise Abandon
        if not needs_path:
            return [inner(item, None, run, slot) for item in value]
        items: list[Any] = [None] * len(value)
        for index, item in enumerate(value):
            here = Path(path, index, None)
            if not nullable_items:
                items[index] = inner(item, here, run, slot)
                continue
            item_slot = Slot(items, index, here)
            try:
                items[index] = inner(item, here, run, item_slot)
            except Nulled as nulled:
                if nulled.slot is not item_slot:
                    raise
        return items

    return complete


def _object(steps: tuple[Step, ...], object_type: GraphQLObjectType) -> Complete:
    if not any(step.pathed for step in steps):
        return unpathed_object(steps, object_type)
    is_type_of: Callable[[Any, Any], Any] | None = object_type.is_type_of
    origin = origin_class(object_type)
    type_name = object_type.name

    def complete(value: Any, path: Path | None, run: Run, slot: Slot) -> dict[str, Any]:
        if (
            is_type_of is not None
            and type(value) is not origin
            and is_type_of(value, None) is not True
        ):
            raise Abandon
        out: dict[str, Any] = {}
        for step in steps:
            key = step.key
            kind = step.kind
            if not step.pathed:
                if kind == READ:
                    result = step.read(value)  # type: ignore[misc]
                    # A str or bool of a String, ID or Boolean field is its own output.
                    if type(result) is step.exact:
                        out[key] = result
                    else:
                        out[key] = step.complete(result, None, run, slot)
                    continue
                try:
                    result = step.read(value)  # type: ignore[misc]
                except KeyError:  # not prefetched: its resolver loads it
                    assert step.position is not None
                    result = step.resolve(value, step.position, run)
                    if run.executor.is_awaitable(result):
                        out[key] = None
                        run.pending.append((out, step, result, step.position, slot))
                        continue
                out[key] = step.complete(result, None, run, slot)
                continue
            here = Path(path, key, type_name)
            field_slot = Slot(out, key, here) if step.nullable else slot
            if kind == BATCH:  # resolved with the wave's other parents (``Run.flush``)
                out[key] = None  # keeps the key's place
                parents = run.batched.get(step)
                if parents is None:
                    parents = run.batched[step] = []
                parents.append(Parent(value, out, here, field_slot))
                continue
            try:
                if kind == READ:
                    assert step.read is not None
                    out[key] = step.complete(step.read(value), here, run, field_slot)
                    continue
                if kind == RELATION:
                    assert step.read is not None
                    try:
                        result = step.read(value)
                    except KeyError:  # not prefetched: its resolver loads it
                        result = resolved(step, value, here, run, field_slot)
                else:
                    result = resolved(step, value, here, run, field_slot)
                if run.executor.is_awaitable(result):
                    out[key] = None  # keeps the key's place; set when the wave is awaited
                    run.pending.append((out, step, result, here, field_slot))
                else:
                    out[key] = step.complete(result, here, run, field_slot)
            except Nulled as nulled:
                if nulled.slot is not field_slot:
                    raise
                out[key] = None
        return out

    return complete


class Projector:
    """Builds the projections of one schema's operations, once per document."""

    def __init__(
        self,
        reads: Mapping[tuple[str, str], Read],
        relations: set[tuple[str, str]],
        calls: FieldCalls,
        max_documents: int,
        batches: FieldBatches | None = None,
    ) -> None:
        self.reads = reads
        self.relations = relations
        self.calls = calls
        self.batches: FieldBatches = batches if batches is not None else {}
        self.documents: DocumentCache[Projection | None] = DocumentCache(max_documents)

    def projection(self, executor: PlanningExecutor) -> Projection | None:
        """The projection of the executor's operation; None when it has none."""
        entries = self.documents.entries(executor.operation)
        if entries is None:
            return None
        if 0 in entries:
            return entries[0]
        try:
            projection: Projection | None = self._build(executor)
        except Unsupported:
            projection = None
        entries[0] = projection
        return projection

    def _build(self, executor: PlanningExecutor) -> Projection:
        operation = executor.operation
        if operation.operation is not OperationType.QUERY or operation.directives:
            raise Unsupported
        middleware = executor.middleware_manager
        if middleware is not None and middleware.middlewares:
            raise Unsupported
        if executor.abort_signal is not None:
            raise Unsupported
        root_type = executor.schema.query_type
        if root_type is None:
            raise Unsupported
        _check_level(operation.selection_set, executor)
        steps, _ = self._steps(executor, root_type, executor.root_fields(root_type), None)
        return Projection(_object(steps, root_type))

    def _steps(
        self,
        executor: PlanningExecutor,
        parent_type: GraphQLObjectType,
        grouped: dict[str, FieldGroup],
        position: Path | None,
    ) -> tuple[tuple[Step, ...], bool]:
        """The steps of an object's selection (at ``position``: its path without list
        indices), and whether any needs the path."""
        steps = tuple(
            self._step(executor, parent_type, key, group, position)
            for key, group in grouped.items()
        )
        return steps, any(step.pathed for step in steps)

    def _step(
        self,
        executor: PlanningExecutor,
        parent_type: GraphQLObjectType,
        key: str,
        group: FieldGroup,
        position: Path | None,
    ) -> Step:
        if not is_plain(group):
            raise Unsupported
        nodes = field_nodes(group)
        name = nodes[0].name.value
        if name == "__typename":
            type_name = parent_type.name
            return Step(key, READ, parent_type, _typename, read=lambda _: type_name)
        field_def = parent_type.fields.get(name)
        if field_def is None:  # introspection (``__schema``, ``__type``) or unknown
            raise Unsupported
        for node in nodes:
            _check_level(node.selection_set, executor)
        here = Path(position, key, parent_type.name)
        complete = self._completer(executor, field_def.type, group, here)
        field_key = (parent_type.name, name)
        resolver = self.calls.get(field_key)
        read = self.reads.get(field_key)
        if read is not None and not any(node.arguments for node in nodes):
            if field_key not in self.relations:
                # With its field: a non-null one passes a null from below to its parent.
                step = Step(key, READ, parent_type, complete, read=read, field_def=field_def)
                step.exact = _exact_type(field_def.type)
                return step
            if resolver is not None:
                return Step(
                    key,
                    RELATION if needs_path(complete) else STATIC,
                    parent_type,
                    complete,
                    read=read,
                    resolver=resolver,
                    field_def=field_def,
                    nodes=nodes,
                    position=here,
                )
        if resolver is None:
            raise Unsupported(field_key)
        batch = self.batches.get(field_key)
        if batch is not None:
            return Step(
                key,
                BATCH,
                parent_type,
                complete,
                resolver=resolver,
                field_def=field_def,
                nodes=nodes,
                # Called as the resolver is, the list of parents where it takes one.
                batch=replace(resolver, func=batch).call,
            )
        return Step(
            key, CALL, parent_type, complete, resolver=resolver, field_def=field_def, nodes=nodes
        )

    def _completer(
        self,
        executor: PlanningExecutor,
        output_type: GraphQLOutputType,
        group: FieldGroup,
        position: Path,
        nullable: bool = True,
    ) -> Complete:
        if isinstance(output_type, GraphQLNonNull):
            inner = self._completer(executor, output_type.of_type, group, position, False)
            return marked(_non_null(inner), needs_path(inner))
        pathed = False
        if isinstance(output_type, GraphQLList):
            item = self._completer(executor, output_type.of_type, group, position)
            pathed = needs_path(item)
            nullable_items = not isinstance(output_type.of_type, GraphQLNonNull)
            inner = _list(item, pathed, nullable_items)
        elif isinstance(output_type, GraphQLLeafType):
            inner = _leaf(output_type)
        elif isinstance(output_type, GraphQLObjectType):
            steps, pathed = self._steps(
                executor, output_type, executor.subfields(output_type, group), position
            )
            inner = _object(steps, output_type)
        else:  # interfaces and unions: graphql-core resolves their types
            raise Unsupported
        return marked(_nullable(inner) if nullable else inner, pathed)


def _exact_type(output_type: GraphQLOutputType) -> type | None:
    """The Python type whose values a leaf of ``output_type`` outputs unchanged."""
    if isinstance(output_type, GraphQLNonNull):
        output_type = output_type.of_type
    if output_type is GraphQLString or output_type is GraphQLID:
        return str
    return bool if output_type is GraphQLBoolean else None


def _typename(value: Any, path: Path | None, run: Run, slot: Slot) -> Any:
    return value


def marked(complete: Complete, needs_path: bool) -> Complete:
    """``complete``, remembered as needing its path when a step below it does."""
    if needs_path:
        complete.needs_path = True  # type: ignore[attr-defined]
    return complete


def _check_level(selection_set: Any, executor: PlanningExecutor) -> None:
    """Refuse a selection set (fragments of it included) with any directive."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if selection.directives:
            raise Unsupported
        if isinstance(selection, FieldNode):
            continue
        inner = getattr(selection, "selection_set", None)
        if inner is not None:  # an inline fragment
            _check_level(inner, executor)
            continue
        definition = executor.fragment(selection.name.value)
        if definition is None or definition.directives or definition.variable_definitions:
            raise Unsupported
        _check_level(definition.selection_set, executor)
