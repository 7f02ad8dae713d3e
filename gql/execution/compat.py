"""Every reach into the private parts of Strawberry and graphql-core, in one module.

The compiled plans (``gql.execution.plans``), the fast resolvers
(``gql.execution.resolvers``) and the selection cache (``gql.execution.selections``) need
a few things neither library offers publicly: graphql-core's executor methods (all
``:meta private:``, their signatures changed again and again across 3.3), the module
that defines their field groups, Strawberry's executor subclass, the GraphQL schema
behind a Strawberry schema and the resolver wrapper Strawberry puts on every field. This
module is the only one that imports or touches them (``tests/execution/test_compat.py``
checks it); everything else uses the names defined here. Each use says what the public
alternative is, if there is one, and what breaks when it changes.

Both libraries are pinned to the minor this was checked against (``pyproject.toml``:
strawberry-graphql ``~=0.341.2``, graphql-core ``>=3.3.2,<3.4``); a new minor is taken
only after ``tests/execution/test_plans.py`` passes on it. What is public and used
directly elsewhere: ``strawberry.Schema(execution_context_class=...)``, the documented
attributes of graphql-core's ``Executor`` (``operation``, ``is_awaitable``), the fields of
``GraphQLResolveInfo``, ``graphql.pyutils`` and ``strawberry.types``/``strawberry.types.nodes``.
"""

from __future__ import annotations

__all__ = [
    "CannotGetOperationTypeError",
    "InvalidOperationTypeError",
    "OperationType",
    "optimized_is_awaitable",
    "validate_document",
]

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import strawberry
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
)

# Private module: graphql.execution does not export it, and there is no public
# alternative. Field groups were lists of FieldNode in 3.2, ``FieldGroup`` in 3.3.0a6,
# lists of FieldDetails (a node with its @defer usage and fragment variables) in 3.3.0a9,
# named ``FieldDetailsList`` since 3.3.0a14.
from graphql.execution.collect_fields import FieldDetails, collect_fields
from graphql.pyutils import Path

# Exported, undocumented: the ``is_awaitable`` Schema.execute passes (``gql.graph.prepared``).
from strawberry.execution import optimized_is_awaitable

# Private modules used by the HTTP view (``gql.http.view``), which runs ``Schema.execute``:
# - ``strawberry.schema.exceptions``: what ``Schema.execute`` raises for a mutation over
#   GET (``InvalidOperationTypeError``) and for a document whose operation it cannot pick
#   (``CannotGetOperationTypeError``). No public alternative: Strawberry's own views catch
#   them from here. A rename breaks the import at start-up (loudly, not silently).
# - ``strawberry.types.graphql.OperationType``: what ``allowed_operation_types`` takes.
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

# Private: strawberry.schema exports only Schema. Strawberry's executor (added in 0.269.0,
# strawberry#3461; based on graphql-core's IncrementalExecutor by 0.341) builds the resolve
# info its Info objects need (coerced variables, operation extensions); an executor that
# does not extend it breaks ``info.variable_values`` and ``info.input_extensions``.
# The public part is passing a subclass as ``Schema(execution_context_class=...)``.
# ``validate_document`` is what Strawberry's ValidationCache and its own validation step
# call: graphql-core's public ``validate`` with Strawberry's two extra rules (``MaybeNull``
# and ``OneOf``, added in 0.3xx), which a plain ``validate`` would leave out. The bounded
# document cache (``gql.execution.documents``) validates through it for that reason; a
# change of its signature breaks validation of every query, loudly.
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document

# Private module, public constant: the 0.116.0 changelog shows reading a GraphQL type's
# Strawberry definition as ``extensions[GraphQLCoreConverter.DEFINITION_BACKREF]``.
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import StrawberryArgument, convert_arguments
from strawberry.types.field import StrawberryField
from strawberry.types.graphql import OperationType

FieldGroup = list[FieldDetails]
"""The syntax nodes graphql-core merged under one response key (its ``FieldDetailsList``)."""


def field_nodes(group: FieldGroup) -> list[FieldNode]:
    """The field nodes of a group, in document order."""
    return [details.node for details in group]


def node_ids(group: FieldGroup) -> list[int]:
    """The identities of the group's field nodes: with the type, what a plan is kept by
    (built for every object graphql-core completes, so kept to one comprehension)."""
    return [id(details.node) for details in group]


def is_plain(group: FieldGroup) -> bool:
    """Whether the group is neither deferred nor inside a fragment with variables
    (fragment arguments, experimental in 3.3): the only groups plans are built for."""
    return all(
        details.defer_usage is None and not details.fragment_variable_values for details in group
    )


class PlanningExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor (as Strawberry extends it) with one hook and typed wrappers.

    ``complete_planned`` is called instead of graphql-core's completion of an object
    whenever no resolver middleware runs; a subclass returns the completed value, or None
    to let graphql-core complete the object as usual. The wrappers give the executor's
    private methods names of our own, so that a change of their signatures (3.2 took
    ``list[FieldNode]``; 3.3.0a6 field groups and an incremental record; 3.3.0a12 an
    incremental context and a defer map, returning wrapped results; by 3.3.2 a position
    context and plain results again) is fixed here and nowhere else.
    """

    def complete_planned(
        self, return_type: GraphQLObjectType, group: FieldGroup, path: Path, source: Any
    ) -> Any:
        """The object completed without graphql-core's per-field walk, or None."""
        return None

    def execute_whole(self) -> Awaitable[ExecutionResult] | None:
        """The whole operation's result run without graphql-core's walk, or None."""
        return None

    # Private (``:meta private:``), overridden: what ``execute`` calls once the executor
    # is built (variables coerced, operation chosen); no public alternative.
    def execute_operation(self, serially: bool | None = None) -> Any:
        whole = self.execute_whole() if serially is None else None
        if whole is not None:
            return whole
        return super().execute_operation(serially)

    def execute_operation_walked(self) -> Any:
        """graphql-core's own execution of the operation (result or awaitable)."""
        return super().execute_operation()

    def root_fields(self, root_type: GraphQLObjectType) -> dict[str, FieldGroup]:
        """The operation's root fields by response key (as ``execute_operation`` collects)."""
        # Private module (see ``FieldDetails``); its arguments grew in 3.3.0a6 and 3.3.1.
        schema, fragments, variables = self.schema, self.fragments, self.variable_values
        collected = collect_fields(
            schema, fragments, variables, root_type, self.operation, self.hide_suggestions
        )
        return collected.grouped_field_set

    def resolve_info_for(
        self, field_def: GraphQLField, nodes: list[FieldNode], parent: GraphQLObjectType, path: Path
    ) -> GraphQLResolveInfo[Any]:
        """The resolve info graphql-core would pass the field's resolver at ``path``."""
        # Private (``:meta private:``); Strawberry overrides it with the same signature.
        return self.build_resolve_info(field_def, nodes, parent, path)

    def respond(self, data: dict[str, Any] | None) -> ExecutionResult:
        """The result of the operation: ``data`` and the errors collected."""
        return cast(ExecutionResult, self.build_response(data))  # private, as graphql-core's

    # Private (``:meta private:``), overridden: graphql-core calls it for every object
    # value it completes. 3.3.2's signature; no public hook exists for this (graphql-core
    # documents subclassing ``Executor`` but not its methods).
    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldGroup,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # ``middleware_manager`` is a documented attribute; Strawberry always sets one,
        # empty unless a schema extension implements ``resolve``. Middleware must see
        # every field, so plans step aside when there is any.
        middleware = self.middleware_manager
        if middleware is None or not middleware.middlewares:
            done = self.complete_planned(return_type, field_details_list, path, result)
            if done is not None:
                return done
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def subfields(self, return_type: GraphQLObjectType, group: FieldGroup) -> dict[str, FieldGroup]:
        """The fields selected below ``group`` on ``return_type``, by response key, with
        ``@skip``/``@include`` applied and fragments merged (memoized by graphql-core)."""
        # Private; returned a plain dict in 3.2, a named tuple in 3.3 (FieldsAndPatches,
        # CollectedFields since 3.3.0a12) whose first item is the grouped field set.
        return self.collect_subfields(return_type, group).grouped_field_set

    def fragment(self, name: str) -> FragmentDefinitionNode | None:
        """The definition of the document's fragment ``name``, if it has one."""
        # ``fragments`` is a documented attribute, but its values are FragmentDetails of
        # the private collect_fields module (FragmentDefinitionNode until 3.3.0a14);
        # graphql-core marks ``fragment_definitions`` as a candidate for removal.
        details = self.fragments.get(name)
        return None if details is None else details.definition

    def execute_delegated(
        self, parent_type: GraphQLObjectType, source: Any, group: FieldGroup, path: Path
    ) -> Any:
        """graphql-core's execution of one field: resolver, completion, errors recorded
        at ``path`` (raised when the field is non-null). Undefined for an unknown field."""
        # Private; its arguments changed in 3.3.0a6, 3.3.0a12 and again by 3.3.2.
        # The position context (incremental delivery) is None: plans refuse @defer.
        return self.execute_field(parent_type, source, group, path, None)

    def settle_later(self, awaitables: list[Awaitable[Any]]) -> None:
        """Let started fields finish in the background when a sibling failed, as
        graphql-core's own ``execute_fields`` does, so none is left unawaited."""
        # Private, since 3.3.0b0. Before it, such awaitables were simply left behind.
        self.settle_in_background(awaitables)


