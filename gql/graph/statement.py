"""Whole queries answered by one SQL statement: the operation as a store ``Tree``.

Most pages a client asks for (a front page, a topic's articles, an article with its
related coverage) are a tree of entity fields the store reads in one statement that
builds the answer's JSON itself (``gql.store.json_sql``). ``Statements`` turns a query
operation into that tree, once per operation, variables and settings (kept with the
document), and the executor (``gql.execution.plans``) runs it instead of completing the
operation field by field.

The tree is built from what validation checked, with the arguments coerced by
graphql-core, converted by Strawberry and checked as the resolvers check them
(``article_spec``, ``gql.graph.lookups``). There is no tree, and the operation is
executed as before, for: fields other than stored values, global IDs, the relations the
store knows, article pages (``nodes``, ``edges``, ``pageInfo``, ``totalCount``) and root
lookups of one article, topic or provider (so ``extra``, facets, search, introspection);
a non-null scalar over a column that may hold NULL, a non-null relation to one entity
(graphql-core would report the null); a directive on the operation; an argument the
resolver refuses (its error comes from it, as before); trees the store answers better by
batches or not at all (``TreeUnsupported``: a page of articles per row of a list, a
backward page, cursors of a list by title). Fields are collected by graphql-core
(``PlanningExecutor.root_fields``, ``subfields``), so ``@skip`` and ``@include`` apply as
they do there: a statement is kept per variables.

The answer is the field-by-field execution's, byte for byte once encoded
(``tests/execution/test_statements.py``, the differential property).
"""

from __future__ import annotations

from collections.abc import Awaitable, Hashable, Mapping
from typing import Any

import orjson
from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    OperationDefinitionNode,
    OperationType,
    get_argument_values,
)

from gql.errors import QueryTimeout, RequestTimeout, StatementFailed
from gql.execution.compat import (
    FieldGroup,
    ObjectField,
    PlanningExecutor,
    ResolverCall,
    coerced_variables,
    is_plain,
    origin_class,
)
from gql.execution.documents import DocumentCache, values_key
from gql.graph.context import Context
from gql.graph.lists import article_spec
from gql.graph.pagination import order_tag
from gql.graph.readable import (
    ARTICLE_LIST_ARGUMENTS,
    ARTICLE_LISTS,
    CONNECTION_TYPE,
    ENTITY_TYPES,
    GLOBAL_IDS,
    LOOKUPS,
    PAGE_INFO,
    Unsupported,
    field_object,
    lookup_key,
    present_object,
)
from gql.graph.relations import RELATIONS
from gql.settings import Settings
from gql.store import (
    ArticlePage,
    Articles,
    Bounds,
    Constant,
    Count,
    Cursor,
    Edges,
    Encoded,
    Lookup,
    More,
    Nodes,
    Placement,
    Related,
    Tree,
    TreeUnsupported,
    Value,
    json_statement,
    load_json,
    nullable,
    relation_kind,
    value_column,
)

FieldCalls = Mapping[tuple[str, str], ResolverCall]
Fields = Mapping[tuple[str, str], ObjectField]
Compiled = tuple[str, list[Any], Placement] | None
TreeField = Value | Encoded | Constant | Related | Articles | ArticlePage

MAX_ENTRIES_PER_DOCUMENT = 16
"""Statements kept per operation (by variables and settings); their text is charged to
the operation's document in the cache's bytes."""


class Statements:
    """The statement of each query operation that has one (see the module docstring),
    kept for the ``max_documents`` most recently used operations.

    ``fields`` and ``calls``: each object type's fields as Strawberry defines them, and
    how it calls their resolvers (for the conversion of their arguments).
    """

    def __init__(self, fields: Fields, calls: FieldCalls, max_documents: int) -> None:
        self.fields = fields
        self.calls = calls
        self.documents: DocumentCache[Compiled] = DocumentCache(
            max_documents, max_entries_per_document=MAX_ENTRIES_PER_DOCUMENT
        )

    def answer(self, executor: PlanningExecutor) -> Awaitable[dict[str, Any]] | None:
        """The operation's data as the one statement gives it, or None (no statement)."""
        context = executor.context_value
        operation = executor.operation
        if type(context) is not Context or operation.operation is not OperationType.QUERY:
            return None
        settings = context.settings
        if not settings.whole_statements:
            return None
        entries = self.documents.entries(operation)
        if entries is None:
            return None  # not kept: translating it per request costs more than it saves
        variables = values_key(coerced_variables(executor.variable_values))
        if variables is None:
            return None
        store = context.store
        key = (variables, settings, store.dialect.name)
        compiled = entries.get(key)  # one lookup: the key hashes the settings
        if compiled is None and key not in entries:
            try:
                tree = _Translator(executor, settings, self.fields, self.calls).tree(operation)
                compiled = (*json_statement(tree, store.dialect), Placement())
            except (Unsupported, TreeUnsupported):
                compiled = None
            entries[key] = compiled
            self.documents.charge(operation, len(variables) + (len(compiled[0]) if compiled else 0))
        if compiled is None:
            return None
        return _loaded(store, *compiled, entries, key)


