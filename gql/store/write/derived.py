"""What a load derives once its files are written, for what it touched.

Slugs that collide are settled as a fresh build would settle them; related links are
pointed at the corpus article with their URL (both ways round: new links to old articles,
old links to new articles); providers get their display name and merged images; and
providers and topics nobody refers to any more are dropped. Each step reads the keys the
``Writer`` collected, so an incremental load costs what it changed, not the corpus size.
"""

from __future__ import annotations

import hashlib
from typing import Any

from gql.store.write.state import IMAGE_WRITE, Writer

# The columns of an image that a provider's merged set copies from its sources.
_COPIED_IMAGE_COLUMNS = ("url", "width", "height", "title", "is_cached", "extra")


def settle_slugs(writer: Writer) -> None:
    """Give each group of articles that share a base slug the same slugs as a fresh
    build would: the lowest URL keeps the base, the others get ``base-<url hash>``."""
    conn = writer.conn
    groups = conn.execute(
        f"SELECT base_slug FROM articles WHERE base_slug {writer.dialect.in_keys}"
        " GROUP BY base_slug"
        " HAVING count(*) > 1 OR max(CASE WHEN slug != base_slug THEN 1 ELSE 0 END) = 1",
        (writer.keys(writer.touched_slugs),),
    ).fetchall()
    for (base,) in groups:
        rows = conn.execute(
            "SELECT id, url, slug FROM articles WHERE base_slug = ? ORDER BY url", (base,)
        ).fetchall()
        wanted = {
            article_id: base if i == 0 else f"{base}-{hashlib.sha1(url.encode()).hexdigest()[:8]}"
            for i, (article_id, url, _) in enumerate(rows)
        }
        changes = [
            (article_id, wanted[article_id])
            for article_id, _, slug in rows
            if slug != wanted[article_id]
        ]
        # Free the slugs first so that swapping them never trips the UNIQUE constraint.
        conn.executemany(
            "UPDATE articles SET slug = '~' || id WHERE id = ?", [(i,) for i, _ in changes]
        )
        conn.executemany("UPDATE articles SET slug = ? WHERE id = ?", [(s, i) for i, s in changes])


def resolve_links(writer: Writer) -> None:
    """Point related links at the corpus article with their URL, both ways round."""
    in_keys = writer.dialect.in_keys
    writer.conn.execute(
        "UPDATE related_links SET target_article_id ="
        " (SELECT a.id FROM articles a WHERE a.url = related_links.url)"
        f" WHERE (article_id {in_keys} OR url {in_keys})"
        # Most links point outside the corpus: rewriting their rows with the same NULL
        # took most of the time of this statement on a big load.
        " AND target_article_id IS DISTINCT FROM"
        " (SELECT a.id FROM articles a WHERE a.url = related_links.url)",
        (writer.keys(writer.touched_articles), writer.keys(writer.touched_urls)),
    )


def refresh_providers(writer: Writer) -> None:
    """Recompute display names and merged images of touched providers; drop orphans."""
    ids = writer.keys(writer.touched_providers)
    in_keys = writer.dialect.in_keys
    conn = writer.conn
    conn.execute(
        f"DELETE FROM providers WHERE id {in_keys}"
        " AND definition_path IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.provider_id = providers.id)"
        " AND NOT EXISTS (SELECT 1 FROM related_links r WHERE r.provider_id = providers.id)",
        (ids,),
    )
    # The name a publisher file gives wins; else the name most articles use, else the
    # name most related links use (ties: the most recent use), else the domain.
    conn.execute(
        f"""
        UPDATE providers SET name = COALESCE(
            NULLIF(TRIM(defined_name), ''),
            (SELECT provider_name FROM articles a
              WHERE a.provider_id = providers.id AND TRIM(COALESCE(provider_name, '')) != ''
              GROUP BY provider_name ORDER BY count(*) DESC, max(published_at) DESC LIMIT 1),
            (SELECT provider_name FROM related_links r
              WHERE r.provider_id = providers.id AND TRIM(COALESCE(provider_name, '')) != ''
              GROUP BY provider_name ORDER BY count(*) DESC, max(published_at) DESC LIMIT 1),
            domain)
        WHERE id {in_keys}
        """,
        (ids,),
    )
    conn.execute(
        f"DELETE FROM images WHERE owner_kind = 'provider' AND owner_id {in_keys}",
        (ids,),
    )
    _merge_provider_images(writer, ids)


def _merge_provider_images(writer: Writer, ids: Any) -> None:
    """Merged images: the publisher file's first, then those article files list (newest
    article first), then those related links list; the first image of each URL wins."""
    copied = ", ".join(f"i.{name}" for name in _COPIED_IMAGE_COLUMNS)
    in_keys = writer.dialect.in_keys
    candidates = writer.conn.execute(
        f"""
        SELECT owner_id, {", ".join(_COPIED_IMAGE_COLUMNS)} FROM (
            SELECT i.owner_id, 0 AS src, '' AS sort_at, 0 AS sort_id, i.position, {copied}
              FROM images i
             WHERE i.owner_kind = 'organization'
               AND i.owner_id {in_keys}
            UNION ALL
            SELECT a.provider_id, 1, COALESCE(a.published_at, ''), a.id, i.position, {copied}
              FROM articles a JOIN images i
                ON i.owner_kind = 'article_provider' AND i.owner_id = a.id
             WHERE a.provider_id {in_keys}
            UNION ALL
            SELECT r.provider_id, 2, COALESCE(r.published_at, ''), r.id, i.position, {copied}
              FROM related_links r JOIN images i
                ON i.owner_kind = 'related_provider' AND i.owner_id = r.id
             WHERE r.provider_id {in_keys}
        ) c
        ORDER BY owner_id, src, sort_at DESC, sort_id DESC, position
        """,
        (ids, ids, ids),
    ).fetchall()
    merged: list[tuple[Any, ...]] = []
    seen: set[tuple[int, str]] = set()
    positions: dict[int, int] = {}
    for owner_id, *values in candidates:
        image = dict(zip(_COPIED_IMAGE_COLUMNS, values, strict=True))
        if (owner_id, image["url"]) in seen:
            continue
        seen.add((owner_id, image["url"]))
        position = positions.get(owner_id, 0)
        positions[owner_id] = position + 1
        merged.append(
            IMAGE_WRITE.stored_values(
                owner_kind="provider", owner_id=owner_id, position=position, **image
            )
        )
    writer.conn.executemany(IMAGE_WRITE.insert_sql, merged)


def refresh_topics(writer: Writer) -> None:
    """Drop topics that no article uses and no definition file defines."""
    writer.conn.execute(
        f"DELETE FROM topics WHERE id {writer.dialect.in_keys}"
        " AND definition_path IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM article_topics t WHERE t.topic_id = topics.id)",
        (writer.keys(writer.touched_topics),),
    )
