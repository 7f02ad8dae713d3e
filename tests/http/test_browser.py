"""A real headless Chromium against a real `gql serve --watch`: GraphiQL offline, a
subscription run in GraphiQL while a seed file changes, and CORS.

Debian's Chromium (``make chromium``) is driven by playwright-core (tests/node) from
``tests/node/browser.mjs``, which only observes and prints a JSON report; this module
asserts. Chromium gets no network but loopback (a dead proxy for everything else), so a
page that needs a CDN shows up as failed requests. Expected data come from the seed files.
The run saves a screenshot of GraphiQL in tests/artifacts/ (git-ignored). The tests skip,
loudly, only when Chromium or Node cannot be installed here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from tests import corpus
from tests.conftest import REPO, SEEDS
from tests.http.servers import free_port, gql_serve
from tests.http.test_audit import NODE_DIR, find_node

ARTIFACTS = REPO / "tests" / "artifacts"
SCRIPT = NODE_DIR / "browser.mjs"
QUERY = "{ topics(first: 1) { totalCount } }"
SUBSCRIPTION = """subscription Watch {
  articleChanged {
    kind
    url
    article { title }
  }
}"""
SEEN = "Seen in GraphiQL"
"""The title the seed file gets (with a number: written again until the event shows)."""
# A page of another origin: it POSTs a query with a header that needs a preflight.
CALLER = (
    """<!doctype html>
<html><body><pre id="outcome"></pre>
<script>
const api = new URLSearchParams(location.search).get("api");
const show = (text) => { document.getElementById("outcome").textContent = text; };
fetch(api, {
  method: "POST",
  headers: {"content-type": "application/json", "apollo-require-preflight": "true"},
  body: JSON.stringify({query: "%s"}),
})
  .then((response) => response.json())
  .then((body) => show("data " + JSON.stringify(body.data)))
  .catch((error) => show("blocked " + error.name));
