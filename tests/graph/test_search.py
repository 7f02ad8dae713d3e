"""Full-text search: ranking, snippets, syntax errors and paging, against the files."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gql.graph.context import Context
from gql.graph.schema import build_schema
from gql.settings import Settings
from gql.store import Store
from gql.sync.pipeline import load_into
from tests.graph.helpers import FILES, Execute, data, urls


@pytest.fixture
async def small_corpus(tmp_path: Path) -> Any:
    """A database of three hand-written articles, for ranking and snippets."""
    folder = tmp_path / "files"
    folder.mkdir()
    texts = {
        "title.md": ("Quantum widgets change everything", "A short note on gadgets."),
        "excerpt.md": ("Gadget roundup", "Among other things, quantum widgets got cheaper."),
        "none.md": ("Nothing here", "Plain text about other matters."),
    }
    for n, (name, (title, excerpt)) in enumerate(texts.items()):
        (folder / name).write_text(
            f'---\ntitle: "{title}"\nexcerpt: "{excerpt}"\nwebUrl: https://e.x/{n}\n'
            f"publishedDateTime: 2024-01-0{n + 1}T00:00:00Z\n---\n"
        )
    db = tmp_path / "small.db"
    await load_into(db, [folder])
    store = await Store.open(db)
    schema = build_schema()

    async def run(query: str, variables: dict[str, Any] | None = None) -> Any:
        context = Context.for_request(store, Settings())
        return await schema.execute(query, variable_values=variables, context_value=context)

    yield run
    await store.close()


SEARCH = """query($q: String!, $f: ArticleFilter, $first: Int, $after: String) {
  search(query: $q, filter: $f, first: $first, after: $after) { totalCount
  pageInfo { hasNextPage endCursor } edges { cursor rank snippet node { url title } } } }"""


async def test_title_matches_rank_above_excerpt_matches(small_corpus: Execute) -> None:
    result = await data(small_corpus, SEARCH, {"q": "quantum"})
    edges = result["search"]["edges"]
    assert [e["node"]["title"] for e in edges] == [
        "Quantum widgets change everything",
        "Gadget roundup",
    ]
    assert edges[0]["rank"] < edges[1]["rank"]
    assert "<mark>Quantum</mark>" in edges[0]["snippet"]
    assert "<mark>quantum</mark>" in edges[1]["snippet"]
    assert result["search"]["totalCount"] == 2


async def test_phrase_and_prefix_queries(small_corpus: Execute) -> None:
    phrase = await data(small_corpus, SEARCH, {"q": '"widgets got"'})
    assert [e["node"]["title"] for e in phrase["search"]["edges"]] == ["Gadget roundup"]
    prefix = await data(small_corpus, SEARCH, {"q": "gadg*"})
    assert {e["node"]["title"] for e in prefix["search"]["edges"]} == {
        "Quantum widgets change everything",
        "Gadget roundup",
    }


@pytest.mark.parametrize("bad", ['"unterminated', "AND", "state-of-the-art", "c++", "("])
async def test_bad_search_syntax_is_a_clear_error(execute: Execute, bad: str) -> None:
    result = await execute(SEARCH, {"q": bad})
    [error] = result.errors
    assert error.extensions["code"] == "INVALID_SEARCH_QUERY"
    assert repr(bad) in error.message and "double quotes" in error.message


async def test_search_over_the_seeds_matches_the_files(execute: Execute) -> None:
    pattern = re.compile(r"\bopen\W+source\b", re.IGNORECASE)
    expected = urls(lambda m: bool(pattern.search(m["title"]) or pattern.search(m["excerpt"])))
    result = await data(execute, SEARCH, {"q": '"open source"', "first": 100})
    assert {e["node"]["url"] for e in result["search"]["edges"]} == expected
    assert result["search"]["totalCount"] == len(expected) > 0
    prefix = re.compile(r"\bmicro", re.IGNORECASE)
    filtered = await data(execute, SEARCH, {"q": "micro*", "f": {"published": True}, "first": 100})
    assert {e["node"]["url"] for e in filtered["search"]["edges"]} == urls(
        lambda m: (
            bool(prefix.search(m["title"]) or prefix.search(m["excerpt"]))
            and m.get("published") is True
        )
    )


async def test_search_pages_follow_the_ranking(execute: Execute) -> None:
    full = await data(execute, SEARCH, {"q": "ai OR artificial", "first": 100})
    ranked = [e["node"]["url"] for e in full["search"]["edges"]]
    ranks = [e["rank"] for e in full["search"]["edges"]]
    assert ranks == sorted(ranks) and len(ranked) > 10
    seen: list[str] = []
    after = None
    while True:
        page = await data(execute, SEARCH, {"q": "ai OR artificial", "first": 4, "after": after})
        seen += [e["node"]["url"] for e in page["search"]["edges"]]
        if not page["search"]["pageInfo"]["hasNextPage"]:
            break
        after = page["search"]["pageInfo"]["endCursor"]
    assert seen == ranked


@pytest.mark.parametrize(
    ("search", "bound"),
    [(" OR ".join(["ai"] * 17), "has 17 terms; at most 16"), ("a" * 501, "at most 500")],
)
async def test_a_search_past_its_bounds_is_a_clear_error(
    execute: Execute, search: str, bound: str
) -> None:
    result = await execute(SEARCH, {"q": search})
    [error] = result.errors
    assert error.extensions["code"] == "INVALID_SEARCH_QUERY"
    assert bound in error.message and result.extensions == {"statements": 0}


SEARCH_PAGE = """query($q: String!, $f: ArticleFilter) {
  search(query: $q, filter: $f, first: 5) { totalCount edges { rank snippet node { title
  provider { name } topics { name } } } facets { topics(first: 3) { topic { name } count }
  providers(first: 3) { provider { name } count } publishedByMonth(first: 3) { month count } } }
}"""
PAGE_ONLY = """query($q: String!, $f: ArticleFilter) {
  search(query: $q, filter: $f, first: 5) { edges { rank snippet node { title
  provider { name } topics { name } } } } }"""


@pytest.mark.parametrize(("document", "statements"), [(SEARCH_PAGE, 9), (PAGE_ONLY, 4)])
async def test_a_search_page_evaluates_its_match_once_for_page_count_and_facets(
    execute: Execute, document: str, statements: int
) -> None:
    """The page's statement reads every match's id as well when the count or facets are
    selected, so they group those ids and never match again. Statements: the page (and
    ids), its articles with snippets, their providers and topics; then the three facets
    and the facets' topics and providers (one fewer than when the ids were read alone)."""
    since = datetime(2022, 1, 1, tzinfo=UTC)
    result = await execute(
        document, {"q": "ai OR artificial", "f": {"publishedAt": {"gte": since.isoformat()}}}
    )
    assert result.errors is None, result.errors
    search = result.data["search"]
    words = re.compile(r"\b(ai|artificial)\b", re.IGNORECASE)
    expected = urls(
        lambda m: (
            bool(words.search(m["title"] + " " + m["excerpt"])) and m["publishedDateTime"] >= since
        )
    )
    assert len(search["edges"]) == 5
    if "totalCount" in document:
        assert search["totalCount"] == len(expected)
        months = Counter(
            m["publishedDateTime"].strftime("%Y-%m")
            for m in FILES
            if m["webUrl"].strip() in expected
        )
        assert {f["month"]: f["count"] for f in search["facets"]["publishedByMonth"]} == dict(
            sorted(months.items(), reverse=True)[:3]
        )
    assert result.extensions == {"statements": statements}
