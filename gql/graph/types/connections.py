"""Lists of articles: ``ArticleConnection`` (a page with cursors, count and facets) and
the search results' ``SearchConnection``, with their builders from a store page.

Root lists (``gql.graph.query``) and child lists (``gql.graph.lists``) build them from
the page the store returns; ``prefetched_connection`` loads the selected relations of
a page's nodes before graphql-core walks it (``gql.graph.prefetch``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from gql.graph.context import Info
from gql.graph.ids import encode_cursor
from gql.graph.lists import FacetLoader
from gql.graph.pagination import Connection, Edge, PageInfo, order_tag, page_info
from gql.graph.positions import position, selections
from gql.graph.prefetch import prefetch_connection
from gql.graph.types.article import Article
from gql.graph.types.facets import ArticleFacets
from gql.store import ArticleList, ArticleRow, Page


@strawberry.type(description="A page of articles, with cursors, a total count and facets.")
class ArticleConnection(Connection[Article]):
    load_facets: strawberry.Private[FacetLoader]

    @strawberry.field(description="Counts of the matching articles by topic, publisher, month.")
    def facets(self) -> ArticleFacets:
        return ArticleFacets(load=self.load_facets)


@strawberry.type(description="A search result: the article, its rank and a highlighted snippet.")
class SearchEdge:
    node: Article = strawberry.field(description="The matching article.")
    rank: float = strawberry.field(
        description="BM25 score (title matches weigh 10x excerpt matches); lower is better."
    )
    snippet: str = strawberry.field(
        description="The best-matching passage, matched terms wrapped in <mark></mark>."
    )
    tag: strawberry.Private[str]
    key: strawberry.Private[tuple[Any, ...]]

    @strawberry.field(description="Opaque position of this result in the list.")
    def cursor(self) -> str:
        return encode_cursor(self.tag, *self.key)


@strawberry.type(description="A page of search results, with a total count and facets.")
class SearchConnection:
    edges: list[SearchEdge] = strawberry.field(description="The results with their cursors.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]
    load_facets: strawberry.Private[FacetLoader]

    @strawberry.field(description="The matching articles of this page.")
    def nodes(self) -> list[Article]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many articles match (counted only if asked).")
    async def total_count(self) -> int:
        return await self.count()

    @strawberry.field(description="Counts of the matching articles by topic, publisher, month.")
    def facets(self) -> ArticleFacets:
        return ArticleFacets(load=self.load_facets)


def article_connection(
    page: Page[ArticleRow],
    spec: ArticleList,
    count: Callable[[], Awaitable[int]],
    load_facets: FacetLoader,
) -> ArticleConnection:
    """The connection of a store page of articles; ``count`` and facets load only if asked."""
    tag = order_tag("articles", spec.order)
    edges = [
        Edge(node=Article.from_row(row), tag=tag, key=key)
        for key, row in zip(page.keys, page.rows, strict=True)
    ]
    return ArticleConnection(
        edges=edges, page_info=page_info(page, tag), count=count, load_facets=load_facets
    )


def search_connection(
    page: Page[ArticleRow],
    spec: ArticleList,
    count: Callable[[], Awaitable[int]],
    load_facets: FacetLoader,
) -> SearchConnection:
    """The connection of a store page of search hits, with their ranks and snippets."""
    tag = order_tag("articles", spec.order)
    hits = page.hits or [(0.0, "")] * len(page.rows)
    edges = [
        SearchEdge(node=Article.from_row(row), rank=rank, snippet=snippet, tag=tag, key=key)
        for key, row, (rank, snippet) in zip(page.keys, page.rows, hits, strict=True)
    ]
    return SearchConnection(
        edges=edges, page_info=page_info(page, tag), count=count, load_facets=load_facets
    )


C = TypeVar("C", "ArticleConnection", "SearchConnection", "Connection[Any]")


async def prefetched_connection(info: Info, connection: C) -> C:
    """``connection`` after its nodes' selected relations were loaded (``gql.graph.prefetch``)."""
    nodes = [edge.node for edge in connection.edges]
    await prefetch_connection(info.context, nodes, selections(info), position(info))
    return connection
