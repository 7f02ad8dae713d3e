"""Errors of serving: subscriptions, persisted documents and batches (the tree is in
``gql.errors``)."""

from __future__ import annotations

from gql.errors.core import RequestRejected, UserError


class TooManySubscriptions(UserError):
    """A subscription past the number one connection, or one worker, may hold at once."""

    code = "TOO_MANY_SUBSCRIPTIONS"

    def __init__(self, limit: int, *, scope: str) -> None:
        self.limit = limit
        self.scope = scope
        super().__init__(
            f"too many subscriptions {scope}: at most {limit:,} run at once;"
            " complete one before starting another"
        )


class SubscriberTooSlow(UserError):
    """A subscription that fell more versions behind the corpus than its queue holds."""

    code = "SUBSCRIBER_TOO_SLOW"

    def __init__(self, queued_versions: int) -> None:
        self.queued_versions = queued_versions
        super().__init__(
            f"the subscription fell more than {queued_versions:,} data versions behind:"
            " read its events faster, or subscribe again and re-read what you show"
        )


class FeedStopped(UserError):
    """A worker's change feed stopped on an unexpected error: its subscriptions end with
    this (shown to the client, so that it subscribes again; that starts a new feed)."""

    code = "FEED_STOPPED"

    def __init__(self) -> None:
        super().__init__("the server's change feed stopped on an internal error: subscribe again")


class OriginNotAllowed(RequestRejected):
    """A WebSocket opened by a page of an origin the server does not allow (403)."""

    code = "ORIGIN_NOT_ALLOWED"
    status = 403

    def __init__(self, origin: str) -> None:
        self.origin = origin
        super().__init__(
            f"pages of origin {origin[:100]!r} may not open a WebSocket here: the server"
            " allows its own pages and those `gql serve --cors-origin` names"
        )


class PersistedQueryNotFound(RequestRejected):
    """A persisted document id not held: 200 and APQ's own message, which clients retry on."""

    code = "PERSISTED_QUERY_NOT_FOUND"
    status = 200

    def __init__(self, document_id: str, *, allow_list: bool = False) -> None:
        self.document_id = document_id
        message = f"no document of this server's allow-list has the id {document_id!r}"
        super().__init__(message if allow_list else "PersistedQueryNotFound")


class PersistedQueryRequired(RequestRejected):
    """Query text sent to a server that runs only the documents of its allow-list."""

    code = "PERSISTED_QUERY_REQUIRED"

    def __init__(self) -> None:
        super().__init__("only persisted documents run here: send `documentId`, not `query`")


class InvalidSha256Hash(RequestRejected):
    """An APQ ``sha256Hash`` that is not the SHA-256 of the query sent with it."""

    code = "INVALID_SHA256_HASH"

    def __init__(self, received: str, expected: str) -> None:
        self.received = received
        self.expected = expected
        super().__init__(f"sha256Hash {received!r} is not the SHA-256 of the query ({expected})")


class BatchRefused(RequestRejected):
    """A JSON array of operations with batching off, or holding more than its limit."""

    def __init__(self, received: int, limit: int) -> None:
        self.received = received
        self.limit = limit
        self.code = "BATCH_TOO_LARGE" if limit else "BATCHING_NOT_ENABLED"
        super().__init__(
            f"the batch holds {received} operations, more than the {limit} allowed: split it"
            if limit
            else "batches (a JSON array body) are off: start with `gql serve --batch-limit N`"
        )
