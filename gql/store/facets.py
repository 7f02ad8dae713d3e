"""Facet counts of article lists: how many matching articles per topic, provider, month
(``YYYY-MM``) or published flag, for a whole list or for each parent of many.

Each function is one statement that groups the matches and keeps the top values per
parent with a window function, so a facet over a page of parents costs no more
statements than over one list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gql.store.article_lists import ArticleList, parent_source
from gql.store.database import Store
from gql.store.filtering import where
from gql.store.search import NARROW, article_source, execute_search

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FacetCount(Generic[T]):
    """One value of a facet and how many matching articles have it."""

    value: T
    count: int


# Per facet: how a matched article id ``m.id`` joins to the value, and the value's SQL.
# The article's values are read from the narrow index, not its wide row (``NARROW``).
_ARTICLE = f"JOIN articles fa{NARROW} ON fa.id = m.id"
FACETS = {
    "topics": ("JOIN article_topics fx ON fx.article_id = m.id", "fx.topic_id"),
    "providers": (_ARTICLE, "fa.provider_id"),
    "publishedByMonth": (_ARTICLE, "substr(fa.published_at, 1, 7)"),
    "published": (_ARTICLE, "fa.published"),
}


def _facet_order(facet: str, value: str) -> str:
    """Most frequent first, ties by value; months newest first."""
    return f"{value} DESC" if facet == "publishedByMonth" else f"count(*) DESC, {value}"


async def load_facets(
    store: Store,
    facet: str,
    relation: str | None,
    parent_ids: Sequence[int],
    spec: ArticleList,
    limit: int,
) -> list[list[FacetCount[Any]]]:
    """For each parent (or the whole list when ``relation`` is None), counts of the matching
    articles by topic id, provider id, month (``YYYY-MM``) or published flag.

    Most frequent first (months: newest first), at most ``limit`` values per parent.
    """
    join, value = FACETS[facet]
    params: list[Any] = []
    if relation is None:
        source = article_source(store, spec, params, ranked=False)
        parent, parent_filter = "0", "TRUE"
    else:
        source, parent, parent_filter = parent_source(relation, store.dialect)
        params.append(store.dialect.keys(parent_ids))
    condition, condition_params = where(spec.condition, "article", store.dialect)
    params += condition_params
    rows = await execute_search(
        store,
        f"WITH m AS (SELECT {parent} AS parent, a.id FROM {source}"
        f"           WHERE {parent_filter} AND {condition})"
        " SELECT parent, value, n FROM ("
        f"  SELECT m.parent, {value} AS value, count(*) AS n,"
        f"         row_number() OVER (PARTITION BY m.parent ORDER BY {_facet_order(facet, value)})"
        "          AS rn"
        f"  FROM m {join} GROUP BY m.parent, value) g"
        " WHERE rn <= ? ORDER BY parent, rn",
        [*params, limit],
        spec.search,
    )
    groups: dict[int, list[FacetCount[Any]]] = defaultdict(list)
    for parent_id, facet_value, count in rows:
        groups[parent_id].append(FacetCount(facet_value, count))
    return [groups.get(pid, []) for pid in (parent_ids if relation else [0])]


async def load_facets_of_ids(
    store: Store, facet: str, ids: Sequence[int], limit: int
) -> list[FacetCount[Any]]:
    """Facet counts (as ``load_facets``) over a known list of article ids."""
    join, value = FACETS[facet]
    rows = await execute_search(
        store,
        f"WITH m AS ({store.dialect.int_key_rows('id')})"
        f" SELECT {value} AS value, count(*) FROM m {join} GROUP BY value"
        f" ORDER BY {_facet_order(facet, value)} LIMIT ?",
        [store.dialect.keys(ids), limit],
        None,
    )
    return [FacetCount(facet_value, count) for facet_value, count in rows]
