"""Persisted queries against a real uvicorn: Apollo's APQ over POST and GET, and the
allow-list mode (``--persisted-only``) from each manifest format client tools emit.

Expected answers come from the seed files (``tests.corpus``); the protocol's from Apollo
Server's own pipeline (status 200 and ``PersistedQueryNotFound`` for an unknown hash,
400 for a hash that is not the query's or another version) and the GraphQL-over-HTTP
draft's persisted documents appendix (``documentId``, ``sha256:`` ids).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import corpus
from tests.conftest import SEEDS
from tests.http.bodies import without_cost
from tests.http.servers import free_port, gql_serve

GRJ = "application/graphql-response+json"
JSON = "application/json"
TOPICS = len(corpus.read_topics(SEEDS))
ARTICLES = len(corpus.read_articles(SEEDS))
AI_TOPIC = next(t["name"] for t in corpus.read_topics(SEEDS) if t["name"] == "AI")
NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(query: str, *, version: object = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256(query)}}


def topics_query(name: str) -> str:
    """A query counting topics, distinct per test (the servers are shared)."""
    return f"query {name} {{ topics(first: 1) {{ totalCount }} }}"


TOPICS_DATA = {"data": {"topics": {"totalCount": TOPICS}}}


def post(base: str, body: Any, *, accept: str = JSON) -> httpx.Response:
    return httpx.post(f"{base}/graphql", json=body, headers={"accept": accept}, timeout=30)


def get(base: str, params: dict[str, str], **headers: str) -> httpx.Response:
    return httpx.get(f"{base}/graphql", params=params, headers=headers, timeout=30)


def codes(body: dict[str, Any]) -> set[str]:
    return {error["extensions"]["code"] for error in body.get("errors", [])}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with its production defaults (APQ on, response cache on)."""
    with gql_serve(tmp_path_factory.mktemp("apq")) as base:
        yield base


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """APQ's registry bounded to 2 queries and 16 kB (so at most 1 kB a query)."""
    root = tmp_path_factory.mktemp("apq-small")
    options = ("--apq-entries", "2", "--apq-bytes", "16000", "--response-cache", "0")
    with gql_serve(root, *options) as base:
        yield base


@pytest.mark.parametrize("accept", [JSON, GRJ])
def test_a_hash_misses_then_registers_then_hits(server: str, accept: str) -> None:
    query = topics_query(f"Topics{len(accept)}")
    missed = post(server, {"extensions": apq(query)}, accept=accept)
    # 200 whatever the media type: Apollo Client before 3.8 turns APQ off after a 400.
    assert missed.status_code == 200
    assert missed.json() == NOT_FOUND
    assert missed.headers["cache-control"] == "no-store"
    registered = post(server, {"query": query, "extensions": apq(query)}, accept=accept)
    assert registered.status_code == 200
    assert without_cost(registered.json()) == TOPICS_DATA
    for _ in range(2):
        hit = post(server, {"extensions": apq(query)}, accept=accept)
        assert hit.status_code == 200
        assert without_cost(hit.json()) == TOPICS_DATA


