"""Rows as the readers get them, against the same rows read by column name with sqlite3.

The expected values come from plain ``sqlite3`` (columns by name, converted here by hand:
timestamps parsed with ``strptime``, 0/1 as booleans), not from the store's decoders.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gql.store import Store, recording_queries
from gql.store import lookups as q


def _raw(db: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _flag(value: int | None) -> bool | None:
    return None if value is None else {0: False, 1: True}[value]


def _expected_article(r: sqlite3.Row) -> dict[str, Any]:
    plain = "id url slug path title excerpt category type original_url amp_url cdn_amp_url"
    plain += " quality heat secured body provider_id provider_name"
    expected = {name: r[name] for name in plain.split()}
    expected.update(
        published_at=_time(r["published_at"]),
        published=_flag(r["published"]),
        extra_json=r["extra"],
    )
    return expected


async def test_articles_read_as_stored(seeds_db: Path, seeds_store: Store) -> None:
    raw = _raw(seeds_db, "SELECT * FROM articles ORDER BY id")
    rows = await q.load_articles_by_id(seeds_store, [r["id"] for r in raw])
    assert [row._asdict() if row else None for row in rows] == [_expected_article(r) for r in raw]
    assert any(row.published_at is not None for row in rows if row)
    assert {row.published for row in rows if row} >= {True}


async def test_related_links_read_as_stored(seeds_db: Path, seeds_store: Store) -> None:
    raw = _raw(seeds_db, "SELECT * FROM related_links ORDER BY article_id, position")
    article_ids = sorted({r["article_id"] for r in raw})
    with recording_queries() as log:
        groups = await q.load_links_by_article(seeds_store, article_ids)
    assert log.statements == 1
    got = [link._asdict() for group in groups for link in group]
    plain = "id article_id position url title excerpt type quality original_url amp_url"
    plain += " cdn_amp_url provider_id provider_name target_article_id"
    expected = [
        {name: r[name] for name in plain.split()}
        | {"published_at": _time(r["published_at"]), "extra_json": r["extra"]}
        for r in raw
    ]
    assert got == expected
    assert any(link["target_article_id"] is not None for link in got)


async def test_topics_of_articles_read_as_stored(seeds_db: Path, seeds_store: Store) -> None:
    raw = _raw(
        seeds_db,
        "SELECT x.article_id, t.* FROM article_topics x JOIN topics t ON t.id = x.topic_id"
        " ORDER BY x.article_id, x.position",
    )
    article_ids = sorted({r["article_id"] for r in raw})
    groups = await q.load_topics_by_article(seeds_store, article_ids)
    got = [
        (article_id, t._asdict())
        for article_id, g in zip(article_ids, groups, strict=True)
        for t in g
    ]
    plain = "id name slug parent_name shortname description".split()
    expected = [
        (
            r["article_id"],
            {name: r[name] for name in plain}
            | {"keywords_json": r["keywords"], "extra_json": r["extra"]},
        )
        for r in raw
    ]
    assert got == expected


async def test_providers_read_as_stored(seeds_db: Path, seeds_store: Store) -> None:
    raw = _raw(seeds_db, "SELECT * FROM providers ORDER BY id")
    rows = await q.load_providers_by_domain(seeds_store, [r["domain"] for r in raw])
    expected = [
        {name: r[name] for name in ("id", "domain", "name", "description")}
        | {"other_names_json": r["other_names"], "extra_json": r["extra"]}
        for r in raw
    ]
    assert [row._asdict() if row else None for row in rows] == expected


async def test_images_read_as_stored(seeds_db: Path, seeds_store: Store) -> None:
    raw = _raw(
        seeds_db,
        "SELECT * FROM images WHERE owner_kind = 'provider' ORDER BY owner_id, position",
    )
    assert raw, "the seeds have provider images"
    owners = sorted({r["owner_id"] for r in raw})
    groups = await q.load_images_by_owner(seeds_store, "provider", owners)
    got = [(owner, image._asdict()) for owner, g in zip(owners, groups, strict=True) for image in g]
    expected = [
        (
            r["owner_id"],
            {name: r[name] for name in ("url", "width", "height", "title")}
            | {"is_cached": _flag(r["is_cached"])},
        )
        for r in raw
    ]
    assert got == expected