</script></body></html>
"""
    % QUERY
)


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        subprocess.run(["sh", str(NODE_DIR / "chromium.sh")], check=False)
        found = shutil.which("chromium")
    if found is None:
        pytest.skip("BROWSER TESTS NOT RUN: Chromium cannot be installed here (make chromium)")
    return found


def node() -> str:
    if find_node() is None or not (NODE_DIR / "node_modules" / "playwright-core").exists():
        subprocess.run(["sh", str(NODE_DIR / "setup.sh")], check=True)
    found = find_node()
    if found is None:
        pytest.skip("BROWSER TESTS NOT RUN: no Node.js >= 18 for playwright-core")
    return found


@contextmanager
def caller_page() -> Iterator[str]:
    """A second tiny HTTP server, on its own port (so its own origin), serving ``CALLER``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = CALLER.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    browser, node_binary = chromium(), node()
    root = tmp_path_factory.mktemp("browser")
    ARTIFACTS.mkdir(exist_ok=True)
    with caller_page() as allowed, caller_page() as refused:
        with gql_serve(root, "--cors-origin", allowed, "--watch") as base:
            api = quote(f"{base}/graphql", safe="")
            edited = sorted((root / "seeds" / "articles").glob("*.md"))[0]
            text = edited.read_text(encoding="utf-8")
            config = {
                "chromium": browser,
                "userDataDir": str(root / "chromium-profile"),
                "graphiql": f"{base}/graphql",
                "screenshot": str(ARTIFACTS / "graphiql.png"),
                "pages": [f"{allowed}/?api={api}", f"{refused}/?api={api}"],
                "subscription": {
                    "query": SUBSCRIPTION,
                    "file": str(edited),
                    "contents": [_retitled(text, f"{SEEN} {i}") for i in range(5)],
                    "expect": SEEN,
                    "screenshot": str(ARTIFACTS / "graphiql-subscription.png"),
                },
            }
            run = subprocess.run(
                [node_binary, str(SCRIPT), json.dumps(config)],
                cwd=NODE_DIR,
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
    assert run.returncode == 0, run.stderr
    result: dict[str, Any] = json.loads(run.stdout)
    url = str(corpus.read_articles(SEEDS)[SEEDS / "articles" / edited.name]["webUrl"]).strip()
    result.update(base=base, allowed=allowed, refused=refused, config=config, edited_url=url)
    yield result


def _retitled(text: str, title: str) -> str:
    return re.sub(r'^title: ".*"$', f'title: "{title}"', text, count=1, flags=re.M)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_graphiql_loads_everything_from_the_server_alone(report: dict[str, Any]) -> None:
    graphiql = [r["url"] for r in report["requests"] if r["phase"] == "graphiql"]
    assert {origin(url) for url in graphiql} == {report["base"]}
    paths = {urlsplit(url).path.rsplit("/", 1)[-1] for url in graphiql}
    assert {"graphql", "react.js", "graphiql.js", "explorer.js", "page.js", "graphiql.css"} <= paths
    assert [f for f in report["failed"] if f["phase"] == "graphiql"] == []
    assert [c for c in report["console"] if c["phase"] == "graphiql"] == []


def test_graphiql_has_the_explorer_the_headers_editor_and_the_docs(
    report: dict[str, Any],
) -> None:
    page = report["graphiql"]
    assert page["explorerButton"] == 1
    assert page["headersTab"] == 1
    assert "related {" in page["query"] and "article { title }" in page["query"]
    assert "article(" in page["docs"] and "): Article" in page["docs"]
    assert Path(report["config"]["screenshot"]).stat().st_size > 10_000


def test_the_default_query_shows_the_newest_article_and_its_links(
    report: dict[str, Any],
) -> None:
    answer = json.loads(report["graphiql"]["answer"])
    (article,) = answer["data"]["articles"]["nodes"]
    articles = list(corpus.read_articles(SEEDS).values())
    newest = max(articles, key=lambda a: str(a["publishedDateTime"]).replace("T", " ")[:19])
    assert article["url"] == newest["webUrl"]
    assert article["title"] == newest["title"]
    assert [link["url"] for link in article["related"]] == [
        link["webUrl"] for link in newest["related"]
    ]


def test_a_listed_origin_gets_data_and_another_is_blocked(report: dict[str, Any]) -> None:
    allowed, refused = report["config"]["pages"]
    topics = len(corpus.read_topics(SEEDS))
    assert report["pages"][allowed] == 'data {"topics":{"totalCount":%d}}' % topics
    assert report["pages"][refused] == "blocked TypeError"
    # The refused page's preflight was answered without permission, and nothing else.
    assert any(
        f["phase"] == refused and f["url"].startswith(report["base"]) for f in report["failed"]
    )
    assert not any(f["phase"] == allowed for f in report["failed"])


def test_graphiql_runs_a_subscription_and_shows_the_change(report: dict[str, Any]) -> None:
    found = report["subscription"]
    assert found["query"] == SUBSCRIPTION  # typed into the editor as it is
    # The result pane shows the event of the file's edit, pushed over GraphiQL's socket.
    change = json.loads(found["pane"])["data"]["articleChanged"]
    titles = {f"{SEEN} {i}" for i in range(found["writes"])}
    assert (change["kind"], change["url"]) == ("UPDATED", report["edited_url"])
    assert change["article"]["title"] in titles
    assert found["sockets"] == [report["base"].replace("http://", "ws://") + "/graphql"]
    kinds = [json.loads(frame)["type"] for frame in found["received"]]
    assert kinds[0] == "connection_ack" and "next" in kinds
    # Nothing failed; but a run GraphiQL sent over HTTP before its editor had parsed the
    # subscription (the script then runs it again) is refused, as it should be.
    failed = [f for f in report["failed"] if f["phase"] == "subscription"]
    early = {"phase": "subscription", "url": report["config"]["graphiql"], "status": 400}
    assert failed == [early] * (found["runs"] - 1)
    console = [c["text"] for c in report["console"] if c["phase"] == "subscription"]
    assert len(console) == found["runs"] - 1
    assert all("status of 400" in text for text in console)
