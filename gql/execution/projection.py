"""Whole operations executed as projections, without graphql-core's per-field walk.

graphql-core executes a document field by field: for each object it builds a resolve
info, calls Strawberry's wrapper (which builds an ``Info`` and converts the arguments
again for every parent object), checks and completes the value, and schedules a
coroutine per asynchronous field. The object plans (``gql.execution.plans``) remove most
of it inside prefetched lists, but not for the fields that page nested lists
(``provider.articles(first: 10)``): a deep traversal pays it hundreds of times a request.

A ``Projection`` is built once per operation (kept with its document) when every field
of it is one this module knows how to read: an attribute, a method of ``self``, a
prefetched relation, or a plain resolver (no field extension, permission or exception
handler; ``gql.execution.compat.resolver_call``). Running it writes the response dicts
directly, in selection order:

- plain values are read and coerced as graphql-core's leaf completion does;
- relations are read from what the list resolvers prefetched, or else loaded by their
  resolver;
- resolvers are called as Strawberry's wrapper calls them, with the field's arguments
  coerced by graphql-core's ``get_argument_values`` and converted once per request and
  field (not once per parent object), with a real resolve info and path (response
  positions, selections and DataLoaders work as before);
- awaitables are collected per wave: every resolver reached while completing one
  wave's values is called before the next await, so each response position still shares
  one DataLoader batch (statement counts stay what they are, or fall);
- a field with a batch resolver (``BatchCall``: the same resolver for many parents, e.g.
  the nested article lists of ``gql.graph.lists``) is resolved once per wave and step
  for all the parents reached, not once per parent: one call, one awaitable, instead of
  a coroutine per parent (hundreds a request in a deep traversal).

Anything else steps aside, and graphql-core executes the operation as before (with the
object plans): operations other than queries, directives anywhere (``@skip``/``@include``
with or without variables, ``@defer``), introspection, abstract types, resolver
middleware. At run time, any error at all (a resolver raising, an argument refused, a
null in a non-null field, a value a scalar refuses, an object of an unexpected type)
abandons the projection, and graphql-core runs the whole operation again on the same
context: its errors, paths and partial data are graphql-core's own. The request's
DataLoaders keep what was loaded, so the second run reads little again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    get_argument_values,
    located_error,
)
from graphql.pyutils import Path

from gql.execution.compat import (
    PlanningExecutor,
    ResolverCall,
)

Read = Callable[[Any], Any]


class Unsupported(Exception):
    """The operation cannot be projected: graphql-core executes it."""


class Abandon(Exception):
    """Something unexpected at run time: graphql-core runs the operation again."""


class Slot:
    """The nearest place above a value that may hold null: a nullable field or list item
    (``container[key]`` at ``path``), or the whole data (``container`` None)."""

    __slots__ = ("container", "key", "path")

    def __init__(self, container: Any, key: Any, path: Path | None) -> None:
        self.container = container
        self.key = key
        self.path = path


_DATA = Slot(None, None, None)


class Nulled(Exception):
    """Unwinds the completion up to ``slot``, which a field error has nulled."""

    def __init__(self, slot: Slot) -> None:
        super().__init__()
        self.slot = slot


class Parent:
    """A parent reached by a batched step: its value, and where the field's value goes."""

    __slots__ = ("out", "path", "slot", "source")

    def __init__(self, source: Any, out: dict[str, Any], path: Path, slot: Slot) -> None:
        self.source = source
        self.out = out
        self.path = path
        self.slot = slot


