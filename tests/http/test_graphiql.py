"""GraphiQL's page and files, served by us: what the page names is what the server sends.

Expected file contents are read from the npm packages installed by ``make graphiql``
(``gql/http/graphiql_assets/node_modules``) and checked against the lock file's pins;
the page is then loaded in a real browser by tests/http/test_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gql.app import create_app
from gql.http.assets import ASSETS_DIR
from gql.settings import Settings

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# What the page must load, by the npm package that ships it (pinned in package.json).
PINNED = {
    "react": "18.2.0",
    "react-dom": "18.2.0",
    "graphiql": "3.8.3",
    "@graphiql/plugin-explorer": "1.0.2",
}


@pytest.fixture(scope="module")
def client(seeds_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db_path=seeds_db))) as test_client:
        yield test_client


def page_links(html: str) -> list[tuple[str, str]]:
    """(url, integrity) of every script and stylesheet the page names."""
    return re.findall(r'(?:src|href)="(/graphiql/[^"]+)" integrity="([^"]+)"', html)


def test_the_lock_pins_every_package_with_an_integrity_hash() -> None:
    lock = json.loads((ASSETS_DIR / "package-lock.json").read_text())
    for name, version in PINNED.items():
        entry = lock["packages"][f"node_modules/{name}"]
        assert entry["version"] == version
        assert entry["integrity"].startswith("sha512-")


def test_the_page_names_only_our_files_and_each_matches_its_integrity(
    client: TestClient,
) -> None:
    page = client.get("/graphql", headers={"accept": BROWSER})
    assert page.status_code == 200
    links = page_links(page.text)
    names = [url.rsplit("/", 1)[1] for url, _ in links]
    assert sorted(names) == sorted(
        [
            "graphiql.css",
            "explorer.css",
            "page.css",
            "react.js",
            "react-dom.js",
            "graphiql.js",
            "explorer.js",
            "page.js",
        ]
    )
    assert "<style" not in page.text and "<script>" not in page.text
    assert not re.search(r'(?:src|href)="https?:', page.text)
    expected = {
        "graphiql.js": ASSETS_DIR / "node_modules/graphiql/graphiql.min.js",
        "react.js": ASSETS_DIR / "node_modules/react/umd/react.production.min.js",
        "page.js": ASSETS_DIR / "page.js",
    }
    for url, integrity in links:
        asset = client.get(url)
        assert asset.status_code == 200
        digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
        assert integrity == f"sha384-{digest}"
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        name = url.rsplit("/", 1)[1]
        assert asset.headers["content-type"].startswith(
            "text/javascript" if name.endswith(".js") else "text/css"
        )
        if name in expected:
            assert asset.content == expected[name].read_bytes()


def test_the_page_mounts_graphiql_with_the_explorer_headers_and_the_related_graph() -> None:
    script = (ASSETS_DIR / "page.js").read_text()
    assert "GraphiQLPluginExplorer.explorerPlugin()" in script
    assert "isHeadersEditorEnabled: true" in script
    query = re.sub(r"\s+", " ", script)
    assert "related { title url provider { name } article { title } }" in query


def test_only_the_files_of_the_page_are_served(client: TestClient) -> None:
    url, _ = page_links(client.get("/graphql", headers={"accept": BROWSER}).text)[0]
    digest = url.split("/")[2]
    for path in (
        f"/graphiql/{digest}/package.json",
        f"/graphiql/{digest}/../package.json",
        "/graphiql/0000000000000000/graphiql.js",
        "/graphiql/node_modules/graphiql/graphiql.min.js",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(url).status_code == 405
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""


def test_missing_files_are_said_on_the_page(seeds_db: Path, tmp_path: Path) -> None:
    settings = Settings(db_path=seeds_db, graphiql_assets=tmp_path)
    with TestClient(create_app(settings)) as client:
        page = client.get("/graphql", headers={"accept": BROWSER})
        assert page.status_code == 503
        assert "GraphiQL is not installed" in page.text and "make graphiql" in page.text
        assert "react/umd/react.production.min.js" in page.text
        # The API itself still answers.
        ran = client.post("/graphql", json={"query": "{ topics(first: 1) { totalCount } }"})
        assert ran.status_code == 200
