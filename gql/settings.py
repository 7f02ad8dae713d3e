"""Settings: one frozen object with typed defaults, built once and passed down.

Environment variables are fallbacks only, read here and nowhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env_db() -> Path | str:
    value = os.environ.get("GQL_DB", "data/gql.db")
    return value if value.startswith(("postgresql://", "postgres://")) else Path(value)


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value and value.isdigit() else default


@dataclass(frozen=True)
class Settings:
    """How the server runs. Every field has a default that works for ``make serve``."""

    db_path: Path | str = field(default_factory=_env_db)
    """The SQLite database file (created by ``gql load``), or a ``postgresql://`` URL."""
    read_db: str | None = field(default_factory=lambda: os.environ.get("GQL_READ_DB") or None)
    """A PostgreSQL database that requests are answered from instead of ``db_path`` (a read
    replica of it); ``db_path`` stays where ``--seeds``/``--watch`` load."""
    immutable: bool = field(default_factory=lambda: os.environ.get("GQL_IMMUTABLE") == "1")
    """Read the database with SQLite's ``immutable=1`` (no locks, no ``-wal``/``-shm``
    files): for a published file in a folder the server cannot write. It must not change
    while served. A read-only folder without a ``-shm`` file is opened so anyway."""
    release_check_ms: int = field(default_factory=lambda: _env_int("GQL_RELEASE_CHECK_MS", 500))
    """How often an immutable database's path is checked for a new file renamed over it
    (a new release), which then serves new requests (``gql.store.artifact``); 0: never."""
    read_connections: int = field(default_factory=lambda: _env_int("GQL_READ_CONNECTIONS", 3))
    """Read-only connections in the pool of each worker."""
    sql_time_limit_ms: int = field(default_factory=lambda: _env_int("GQL_SQL_TIME_LIMIT_MS", 2000))
    """A single read statement is interrupted after this long."""
    default_page_size: int = 20
    """``first`` when a client does not say."""
    max_page_size: int = 100
    """The largest ``first`` a client may ask for; larger is an error, not a clamp."""
    explain: bool = field(default_factory=lambda: os.environ.get("GQL_EXPLAIN") == "1")
    """Add ``extensions.sql = {statements, ms}`` to every response."""
    prepared_path: bool = field(default_factory=lambda: os.environ.get("GQL_PREPARED") != "0")
    """Run a query already parsed and validated without ``Schema.execute``'s extension
    hooks (``gql.graph.prepared``); off, every request takes ``Schema.execute`` (the
    reference the lean path is tested against)."""
    whole_statements: bool = field(default_factory=lambda: os.environ.get("GQL_STATEMENTS") != "0")
    """Answer a query the store can build as JSON in one statement that way
    (``gql.graph.statement``); off, every query is executed field by field (the reference
    the statements are tested against)."""
    graphiql: bool = field(default_factory=lambda: os.environ.get("GQL_GRAPHIQL") != "0")
    """Serve GraphiQL to browsers on ``GET /graphql``."""
    graphiql_assets: Path | None = None
    """The folder of GraphiQL's files (``npm ci`` installs them); None: the one in the
    package, ``gql/http/graphiql_assets``."""
    introspection: bool = field(default_factory=lambda: os.environ.get("GQL_INTROSPECTION") != "0")
    """Answer ``__schema`` and ``__type`` (tools and GraphiQL need them; off, they are
    validation errors and ``__typename`` alone works)."""
    max_request_bytes: int = field(
        default_factory=lambda: _env_int("GQL_MAX_REQUEST_BYTES", 1 << 20)
    )
    """The largest request body (and GET query string) accepted; larger is refused with
    413 (414) before it is read whole. Real documents with their variables are a few kB
    (100 article IDs in `nodes(ids:)` are ~15 kB); 1 MB leaves generated queries room while
    bounding what one request makes a worker receive and hold. It does not bound the
    parse on its own: graphql-core takes ~3 s for 1 MB of query text, which is what the
    token and depth limits of the schema are for."""
    cache_control: str = field(
        default_factory=lambda: os.environ.get("GQL_CACHE_CONTROL") or "no-cache"
    )
    """``Cache-Control`` of successful GET answers (``gql.http.caching``); the default has
    clients keep them and revalidate with their ETag."""
    cors_origins: tuple[str, ...] = field(
        default_factory=lambda: tuple(os.environ.get("GQL_CORS_ORIGINS", "").split())
    )
    """Origins whose pages may call the API from a browser (``*``: any); none: same origin."""
    document_cache_entries: int = 256
    """Distinct query documents each worker keeps parsed, validated and compiled."""
    response_cache_bytes: int = field(
        default_factory=lambda: _env_int("GQL_RESPONSE_CACHE_BYTES", 64 << 20)
    )
    """Bytes of answers the response cache of each worker keeps at most (the front page
    is ~18 kB); an answer over a sixteenth of it, or over 1 MB, is not kept."""
    response_cache_entries: int = field(
        default_factory=lambda: _env_int("GQL_RESPONSE_CACHE_ENTRIES", 1000)
    )
    """Identical requests answered from memory per worker until the next load (0: off;
    always off with ``explain``, whose figures are per request)."""
    apq_entries: int = field(default_factory=lambda: _env_int("GQL_APQ_ENTRIES", 1000))
    """Queries each worker keeps registered for Apollo's automatic persisted queries
    (``gql.http.persisted``), the least recently used evicted first (at least 1)."""
    apq_bytes: int = field(default_factory=lambda: _env_int("GQL_APQ_BYTES", 8 << 20))
    """Bytes of query text the APQ registry of each worker holds at most; a query over a
    sixteenth of it is run but not kept. Real screens' documents are a few kB."""
    persisted_only: Path | None = field(
        default_factory=lambda: Path(p) if (p := os.environ.get("GQL_PERSISTED_ONLY")) else None
    )
    """Run only the documents of this allow-list (a folder of ``.graphql`` files, or an
    Apollo, Relay or graphql-codegen manifest: ``gql.http.manifests``); None: any query."""
    batch_limit: int = field(default_factory=lambda: _env_int("GQL_BATCH_LIMIT", 0))
    """Operations one POST may carry as a JSON array (``gql.http.batching``); 0: batching
    off, an array is refused."""

    # Limits on one request (``gql.graph.guard``; the README's "Limits" table). A query
    # over one of them is refused before it runs, with the limit's own error code. The
    # defaults pass every README query, every bench scenario and GraphiQL's introspection
    # query, and refuse the attacks of tests/graph/test_limits.py.
    max_query_chars: int = field(default_factory=lambda: _env_int("GQL_MAX_QUERY_CHARS", 100_000))
    """Characters of query text (``QUERY_TOO_LONG``): checked before parsing. Real screens
    send a few kilobytes; GraphiQL's introspection query is 1.6 k."""
    max_tokens: int = field(default_factory=lambda: _env_int("GQL_MAX_TOKENS", 10_000))
    """Lexical tokens, comments included (``TOO_MANY_TOKENS``): the parser stops there, so
    parsing costs at most ~10 ms. Introspection is 183 tokens; Apollo Router allows 15,000."""
    max_depth: int = field(default_factory=lambda: _env_int("GQL_MAX_DEPTH", 20))
    """Levels of nested fields (``QUERY_TOO_DEEP``). Introspection reaches 15, the deepest
    bench scenario 9; past ~60 the answer is too deeply nested for the JSON encoder."""
    max_fields: int = field(default_factory=lambda: _env_int("GQL_MAX_FIELDS", 1_000))
    """Field selections with every fragment spread expanded (``TOO_MANY_FIELDS``): what
    validation walks. Introspection has 229."""
    max_field_repeats: int = field(default_factory=lambda: _env_int("GQL_MAX_FIELD_REPEATS", 10))
    """Selections of one response field at one place, fragments merged
    (``TOO_MANY_REPEATED_FIELDS``): validation compares them pairwise, and 400
    ``related { provider { name } }`` take it ~3 s. The worst document found within the
    defaults validates in ~50 ms."""
    max_aliases: int = field(default_factory=lambda: _env_int("GQL_MAX_ALIASES", 30))
    """Aliased fields, fragments expanded (``TOO_MANY_ALIASES``)."""
    max_root_fields: int = field(default_factory=lambda: _env_int("GQL_MAX_ROOT_FIELDS", 20))
    """Fields at the top of an operation (``TOO_MANY_ROOT_FIELDS``)."""
    max_directives: int = field(default_factory=lambda: _env_int("GQL_MAX_DIRECTIVES", 50))
    """Directive uses, fragments expanded (``TOO_MANY_DIRECTIVES``)."""
    max_fragment_spreads: int = field(
        default_factory=lambda: _env_int("GQL_MAX_FRAGMENT_SPREADS", 200)
    )
    """Fragment spreads, each nested spread counted every time its fragment is spread
    (``TOO_MANY_FRAGMENT_SPREADS``): a few bytes of fragments spreading each other twice
    expand exponentially."""
    max_operations: int = field(default_factory=lambda: _env_int("GQL_MAX_OPERATIONS", 20))
    """Operations in one document (``TOO_MANY_OPERATIONS``): all are validated, one runs."""
    max_cost: int = field(default_factory=lambda: _env_int("GQL_MAX_COST", 100_000))
    """Objects a query may return at most, every list at its requested (or default) size
    (``QUERY_TOO_COMPLEX``; ``gql.graph.cost``): about a second of one worker's work. In
    process, on the 10k-article benchmark corpus, a worker returns 120,000-270,000
    objects a second (a third of that with the machine busy), and queries near the limit
    return 40-70% of what they may. The costliest bench scenario (deep traversal) costs
    4,931, the front page 441."""
    max_response_bytes: int = field(
        default_factory=lambda: _env_int("GQL_MAX_RESPONSE_BYTES", 10_000_000)
    )
    """Bytes of JSON data in one answer (``RESPONSE_TOO_LARGE``): a page of 100 articles
    with their bodies is well under 1 MB on real corpora."""
    request_time_limit_ms: int = field(
        default_factory=lambda: _env_int("GQL_REQUEST_TIME_LIMIT_MS", 5_000)
    )
    """A request still running after this long is stopped, its SQL interrupted, and
    answered with ``TIMEOUT``; time queued in the worker counts (``gql.store.deadlines``)."""
    shutdown_grace_s: int = field(default_factory=lambda: _env_int("GQL_SHUTDOWN_GRACE_S", 10))
    """On SIGTERM, in-flight requests get this long to finish before they are cancelled
    and the worker exits (uvicorn's ``timeout_graceful_shutdown``)."""

    # Observability (``gql.http.observability``; the README's "Observability" section).
    access_log: bool = field(default_factory=lambda: os.environ.get("GQL_ACCESS_LOG") == "1")
    """Write one JSON line per request to standard output (``gql.http.access_log``); on
    by default in ``gql serve``, off for an app built in-process."""
    metrics: bool = field(default_factory=lambda: os.environ.get("GQL_METRICS") != "0")
    """Count requests and serve them on ``GET /metrics`` (``gql.http.metrics``)."""

    # Subscriptions over WebSocket (``gql.http.websocket``, ``gql.graph.feed``).
    subscriptions_per_connection: int = field(
        default_factory=lambda: _env_int("GQL_SUBSCRIPTIONS_PER_CONNECTION", 100)
    )
    """Subscriptions one WebSocket connection may run at once (``TOO_MANY_SUBSCRIPTIONS``):
    a client multiplexes all of its screen's subscriptions over one connection."""
    max_subscriptions: int = field(
        default_factory=lambda: _env_int("GQL_MAX_SUBSCRIPTIONS", 10_000)
    )
    """Subscriptions one worker runs at once, over all its connections."""
    subscription_buffer_bytes: int = field(
        default_factory=lambda: _env_int("GQL_SUBSCRIPTION_BUFFER_BYTES", 8 << 20)
    )
    """Bytes of messages a connection's client may leave unread before it is closed (4413):
    a burst of 1,000 changed articles with their bodies is a few MB."""
    subscription_queue_versions: int = field(
        default_factory=lambda: _env_int("GQL_SUBSCRIPTION_QUEUE_VERSIONS", 64)
    )
    """Data versions a subscription may have waiting in the feed before its connection is
    closed as too slow (4413)."""
    connection_init_timeout_ms: int = field(
        default_factory=lambda: _env_int("GQL_CONNECTION_INIT_TIMEOUT_MS", 3_000)
    )
    """A WebSocket that sends no ``connection_init`` within this long is closed (4408), as
    graphql-ws servers do by default."""
    feed_poll_interval_ms: int = field(
        default_factory=lambda: _env_int("GQL_FEED_POLL_INTERVAL_MS", 100)
    )
    """How often a worker with subscriptions reads the data version for new loads."""
