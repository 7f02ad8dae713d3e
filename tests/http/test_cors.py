"""CORS by the Fetch standard's rules: preflights, allowed and refused origins, Vary.

A real browser run (tests/http/test_browser.py) shows the same from pages of other origins.
"""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from gql.app import create_app
from gql.settings import Settings

APP = "http://localhost:3000"
QUERY = {"query": "{ topics(first: 1) { totalCount } }"}


def preflight(client: TestClient, origin: str, headers: str = "content-type") -> dict[str, str]:
    response = client.options(
        "/graphql",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": headers,
        },
    )
    return {"status": str(response.status_code), **response.headers}


def test_no_origins_no_cors(seeds_db: Path) -> None:
    with TestClient(create_app(Settings(db_path=seeds_db))) as client:
        assert preflight(client, APP)["status"] == "405"
        answer = client.post("/graphql", json=QUERY, headers={"origin": APP})
        assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers


def test_listed_origins_get_preflights_and_answers(seeds_db: Path) -> None:
    settings = Settings(db_path=seeds_db, cors_origins=(APP, "https://app.example"))
    with TestClient(create_app(settings)) as client:
        headers = preflight(client, APP, "content-type, authorization, apollo-require-preflight")
        assert headers["status"] == "200"
        assert headers["access-control-allow-origin"] == APP
        assert headers["access-control-allow-methods"] == "GET, POST"
        allowed = {h.strip() for h in headers["access-control-allow-headers"].split(",")}
        assert {"content-type", "authorization", "apollo-require-preflight"} <= allowed
        assert {"x-request-id", "accept"} <= allowed
        assert headers["access-control-max-age"] == "600"
        assert "access-control-allow-credentials" not in headers
        assert "Origin" in headers["vary"]

        answer = client.post("/graphql", json=QUERY, headers={"origin": APP})
        assert answer.headers["access-control-allow-origin"] == APP
        assert "etag" in answer.headers["access-control-expose-headers"].lower()
        assert "Origin" in answer.headers["vary"]
        got = client.get("/graphql", params=QUERY, headers={"origin": "https://app.example"})
        assert got.headers["access-control-allow-origin"] == "https://app.example"
        assert got.headers["vary"] == "Accept, Accept-Encoding, Origin"
        # Without an Origin the answer still varies by it, for shared caches.
        assert client.get("/graphql", params=QUERY).headers["vary"].endswith("Origin")

        refused = preflight(client, "http://evil.example")
        assert refused["status"] == "400" and "access-control-allow-origin" not in refused
        answer = client.post("/graphql", json=QUERY, headers={"origin": "http://evil.example"})
        assert "access-control-allow-origin" not in answer.headers


def test_any_origin_for_a_public_api(seeds_db: Path) -> None:
    with TestClient(create_app(Settings(db_path=seeds_db, cors_origins=("*",)))) as client:
        headers = preflight(client, "http://anyone.example")
        assert headers["status"] == "200" and headers["access-control-allow-origin"] == "*"
        got = client.get("/graphql", params=QUERY, headers={"origin": "http://anyone.example"})
        assert got.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in got.headers