def test_a_hash_only_get_is_cacheable(server: str) -> None:
    query = topics_query("TopicsByGet")
    params = {"extensions": json.dumps(apq(query))}
    missed = get(server, params)
    assert missed.status_code == 200 and missed.json() == NOT_FOUND
    assert "etag" not in missed.headers and missed.headers["cache-control"] == "no-store"
    # Registered by GET too (Apollo Client re-sends by POST; both register).
    assert without_cost(get(server, {"query": query, **params}).json()) == TOPICS_DATA
    hit = get(server, params)
    assert hit.status_code == 200 and without_cost(hit.json()) == TOPICS_DATA
    etag = hit.headers["etag"]
    assert etag.startswith('W/"') and hit.headers["cache-control"] == "no-cache"
    assert get(server, params).headers["etag"] == etag
    not_modified = get(server, params, **{"if-none-match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    head = httpx.head(f"{server}/graphql", params=params, timeout=30)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == etag
    assert int(head.headers["content-length"]) == len(hit.content)


def test_variables_and_operation_name_go_with_a_hash(server: str) -> None:
    query = (
        "query Count($n: Int) { topics(first: $n) { totalCount } }\n"
        'query Ai { topic(slug: "ai") { name } }'
    )
    assert post(server, {"extensions": apq(query), "operationName": "Ai"}).json() == NOT_FOUND
    body = {"query": query, "extensions": apq(query), "operationName": "Ai"}
    assert without_cost(post(server, body).json()) == {"data": {"topic": {"name": AI_TOPIC}}}
    count = {"extensions": apq(query), "operationName": "Count", "variables": {"n": 2}}
    assert without_cost(post(server, count).json()) == TOPICS_DATA
    named = get(server, {"extensions": json.dumps(apq(query)), "operationName": "Ai"})
    assert without_cost(named.json()) == {"data": {"topic": {"name": AI_TOPIC}}}


def test_a_hash_that_is_not_the_querys_is_refused(server: str) -> None:
    planted = topics_query("Planted")
    other = "query Other { articles(first: 1) { totalCount } }"
    refused = post(server, {"query": other, "extensions": apq(planted)})
    assert refused.status_code == 400
    assert codes(refused.json()) == {"INVALID_SHA256_HASH"}
    assert sha256(other) in refused.json()["errors"][0]["message"]
    # Nothing was planted under the hash: it still misses, then registers its own query.
    assert post(server, {"extensions": apq(planted)}).json() == NOT_FOUND
    post(server, {"query": planted, "extensions": apq(planted)})
    assert post(server, {"query": other, "extensions": apq(planted)}).status_code == 400
    assert without_cost(post(server, {"extensions": apq(planted)}).json()) == TOPICS_DATA


@pytest.mark.parametrize(
    ("extensions", "problem"),
    [
        ({"persistedQuery": {"version": 2, "sha256Hash": "ab"}}, "version` 2 is not supported"),
        ({"persistedQuery": {"version": "1", "sha256Hash": "ab"}}, 'version` "1" is not'),
        ({"persistedQuery": {"sha256Hash": "ab"}}, "version` null is not supported"),
        ({"persistedQuery": {"version": 1}}, "sha256Hash` must be"),
        ({"persistedQuery": {"version": 1, "sha256Hash": 7}}, "sha256Hash` must be"),
        ({"persistedQuery": "ab"}, "must be an object"),
    ],
)
def test_malformed_persisted_queries_are_400(
    server: str, extensions: dict[str, Any], problem: str
) -> None:
    for response in (
        post(server, {"extensions": extensions}),
        get(server, {"extensions": json.dumps(extensions)}),
    ):
        assert response.status_code == 400
        assert codes(response.json()) == {"BAD_REQUEST"}
        assert problem in response.json()["errors"][0]["message"]


def test_documents_that_do_not_validate_are_not_registered(server: str) -> None:
    query = "query Nope { nope }"
    answer = post(server, {"query": query, "extensions": apq(query)}, accept=GRJ)
    assert answer.status_code == 400 and codes(answer.json()) == {"GRAPHQL_VALIDATION_FAILED"}
    assert post(server, {"extensions": apq(query)}).json() == NOT_FOUND


def test_document_id_names_a_registered_query(server: str) -> None:
    query = topics_query("ByDocumentId")
    document_id = f"sha256:{sha256(query)}"
    assert post(server, {"documentId": document_id}).json() == NOT_FOUND
    post(server, {"query": query, "extensions": apq(query)})
    assert without_cost(post(server, {"documentId": document_id}).json()) == TOPICS_DATA
    by_get = get(server, {"documentId": document_id})
    assert without_cost(by_get.json()) == TOPICS_DATA and "etag" in by_get.headers
    assert post(server, {"documentId": "x-unknown"}).json() == NOT_FOUND
    assert codes(post(server, {"documentId": 7}).json()) == {"BAD_REQUEST"}


def test_the_registry_is_bounded_by_entries_and_bytes(small_server: str) -> None:
    queries = [topics_query(f"Bounded{i}") for i in range(3)]
    for query in queries:
        post(small_server, {"query": query, "extensions": apq(query)})
    # Two entries: the least recently used is gone, and registers again when sent.
    assert post(small_server, {"extensions": apq(queries[0])}).json() == NOT_FOUND
    for query in queries[1:]:
        assert without_cost(post(small_server, {"extensions": apq(query)}).json()) == TOPICS_DATA
    # A query over a sixteenth of the bytes (1 kB here) runs, and is not kept.
    big = topics_query("Big") + "#" * 2000
    assert without_cost(post(small_server, {"query": big, "extensions": apq(big)}).json()) == (
        TOPICS_DATA
    )
    assert post(small_server, {"extensions": apq(big)}).json() == NOT_FOUND


# The allow-list mode, from each source format.
LISTED = {
    "Topics": topics_query("Topics") + "\n",  # as files end
    "Pair": (
        "query Articles { articles(first: 1) { totalCount } }\n"
        'query Ai { topic(slug: "ai") { name } }'
    ),
}
ARTICLES_DATA = {"data": {"articles": {"totalCount": ARTICLES}}}


def write_folder(root: Path) -> tuple[Path, dict[str, str]]:
    folder = root / "operations"
    (folder / "nested").mkdir(parents=True)
    (folder / "topics.graphql").write_text(LISTED["Topics"])
    (folder / "nested" / "pair.gql").write_text(LISTED["Pair"])
    (folder / "notes.txt").write_text("not a document")
    ids = {
        "Topics": f"sha256:{sha256(LISTED['Topics'])}",
        "Pair": f"sha256:{sha256(LISTED['Pair'])}",
    }
    return folder, ids


def write_apollo(root: Path) -> tuple[Path, dict[str, str]]:
    ids = {name: sha256(body) for name, body in LISTED.items()}
    manifest = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            {"id": ids[name], "name": name, "type": "query", "body": body}
            for name, body in LISTED.items()
        ],
    }
    path = root / "persisted-query-manifest.json"
    path.write_text(json.dumps(manifest))
    return path, ids


