"""Compiled execution: complete selection sets with projections built once per document.

graphql-core completes every field of every object on its own (resolve info, resolver
call, type checks): about 4 µs a field, most of a big page's cost. Yet once a list's
relations are prefetched (``gql.graph.prefetch``), most fields are a read of an attribute or
of ``prefetched``. ``CompiledExecutor`` therefore turns the selection set of an object
into a plan on first sight: a tuple of (response key, read, complete) steps, nested for
the objects below. Plans are kept with their document (``gql.execution.documents``), keyed by the
identity of its field nodes (the parser cache hands out the same document for the same
text).

A plan covers the same ground as graphql-core and gives the same result, or steps aside:
- fields it cannot read itself (resolvers with arguments or ``info``, async ones) are
  handed to graphql-core's ``execute_field`` with their real path, at the top level of
  the plan; an object below with such a field is completed by graphql-core as a whole;
- anything unexpected at run time (a relation not prefetched, a null in a non-null
  field, a value a scalar refuses, an object of another type) abandons the compiled
  steps before any field was handed over, and graphql-core completes the object, errors
  and all;
- selection sets with directives (``@skip``, ``@include``, ``@defer``), fields of an
  abstract type inside a plan (objects reached through ``Node`` are compiled on their
  concrete type), and operations with resolver middleware are never compiled.

What a field's read is comes from the schema (``FieldReads``): this module knows
graphql-core, not our types. graphql-core's executor internals are reached only through
``gql.execution.compat`` (``PlanningExecutor``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from graphql import (
    ExecutionResult,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
)
from graphql.pyutils import Path, gather_with_cancel

from gql.execution.compat import (
    FieldGroup,
    PlanningExecutor,
    field_nodes,
    is_plain,
    node_ids,
    origin_class,
)
from gql.execution.documents import DocumentCache
from gql.execution.projection import run_projection, walked
from gql.execution.projector import FieldBatches, FieldCalls, Projector

Read = Callable[[Any], Any]
Complete = Callable[[Any], Any]
WholeAnswers = Callable[[PlanningExecutor], Awaitable[dict[str, Any]] | None]
"""The executor of an operation (its schema, operation, fragments, coerced variables and
context) -> the operation's data without executing its fields (one statement,
``gql.graph.statement``), or None."""
FieldReads = Mapping[tuple[str, str], Read]
"""``(type name, field name)`` -> how to read the field's value from its source object."""


class _Unsupported(Exception):
    """The selection cannot be compiled: graphql-core completes it."""


class Plan:
    """How to complete one selection set on one object type."""

    __slots__ = ("compiled", "delegated", "keys")

    def __init__(
        self,
        keys: tuple[str, ...],
        compiled: tuple[tuple[str, Read, Complete], ...],
        delegated: tuple[tuple[str, FieldGroup], ...],
    ) -> None:
        self.keys = keys
        """Response keys in the order graphql-core would write them."""
        self.compiled = compiled
        self.delegated = delegated


