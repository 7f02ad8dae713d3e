"""The README's urql client (tests/node/urql.mjs: urql and Graphcache, pinned in
tests/node/package-lock.json) in Node against a real uvicorn: two pages of
examples/FrontPage.graphql, merged by Graphcache's ``relayPagination`` into the six
newest articles. Expected values come from the seed files."""

from __future__ import annotations

import json
import subprocess
from itertools import pairwise
from pathlib import Path

from tests import corpus
from tests.conftest import SEEDS
from tests.http.servers import gql_serve
from tests.http.test_audit import NODE_DIR

FRONT_PAGE = Path(__file__).parents[2] / "examples" / "FrontPage.graphql"


def newest(count: int) -> list[str]:
    """The urls of the ``count`` newest articles of the seeds, by their files; the
    dates must be distinct so that the files alone decide the order."""
    articles = sorted(
        corpus.read_articles(SEEDS).values(), key=lambda m: m["publishedDateTime"], reverse=True
    )[: count + 1]
    for a, b in pairwise(articles):
        assert a["publishedDateTime"] > b["publishedDateTime"], "a tie: the files do not decide"
    return [str(m["webUrl"]).strip() for m in articles[:count]]


def test_urql_with_graphcache_merges_two_pages(node: str, tmp_path: Path) -> None:
    with gql_serve(tmp_path) as base:
        run = subprocess.run(
            [node, str(NODE_DIR / "urql.mjs"), f"{base}/graphql", str(FRONT_PAGE)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 0, run.stderr
    pages = json.loads(run.stdout)
    expected = newest(6)
    assert pages == {"first": expected[:3], "merged": expected}