def write_relay(root: Path) -> tuple[Path, dict[str, str]]:
    """relay-compiler's persistConfig file: md5 of the text as the id."""
    ids = {name: hashlib.md5(body.encode()).hexdigest() for name, body in LISTED.items()}
    path = root / "relay-persisted.json"
    path.write_text(json.dumps({ids[name]: body for name, body in LISTED.items()}))
    return path, ids


def write_codegen(root: Path) -> tuple[Path, dict[str, str]]:
    """graphql-codegen's client preset: sha1 of the text (its default hash) as the id."""
    ids = {name: hashlib.sha1(body.encode()).hexdigest() for name, body in LISTED.items()}
    path = root / "persisted-documents.json"
    path.write_text(json.dumps({ids[name]: body for name, body in LISTED.items()}))
    return path, ids


WRITERS = {"folder": write_folder, "apollo": write_apollo, "relay": write_relay}
WRITERS["codegen"] = write_codegen


@pytest.fixture(scope="module", params=sorted(WRITERS))
def allow_list(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    root = tmp_path_factory.mktemp(f"allow-{request.param}")
    path, ids = WRITERS[request.param](root)
    with gql_serve(root, "--persisted-only", str(path), "--batch-limit", "5") as base:
        yield base, ids


def test_an_allow_list_runs_its_documents_by_id(allow_list: tuple[str, dict[str, str]]) -> None:
    base, ids = allow_list
    for key in ("documentId", "doc_id", "id"):
        assert without_cost(post(base, {key: ids["Topics"]}).json()) == TOPICS_DATA
    pair = {"documentId": ids["Pair"], "operationName": "Articles"}
    assert without_cost(post(base, pair).json()) == ARTICLES_DATA
    ai = get(base, {"documentId": ids["Pair"], "operationName": "Ai"})
    assert without_cost(ai.json()) == {"data": {"topic": {"name": AI_TOPIC}}}
    assert "etag" in ai.headers
    # Apollo's PersistedQueryLink sends the SHA-256 of the text, whatever the manifest's ids.
    assert without_cost(post(base, {"extensions": apq(LISTED["Topics"])}).json()) == TOPICS_DATA
    batch = post(base, [{"documentId": ids["Topics"]}, {"query": LISTED["Topics"]}])
    first, second = batch.json()
    assert without_cost(first) == TOPICS_DATA
    assert codes(second) == {"PERSISTED_QUERY_REQUIRED"}


def test_an_allow_list_runs_nothing_else(allow_list: tuple[str, dict[str, str]]) -> None:
    base, ids = allow_list
    listed = LISTED["Topics"]
    for response in (post(base, {"query": listed}), get(base, {"query": listed})):
        assert response.status_code == 400
        assert codes(response.json()) == {"PERSISTED_QUERY_REQUIRED"}
        assert "documentId" in response.json()["errors"][0]["message"]
    for body in (
        {"documentId": "sha256:" + "0" * 64},
        {"doc_id": "nope"},
        {"extensions": apq("{ __typename }")},
        {"query": "{ __typename }", "extensions": apq("{ __typename }")},
    ):
        response = post(base, body)
        assert response.status_code == 200, body
        assert codes(response.json()) == {"PERSISTED_QUERY_NOT_FOUND"}, body
        assert "allow-list" in response.json()["errors"][0]["message"]
    # An id does not let other text through.
    wrong = post(base, {"documentId": ids["Topics"], "query": "{ __typename }"})
    assert wrong.status_code == 400 and codes(wrong.json()) == {"BAD_REQUEST"}
    planted = post(base, {"query": "{ __typename }", "extensions": apq(listed)})
    assert planted.status_code == 400 and codes(planted.json()) == {"INVALID_SHA256_HASH"}


def serve_fails(db: Path, allow_list: Path) -> str:
    """The one line a `gql serve --persisted-only` that must stop before serving prints."""
    run = subprocess.run(
        [
            *(sys.executable, "-m", "gql.cli", "serve", "--db", str(db)),
            *("--port", str(free_port()), "--persisted-only", str(allow_list)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        (
            {"a.graphql": "query A { nope }"},
            ("a.graphql does not validate against the schema:", "'nope'", "(line 1, column 11)"),
        ),
        ({"a.graphql": "query A { topics("}, ("a.graphql does not parse: Syntax Error",)),
        ({"README.md": "none here"}, ("holds no documents",)),
        ({"m.json": '{"x": 1}'}, ("is not a persisted-document manifest",)),
        ({"m.json": "[1"}, ("is neither .graphql nor valid JSON",)),
        (
            {"m.json": json.dumps({"abc": "query B { topic { nope } }"})},
            ("id 'abc' does not validate against the schema",),
        ),
        (
            {"m.json": '{"format": "apollo-persisted-query-manifest", "version": 1}'},
            ("needs a list of `operations`",),
        ),
        (
            {"m.json": json.dumps({"a": "{ __typename }", "sha256:" + sha256("{ x }"): "{ x }"})},
            ("does not validate",),
        ),
    ],
)
def test_gql_serve_refuses_an_allow_list_that_does_not_fit(
    seeds_db: Path, tmp_path: Path, content: dict[str, str], problems: tuple[str, ...]
) -> None:
    folder = tmp_path / "list"
    folder.mkdir()
    for name, text in content.items():
        (folder / name).write_text(text)
    line = serve_fails(seeds_db, folder / "m.json" if "m.json" in content else folder)
    assert line.startswith(f"Error: --persisted-only {folder}"), line
    assert all(problem in line for problem in problems), line
