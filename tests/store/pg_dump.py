"""Every table's rows as both backends hold them, with row ids replaced by natural keys.

Row ids are the engines' own (SQLite reuses a deleted row's id, a PostgreSQL identity
column never does), so rows are compared by what they mean: an article by its URL, a
provider by its domain, a topic by its name, a related link by its article's URL and
position, an image by its owner's key. The statements are plain SQL that both engines
read, run here through each engine's own driver (not the store).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg

from gql.store.columns import ARTICLE_CHANGES, DATA_VERSIONS, TABLES, Table

_ARTICLE_URL = "(SELECT u.url FROM articles u WHERE u.id = {alias}.{column})"
_REFERENCES = {
    "provider_id": "(SELECT p2.domain FROM providers p2 WHERE p2.id = {alias}.{column})",
    "topic_id": "(SELECT t2.name FROM topics t2 WHERE t2.id = {alias}.{column})",
    "article_id": _ARTICLE_URL,
    "target_article_id": _ARTICLE_URL,
}
_LINK_KEY = (
    "(SELECT u.url || '#' || r2.position FROM related_links r2"
    " JOIN articles u ON u.id = r2.article_id WHERE r2.id = i.owner_id)"
)
_OWNER = (
    "CASE WHEN i.owner_kind IN ('article', 'article_provider')"
    " THEN (SELECT u.url FROM articles u WHERE u.id = i.owner_id)"
    f" WHEN i.owner_kind IN ('related', 'related_provider') THEN {_LINK_KEY}"
    " WHEN i.owner_kind = 'topic' THEN (SELECT t2.name FROM topics t2 WHERE t2.id = i.owner_id)"
    " ELSE (SELECT p2.domain FROM providers p2 WHERE p2.id = i.owner_id) END"
)


def dump_sql(table: Table) -> str:
    """A ``SELECT`` of every column of ``table`` but its id, references as natural keys."""
    parts = []
    for column in table.columns:
        if column.name == "id":
            continue
        if column.name == "owner_id":
            parts.append(_OWNER)
        elif column.name in _REFERENCES:
            parts.append(_REFERENCES[column.name].format(alias=table.alias, column=column.name))
        else:
            parts.append(f"{table.alias}.{column.name}")
    return f"SELECT {', '.join(parts)} FROM {table.name} {table.alias}"


DUMPED = (*TABLES, DATA_VERSIONS, ARTICLE_CHANGES)
DATA_VERSION_SQL = "SELECT value FROM meta WHERE key = 'data_version'"


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(row) for row in rows), key=repr)


def dump_sqlite(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        found = {t.name: _sorted(conn.execute(dump_sql(t)).fetchall()) for t in DUMPED}
        found["meta"] = conn.execute(DATA_VERSION_SQL).fetchall()
    finally:
        conn.close()
    return found


def dump_postgres(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url) as conn:
        found = {t.name: _sorted(conn.execute(dump_sql(t)).fetchall()) for t in DUMPED}
        found["meta"] = [tuple(row) for row in conn.execute(DATA_VERSION_SQL).fetchall()]
    return found
