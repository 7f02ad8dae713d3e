"""The document caches keep parsed documents within a budget of bytes, measured here with
tracemalloc rather than taken from the caches' own estimates."""

from __future__ import annotations

import gc
import tracemalloc

from graphql import parse
from graphql.validation import specified_rules

from gql.execution.compat import graphql_schema
from gql.execution.documents import DocumentCache, ParsedDocuments, document_bytes
from gql.graph.context import Context
from gql.graph.schema import build_schema
from gql.settings import Settings
from gql.store import Store

MB = 1 << 20


def ids(n: int, count: int) -> str:
    """A distinct document asking ``nodes`` for ``count`` IDs (a token each): within the
    request limits (one field), refused only when it runs (more than 100 IDs)."""
    listed = " ".join(f'"{n}-{i}"' for i in range(count))
    return f"{{ nodes(ids: [{listed}]) {{ __typename }} }}"


def aliases(n: int, fields: int) -> str:
    """A distinct document of ``fields`` aliased ``__typename`` fields (~4 tokens each)."""
    return "{ " + " ".join(f"d{n}_{i}: __typename" for i in range(fields)) + " }"


async def test_distinct_documents_are_kept_within_the_cache_bytes(seeds_store: Store) -> None:
    """120 distinct documents of ~1,200 tokens each parse to ~70 MB; the schema's cache
    keeps them within its 32 MB, and what stays allocated afterwards is within that too
    (Strawberry's ParserCache of 256 entries kept them all). Each is parsed, validated
    and run (its ``nodes`` then refuses more than 100 IDs)."""
    schema = build_schema()
    documents = schema.documents
    assert documents is not None and documents.kept.max_bytes == 32 * MB
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(120):
            context = Context.for_request(seeds_store, Settings())
            result = await schema.execute(ids(n, 1_200), context_value=context)
            [error] = result.errors or []
            assert error.message == "argument 'ids': at most 100 IDs per request, got 1200"
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert documents.kept.bytes <= documents.kept.max_bytes
    assert 10 < len(documents) < 120
    assert kept < 40 * MB


def test_a_document_over_a_sixteenth_of_the_budget_is_not_kept() -> None:
    documents = ParsedDocuments(256, max_bytes=16 * MB)
    small, large = aliases(0, 10), aliases(1, 1_000)  # ~40 and ~4,000 tokens
    assert documents.parse(small, {}) is documents.parse(small, {})
    assert documents.parse(large, {}) is not documents.parse(large, {})
    assert len(documents) == 1
    padded = "#" + "x" * 100_001 + "\n{ __typename }"  # past max_document_chars
    assert documents.parse(padded, {}) is not documents.parse(padded, {})


def test_validation_errors_are_kept_with_their_document_per_rule_set() -> None:
    schema = graphql_schema(build_schema())
    documents = ParsedDocuments(256)
    query = "{ nosuchfield }"
    document = documents.parse(query, {})
    rules = tuple(specified_rules)
    errors = documents.validate(schema, query, {}, document, rules)
    assert [e.message for e in errors] == ["Cannot query field 'nosuchfield' on type 'Query'."]
    assert documents.validate(schema, query, {}, document, rules) is errors
    assert documents.validate(schema, query, {}, document, rules[:1]) == []
    # Another parse of the same text (not the kept one) is validated, not looked up.
    other = parse(query)
    assert documents.validate(schema, query, {}, other, rules) is not errors


def test_derived_entries_are_kept_for_documents_within_the_bytes() -> None:
    cache: DocumentCache[int] = DocumentCache(256, max_bytes=8 * MB)
    operations = [parse(aliases(n, 100)).definitions[0] for n in range(100)]
    for operation in operations:
        entries = cache.entries(operation)  # type: ignore[arg-type]
        assert entries is not None
        entries["x"] = 1
    assert cache.bytes <= 8 * MB
    assert 10 < len(cache) < 100
    assert cache.entries(operations[-1]) == {"x": 1}  # type: ignore[arg-type]
    assert cache.entries(operations[0]) == {}  # type: ignore[arg-type]


def test_only_documents_validated_without_errors_count_as_validated() -> None:
    """``validated`` hands out a kept document only once it was validated and found valid:
    what lets a request skip parsing and validation (``gql.graph.prepared``)."""
    schema = graphql_schema(build_schema())
    documents = ParsedDocuments(16)
    rules = tuple(specified_rules)
    valid, invalid = "{ __typename }", "{ nope }"
    assert documents.validated(valid, {}) is None  # never seen
    parsed = documents.parse(valid, {})
    assert documents.validated(valid, {}) is None  # parsed, not validated
    assert documents.validate(schema, valid, {}, parsed, rules) == []
    assert documents.validated(valid, {}) is parsed
    assert documents.validated(valid, {"max_tokens": 5}) is None  # parsed with other options
    wrong = documents.parse(invalid, {})
    assert documents.validate(schema, invalid, {}, wrong, rules) != []
    assert documents.validated(invalid, {}) is None


def test_a_large_document_refused_by_validation_is_not_kept() -> None:
    """A small invalid document stays kept with its errors; a large one (distinct large
    invalid documents would fill the cache) is dropped once refused."""
    schema = graphql_schema(build_schema())
    documents = ParsedDocuments(256, max_bytes=16 * MB)  # refused ones kept up to 64 kB
    rules = tuple(specified_rules)
    small = "{ nope }"
    large = "{ " + " ".join(f"nope{i}" for i in range(200)) + " }"  # ~200 tokens, ~130 kB
    for query in (small, large):
        document = documents.parse(query, {})
        assert documents.validate(schema, query, {}, document, rules) != []
    assert len(documents) == 1
    assert documents.parse(small, {}) is documents.parse(small, {})


def test_what_was_charged_for_entries_goes_when_they_are_emptied() -> None:
    """Entries charged to a document (a statement's text per variables) are emptied once
    there are ``max_entries_per_document``; their charge goes with them, so a document
    paged by ever new variables does not grow in the budget while holding few entries."""
    cache: DocumentCache[int] = DocumentCache(256, max_entries_per_document=4)
    [operation] = parse(aliases(0, 10)).definitions
    for n in range(1_000):
        entries = cache.entries(operation)  # type: ignore[arg-type]
        assert entries is not None
        entries[n] = n
        cache.charge(operation, 10_000)  # type: ignore[arg-type]
    assert len(entries) <= 4
    assert cache.bytes <= document_bytes(operation) + 4 * 10_000  # type: ignore[arg-type]
