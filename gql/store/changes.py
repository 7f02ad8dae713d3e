"""Reading the change log: what the loads after a given data version changed.

Each worker's change feed (``gql.graph.feed``) polls ``data_version`` and, when it moved,
reads here what every load since its last read changed; it then asks which of the
changed articles satisfy each subscription's filter (``load_matching_article_ids``, the
same SQL as the lists' filters). The log holds the last versions only
(``write.changelog.KEPT_VERSIONS``): a version older than that reads as a corpus
change without its articles (``complete`` False).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from gql.store.database import Store
from gql.store.filtering import Condition, where


@dataclass(frozen=True, slots=True)
class ArticleChangeRow:
    """One article a load changed: ``kind`` is added, updated or removed; ``article_id``
    is the article's row as the load left it (None once removed)."""

    data_version: int
    url: str
    kind: str
    article_id: int | None


@dataclass(frozen=True)
class VersionChanges:
    """What the load that made ``data_version`` changed."""

    data_version: int
    added: int
    updated: int
    removed: int
    articles: tuple[ArticleChangeRow, ...]
    complete: bool = True
    """False when the log no longer holds this version (its articles are unknown)."""


async def load_changes_since(store: Store, version: int) -> list[VersionChanges]:
    """The loads after ``version`` up to the current data version, oldest first.

    Both reads are bounded by the data version read first, so that they agree although
    a load may commit between them.
    """
    [(current,)] = await store.execute(
        "SELECT COALESCE(CAST((SELECT value FROM meta WHERE key = 'data_version') AS INTEGER), 0)"
    )
    if current <= version:
        return []
    bounds = (version, current)
    counts = await store.execute(
        "SELECT data_version, added, updated, removed FROM data_versions"
        " WHERE data_version > ? AND data_version <= ? ORDER BY data_version",
        bounds,
    )
    rows = await store.execute(
        "SELECT data_version, url, kind, article_id FROM article_changes"
        " WHERE data_version > ? AND data_version <= ? ORDER BY data_version, url",
        bounds,
    )
    by_version: dict[int, list[ArticleChangeRow]] = {}
    for row in rows:
        by_version.setdefault(row[0], []).append(ArticleChangeRow(*row))
    logged = {row[0]: row for row in counts}
    found: list[VersionChanges] = []
    for number in range(version + 1, current + 1):
        if number in logged:
            _, added, updated, removed = logged[number]
            articles = tuple(by_version.get(number, ()))
            found.append(VersionChanges(number, added, updated, removed, articles))
        else:
            found.append(VersionChanges(number, 0, 0, 0, (), complete=False))
    return found


async def load_matching_article_ids(
    store: Store, condition: Condition | None, ids: Collection[int]
) -> set[int]:
    """Which of the articles ``ids`` satisfy ``condition`` now (all that exist when None)."""
    if not ids:
        return set()
    sql, params = where(condition, "article", store.dialect)
    rows = await store.execute(
        f"SELECT a.id FROM articles a WHERE a.id {store.dialect.in_keys} AND {sql}",
        [store.dialect.keys(sorted(ids)), *params],
    )
    return {row[0] for row in rows}