# -- Strawberry's definitions behind graphql-core's types ------------------------------------

# Strawberry links each GraphQL type and field it builds to its own definition under
# this extension key ("strawberry-definition", since 0.116.0). The public alternative,
# ``Schema.get_type_by_name``, gives Strawberry's definitions but not the graphql-core
# objects the executor runs, which is what plans and fast resolvers work on.
_DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF


def origin_class(object_type: GraphQLObjectType) -> type | None:
    """The Python class Strawberry built ``object_type`` from, if it did."""
    definition = object_type.extensions.get(_DEFINITION)
    origin = getattr(definition, "origin", None)
    return origin if isinstance(origin, type) else None


def graphql_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema a Strawberry schema executes."""
    # Private attribute with no public accessor; Strawberry's own extensions
    # (ValidationCache), printer and federation schema read it the same way. It is the
    # schema that runs: with ``sort_schema`` it is a sorted copy, whose types are not the
    # ones in ``schema.schema_converter.type_map`` (public, but for building the schema).
    return schema._schema


def resolve_info(info: strawberry.Info[Any, Any]) -> GraphQLResolveInfo[Any]:
    """graphql-core's resolve info behind a Strawberry ``Info``."""
    # Private attribute, documented only in Strawberry's 0.233.0 breaking-change notes.
    return info._raw_info


# -- Strawberry's per-field resolver wrapper -------------------------------------------------
#
# For every field Strawberry 0.341 builds (schema_converter.from_resolver) a wrapper that,
# on each call: runs the field extensions' resolve chain (permission classes are one,
# PermissionExtension); builds an ``Info``; converts the arguments (input types, Python
# names, extensions' ``map_arguments``) and passes ``self``/root/parent/``info`` as the
# resolver asks; maps exceptions to union members when a schema exception handler's error
# type is in the field's type (0.321+, strawberry#4492); and awaits async resolvers. A
# field without resolver, extensions or handlers gets ``config.default_resolver(source,
# python_name)`` behind two calls. The wrapper does not catch or reshape errors otherwise:
# graphql-core's ``execute_field`` locates what a resolver raises (message, path), and
# ``Schema.process_errors`` and our ErrorPolicy mask it, whoever called the resolver.
#
# So a field with no extension, handler or argument to convert, whose resolver takes
# ``self`` alone or is ``getattr``, loses nothing to a plain function instead (compared in
# tests/execution/test_resolvers.py; Strawberry's ``_is_default`` tracing mark is unset).


@dataclass(frozen=True, slots=True)
class ObjectField:
    """A field of an object type, with what its Strawberry definition says about it."""

    type_name: str
    name: str
    python_name: str
    resolve: Callable[..., Any]
    """What graphql-core calls now: Strawberry's wrapper around the field's resolver."""
    plain: bool
    """The wrapper only gets the value: no field extension (nor permission), and no
    exception handler in the schema."""
    attribute: bool
    """The field has no resolver and is read with ``getattr`` (the default resolver)."""
    method: Callable[[Any], Any] | None
    """The function of the field's resolver when it is sync and takes ``self`` alone."""
    graphql_field: GraphQLField = field(repr=False)
    definition: StrawberryField = field(repr=False)


def _plain_method(definition: StrawberryField) -> Callable[[Any], Any] | None:
    # StrawberryResolver's attributes are undocumented, with no public alternative
    # (``self_parameter`` and its siblings date from 0.115.0, 2022). Should one be renamed,
    # this raises AttributeError when the schema is built, not during a request.
    resolver = definition.base_resolver
    if resolver is None or resolver.is_async or resolver.arguments:
        return None
    if resolver.info_parameter or resolver.root_parameter or resolver.parent_parameter:
        return None
    if resolver.self_parameter is None:
        return None
    return cast(Callable[[Any], Any], resolver.wrapped_func)