def _check_level(selection_set: SelectionSetNode | None, executor: PlanningExecutor) -> None:
    """Refuse a selection set (fragments of it included) whose shape may depend on variables."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if selection.directives:
            raise _Unsupported
        if isinstance(selection, InlineFragmentNode):
            _check_level(selection.selection_set, executor)
        elif isinstance(selection, FragmentSpreadNode):
            definition = executor.fragment(selection.name.value)
            if definition is None or definition.directives:
                raise _Unsupported
            if definition.variable_definitions:
                raise _Unsupported
            _check_level(definition.selection_set, executor)


def _leaf(leaf_type: GraphQLLeafType) -> Complete:
    coerce = leaf_type.coerce_output_value

    def complete(value: Any) -> Any:
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _Unsupported
        return coerced

    if leaf_type is GraphQLString or leaf_type is GraphQLID:
        return lambda value: value if type(value) is str else complete(value)
    if leaf_type is GraphQLBoolean:
        return lambda value: value if type(value) is bool else complete(value)
    return complete


def _non_null(inner: Complete) -> Complete:
    def complete(value: Any) -> Any:
        if value is None:
            raise _Unsupported
        completed = inner(value)
        if completed is None:
            raise _Unsupported
        return completed

    return complete


def _nullable(inner: Complete) -> Complete:
    return lambda value: None if value is None else inner(value)


def _list(inner: Complete) -> Complete:
    def complete(value: Any) -> list[Any]:
        if type(value) is not list and type(value) is not tuple:
            raise _Unsupported
        return [inner(item) for item in value]

    return complete


def _object(plan: Plan, object_type: GraphQLObjectType) -> Complete:
    steps = plan.compiled
    is_type_of: Callable[[Any, Any], Any] | None = object_type.is_type_of
    if is_type_of is None:
        return lambda value: {key: finish(read(value)) for key, read, finish in steps}
    # The Python class Strawberry built the type from: its exact instances pass
    # ``is_type_of`` without the call.
    origin = origin_class(object_type)

    def complete(value: Any) -> dict[str, Any]:
        if type(value) is not origin and is_type_of(value, None) is not True:
            raise _Unsupported
        return {key: finish(read(value)) for key, read, finish in steps}

    return complete


class Planner:
    """Builds and keeps the plans of one schema (shared by all requests), per document."""

    def __init__(self, reads: FieldReads, max_documents: int) -> None:
        self.reads = reads
        self.documents: DocumentCache[Plan | None] = DocumentCache(max_documents)

    def plan(
        self,
        executor: CompiledExecutor,
        return_type: GraphQLObjectType,
        group: FieldGroup,
    ) -> Plan | None:
        """The plan of this selection on ``return_type``; None when it cannot be compiled
        (or its document is too large to keep plans for)."""
        plans = self.documents.entries(executor.operation)
        if plans is None:
            return None
        key = (return_type.name, *node_ids(group))
        if key in plans:
            return plans[key]
        try:
            plan: Plan | None = self._build(executor, return_type, group, top=True)
        except _Unsupported:
            plan = None
        plans[key] = plan
        return plan

    def _build(
        self,
        executor: CompiledExecutor,
        return_type: GraphQLObjectType,
        group: FieldGroup,
        *,
        top: bool,
    ) -> Plan:
        if not is_plain(group):
            raise _Unsupported
        for node in field_nodes(group):
            _check_level(node.selection_set, executor)
        grouped = executor.subfields(return_type, group)
        keys: list[str] = []
        compiled: list[tuple[str, Read, Complete]] = []
        delegated: list[tuple[str, FieldGroup]] = []
        for response_key, field_group in grouped.items():
            keys.append(response_key)
            try:
                compiled.append(self._step(executor, return_type, response_key, field_group))
            except _Unsupported:
                if not top:
                    raise
                delegated.append((response_key, field_group))
        return Plan(
            tuple(keys),
            tuple(compiled),
            tuple(delegated),
        )

    def _step(
        self,
        executor: CompiledExecutor,
        parent_type: GraphQLObjectType,
        response_key: str,
        field_group: FieldGroup,
    ) -> tuple[str, Read, Complete]:
        nodes = field_nodes(field_group)
        name = nodes[0].name.value
        if name == "__typename":
            type_name = parent_type.name
            return response_key, lambda source: type_name, lambda value: value
        if any(node.arguments for node in nodes):
            raise _Unsupported
        field = parent_type.fields.get(name)
        read = self.reads.get((parent_type.name, name))
        if field is None or read is None:
            raise _Unsupported
        return response_key, read, self._completer(executor, field.type, field_group)

    def _completer(
        self,
        executor: CompiledExecutor,
        output_type: GraphQLOutputType,
        field_group: FieldGroup,
        nullable: bool = True,
    ) -> Complete:
        if isinstance(output_type, GraphQLNonNull):
            return _non_null(self._completer(executor, output_type.of_type, field_group, False))
        if isinstance(output_type, GraphQLList):
            inner = _list(self._completer(executor, output_type.of_type, field_group))
        elif isinstance(output_type, GraphQLLeafType):
            inner = _leaf(output_type)
        elif isinstance(output_type, GraphQLObjectType):
            plan = self._build(executor, output_type, field_group, top=False)
            inner = _object(plan, output_type)
        else:
            raise _Unsupported
        return _nullable(inner) if nullable else inner


class CompiledExecutor(PlanningExecutor):
    """graphql-core's executor, completing objects through compiled plans where it can.

    Subclasses set ``planner`` (``compiled_executor`` builds one per schema).
    """

    planner: Planner
    projector: Projector
    statements: WholeAnswers | None = None

    def execute_whole(self) -> Awaitable[ExecutionResult] | None:
        statements = self.statements
        middleware = self.middleware_manager
        if statements is not None and (middleware is None or not middleware.middlewares):
            answer = statements(self)
            if answer is not None:
                return self._answered(answer)
        projection = self.projector.projection(self)
        return None if projection is None else run_projection(self, projection)

    async def _answered(self, answer: Awaitable[dict[str, Any]]) -> ExecutionResult:
        """The result of a whole answer; should it fail (a read timed out), graphql-core's
        execution of the operation, which reports the failure where it happens."""
        try:
            data = await answer
        except Exception:
            return await walked(self)
        return self.respond(data)

    def complete_planned(
        self, return_type: GraphQLObjectType, group: FieldGroup, path: Path, source: Any
    ) -> Any:
        plan = self.planner.plan(self, return_type, group)
        return None if plan is None else self._run(plan, return_type, path, source)

    def _run(self, plan: Plan, return_type: GraphQLObjectType, path: Path, source: Any) -> Any:
        is_type_of: Callable[[Any, Any], Any] | None = return_type.is_type_of
        try:
            if is_type_of is not None and is_type_of(source, None) is not True:
                return None
            values = {key: finish(read(source)) for key, read, finish in plan.compiled}
        except Exception:
            return None
        if not plan.delegated:
            return values if len(plan.keys) == len(values) else self._ordered(plan, values)
        # From here on fields run through graphql-core, which records their errors:
        # no way back to the slow path (it would run them twice).
        pending: list[str] = []
        try:
            for key, field_group in plan.delegated:
                value = self.execute_delegated(
                    return_type, source, field_group, Path(path, key, return_type.name)
                )
                if value is Undefined:
                    continue
                values[key] = value
                if self.is_awaitable(value):
                    pending.append(key)
        except Exception:
            # As graphql-core's execute_fields: fields already started may fail too.
            if pending:
                self.settle_later([values[key] for key in pending])
            raise
        if not pending:
            return self._ordered(plan, values)
        return self._gather(plan, values, pending)

    @staticmethod
    def _ordered(plan: Plan, values: dict[str, Any]) -> dict[str, Any]:
        return {key: values[key] for key in plan.keys if key in values}

    async def _gather(
        self, plan: Plan, values: dict[str, Any], pending: list[str]
    ) -> dict[str, Any]:
        awaitables: list[Awaitable[Any]] = [values[key] for key in pending]
        if len(awaitables) == 1:
            values[pending[0]] = await awaitables[0]
        else:
            values.update(zip(pending, await gather_with_cancel(*awaitables), strict=True))
        return self._ordered(plan, values)


def compiled_executor(
    reads: FieldReads,
    *,
    max_documents: int,
    calls: FieldCalls | None = None,
    relations: set[tuple[str, str]] | None = None,
    batches: FieldBatches | None = None,
    statements: WholeAnswers | None = None,
) -> type[CompiledExecutor]:
    """An executor class with a planner of its own over these field reads, keeping the
    plans of the ``max_documents`` most recently used documents.

    With ``calls`` (how to call plain resolvers) and ``relations`` (which reads are of
    prefetched relations), whole query operations run as projections when they can
    (``gql.execution.projection``); without them, never. ``batches``: the fields whose
    resolvers projections call once for all the parents at a position.

    The tables are kept, not copied: they may be filled once the schema that gets the
    class has built its fields (``gql.graph.schema.build_schema``), before the first
    request.
    """
    planner = Planner(reads, max_documents)
    projector = Projector(
        reads,
        relations if relations is not None else set(),
        calls if calls is not None else {},
        max_documents,
        batches,
    )
    members = {"planner": planner, "projector": projector, "statements": statements}
    return type("SchemaExecutor", (CompiledExecutor,), members)
