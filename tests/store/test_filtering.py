"""The filter compiler: datetimes are compared as the store keeps them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from gql.store import ArticleList, Compare, Store, Window, count_article_list, load_article_list
from tests import corpus
from tests.conftest import SEEDS


def _published(metadata: dict[str, Any]) -> datetime | None:
    value = metadata.get("publishedDateTime")
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


FILES = list(corpus.read_articles(SEEDS).values())
START_2022 = datetime(2022, 1, 1, tzinfo=UTC)


async def _urls(store: Store, condition: Compare) -> set[str]:
    page = await load_article_list(store, ArticleList(condition, window=Window(first=1000)))
    return {row.url for row in page.rows}


@pytest.mark.parametrize(
    "moment",
    [
        START_2022,
        START_2022.astimezone(timezone(timedelta(hours=-5))),
        START_2022.replace(tzinfo=None),
    ],
    ids=["utc", "offset", "naive"],
)
async def test_a_datetime_compares_as_the_instant_it_is(
    seeds_store: Store, moment: datetime
) -> None:
    expected = {
        m["webUrl"].strip() for m in FILES if (t := _published(m)) is not None and t >= START_2022
    }
    assert expected and len(expected) < len(FILES)
    assert await _urls(seeds_store, Compare("publishedAt", "gte", moment)) == expected
    assert await count_article_list(seeds_store, Compare("publishedAt", "gte", moment)) == len(
        expected
    )


async def test_datetimes_in_a_list_are_encoded_each(seeds_store: Store) -> None:
    moments = sorted({t for m in FILES if (t := _published(m)) is not None})[:2]
    expected = {m["webUrl"].strip() for m in FILES if _published(m) in moments}
    assert await _urls(seeds_store, Compare("publishedAt", "in", tuple(moments))) == expected
    assert await _urls(seeds_store, Compare("publishedAt", "eq", moments[0])) == {
        m["webUrl"].strip() for m in FILES if _published(m) == moments[0]
    }
