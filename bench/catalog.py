"""The benchmark scenarios: a GraphQL document each (``bench/scenarios/*.graphql``) plus the
variables to send, some of which depend on the database being measured.

Variables that name a record are looked up in the database (plain ``sqlite3``, read-only)
so that every size of corpus gets a page with real work to do: the article page uses the
most-cited article that also links to corpus articles, so ``related.article`` and
``citedBy`` are never empty.

The search page's variables are fixed instead: the generator draws titles and excerpts from
fixed word lists and dates from fixed years (``bench/generate.py``), so the same words match
the same share of every corpus size (about 3%: 28 of 1,000 articles at seed 1).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
TOPIC_SLUG = "natural-language-processing"
# "open source": "open-source" is one of the 20 title adjectives and "open" and "source" are
# both among the ~50 excerpt words, so it hits titles (ranked 10x) and excerpts alike; ~22%
# of articles match it. The filter keeps the last three years of 2013-2024 (~43%) and three
# topics of 22 (~26%); the topics facet then lists the co-occurring topics.
SEARCH_QUERY = "open source"
SEARCH_SINCE = "2022-01-01T00:00:00Z"
SEARCH_TOPICS = ("Natural Language Processing", "Machine Learning", "Google AI")

Variables = dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    """One page of a client: what it sends, and its twins for the peers: datasette-graphql
    (``peer_*.graphql``) and PostGraphile (``pg_*.graphql``), where they can answer it."""

    name: str
    document_file: str
    variables: Callable[[Path], Variables] = field(default=lambda db: {})
    peer_document_file: str | None = None
    postgraphile_document_file: str | None = None

    @property
    def document(self) -> str:
        return (SCENARIO_DIR / self.document_file).read_text(encoding="utf-8")

    @property
    def peer_document(self) -> str | None:
        if self.peer_document_file is None:
            return None
        return (SCENARIO_DIR / self.peer_document_file).read_text(encoding="utf-8")

    def body(self, db_path: Path) -> dict[str, Any]:
        """The JSON body of the POST request against the gql server."""
        return {"query": self.document, "variables": self.variables(db_path)}

    def peer_body(self, db_path: Path) -> dict[str, Any] | None:
        """The JSON body for datasette-graphql, or None when the scenario has no twin."""
        document = self.peer_document
        if document is None:
            return None
        return {"query": document, "variables": self.variables(db_path)}

    def postgraphile_body(self, db_path: Path) -> dict[str, Any] | None:
        """The JSON body for PostGraphile, or None when the scenario has no twin."""
        if self.postgraphile_document_file is None:
            return None
        document = (SCENARIO_DIR / self.postgraphile_document_file).read_text(encoding="utf-8")
        return {"query": document, "variables": self.variables(db_path)}


def _read_one(db_path: Path, sql: str) -> Any:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        row = conn.execute(sql).fetchone()
    finally:
        conn.close()
    if row is None:
        raise LookupError(f"{db_path}: no row for {sql!r}")
    return row[0]


def topic_variables(db_path: Path) -> Variables:
    return {"slug": TOPIC_SLUG}


def search_variables(db_path: Path) -> Variables:
    """The same words, date and topics for every corpus (see ``SEARCH_QUERY``)."""
    return {"q": SEARCH_QUERY, "since": SEARCH_SINCE, "topics": list(SEARCH_TOPICS)}


def article_variables(db_path: Path) -> Variables:
    """The most-cited article that links to corpus articles itself (ties: lowest id)."""
    slug = _read_one(
        db_path,
        "SELECT a.slug FROM articles a"
        " WHERE EXISTS (SELECT 1 FROM related_links r"
        "               WHERE r.article_id = a.id AND r.target_article_id IS NOT NULL)"
        " ORDER BY (SELECT count(*) FROM related_links c WHERE c.target_article_id = a.id) DESC,"
        " a.id LIMIT 1",
    )
    return {"slug": slug}


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "front_page",
        "front_page.graphql",
        peer_document_file="peer_front_page.graphql",
        postgraphile_document_file="pg_front_page.graphql",
    ),
    Scenario(
        "topic_page",
        "topic_page.graphql",
        topic_variables,
        peer_document_file="peer_topic_page.graphql",
        postgraphile_document_file="pg_topic_page.graphql",
    ),
    Scenario(
        "article_page",
        "article_page.graphql",
        article_variables,
        postgraphile_document_file="pg_article_page.graphql",
    ),
    Scenario(
        "deep_traversal",
        "deep_traversal.graphql",
        postgraphile_document_file="pg_deep_traversal.graphql",
    ),
    # No twin for either peer: datasette-graphql's GraphQL API has no facets (its
    # ``search:`` argument could do the full-text part alone, and the peer copy has no FTS
    # table anyway); PostGraphile's amber preset has neither full-text search nor facets.
    Scenario("search_page", "search_page.graphql", search_variables),
)


def scenario(name: str) -> Scenario:
    """The scenario called ``name``."""
    for item in SCENARIOS:
        if item.name == name:
            return item
    raise KeyError(name)