class Run:
    """The state of one projected request."""

    __slots__ = ("arguments", "batched", "data_nulled", "executor", "pending")

    def __init__(self, executor: PlanningExecutor) -> None:
        self.executor = executor
        self.pending: list[Pending] = []
        """Awaitables of the current wave, with where their values go."""
        self.batched: dict[Step, list[Parent]] = {}
        """Parents reached by each batched step in the current wave."""
        self.arguments: dict[int, dict[str, Any]] = {}
        """Converted arguments per field step (``id``), for this request."""
        self.data_nulled = False

    def flush(self) -> None:
        """Resolve the current wave's batched steps, each for all its parents at once."""
        batched, self.batched = self.batched, {}
        for step, parents in batched.items():
            try:
                awaitable = step.resolve_batch(parents, self)
            except Exception as exc:
                self.fail_all(exc, step, parents)
                continue
            self.pending.append((parents, step, awaitable, None, None))

    def fail_all(self, error: Exception, step: Step, parents: list[Parent]) -> None:
        """A batched step failed: for each parent, as its own resolver failing would."""
        for parent in parents:
            try:
                self.fail(error, step, parent.path, parent.slot)
            except Nulled:
                pass  # its slot holds the null already

    def fail(self, error: Exception, step: Step, path: Path, slot: Slot) -> None:
        """A field's resolver failed: the error is located at the field, and the nearest
        nullable place (``slot``) becomes null, as graphql-core's ``handle_field_error``
        and its propagation do. Raises ``Nulled`` when that place is above the field."""
        assert step.nodes is not None
        located = located_error(error, step.nodes, path.as_list())
        self.null(slot, located)
        if not step.nullable:
            raise Nulled(slot)

    def null(self, slot: Slot, error: GraphQLError) -> None:
        errors = self.executor.collected_errors
        if errors.has_nulled_position(slot.path):
            return  # below a place already nulled: graphql-core drops it too
        errors.add(error, slot.path)
        if slot.container is None:
            self.data_nulled = True
        else:
            slot.container[slot.key] = None


Complete = Callable[[Any, Path | None, Run, Slot], Any]
"""Completes a field's value at ``path`` (None where no step below needs a path);
``slot`` is where a field error below it puts its null."""
Pending = tuple[Any, "Step", Awaitable[Any], Path | None, Slot | None]
"""A value of a wave: the dict it goes to, its step, its awaitable, path and slot; for
a batched step, its ``Parent`` list, step and awaitable (of their values, in order)."""
BatchCall = Callable[[list[Any], Any, dict[str, Any]], Awaitable[list[Any]]]
"""Resolves one field for many parents: ``call(sources, raw info, converted arguments)``
(the field's ``ResolverCall`` with the batch resolver as its ``func``)."""

READ, RELATION, STATIC, CALL, BATCH = range(5)
"""Step kinds: a plain read; a prefetched relation (its resolver when it was not
prefetched); the same, where nothing below needs a path (``Step.position``); a resolver;
a resolver called for all the parents a wave reaches (``BatchCall``)."""


class Step:
    """One response key of an object: how its value is read or resolved, and completed."""

    __slots__ = (
        "batch",
        "complete",
        "exact",
        "field_def",
        "key",
        "kind",
        "nodes",
        "nullable",
        "parent_type",
        "pathed",
        "position",
        "read",
        "resolver",
    )

    def __init__(
        self,
        key: str,
        kind: int,
        parent_type: GraphQLObjectType,
        complete: Complete,
        *,
        read: Read | None = None,
        resolver: ResolverCall | None = None,
        field_def: GraphQLField | None = None,
        nodes: list[FieldNode] | None = None,
        position: Path | None = None,
        batch: BatchCall | None = None,
    ) -> None:
        self.key = key
        self.batch = batch
        self.exact: type | None = None
        """For a read of a String, ID or Boolean: ``str`` or ``bool``, a value of which
        is its own output (no completion call)."""
        self.kind = kind
        self.parent_type = parent_type
        self.complete = complete
        self.read = read
        self.resolver = resolver
        self.field_def = field_def
        self.nodes = nodes
        self.nullable = field_def is None or not isinstance(field_def.type, GraphQLNonNull)
        self.pathed = kind in (RELATION, CALL, BATCH) or needs_path(complete)
        """Whether the step, or one below it, needs the path of its value."""
        self.position = position
        """For ``STATIC``: the field's path without list indices. A relation's resolver
        reads no more of its path than that (``gql.graph.positions.position``: its
        DataLoaders are per position), and should it fail, the projection is abandoned,
        so no error is ever located with it."""

    def resolve(self, source: Any, path: Path, run: Run) -> Any:
        """The resolver's value for ``source`` (or an awaitable of it)."""
        resolver = self.resolver
        assert resolver is not None
        raw, arguments = self._prepare(path, run)
        return resolver.call(source, raw, arguments)

    def resolve_batch(self, parents: list[Parent], run: Run) -> Awaitable[list[Any]]:
        """The batch resolver's awaitable of the values of all ``parents``, in order;
        its resolve info is the first parent's (the path, the only part that differs
        between them, matters only to errors, located per parent)."""
        assert self.batch is not None
        raw, arguments = self._prepare(parents[0].path, run)
        return self.batch([parent.source for parent in parents], raw, arguments)

    def _prepare(self, path: Path, run: Run) -> tuple[Any, dict[str, Any]]:
        """The resolve info at ``path``, and the arguments converted once per request."""
        resolver, field_def, nodes = self.resolver, self.field_def, self.nodes
        assert resolver is not None and field_def is not None and nodes is not None
        raw = run.executor.resolve_info_for(field_def, nodes, self.parent_type, path)
        arguments = run.arguments.get(id(self))
        if arguments is None:
            raw_arguments = (
                get_argument_values(field_def, nodes[0], run.executor.variable_values)
                if field_def.args or nodes[0].arguments
                else {}
            )
            arguments = run.arguments[id(self)] = resolver.convert(
                raw_arguments, resolver.info(raw)
            )
        return raw, arguments