def _plain(fields: dict[str, FieldGroup]) -> dict[str, FieldGroup]:
    """``fields``, none deferred nor inside a fragment with variables (else ``Unsupported``)."""
    if not all(is_plain(group) for group in fields.values()):
        raise Unsupported
    return fields


async def _loaded(
    store: Any,
    sql: str,
    params: list[Any],
    placement: Placement,
    entries: dict[Hashable, Compiled],
    key: Hashable,
) -> dict[str, Any]:
    """The statement's answer. One that failed, or ran out of its time limit, is not tried
    again for these variables: the executor answers field by field from then on, rather
    than running the statement first on every repeat of a request it cannot answer."""
    try:
        text = await load_json(store, sql, params, placement)
    except (QueryTimeout, StatementFailed) as error:
        if not isinstance(error, RequestTimeout):
            entries[key] = None
        raise
    data: dict[str, Any] = orjson.loads(text)
    return data


class _Translator:
    """One operation as a ``Tree`` (raises ``Unsupported``)."""

    def __init__(
        self, executor: PlanningExecutor, settings: Settings, fields: Fields, calls: FieldCalls
    ) -> None:
        self.executor = executor
        self.schema = executor.schema
        self.variables = executor.variable_values
        self.settings = settings
        self.fields = fields
        self.calls = calls

    def tree(self, operation: OperationDefinitionNode) -> Tree:
        root = self.schema.query_type
        if root is None or operation.directives:
            raise Unsupported
        fields: list[Any] = []
        for key, group in _plain(self.executor.root_fields(root)).items():
            name = group[0].node.name.value
            if name == "__typename":
                fields.append(Constant(key, root.name))
                continue
            field_def = root.fields.get(name)
            if field_def is None:
                raise Unsupported
            if (root.name, name) in ARTICLE_LISTS:
                fields.append(self.article_list(root, key, name, field_def, group))
            elif name in LOOKUPS:  # named before any other field's arguments are coerced
                fields.append(self.lookup(root, key, name, field_def, group))
            else:
                raise Unsupported
        return Tree(tuple(fields))

    # --- selections ------------------------------------------------------------------

    def subfields(self, object_type: GraphQLObjectType, group: FieldGroup) -> dict[str, FieldGroup]:
        """The fields below ``group`` by response key, as graphql-core collects them."""
        return _plain(self.executor.subfields(object_type, group))

    def arguments(
        self, parent: GraphQLObjectType, name: str, field_def: GraphQLField, node: FieldNode
    ) -> dict[str, Any]:
        """The field's arguments as its resolver takes them (converted by Strawberry)."""
        try:
            raw = get_argument_values(field_def, node, self.variables)
        except Exception as exc:
            raise Unsupported from exc
        call = self.calls.get((parent.name, name))
        if call is None:
            raise Unsupported
        try:
            return dict(call.convert(raw, None))  # type: ignore[arg-type]
        except Exception as exc:
            raise Unsupported from exc

    # --- fields ------------------------------------------------------------------------

    def entity_fields(
        self, object_type: GraphQLObjectType, group: FieldGroup
    ) -> tuple[TreeField, ...]:
        entity = ENTITY_TYPES.get(object_type.name)
        if entity is None:
            raise Unsupported
        origin = origin_class(object_type)
        relations = RELATIONS.get(origin, {}) if origin is not None else {}
        fields: list[TreeField] = []
        for key, sub in self.subfields(object_type, group).items():
            name = sub[0].node.name.value
            if name == "__typename":
                fields.append(Constant(key, object_type.name))
                continue
            field_def = object_type.fields.get(name)
            if field_def is None:
                raise Unsupported
            if (object_type.name, name) in ARTICLE_LISTS:
                fields.append(self.article_list(object_type, key, name, field_def, sub))
                continue
            known = self.fields.get((object_type.name, name))
            if known is None:
                raise Unsupported
            python_name = known.python_name
            if python_name == "id" and object_type.name in GLOBAL_IDS:
                column = GLOBAL_IDS[object_type.name]
                fields.append(Encoded(key, f"{object_type.name}:", column))
                continue
            if known.attribute and value_column(entity, python_name):
                if isinstance(field_def.type, GraphQLNonNull) and nullable(entity, python_name):
                    raise Unsupported
                if sub[0].node.selection_set is not None:
                    raise Unsupported
                fields.append(Value(key, python_name))
                continue
            if python_name in relations and relation_kind(entity, python_name) is not None:
                fields.append(self.related(key, entity, python_name, field_def, sub))
                continue
            raise Unsupported
        return tuple(fields)

    def related(
        self, key: str, entity: str, relation: str, field_def: GraphQLField, group: FieldGroup
    ) -> Related:
        if any(details.node.arguments for details in group):
            raise Unsupported
        target = field_object(field_def, many=relation_kind(entity, relation) == "many")
        return Related(key, relation, self.entity_fields(target, group))

    def article_list(
        self,
        parent: GraphQLObjectType,
        key: str,
        name: str,
        field_def: GraphQLField,
        group: FieldGroup,
    ) -> Articles | ArticlePage:
        relation, connection = ARTICLE_LISTS[(parent.name, name)]
        arguments = self.arguments(parent, name, field_def, group[0].node)
        if set(arguments) - set(ARTICLE_LIST_ARGUMENTS):
            raise Unsupported
        try:
            spec = article_spec(
                self.settings,
                article_filter=arguments.get("filter_"),
                order_by=arguments.get("order_by"),
                first=arguments.get("first"),
                after=arguments.get("after"),
                last=arguments.get("last"),
                before=arguments.get("before"),
            )
        except Exception as exc:  # the resolver's error, on the usual path
            raise Unsupported from exc
        if not connection:
            target = field_object(field_def, many=True)
            return Articles(key, relation, spec, self.entity_fields(target, group))
        connection_type = field_object(field_def, many=False)
        if connection_type.name != CONNECTION_TYPE:
            raise Unsupported
        items: list[Nodes | Edges | Bounds | Count | Constant] = []
        for item_key, sub in self.subfields(connection_type, group).items():
            item = sub[0].node.name.value
            if item == "__typename":
                items.append(Constant(item_key, connection_type.name))
            elif item == "nodes":
                article_type = field_object(connection_type.fields["nodes"], many=True)
                items.append(Nodes(item_key, self.entity_fields(article_type, sub)))
            elif item == "edges":
                items.append(self.edges(item_key, connection_type.fields["edges"], sub))
            elif item == "pageInfo":
                items.append(self.bounds(item_key, connection_type.fields["pageInfo"], sub))
            elif item == "totalCount":
                items.append(Count(item_key))
            else:
                raise Unsupported
        tag = order_tag("articles", spec.order)
        return ArticlePage(key, relation, spec, tuple(items), tag)

    def edges(self, key: str, field_def: GraphQLField, group: FieldGroup) -> Edges:
        edge_type = field_object(field_def, many=True)
        items: list[Nodes | Cursor | Constant] = []
        for item_key, sub in self.subfields(edge_type, group).items():
            item = sub[0].node.name.value
            if item == "__typename":
                items.append(Constant(item_key, edge_type.name))
            elif item == "node":
                article_type = present_object(edge_type.fields["node"])
                items.append(Nodes(item_key, self.entity_fields(article_type, sub)))
            elif item == "cursor":
                items.append(Cursor(item_key))
            else:
                raise Unsupported
        return Edges(key, tuple(items))

    def bounds(self, key: str, field_def: GraphQLField, group: FieldGroup) -> Bounds:
        info_type = present_object(field_def)
        items: list[More | Cursor | Constant] = []
        for item_key, sub in self.subfields(info_type, group).items():
            item = sub[0].node.name.value
            if item == "__typename":
                items.append(Constant(item_key, info_type.name))
            elif item in PAGE_INFO:
                kind, which = PAGE_INFO[item]
                items.append(More(item_key, which) if kind == "more" else Cursor(item_key, which))
            else:
                raise Unsupported
        return Bounds(key, tuple(items))

    def lookup(
        self,
        root: GraphQLObjectType,
        key: str,
        name: str,
        field_def: GraphQLField,
        group: FieldGroup,
    ) -> Lookup:
        arguments = self.arguments(root, name, field_def, group[0].node)
        try:
            entity, column, value = lookup_key(name, arguments)
        except Exception as exc:  # the resolver's error, on the usual path
            raise Unsupported from exc
        target = field_object(field_def, many=False)
        return Lookup(key, entity, column, value, self.entity_fields(target, group))
