"""The allow-list of ``gql serve --persisted-only PATH``: the documents a server runs, read
from what client build tools emit, each checked against the schema before serving.

``PATH`` is one of:

- a folder of ``.graphql`` (or ``.gql``) files, searched recursively: each file is one
  document, its id the GraphQL-over-HTTP draft's *SHA256 hex document identifier*,
  ``sha256:`` and the SHA-256 of the file's UTF-8 text (``sha256sum FILE``); the file's
  operations are run by ``operationName``, as for any document with several;
- a single ``.graphql`` file, the same way;
- an Apollo manifest (``@apollo/generate-persisted-query-manifest``):
  ``{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id",
  "name", "type", "body"}]}`` (or ``operations`` keyed by id, as some codegen plugins
  write it);
- a map of id to document text, ``{"<id>": "<text>"}``: what relay-compiler's
  ``persistConfig`` (``file``) writes, and graphql-codegen's client preset
  (``persisted-documents.json``).

Whatever the source, each document is found by its own id and also by
``sha256:<SHA-256 of its text>``, so Apollo's ``PersistedQueryLink`` (whose hash is that
of the text it sends) and the draft's ``documentId`` reach a manifest's documents without
knowing its id scheme. Every document must parse and validate against the schema:
otherwise loading fails with ``AllowListInvalid`` naming the document and the problem, so
``gql serve`` stops with one line instead of refusing the document at request time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import orjson
from graphql import GraphQLError, GraphQLSchema, parse, validate

from gql.errors import AllowListInvalid

APOLLO_FORMAT: Final = "apollo-persisted-query-manifest"
DOCUMENT_SUFFIXES: Final = (".graphql", ".gql")
SHA256_PREFIX: Final = "sha256:"


def sha256_hex(text: str) -> str:
    """The lower-case hex SHA-256 of ``text``'s UTF-8 bytes: APQ's hash and the payload of
    the draft's ``sha256:`` document ids."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class PersistedDocument:
    """One document of an allow-list: its id in the source, where it came from, its text."""

    id: str
    origin: str
    body: str


@dataclass(frozen=True)
class AllowList:
    """The documents a ``--persisted-only`` server runs, by every id that names them."""

    path: Path
    documents: tuple[PersistedDocument, ...]
    by_id: dict[str, str]

    def find(self, document_id: str) -> str | None:
        """The text of the document ``document_id`` names (a bare 64-hex id may omit
        ``sha256:``), or None."""
        body = self.by_id.get(document_id)
        if body is None and ":" not in document_id:
            body = self.by_id.get(SHA256_PREFIX + document_id.lower())
        return body

    def find_by_hash(self, sha256_hash: str) -> str | None:
        """The text of the document whose SHA-256 is ``sha256_hash`` (APQ's hash), or None."""
        return self.by_id.get(SHA256_PREFIX + sha256_hash)


def load_allow_list(path: Path, schema: GraphQLSchema) -> AllowList:
    """Read the allow-list at ``path`` (see the module docstring) and check every document
    against ``schema``; ``AllowListInvalid`` names the first that fails."""
    documents = tuple(_read(path))
    if not documents:
        raise AllowListInvalid(path, "holds no documents")
    by_id: dict[str, str] = {}
    for document in documents:
        _check(path, document, schema)
        for key in (document.id, SHA256_PREFIX + sha256_hex(document.body)):
            known = by_id.setdefault(key, document.body)
            if known != document.body:
                raise AllowListInvalid(
                    path, f"the id {key!r} names two different documents ({document.origin})"
                )
    return AllowList(path, documents, by_id)


def _read(path: Path) -> Iterator[PersistedDocument]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in DOCUMENT_SUFFIXES and p.is_file())
        for file in files:
            body = _text(file)
            yield PersistedDocument(
                SHA256_PREFIX + sha256_hex(body), str(file.relative_to(path)), body
            )
        return
    if not path.is_file():
        raise AllowListInvalid(path, "no such file or folder")
    if path.suffix in DOCUMENT_SUFFIXES:
        body = _text(path)
        yield PersistedDocument(SHA256_PREFIX + sha256_hex(body), path.name, body)
        return
    try:
        manifest = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise AllowListInvalid(path, f"is neither .graphql nor valid JSON: {exc}") from exc
    except OSError as exc:
        raise AllowListInvalid(path, f"cannot be read: {exc.strerror}") from exc
    if isinstance(manifest, dict) and manifest.get("format") == APOLLO_FORMAT:
        yield from _apollo_operations(path, manifest)
    elif isinstance(manifest, dict) and all(isinstance(v, str) for v in manifest.values()):
        for document_id, body in manifest.items():
            yield PersistedDocument(document_id, f"id {document_id!r}", body)
    else:
        raise AllowListInvalid(
            path,
            "is not a persisted-document manifest: expected Apollo's"
            f' {{"format": "{APOLLO_FORMAT}", "operations": [...]}} or a map of id to'
            " document text (relay-compiler, graphql-codegen)",
        )


def _apollo_operations(path: Path, manifest: dict[str, object]) -> Iterator[PersistedDocument]:
    if manifest.get("version") != 1:
        raise AllowListInvalid(
            path, f"Apollo manifest version {manifest.get('version')!r}: 1 is read"
        )
    operations = manifest.get("operations")
    if isinstance(operations, dict):
        # Some codegen plugins write the operations keyed by their id.
        operations = [{"id": k, **v} if isinstance(v, dict) else v for k, v in operations.items()]
    if not isinstance(operations, list):
        raise AllowListInvalid(path, "an Apollo manifest needs a list of `operations`")
    for index, operation in enumerate(operations):
        document_id = operation.get("id") if isinstance(operation, dict) else None
        body = operation.get("body") if isinstance(operation, dict) else None
        if not isinstance(document_id, str) or not document_id or not isinstance(body, str):
            raise AllowListInvalid(
                path, f"operations[{index}] needs a string `id` and a string `body`"
            )
        name = operation.get("name")
        origin = f"operation {name!r}, id {document_id!r}" if name else f"id {document_id!r}"
        yield PersistedDocument(document_id, origin, body)


def _text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise AllowListInvalid(file, "is not UTF-8 text") from exc
    except OSError as exc:
        raise AllowListInvalid(file, f"cannot be read: {exc.strerror}") from exc


def _check(path: Path, document: PersistedDocument, schema: GraphQLSchema) -> None:
    try:
        errors: list[GraphQLError] = validate(schema, parse(document.body))
        problem = "does not validate against the schema"
    except GraphQLError as error:
        errors, problem = [error], "does not parse"
    if errors:
        first = errors[0]
        where = (
            f" (line {first.locations[0].line}, column {first.locations[0].column})"
            if first.locations
            else ""
        )
        raise AllowListInvalid(path, f"{document.origin} {problem}: {first.message}{where}")
