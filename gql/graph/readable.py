"""What of the schema one whole statement reads (``gql.graph.statement``).

The object types the store holds as entities, the fields that are article lists and
what they list, the lookups at the root and the record each names, the global IDs'
columns, and the shapes of the types around them (``field_object``, ``present_object``).
``Unsupported`` says a document needs more than this: it is executed field by field.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLField, GraphQLList, GraphQLNonNull, GraphQLObjectType

from gql.graph.lookups import article_key, provider_key, topic_key


class Unsupported(Exception):
    """No tree for this operation: it is executed field by field."""


ENTITY_TYPES = {"Article": "article", "Provider": "provider", "Topic": "topic"}
ENTITY_TYPES.update({"RelatedLink": "link", "Image": "image"})
"""GraphQL object types -> the store's entities."""

ARTICLE_LISTS: dict[tuple[str, str], tuple[str | None, bool]] = {
    # (type, field) -> (the store's parent relation, whether a connection)
    ("Query", "articles"): (None, True),
    ("Provider", "articles"): ("provider", True),
    ("Topic", "articles"): ("topic", True),
    ("Article", "citations"): ("citing", True),
    ("Article", "citedBy"): ("citing", False),
}
CONNECTION_TYPE = "ArticleConnection"
PAGE_INFO = {
    "hasNextPage": ("more", "next"),
    "hasPreviousPage": ("more", "previous"),
    "startCursor": ("cursor", "start"),
    "endCursor": ("cursor", "end"),
}
GLOBAL_IDS = {"Article": "url", "Provider": "domain", "Topic": "name"}
"""The column of each node type's global ID (``gql.graph.ids.encode_global_id``)."""
LOOKUPS = frozenset({"article", "topic", "provider"})
"""The root fields that look up one record (``lookup_key``)."""
ARTICLE_LIST_ARGUMENTS = ("filter_", "order_by", "first", "after", "last", "before")


def lookup_key(name: str, arguments: dict[str, Any]) -> tuple[str, str, Any]:
    """(entity, column, value) of a root lookup, as its resolver finds the row."""
    if name == "article":
        keys = article_key(arguments.get("id_"), arguments.get("url"), arguments.get("slug"))
    elif name == "topic":
        keys = topic_key(arguments.get("id_"), arguments.get("name"), arguments.get("slug"))
    elif name == "provider":
        keys = provider_key(arguments.get("id_"), arguments.get("domain"))
    else:
        raise Unsupported
    return name, *keys


def present_object(field_def: GraphQLField) -> GraphQLObjectType:
    """The object type of a non-null field whose object is always there (an edge's node,
    a page's ``pageInfo``)."""
    kind = field_def.type
    if not isinstance(kind, GraphQLNonNull) or not isinstance(kind.of_type, GraphQLObjectType):
        raise Unsupported
    return kind.of_type


def field_object(field_def: GraphQLField, *, many: bool) -> GraphQLObjectType:
    """The object type of a field: ``T``/``T!`` for one, ``[T!]!`` for many (no other
    nullability of items, which the store's lists never hold)."""
    kind = field_def.type
    if many:
        if not isinstance(kind, GraphQLNonNull) or not isinstance(kind.of_type, GraphQLList):
            raise Unsupported
        kind = kind.of_type.of_type
        if not isinstance(kind, GraphQLNonNull):
            raise Unsupported
        kind = kind.of_type
    elif isinstance(kind, GraphQLNonNull):
        if not isinstance(kind.of_type, GraphQLObjectType) or kind.of_type.name != CONNECTION_TYPE:
            raise Unsupported  # a non-null object: graphql-core reports a missing one
        kind = kind.of_type
    if not isinstance(kind, GraphQLObjectType):
        raise Unsupported
    return kind
