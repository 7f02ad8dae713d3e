"""The store: every SQL statement of the project, behind this one interface.

Knows SQL and nothing of GraphQL. Everything above the store (the sync pipeline, the
DataLoaders, the graph) imports from here and never from the modules below, so the
store's insides can change, and a second backend can implement the same names.

Inside, one module per job:

    database         Store: the connections, and the one door every statement passes
    deadlines        a request's deadline and statement log, as every statement sees them
    columns, ddl     the column table of every entity; the schema derived from it
    encoding, rows   how values are stored; the rows readers get, and their decoders
    filtering        condition trees compiled to SQL
    lookups          batch reads by key (the DataLoaders' batch functions)
    paging           orderings, windows, pages: keyset pagination
    article_lists    pages of articles, of all or per parent, and their counts
    search, facets   full-text search pages; facet counts
    entity_lists     pages of providers and topics; related topics
    files            the files table (what each seed file was when loaded)
    changes          the change log: what each load changed, and which changes match
    access, health   opening a file read-only or immutable; health reads for probes
    artifact         the file a server serves, switched when a new release replaces it
    opening          ``open_store``: a SQLite file or a PostgreSQL URL, the same interface
    dialect          the few statements SQLite and PostgreSQL spell differently
    postgres         the PostgreSQL store (psycopg 3); pg_schema, pg_search its schema
                     and its full-text search
    bounds           upper bounds of list fields, for the query cost limit
    write/           a load's one transaction (session) and its writes: articles,
                     definitions, derived state, the change log
"""

from gql.store.article_lists import (
    ArticleList,
    count_article_list,
    count_article_lists_by_parent,
    load_article_list,
    load_article_lists_by_parent,
)
from gql.store.artifact import Artifact, Release, Served, read_release
from gql.store.bounds import ListBounds, load_list_bounds
from gql.store.changes import (
    ArticleChangeRow,
    VersionChanges,
    load_changes_since,
    load_matching_article_ids,
)
from gql.store.database import Store
from gql.store.deadlines import QueryLog, RequestDeadline, recording_queries, request_deadline
from gql.store.entity_lists import (
    count_entities,
    load_provider_list,
    load_related_topics,
    load_topic_list,
)
from gql.store.facets import FacetCount, load_facets, load_facets_of_ids
from gql.store.files import FileEntry, load_file_entries
from gql.store.filtering import (
    All,
    AnyOf,
    Compare,
    Condition,
    Flag,
    Not,
    ProviderIs,
    TopicsMatch,
)
from gql.store.health import Readiness, check_database, read_data_version, read_readiness
from gql.store.json_sql import Placement, json_statement, load_json
from gql.store.json_tree import (
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
    Related,
    Tree,
    TreeUnsupported,
    Value,
    nullable,
    relation_kind,
    value_column,
)
from gql.store.lookups import (
    CorpusCounts,
    count_corpus,
    data_version,
    load_articles_by_id,
    load_articles_by_slug,
    load_articles_by_url,
    load_images_by_owner,
    load_links_by_article,
    load_providers_by_domain,
    load_providers_by_id,
    load_topics_by_article,
    load_topics_by_id,
    load_topics_by_name,
    load_topics_by_parent_name,
    load_topics_by_slug,
)
from gql.store.opening import database_name, open_store
from gql.store.paging import NEWEST_FIRST, OrderKey, Page, Window
from gql.store.postgres import is_database_url
from gql.store.rows import ArticleRow, ImageRow, ProviderRow, RelatedLinkRow, TopicRow
from gql.store.search import load_matched_ids, load_search_page
from gql.store.write.session import Chunk, LoadSession, WriteResult

__all__ = [
    "NEWEST_FIRST",
    "All",
    "AnyOf",
    "ArticleChangeRow",
    "ArticleList",
    "ArticlePage",
    "ArticleRow",
    "Articles",
    "Artifact",
    "Bounds",
    "Chunk",
    "Compare",
    "Condition",
    "Constant",
    "CorpusCounts",
    "Count",
    "Cursor",
    "Edges",
    "Encoded",
    "FacetCount",
    "FileEntry",
    "Flag",
    "ImageRow",
    "ListBounds",
    "LoadSession",
    "Lookup",
    "More",
    "Nodes",
    "Not",
    "OrderKey",
    "Page",
    "Placement",
    "ProviderIs",
    "ProviderRow",
    "QueryLog",
    "Readiness",
    "Related",
    "RelatedLinkRow",
    "Release",
    "RequestDeadline",
    "Served",
    "Store",
    "TopicRow",
    "TopicsMatch",
    "Tree",
    "TreeUnsupported",
    "Value",
    "VersionChanges",
    "Window",
    "WriteResult",
    "check_database",
    "count_article_list",
    "count_article_lists_by_parent",
    "count_corpus",
    "count_entities",
    "data_version",
    "database_name",
    "is_database_url",
    "json_statement",
    "load_article_list",
    "load_article_lists_by_parent",
    "load_articles_by_id",
    "load_articles_by_slug",
    "load_articles_by_url",
    "load_changes_since",
    "load_facets",
    "load_facets_of_ids",
    "load_file_entries",
    "load_images_by_owner",
    "load_json",
    "load_links_by_article",
    "load_list_bounds",
    "load_matched_ids",
    "load_matching_article_ids",
    "load_provider_list",
    "load_providers_by_domain",
    "load_providers_by_id",
    "load_related_topics",
    "load_search_page",
    "load_topic_list",
    "load_topics_by_article",
    "load_topics_by_id",
    "load_topics_by_name",
    "load_topics_by_parent_name",
    "load_topics_by_slug",
    "nullable",
    "open_store",
    "read_data_version",
    "read_readiness",
    "read_release",
    "recording_queries",
    "relation_kind",
    "request_deadline",
    "value_column",
]
