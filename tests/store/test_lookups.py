"""Reads by key: one statement per batch, results in key order, children grouped."""

from __future__ import annotations

from gql.store import Store, recording_queries
from gql.store import lookups as q

SEED_URL = "https://venturebeat.com/ai/microsoft-recommits-to-open-source-ai-models-despite-openai-investment/"


async def test_batches_come_back_in_key_order_with_none_for_missing(seeds_store: Store) -> None:
    [seed] = await q.load_articles_by_url(seeds_store, [SEED_URL])
    assert seed is not None
    other_ids = [seed.id + 1, seed.id + 2]
    with recording_queries() as log:
        rows = await q.load_articles_by_id(
            seeds_store, [other_ids[1], 10**9, seed.id, other_ids[0]]
        )
    assert log.statements == 1
    assert [r.id if r else None for r in rows] == [other_ids[1], None, seed.id, other_ids[0]]


async def test_children_are_grouped_per_parent(seeds_store: Store) -> None:
    [seed] = await q.load_articles_by_url(seeds_store, [SEED_URL])
    assert seed is not None
    with recording_queries() as log:
        topics = await q.load_topics_by_article(seeds_store, [10**9, seed.id])
        links = await q.load_links_by_article(seeds_store, [seed.id, 10**9])
    assert log.statements == 2
    assert topics[0] == [] and [t.name for t in topics[1]] == ["Facebook AI", "AI", "Microsoft AI"]
    assert [link.position for link in links[0]] == list(range(7)) and links[1] == []


async def test_urls_are_looked_up_trimmed_and_slugs_exactly(seeds_store: Store) -> None:
    [seed] = await q.load_articles_by_url(seeds_store, [f"  {SEED_URL}\n"])
    assert seed is not None and seed.url == SEED_URL
    [by_slug, missing] = await q.load_articles_by_slug(seeds_store, [seed.slug, seed.slug.upper()])
    assert by_slug == seed and missing is None