def object_fields(schema: strawberry.Schema) -> Iterator[ObjectField]:
    """Every field of the schema's object types that Strawberry built a resolver for."""
    # Exception handlers are matched per field by a private method of the converter
    # (``_get_field_exception_handlers``); rather than that, any handler makes no field plain.
    handlers = bool(schema.exception_handlers)
    reads_attributes = schema.config.default_resolver is getattr
    for type_name, graphql_type in graphql_schema(schema).type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for name, graphql_field in graphql_type.fields.items():
            definition = graphql_field.extensions.get(_DEFINITION)
            resolve = graphql_field.resolve
            if not isinstance(definition, StrawberryField) or resolve is None:
                continue
            yield ObjectField(
                type_name=type_name,
                name=name,
                python_name=definition.python_name,
                resolve=resolve,
                plain=not (handlers or definition.extensions or definition.permission_classes),
                attribute=definition.base_resolver is None and reads_attributes,
                method=_plain_method(definition),
                graphql_field=graphql_field,
                definition=definition,
            )


def replace_resolver(target: ObjectField, resolve: Callable[..., Any]) -> None:
    """Have graphql-core call ``resolve(source, info, **arguments)`` for the field instead
    of Strawberry's wrapper (see above for what that skips)."""
    # ``GraphQLField.resolve`` is a public attribute, but Strawberry owns the field and
    # has no public way to replace its wrapper. ``StrawberryConfig(default_resolver=...)``
    # does not help: Strawberry still wraps it, and only fields without a resolver use it.
    target.graphql_field.resolve = resolve


# -- Calling a field's resolver as Strawberry's wrapper would --------------------------------
#
# Projections (``gql.execution.projection``) call the resolvers of plain fields (no
# extension, permission or handler) themselves, arguments converted once per request, as
# the wrapper does: ``convert_arguments`` (``strawberry.types.arguments``, undocumented);
# the source as ``self``/``root``/``parent``; an ``Info`` of ``StrawberryConfig.info_class``
# (``_raw_info`` and ``_field``: private constructor arguments since 0.233.0).


@dataclass(frozen=True, slots=True)
class ResolverCall:
    """How Strawberry calls one field's resolver: ``call(source, raw_info, arguments)``."""

    definition: StrawberryField
    func: Callable[..., Any]
    pass_self: bool
    source_names: tuple[str, ...]
    info_name: str | None
    arguments: list[StrawberryArgument]
    schema: strawberry.Schema = field(repr=False)

    def info(self, raw: GraphQLResolveInfo[Any]) -> strawberry.Info[Any, Any]:
        return self.schema.config.info_class(_raw_info=raw, _field=self.definition)

    def convert(self, raw_arguments: dict[str, Any], info: strawberry.Info[Any, Any]) -> Any:
        """Coerced arguments as the resolver takes them (raises as the wrapper would)."""
        if not self.arguments:
            return {}
        # ``scalar_registry``: no public accessor; the wrapper passes the same one.
        registry, config = self.schema.schema_converter.scalar_registry, self.schema.config
        return convert_arguments(raw_arguments, self.arguments, registry, config, info)

    def call(self, source: Any, raw: GraphQLResolveInfo[Any], arguments: dict[str, Any]) -> Any:
        """The resolver's value (or awaitable) for ``source``, with converted arguments."""
        kwargs = dict(arguments, **dict.fromkeys(self.source_names, source))
        if self.info_name is not None:
            kwargs[self.info_name] = self.info(raw)
        return self.func(source, **kwargs) if self.pass_self else self.func(**kwargs)


def resolver_call(schema: strawberry.Schema, target: ObjectField) -> ResolverCall | None:
    """How to call a plain field's resolver as Strawberry would (None: not plain)."""
    definition = target.definition
    resolver = definition.base_resolver
    if not target.plain or resolver is None or definition.extensions:
        return None
    # Undocumented attributes of StrawberryResolver, as in ``_plain_method``.
    sources = (resolver.root_parameter, resolver.parent_parameter)
    names = tuple(parameter.name for parameter in sources if parameter is not None)
    func, info = resolver.wrapped_func, resolver.info_parameter
    if isinstance(func, staticmethod | classmethod):
        return None
    return ResolverCall(
        definition=definition,
        func=func,
        pass_self=resolver.self_parameter is not None,
        source_names=names,
        info_name=info.name if info is not None else None,
        arguments=definition.arguments,
        schema=schema,
    )


def coerced_variables(values: Any) -> dict[str, Any]:
    """An executor's coerced ``variable_values`` by name (3.3: ``VariableValues.coerced``)."""
    coerced: dict[str, Any] = getattr(values, "coerced", values)
    return coerced