def resolved(step: Step, source: Any, path: Path, run: Run, slot: Slot) -> Any:
    """The value of a resolver step; None once a failure was recorded (``Run.fail``)."""
    try:
        return step.resolve(source, path, run)
    except Exception as exc:
        run.fail(exc, step, path, slot)
        return None


class Projection:
    """A whole query operation, compiled: ``await projection.execute(executor)``."""

    __slots__ = ("root",)

    def __init__(self, root: Complete) -> None:
        self.root = root

    async def execute(self, executor: PlanningExecutor) -> dict[str, Any] | None:
        """The operation's data (None when an error nulled it all; errors are collected
        in the executor); raises ``Abandon`` on anything unexpected."""
        run = Run(executor)
        try:
            try:
                data: dict[str, Any] = self.root(executor.root_value, None, run, _DATA)
            except Nulled:
                data = {}
            while run.pending or run.batched:
                run.flush()
                wave, run.pending = run.pending, []
                if not wave:
                    continue
                results = await _settle([awaitable for _, _, awaitable, _, _ in wave])
                for (out, step, _, here, slot), result in zip(wave, results, strict=True):
                    if step.kind == BATCH:
                        _settle_batch(run, step, out, result)
                        continue
                    assert here is not None and slot is not None
                    try:
                        if isinstance(result, _Failed):
                            if step.kind == STATIC:
                                raise Abandon from result.error
                            run.fail(result.error, step, here, slot)
                        else:
                            out[step.key] = step.complete(result, here, run, slot)
                    except Nulled:
                        pass  # its slot holds the null already
        except Abandon:
            _close(run.pending)
            raise
        except Exception as exc:
            _close(run.pending)
            raise Abandon from exc
        return None if run.data_nulled else data


def _settle_batch(run: Run, step: Step, parents: list[Parent], result: Any) -> None:
    """Complete the values a batched step's awaitable gave, each at its parent."""
    if isinstance(result, _Failed):
        run.fail_all(result.error, step, parents)
        return
    if type(result) is not list or len(result) != len(parents):
        raise Abandon
    for parent, value in zip(parents, result, strict=True):
        try:
            parent.out[step.key] = step.complete(value, parent.path, run, parent.slot)
        except Nulled:
            pass  # its slot holds the null already


class _Failed:
    """What an awaitable of a wave raised."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


async def _settle(awaitables: list[Awaitable[Any]]) -> list[Any]:
    """The values of a wave's awaitables, all run to their end (``_Failed`` for those
    that raised)."""
    if len(awaitables) == 1:
        try:
            return [await awaitables[0]]
        except Exception as exc:
            return [_Failed(exc)]
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for index, result in enumerate(results):
        if isinstance(result, Exception):
            results[index] = _Failed(result)
        elif isinstance(result, BaseException):  # a cancellation: the request's own
            raise result
    return results


def _close(pending: list[Pending]) -> None:
    """Close the coroutines of a wave that will not be awaited."""
    for _, _, awaitable, _, _ in pending:
        if isinstance(awaitable, Coroutine):
            awaitable.close()
    pending.clear()


def needs_path(complete: Complete) -> bool:
    return bool(getattr(complete, "needs_path", False))


async def walked(executor: PlanningExecutor) -> ExecutionResult:
    """graphql-core's own execution of the operation, awaited."""
    result = executor.execute_operation_walked()
    if executor.is_awaitable(result):
        result = await result
    return result  # type: ignore[no-any-return]


async def run_projection(executor: PlanningExecutor, projection: Projection) -> ExecutionResult:
    """The operation's result through ``projection``, or graphql-core's when it steps aside."""
    try:
        data = await projection.execute(executor)
    except Abandon:
        return await walked(executor)
    return executor.respond(data)
