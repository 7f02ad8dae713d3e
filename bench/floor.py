"""The floor: the front page's JSON built with plain sqlite3 and orjson, no GraphQL, no HTTP.

It issues the same four batched reads a perfect GraphQL server would (page, providers,
topics, related links with their providers) and shapes the same response, so the ratio
between it and the server says what the GraphQL and HTTP layers cost. ``run.py`` checks
that its output equals the server's ``data`` before trusting the ratio.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson

PAGE_SIZE = 20


def _graphql_datetime(value: str | None) -> str | None:
    """Stored ``...Z`` timestamps as the API serializes them (``datetime.isoformat``)."""
    return None if value is None else value.removesuffix("Z") + "+00:00"


def front_page(conn: sqlite3.Connection) -> dict[str, Any]:
    """The front-page response (``{"data": ...}``) as a dict."""
    articles = conn.execute(
        "SELECT id, title, url, published_at, provider_id FROM articles"
        " ORDER BY published_at DESC, id DESC LIMIT ?",
        (PAGE_SIZE,),
    ).fetchall()
    ids = json.dumps([a[0] for a in articles])
    providers = {
        row[0]: {"name": row[1], "domain": row[2]}
        for row in conn.execute(
            "SELECT id, name, domain FROM providers WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([a[4] for a in articles if a[4] is not None]),),
        )
    }
    topics: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for article_id, name in conn.execute(
        "SELECT x.article_id, t.name FROM article_topics x JOIN topics t ON t.id = x.topic_id"
        " WHERE x.article_id IN (SELECT value FROM json_each(?)) ORDER BY x.article_id, x.position",
        (ids,),
    ):
        topics[article_id].append({"name": name})
    related: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for article_id, title, url, provider_name in conn.execute(
        "SELECT r.article_id, r.title, r.url, p.name FROM related_links r"
        " LEFT JOIN providers p ON p.id = r.provider_id"
        " WHERE r.article_id IN (SELECT value FROM json_each(?)) ORDER BY r.article_id, r.position",
        (ids,),
    ):
        provider = None if provider_name is None else {"name": provider_name}
        related[article_id].append({"title": title, "url": url, "provider": provider})
    nodes = [
        {
            "title": title,
            "url": url,
            "publishedAt": _graphql_datetime(published_at),
            "provider": providers.get(provider_id) if provider_id is not None else None,
            "topics": topics.get(article_id, []),
            "related": related.get(article_id, []),
        }
        for article_id, title, url, published_at, provider_id in articles
    ]
    return {"data": {"articles": {"nodes": nodes}}}


def front_page_json(conn: sqlite3.Connection) -> bytes:
    """The front-page response body, as the server would send it."""
    return orjson.dumps(front_page(conn))


def measure(db_path: Path, *, duration_s: float) -> dict[str, float]:
    """Build the front page repeatedly on one read-only connection for ``duration_s``."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        front_page_json(conn)
        count = 0
        started = time.perf_counter()
        deadline = started + duration_s
        while time.perf_counter() < deadline:
            front_page_json(conn)
            count += 1
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    return {
        "calls": count,
        "ms_per_call": round(elapsed / count * 1000, 3),
        "calls_per_s": round(count / elapsed, 1),
    }


def reference(db_path: Path) -> dict[str, Any]:
    """One front page, for comparison with the server's answer."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return front_page(conn)
    finally:
        conn.close()
