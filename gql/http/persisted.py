"""Persisted queries: Apollo's automatic persisted queries (APQ) and the allow-list mode.

APQ (Apollo's protocol; urql and others speak it too): a client sends
``extensions.persistedQuery = {"version": 1, "sha256Hash": H}`` instead of ``query``.

- A hash this worker holds runs its query. A hash it does not hold is answered with the
  GraphQL error ``PersistedQueryNotFound`` (``PERSISTED_QUERY_NOT_FOUND``), status 200
  whatever the media type, as Apollo Server answers: Apollo Client before 3.8 turns
  APQ off for good after a 400 or 500 (3.8 and later read the errors at any status),
  so 200 is the status every client retries after, with the query and the hash.
- Query and hash together register the query under the hash, once the hash is checked
  to be the SHA-256 of the query's UTF-8 text (otherwise ``INVALID_SHA256_HASH``, 400:
  no one may plant another document under a hash) and once the document has parsed,
  validated and started to run (the answer has ``data``): a document that does not
  validate never takes a place, a client that sends one gets its validation errors.
- A version other than 1 is refused (``BAD_REQUEST``, 400, as Apollo Server does).
- The registry is per worker, an LRU bounded by entries and by bytes
  (``Settings.apq_entries``, ``apq_bytes``); with several workers, or after an
  eviction, a client registers again where it lands (the protocol does it for it).
- ``documentId: "sha256:<H>"`` (the GraphQL-over-HTTP draft's persisted documents) runs
  a registered query too.

Allow-list mode (``Settings.persisted_only``, ``gql.http.manifests``): the server runs
only the documents of its allow-list, named by APQ hash, ``documentId`` or Relay's
``doc_id``/``id``. An id it does not hold is ``PERSISTED_QUERY_NOT_FOUND`` (status 200,
as above); query text without an id is ``PERSISTED_QUERY_REQUIRED`` (400); nothing is
ever registered.
"""

from __future__ import annotations

import re
import sys
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

import orjson
from strawberry import Schema
from strawberry.types import ExecutionResult

from gql.errors import (
    InvalidSha256Hash,
    MalformedRequest,
    PersistedQueryNotFound,
    PersistedQueryRequired,
)
from gql.execution.compat import graphql_schema
from gql.http.manifests import SHA256_PREFIX, AllowList, load_allow_list, sha256_hex
from gql.http.params import GraphQLParams
from gql.http.responses import is_request_error
from gql.settings import Settings

APQ_VERSION: Final = 1
# What an entry costs beyond its query's string object: the 64-character key, the tuple,
# the cost's int and the OrderedDict's link (~270 bytes, measured with tracemalloc).
ENTRY_OVERHEAD_BYTES: Final = 320
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Resolved:
    """The text a request runs, and the hash to register it under once it has run."""

    query: str
    register: str | None = None


