"""The change log's writes: what one load changed, recorded under the data version it made.

Every worker serving the database reads the log (``gql.store.changes``) to tell its
subscribers what changed, so a load writes it in its own transaction, just before the
commit: a worker that sees the new data version sees its changes too. An article changed
twice in one load is one change (added then updated is added; added then removed is
nothing; removed then added, a file renamed, is updated). Only the last
``KEPT_VERSIONS`` versions are kept: a worker reads the log a few times a second.
"""

from __future__ import annotations

from typing import Final

from gql.store.columns import ARTICLE_CHANGES, DATA_VERSIONS, Write
from gql.store.write.connection import WriteConnection

ADDED: Final = "added"
UPDATED: Final = "updated"
REMOVED: Final = "removed"
KEPT_VERSIONS: Final = 100
"""Versions whose changes stay in the log; a worker more than this behind (a hundred
loads between two of its reads) is told of the corpus change without each article."""

_MERGED: Final[dict[tuple[str, str], str | None]] = {
    (ADDED, UPDATED): ADDED,
    (ADDED, ADDED): ADDED,
    (ADDED, REMOVED): None,
    (UPDATED, UPDATED): UPDATED,
    (UPDATED, ADDED): UPDATED,
    (UPDATED, REMOVED): REMOVED,
    (REMOVED, ADDED): UPDATED,
    (REMOVED, UPDATED): UPDATED,
    (REMOVED, REMOVED): REMOVED,
}
_VERSION = Write(DATA_VERSIONS, ("data_version", "added", "updated", "removed"))
_INSERT_CHANGE = (
    f"INSERT INTO {ARTICLE_CHANGES.name}(data_version, url, kind, article_id)"
    " VALUES (?, ?, ?, (SELECT id FROM articles WHERE url = ?))"
)


def note_change(changes: dict[str, str], url: str, kind: str) -> None:
    """Fold one more change of the article ``url`` into a load's ``changes``."""
    previous = changes.get(url)
    merged = kind if previous is None else _MERGED[(previous, kind)]
    if merged is None:
        del changes[url]
    else:
        changes[url] = merged


def record_changes(conn: WriteConnection, version: int, changes: dict[str, str]) -> None:
    """Write ``changes`` (URL to kind) as the changes of ``version``; forget old versions."""
    counts = {kind: 0 for kind in (ADDED, UPDATED, REMOVED)}
    for kind in changes.values():
        counts[kind] += 1
    conn.execute(_VERSION.insert_sql, _VERSION.values(data_version=version, **counts))
    conn.executemany(
        _INSERT_CHANGE, [(version, url, kind, url) for url, kind in sorted(changes.items())]
    )
    oldest = version - KEPT_VERSIONS
    conn.execute("DELETE FROM data_versions WHERE data_version <= ?", (oldest,))
    conn.execute("DELETE FROM article_changes WHERE data_version <= ?", (oldest,))
