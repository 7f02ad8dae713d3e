"""Lists of providers and topics: filtered, ordered, keyset-paginated; their counts; and
each topic's related topics (those sharing its articles). One statement per call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from gql.store.columns import R, Reader
from gql.store.database import Store
from gql.store.filtering import Condition, where
from gql.store.paging import (
    OrderKey,
    Page,
    Window,
    key_columns,
    make_page,
    order_by,
    sort_keys,
    window_sql,
)
from gql.store.rows import PROVIDER, TOPIC, ProviderRow, TopicRow

PROVIDER_ORDER_SQL = {
    "name": "p.name",
    "domain": "p.domain",
    "articleCount": "(SELECT count(*) FROM articles ac WHERE ac.provider_id = p.id)",
}
TOPIC_ORDER_SQL = {
    "name": "t.name",
    "slug": "t.slug",
    "articleCount": "(SELECT count(*) FROM article_topics ac WHERE ac.topic_id = t.id)",
}
# The filter compiler's name of each entity (``filtering.ENTITY_FIELDS``) and its reader.
ENTITIES: dict[str, Reader[Any]] = {"provider": PROVIDER, "topic": TOPIC}


async def _entity_page(
    store: Store,
    entity: str,
    reader: Reader[R],
    order_sql: dict[str, str],
    condition: Condition | None,
    order: tuple[OrderKey, ...],
    window: Window,
) -> Page[R]:
    table, alias = reader.table.name, reader.table.alias
    keys = sort_keys(order, order_sql, f"{alias}.id")
    condition_sql, params = where(condition, entity, store.dialect)
    inside = window_sql(keys, window, params)
    rows = await store.execute(
        f"SELECT {reader.select}, {key_columns(keys)} FROM {table} {alias}"
        f" WHERE {condition_sql} AND {inside}"
        f" ORDER BY {order_by(keys, reverse=window.backward)} LIMIT ?",
        [*params, window.size + 1],
    )
    decode = reader.decode
    return make_page([(decode(r), reader.after(r), None) for r in rows], window)


async def load_provider_list(
    store: Store, condition: Condition | None, order: tuple[OrderKey, ...], window: Window
) -> Page[ProviderRow]:
    """One page of providers matching ``condition``."""
    return await _entity_page(
        store, "provider", PROVIDER, PROVIDER_ORDER_SQL, condition, order, window
    )


async def load_topic_list(
    store: Store, condition: Condition | None, order: tuple[OrderKey, ...], window: Window
) -> Page[TopicRow]:
    """One page of topics matching ``condition``."""
    return await _entity_page(store, "topic", TOPIC, TOPIC_ORDER_SQL, condition, order, window)


async def count_entities(store: Store, entity: str, condition: Condition | None) -> int:
    """How many providers (``provider``) or topics (``topic``) match ``condition``."""
    table = ENTITIES[entity].table
    condition_sql, params = where(condition, entity, store.dialect)
    rows = await store.execute(
        f"SELECT count(*) FROM {table.name} {table.alias} WHERE {condition_sql}", params
    )
    return int(rows[0][0])


async def load_related_topics(
    store: Store, topic_ids: Sequence[int], limit: int
) -> list[list[tuple[TopicRow, int]]]:
    """For each topic, the topics that share articles with it, most shared first."""
    rows = await store.execute(
        f"SELECT * FROM (SELECT c.parent, c.shared, {TOPIC.select},"
        " row_number() OVER (PARTITION BY c.parent ORDER BY c.shared DESC, t.name) AS rn"
        " FROM (SELECT x1.topic_id AS parent, x2.topic_id AS other, count(*) AS shared"
        "       FROM article_topics x1 JOIN article_topics x2"
        "         ON x2.article_id = x1.article_id AND x2.topic_id != x1.topic_id"
        f"       WHERE x1.topic_id {store.dialect.in_keys}"
        "       GROUP BY x1.topic_id, x2.topic_id) c"
        " JOIN topics t ON t.id = c.other) w WHERE rn <= ? ORDER BY parent, rn",
        [store.dialect.keys(topic_ids), limit],
    )
    groups: dict[int, list[tuple[TopicRow, int]]] = defaultdict(list)
    decode = TOPIC.decode
    for r in rows:
        # The topic, the number of shared articles, then the related topic's columns.
        parent, shared = r[0], r[1]
        groups[parent].append((decode(r, 2), shared))
    return [groups.get(tid, []) for tid in topic_ids]
