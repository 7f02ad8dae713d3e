"""Our exception hierarchy.

    GqlError
    ├── IngestError              a seed file cannot be turned into a record
    ├── YAMLLimitExceeded        a YAML document holds more than a load's limits allow
    ├── LoadError                a load cannot run at all (e.g. a missing folder)
    ├── WrongNumberOfResults     a batch function gave more or fewer values than keys
    ├── AssetsMissing            GraphiQL's files are not installed (npm ci not run)
    ├── AllowListInvalid         a persisted-document allow-list that cannot be served
    ├── StoreError               the database cannot do what was asked (``store``)
    │   ├── DatabaseUnavailable  the database file cannot be opened (missing, unreadable)
    │   ├── DatabaseReadOnly     a write asked of a store opened read-only
    │   ├── StoreClosed          a statement asked of a store already closed
    │   ├── StatementFailed      SQLite refused a read or a write statement
    │   ├── DatabaseLocked       another writer held the database past the wait
    │   ├── QueryTimeout         a read ran past its time limit
    │   │   └── RequestTimeout   a read ran past its request's deadline
    │   ├── CursorMismatch       a keyset cursor with the wrong number of values
    │   └── DatabaseDamaged      the file is not a database, or has damaged pages
    └── UserError                the client asked for something wrong (reaches clients)
        ├── InvalidId            a global ID that is malformed or of the wrong type
        ├── InvalidCursor        a pagination cursor that was not issued by us
        ├── InvalidArgument      an argument outside its allowed range
        ├── InvalidText          a string that is not valid Unicode (a lone surrogate)
        ├── SearchSyntaxError    a full-text query that FTS5 cannot parse
        ├── SearchTooLarge       a full-text query with too many terms or characters
        ├── LimitExceeded        a query over one of the server's limits, refused unrun
        ├── ResponseTooLarge     an answer bigger than the server sends
        ├── TooManySubscriptions a subscription past the server's or connection's bound
        ├── SubscriberTooSlow    a subscription whose client fell too far behind the changes
        ├── FeedStopped          a worker's change feed stopped on an unexpected error
        └── RequestRejected      an HTTP request refused before GraphQL runs (has a status)
            ├── MalformedRequest       not a well-formed GraphQL-over-HTTP request (400)
            ├── MethodNotAllowed       an HTTP method the endpoint does not serve (405)
            ├── NotAcceptable          no media type the client accepts (406)
            ├── RequestTooLarge        a body or query string over the size limit (413/414)
            ├── UnsupportedMediaType   a POST body that is not JSON (415)
            ├── OriginNotAllowed       a WebSocket from a page of another origin (403)
            ├── PersistedQueryNotFound a persisted document id the server does not hold (200)
            ├── PersistedQueryRequired query text sent to an allow-list server (400)
            ├── InvalidSha256Hash      an APQ hash that is not the query's (400)
            └── BatchRefused           a batch with batching off, or over its limit (400)

Only ``UserError`` subclasses, and ``QueryTimeout`` (the client's query was too costly),
are shown to GraphQL clients with their message and ``extensions.code``; every other
exception is masked and logged. ``RequestRejected`` errors are answered by the HTTP edge
(``gql.http``) with their status and the same ``{"errors": [...]}`` body.
"""

from gql.errors.core import (
    AllowListInvalid,
    AssetsMissing,
    GqlError,
    IngestError,
    InvalidArgument,
    InvalidCursor,
    InvalidId,
    InvalidText,
    LimitExceeded,
    LoadError,
    MalformedRequest,
    MethodNotAllowed,
    NotAcceptable,
    RequestRejected,
    RequestTooLarge,
    ResponseTooLarge,
    SearchSyntaxError,
    SearchTooLarge,
    UnsupportedMediaType,
    UserError,
    WrongNumberOfResults,
    YAMLLimitExceeded,
)
from gql.errors.serving import (
    BatchRefused,
    FeedStopped,
    InvalidSha256Hash,
    OriginNotAllowed,
    PersistedQueryNotFound,
    PersistedQueryRequired,
    SubscriberTooSlow,
    TooManySubscriptions,
)
from gql.errors.store import (
    CursorMismatch,
    DatabaseDamaged,
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseUnavailable,
    QueryTimeout,
    RequestTimeout,
    StatementFailed,
    StoreClosed,
    StoreError,
)

__all__ = [
    "AllowListInvalid",
    "AssetsMissing",
    "BatchRefused",
    "CursorMismatch",
    "DatabaseDamaged",
    "DatabaseLocked",
    "DatabaseReadOnly",
    "DatabaseUnavailable",
    "FeedStopped",
    "GqlError",
    "IngestError",
    "InvalidArgument",
    "InvalidCursor",
    "InvalidId",
    "InvalidSha256Hash",
    "InvalidText",
    "LimitExceeded",
    "LoadError",
    "MalformedRequest",
    "MethodNotAllowed",
    "NotAcceptable",
    "OriginNotAllowed",
    "PersistedQueryNotFound",
    "PersistedQueryRequired",
    "QueryTimeout",
    "RequestRejected",
    "RequestTimeout",
    "RequestTooLarge",
    "ResponseTooLarge",
    "SearchSyntaxError",
    "SearchTooLarge",
    "StatementFailed",
    "StoreClosed",
    "StoreError",
    "SubscriberTooSlow",
    "TooManySubscriptions",
    "UnsupportedMediaType",
    "UserError",
    "WrongNumberOfResults",
    "YAMLLimitExceeded",
]
