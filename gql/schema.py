"""The GraphQL schema: the Query root, error policy and per-operation SQL accounting.

Root fields look records up through the request's DataLoaders and page through lists with
the store's keyset queries. Errors are shaped here, in one place: ``UserError`` keeps its
message and gains ``extensions.code``; anything unexpected is logged with its traceback
and reaches the client only as "Internal server error" with the request id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from operator import attrgetter
from typing import Annotated, Any, TypeVar, cast

import strawberry
from graphql import GraphQLError, GraphQLObjectType
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from gql.compiled import Read, compiled_executor
from gql.context import Context
from gql.errors import InvalidArgument, QueryTimeout, UserError
from gql.ids import decode_global_id
from gql.inputs import (
    ArticleFilter,
    ArticleOrder,
    ProviderFilter,
    ProviderOrder,
    TopicFilter,
    TopicOrder,
    entity_order,
    provider_condition,
    topic_condition,
)
from gql.keys import normalize_domain
from gql.loaders import LoaderFamily
from gql.pagination import (
    AfterArg,
    BeforeArg,
    Connection,
    FirstArg,
    LastArg,
    make_connection,
    make_window,
    order_tag,
)
from gql.prefetch import RELATIONS, prefetch_list
from gql.resolving import (
    FILTER_HELP,
    ORDER_HELP,
    FacetLoader,
    Info,
    SelectionCache,
    article_list,
    facet_spec_of,
    position,
    selections,
)
from gql.store import listing, recording_queries
from gql.store.filtering import Condition
from gql.store.listing import ArticleList, FacetCount
from gql.types import (
    Article,
    ArticleConnection,
    Image,
    Node,
    Provider,
    RelatedLink,
    SearchConnection,
    Topic,
    article_connection,
    node_of,
    prefetched_connection,
    search_connection,
)

logger = logging.getLogger("gql.errors")
T = TypeVar("T")

INTERNAL_ERROR_MESSAGE = "Internal server error"


def _is_visible(error: GraphQLError) -> bool:
    """Errors a client may read: its own mistakes, and anything not raised by our code."""
    original = error.original_error
    return original is None or isinstance(original, UserError | QueryTimeout | GraphQLError)


async def _load_node(info: Info, global_id: str) -> Article | Provider | Topic | None:
    type_name, key = decode_global_id(global_id)
    loaders = info.context.loaders
    family: LoaderFamily[str, Any]
    if type_name == "Article":
        family = loaders.article_by_url
    elif type_name == "Provider":
        family = loaders.provider_by_domain
    else:
        family = loaders.topic_by_name
    loader = family.at(position(info))
    row = await loader.load(key)
    return node_of(type_name, row) if row is not None else None


def _one_of(**arguments: Any) -> tuple[str, Any]:
    given = [(name, value) for name, value in arguments.items() if value is not None]
    if len(given) != 1:
        raise InvalidArgument(
            "/".join(arguments), f"give exactly one of {', '.join(arguments)}, got {len(given)}"
        )
    return given[0]


@strawberry.type(description="Entry points into the corpus.")
class Query:
    @strawberry.field(description="Any object by its global ID; null when it does not exist.")
    async def node(
        self,
        info: Info,
        id_: Annotated[strawberry.ID, strawberry.argument(name="id", description="A global ID.")],
    ) -> Node | None:
        return await _load_node(info, id_)

    @strawberry.field(
        description="Objects by global ID, in the order given; null for IDs that do not exist."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs.")],
    ) -> list[Node | None]:
        limit = info.context.settings.max_page_size
        if len(ids) > limit:
            raise InvalidArgument("ids", f"at most {limit} IDs per request, got {len(ids)}")
        return list(await asyncio.gather(*(_load_node(info, i) for i in ids)))

    @strawberry.field(description="One article by global ID, URL or slug (give exactly one).")
    async def article(
        self,
        info: Info,
        id_: Annotated[
            strawberry.ID | None, strawberry.argument(name="id", description="Its global ID.")
        ] = None,
        url: Annotated[str | None, strawberry.argument(description="Its canonical URL.")] = None,
        slug: Annotated[str | None, strawberry.argument(description="Its slug.")] = None,
    ) -> Article | None:
        name, value = _one_of(id=id_, url=url, slug=slug)
        loaders = info.context.loaders
        if name == "id":
            value = decode_global_id(value, "Article")[1]
        family = loaders.article_by_slug if name == "slug" else loaders.article_by_url
        row = await family.at(position(info)).load(value)
        return await _prefetched(info, Article.from_row(row)) if row else None

    @strawberry.field(description="All articles (default: newest first), filtered and faceted.")
    async def articles(
        self,
        info: Info,
        filter_: Annotated[
            ArticleFilter | None, strawberry.argument(name="filter", description=FILTER_HELP)
        ] = None,
        order_by: Annotated[
            list[ArticleOrder] | None, strawberry.argument(description=ORDER_HELP)
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> ArticleConnection:
        spec = article_list(
            info,
            article_filter=filter_,
            order_by=order_by,
            first=first,
            after=after,
            last=last,
            before=before,
        )
        store = info.context.store
        page = await listing.load_article_list(store, spec)
        connection = article_connection(
            page,
            spec,
            lambda: listing.count_article_list(store, spec.condition),
            _root_facets(info, spec),
        )
        return await prefetched_connection(info, connection)

    @strawberry.field(
        description="Full-text search over titles and excerpts (SQLite FTS5: words match by "
        "prefix with `*`, phrases in double quotes, AND/OR/NOT), best match first."
    )
    async def search(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="The search query (FTS5 syntax).")],
        filter_: Annotated[
            ArticleFilter | None, strawberry.argument(name="filter", description=FILTER_HELP)
        ] = None,
        order_by: Annotated[
            list[ArticleOrder] | None,
            strawberry.argument(description="Sort keys (default: RELEVANCE)."),
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> SearchConnection:
        if not query.strip():
            raise InvalidArgument("query", "must not be empty")
        spec = article_list(
            info,
            article_filter=filter_,
            order_by=order_by,
            first=first,
            after=after,
            last=last,
            before=before,
            search=query,
        )
        store = info.context.store
        page = await listing.load_search_page(store, spec)
        connection = search_connection(
            page,
            spec,
            partial(_count_matches, info, query, spec.condition),
            _search_facets(info, query, spec.condition),
        )
        return await prefetched_connection(info, connection)

    @strawberry.field(description="One publisher by global ID or domain (give exactly one).")
    async def provider(
        self,
        info: Info,
        id_: Annotated[
            strawberry.ID | None, strawberry.argument(name="id", description="Its global ID.")
        ] = None,
        domain: Annotated[
            str | None, strawberry.argument(description="Its domain (any case, `www.` optional).")
        ] = None,
    ) -> Provider | None:
        name, value = _one_of(id=id_, domain=domain)
        key = decode_global_id(value, "Provider")[1] if name == "id" else normalize_domain(value)
        loader = info.context.loaders.provider_by_domain.at(position(info))
        row = await loader.load(key)
        return await _prefetched(info, Provider.from_row(row)) if row else None

    @strawberry.field(description="All publishers (default: by name).")
    async def providers(
        self,
        info: Info,
        filter_: Annotated[
            ProviderFilter | None,
            strawberry.argument(name="filter", description="Only matching publishers."),
        ] = None,
        order_by: Annotated[
            list[ProviderOrder] | None, strawberry.argument(description="Sort keys.")
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Provider]:
        condition = provider_condition(filter_) if filter_ is not None else None
        return await _entity_connection(
            info,
            "provider",
            condition,
            order_by,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(description="One topic by global ID, name or slug (give exactly one).")
    async def topic(
        self,
        info: Info,
        id_: Annotated[
            strawberry.ID | None, strawberry.argument(name="id", description="Its global ID.")
        ] = None,
        name: Annotated[str | None, strawberry.argument(description="Its name.")] = None,
        slug: Annotated[str | None, strawberry.argument(description="Its slug.")] = None,
    ) -> Topic | None:
        which, value = _one_of(id=id_, name=name, slug=slug)
        loaders = info.context.loaders
        if which == "id":
            value = decode_global_id(value, "Topic")[1]
        elif which == "name":
            value = value.strip()
        family = loaders.topic_by_slug if which == "slug" else loaders.topic_by_name
        row = await family.at(position(info)).load(value)
        return await _prefetched(info, Topic.from_row(row)) if row else None

    @strawberry.field(
        description="All topics (default: by name); `filter: {root: true}` for roots."
    )
    async def topics(
        self,
        info: Info,
        filter_: Annotated[
            TopicFilter | None,
            strawberry.argument(name="filter", description="Only matching topics."),
        ] = None,
        order_by: Annotated[
            list[TopicOrder] | None, strawberry.argument(description="Sort keys.")
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Topic]:
        condition = topic_condition(filter_) if filter_ is not None else None
        return await _entity_connection(
            info,
            "topic",
            condition,
            order_by,
            first=first,
            after=after,
            last=last,
            before=before,
        )


async def _prefetched(info: Info, obj: T) -> T:
    """``obj`` after its selected relations were loaded (``gql.prefetch``)."""
    await prefetch_list(info.context, [obj], selections(info), position(info))
    return obj


async def _entity_connection(
    info: Info,
    entity: str,
    condition: Condition | None,
    order_by: list[ProviderOrder] | list[TopicOrder] | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[Any]:
    """A page of all providers or all topics, filtered and ordered (root lists)."""
    order = entity_order(order_by)
    tag = order_tag(f"{entity}s", order)
    window = make_window(
        info.context.settings,
        tag,
        len(order) + 1,
        first=first,
        after=after,
        last=last,
        before=before,
    )
    store = info.context.store
    load = listing.load_provider_list if entity == "provider" else listing.load_topic_list
    node = Provider.from_row if entity == "provider" else Topic.from_row
    page: Any = await load(store, condition, order, window)
    connection: Connection[Any] = make_connection(
        page, tag, node, lambda: listing.count_entities(store, entity, condition)
    )
    return await prefetched_connection(info, connection)


async def _count_matches(info: Info, query: str, condition: Condition | None) -> int:
    return len(await info.context.loaders.matched_ids.load((query, condition)))


def _search_facets(info: Info, query: str, condition: Condition | None) -> FacetLoader:
    """Facets of a search, grouped over its matching ids (read once per request)."""
    store, loaders = info.context.store, info.context.loaders

    async def load(facet: str, limit: int) -> list[FacetCount[Any]]:
        ids = await loaders.matched_ids.load((query, condition))
        return await listing.load_facets_of_ids(store, facet, ids, limit)

    return load


def _root_facets(info: Info, spec: ArticleList) -> FacetLoader:
    loaders, here = info.context.loaders, position(info)
    facet_spec = facet_spec_of(spec)

    def load(facet: str, limit: int) -> Awaitable[list[FacetCount[Any]]]:
        return loaders.facets.at((*here, facet)).load(((facet, None, facet_spec, limit), 0))

    return load


class ErrorPolicy(SchemaExtension):
    """Give user errors a code; replace unexpected ones by a generic message and request id."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        context = self.execution_context.context
        request_id = context.request_id if isinstance(context, Context) else None
        result.errors = [self._shape(error, request_id) for error in result.errors]

    @staticmethod
    def _shape(error: GraphQLError, request_id: str | None) -> GraphQLError:
        original = error.original_error
        if isinstance(original, UserError | QueryTimeout):
            code = getattr(original, "code", "QUERY_TIMEOUT")
            extensions = {**(error.extensions or {}), "code": code}
        elif _is_visible(error):
            extensions = {"code": "GRAPHQL_VALIDATION_FAILED", **(error.extensions or {})}
        else:
            return GraphQLError(
                INTERNAL_ERROR_MESSAGE,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            )
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )


class SqlAccounting(SchemaExtension):
    """Count and time the SQL each operation issues; report it when ``explain`` is on."""

    def on_operation(self) -> Iterator[None]:
        with recording_queries() as log:
            context = self.execution_context.context
            if isinstance(context, Context):
                context.query_log = log
            yield

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if not isinstance(context, Context) or not context.settings.explain:
            return {}
        log = context.query_log
        if log is None:
            return {}
        return {"sql": {"statements": log.statements, "ms": round(log.ms, 3)}}


class GqlSchema(strawberry.Schema):
    """The schema, logging unexpected errors with their traceback and request id."""

    selection_cache: SelectionCache | None = None
    """Converted selections kept across requests (``gql.resolving``); set by build_schema."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context else None
        request_id = context.request_id if isinstance(context, Context) else None
        for error in errors:
            if not _is_visible(error):
                logger.error(
                    "request %s: %s", request_id, error.message, exc_info=error.original_error
                )


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


def _use_fast_resolvers(schema: GqlSchema) -> dict[tuple[str, str], Read]:
    """Resolve plain fields and prefetched relations without Strawberry's per-field wrapper.

    Strawberry wraps every field's resolver (building its ``Info``, converting arguments,
    running field extensions); for a field that only reads an attribute, a relation whose
    value was prefetched, or a method of ``self`` alone, a plain function returns the same
    value at a fraction of the cost. Fields with resolvers of their own, extensions or
    permissions keep Strawberry's path. graphql-core calls
    ``field.resolve(source, info, **arguments)``.

    Returns the same reads as ``(type name, field name) -> read(source)``, for the
    compiled plans of ``gql.compiled``.
    """
    prefetchable = {
        graphql_name: set(table)
        for cls, table in RELATIONS.items()
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
            elif definition.python_name in prefetchable.get(type_name, ()):
                field.resolve = _prefetched_resolver(definition.python_name, field.resolve)
                reads[type_name, field_name] = _prefetched_read(definition.python_name)
            elif method is not None:
                field.resolve = _method_resolver(method)
                reads[type_name, field_name] = method
    return reads


def build_schema(*, compiled: bool = True, document_cache_entries: int = 256) -> GqlSchema:
    """The schema with its extensions (caches built to hit across requests).

    ``compiled`` completes objects through the plans of ``gql.compiled``; without it
    graphql-core completes every field (the reference the plans are checked against).
    ``document_cache_entries``: how many distinct query documents stay parsed, validated,
    compiled and with their selections converted (each cache keeps this many).
    """
    schema = GqlSchema(
        query=Query,
        types=[Article, Provider, Topic, RelatedLink, Image],
        extensions=[
            lambda: ParserCache(maxsize=document_cache_entries),
            lambda: ValidationCache(maxsize=document_cache_entries),
            SqlAccounting,
            ErrorPolicy,
        ],
    )
    reads = _use_fast_resolvers(schema)
    schema.selection_cache = SelectionCache(document_cache_entries)
    if compiled:
        schema.execution_context_class = compiled_executor(
            reads, max_documents=document_cache_entries
        )
    return schema
