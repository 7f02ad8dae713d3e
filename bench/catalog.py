"""The benchmark scenarios: a GraphQL document each (``bench/scenarios/*.graphql``) plus the
variables to send, some of which depend on the database being measured.

Variables that name a record are looked up in the database (plain ``sqlite3``, read-only)
so that every size of corpus gets a page with real work to do: the article page uses the
most-cited article that also links to corpus articles, so ``related.article`` and
``citedBy`` are never empty.

The faceted/filtered search page of issue 5 is not here: the API has no filters or search
yet (see BENCHMARKS.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
TOPIC_SLUG = "natural-language-processing"

Variables = dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    """One page of a client: what it sends, and the datasette-graphql twin if there is one."""

    name: str
    document_file: str
    variables: Callable[[Path], Variables] = field(default=lambda db: {})
    peer_document_file: str | None = None

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
    Scenario("front_page", "front_page.graphql", peer_document_file="peer_front_page.graphql"),
    Scenario(
        "topic_page",
        "topic_page.graphql",
        topic_variables,
        peer_document_file="peer_topic_page.graphql",
    ),
    Scenario("article_page", "article_page.graphql", article_variables),
    Scenario("deep_traversal", "deep_traversal.graphql"),
)


def scenario(name: str) -> Scenario:
    """The scenario called ``name``."""
    for item in SCENARIOS:
        if item.name == name:
            return item
    raise KeyError(name)
