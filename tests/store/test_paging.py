"""Keyset paging: a cursor must have one value per sort key."""

from __future__ import annotations

import pytest

from gql.errors import CursorMismatch
from gql.store import NEWEST_FIRST, ArticleList, Store, Window, load_article_list


async def test_a_cursor_of_another_ordering_is_a_typed_error(seeds_store: Store) -> None:
    # NEWEST_FIRST sorts by publishedAt, then id: two values per cursor.
    spec = ArticleList(order=NEWEST_FIRST, window=Window(first=5, after=("2023-01-01T00:00:00Z",)))
    with pytest.raises(CursorMismatch) as caught:
        await load_article_list(seeds_store, spec)
    assert (caught.value.expected, caught.value.received) == (2, 1)


async def test_pages_follow_each_other_without_gaps(seeds_store: Store) -> None:
    (total,) = (await seeds_store.execute("SELECT count(*) FROM articles"))[0]
    seen: list[int] = []
    window = Window(first=7)
    while True:
        page = await load_article_list(seeds_store, ArticleList(window=window))
        seen += [row.id for row in page.rows]
        if not page.has_next:
            break
        window = Window(first=7, after=page.keys[-1])
    assert len(seen) == len(set(seen)) == total
    # Newest first, articles without a date last, ties by id descending.
    expected = await seeds_store.execute(
        "SELECT id FROM articles ORDER BY published_at IS NULL, published_at DESC, id DESC"
    )
    assert seen == [r[0] for r in expected]
