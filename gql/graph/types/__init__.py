"""The GraphQL object types, one module per entity, and the article lists.

``node`` (the Relay ``Node`` interface), ``image``, ``provider``, ``topic``, ``link``
(``RelatedLink``), ``article``, ``facets`` and ``connections`` (``ArticleConnection``,
``SearchConnection`` and their builders). Each entity's module declares, right below its
class, how its relations load (``gql.graph.relations``). Modules that would import each
other refer to the other type lazily (``strawberry.lazy``).
"""

from gql.graph.types.article import Article
from gql.graph.types.connections import (
    ArticleConnection,
    SearchConnection,
    article_connection,
    prefetched_connection,
    search_connection,
)
from gql.graph.types.image import Image
from gql.graph.types.link import RelatedLink
from gql.graph.types.node import Node
from gql.graph.types.provider import Provider
from gql.graph.types.topic import Topic

__all__ = [
    "Article",
    "ArticleConnection",
    "Image",
    "Node",
    "Provider",
    "RelatedLink",
    "SearchConnection",
    "Topic",
    "article_connection",
    "prefetched_connection",
    "search_connection",
]