class QueryRegistry:
    """APQ's hash-to-query registry of one worker: an LRU bounded by entries and bytes."""

    def __init__(self, *, max_entries: int, max_bytes: int) -> None:
        assert max_entries > 0, "a registry holds at least one query"
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        # One query may not take more than a sixteenth: a few big ones must not evict
        # many small ones (the response cache's rule).
        self.max_entry_bytes = max_bytes // 16
        self.bytes = 0
        """What the entries kept now cost (``ENTRY_OVERHEAD_BYTES`` each, and their text)."""
        self._entries: OrderedDict[str, tuple[str, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, sha256_hash: str) -> bool:
        return sha256_hash in self._entries

    def get(self, sha256_hash: str) -> str | None:
        """The query registered under ``sha256_hash`` (now the most recently used), or None."""
        entry = self._entries.get(sha256_hash)
        if entry is None:
            return None
        self._entries.move_to_end(sha256_hash)
        return entry[0]

    def add(self, sha256_hash: str, query: str) -> None:
        """Register ``query`` under its (checked) hash, evicting the least recently used."""
        cost = ENTRY_OVERHEAD_BYTES + sys.getsizeof(query)
        if cost > self.max_entry_bytes:
            return
        previous = self._entries.pop(sha256_hash, None)
        if previous is not None:
            self.bytes -= previous[1]
        self._entries[sha256_hash] = (query, cost)
        self.bytes += cost
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self.bytes -= evicted


class PersistedQueries:
    """What the view asks before running a request: the text it runs (module docstring)."""

    def __init__(
        self, *, registry: QueryRegistry | None, allow_list: AllowList | None = None
    ) -> None:
        assert (registry is None) != (allow_list is None), "APQ or an allow-list, not both"
        self.registry = registry
        self.allow_list = allow_list

    @classmethod
    def for_settings(cls, settings: Settings, schema: Schema) -> PersistedQueries:
        """The registry or the allow-list ``settings`` ask for; the allow-list is checked
        against ``schema`` (``AllowListInvalid`` when a document does not fit it)."""
        if settings.persisted_only is not None:
            allow_list = load_allow_list(settings.persisted_only, graphql_schema(schema))
            return cls(registry=None, allow_list=allow_list)
        registry = QueryRegistry(max_entries=settings.apq_entries, max_bytes=settings.apq_bytes)
        return cls(registry=registry)

    def resolve(self, params: GraphQLParams) -> Resolved:
        """The text ``params`` run; a refusal is a ``RequestRejected`` (see the module)."""
        sha256_hash = _apq_hash(params.persisted_query)
        registry = self.registry
        if registry is None:
            assert self.allow_list is not None
            return Resolved(self._allowed(self.allow_list, params, sha256_hash))
        if sha256_hash is not None:
            if params.query is None:
                query = registry.get(sha256_hash)
                if query is None:
                    raise PersistedQueryNotFound(sha256_hash)
                return Resolved(query)
            _check_hash(params.query, sha256_hash)
            return Resolved(params.query, None if sha256_hash in registry else sha256_hash)
        if params.query is not None:
            return Resolved(params.query)
        # Only a document id is left (params refuses a request without any of them).
        assert params.document_id is not None
        payload = params.document_id.removeprefix(SHA256_PREFIX).lower()
        query = registry.get(payload) if _SHA256_HEX.fullmatch(payload) else None
        if query is None:
            raise PersistedQueryNotFound(params.document_id)
        return Resolved(query)

    def remember(self, resolved: Resolved, result: ExecutionResult) -> None:
        """Register ``resolved``'s query if it asked to be and its document ran."""
        if resolved.register and self.registry is not None and not is_request_error(result):
            self.registry.add(resolved.register, resolved.query)

    @staticmethod
    def _allowed(allow_list: AllowList, params: GraphQLParams, sha256_hash: str | None) -> str:
        if sha256_hash is not None:
            body = allow_list.find_by_hash(sha256_hash)
            if body is None:
                raise PersistedQueryNotFound(sha256_hash, allow_list=True)
            if params.query is not None:
                _check_hash(params.query, sha256_hash)
            return body
        if params.document_id is not None:
            body = allow_list.find(params.document_id)
            if body is None:
                raise PersistedQueryNotFound(params.document_id, allow_list=True)
            if params.query is not None and params.query != body:
                raise MalformedRequest(
                    "`query` is not the text of the persisted document `documentId` names:"
                    " send the id alone"
                )
            return body
        raise PersistedQueryRequired()


def _apq_hash(persisted_query: object) -> str | None:
    """The (lower-case) hash of ``extensions.persistedQuery``, None when there is none."""
    if persisted_query is None:
        return None
    if not isinstance(persisted_query, dict):
        raise MalformedRequest(
            "`extensions.persistedQuery` must be an object with `version` and `sha256Hash`"
        )
    version = persisted_query.get("version")
    if isinstance(version, bool) or version != APQ_VERSION:
        raise MalformedRequest(
            f"`extensions.persistedQuery.version` {orjson.dumps(version).decode()} is not"
            " supported; the only version is 1"
        )
    sha256_hash = persisted_query.get("sha256Hash")
    if not isinstance(sha256_hash, str) or not sha256_hash:
        raise MalformedRequest(
            "`extensions.persistedQuery.sha256Hash` must be the SHA-256 of the query, in hex"
        )
    return sha256_hash.lower()


def _check_hash(query: str, sha256_hash: str) -> None:
    expected = sha256_hex(query)
    if expected != sha256_hash:
        raise InvalidSha256Hash(sha256_hash, expected)
