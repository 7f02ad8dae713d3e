"""Writing articles: insert or replace one with its children, remove one, index new ones.

An article's children (topics, images, related links and their images) are replaced
whole with the article: deleted, then inserted from the record. What they pointed at
(providers, topics, base slugs) is marked touched, so ``derived`` can refresh it
once the load has written everything.
"""

from __future__ import annotations

import hashlib

from gql.ingest.records import ArticleRecord, ProviderRef, RelatedRecord
from gql.keys import slugify
from gql.store.columns import ARTICLE_TOPICS, ARTICLES, RELATED_LINKS, Write
from gql.store.write.changelog import ADDED, REMOVED, UPDATED, note_change
from gql.store.write.state import Writer

_ARTICLE = Write(
    ARTICLES,
    (
        "url",
        "slug",
        "base_slug",
        "path",
        "title",
        "excerpt",
        "category",
        "type",
        "published_at",
        "original_url",
        "amp_url",
        "cdn_amp_url",
        "quality",
        "heat",
        "published",
        "secured",
        "body",
        "extra",
        "provider_id",
        "provider_name",
        "provider_extra",
    ),
)
_ARTICLE_UPDATE_SQL = _ARTICLE.update_sql()
_ARTICLE_TOPIC = Write(ARTICLE_TOPICS, ("article_id", "topic_id", "position", "published_at"))
_LINK = Write(
    RELATED_LINKS,
    (
        "article_id",
        "position",
        "url",
        "title",
        "excerpt",
        "published_at",
        "type",
        "quality",
        "original_url",
        "amp_url",
        "cdn_amp_url",
        "provider_id",
        "provider_name",
        "provider_extra",
        "extra",
    ),
)


def index_new_articles(writer: Writer) -> None:
    """Add the articles inserted since the last call to the full-text index, in one
    statement: FTS5 writes its pending terms out at every statement, so a row at a time
    (an AFTER INSERT trigger) costs ten times as much on a big load."""
    if not writer.unindexed_articles:
        return
    if writer.dialect.name != "sqlite":
        # PostgreSQL's index is a generated column of the row (``pg_schema``).
        writer.unindexed_articles.clear()
        return
    writer.conn.execute(
        "INSERT INTO articles_fts(rowid, title, excerpt) SELECT id, title, excerpt"
        " FROM articles_fts_text WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
        (writer.dialect.keys(writer.unindexed_articles),),
    )
    writer.unindexed_articles.clear()


def _delete_children(writer: Writer, article_id: int) -> None:
    conn = writer.conn
    for (pid,) in conn.execute(
        "SELECT DISTINCT provider_id FROM related_links WHERE article_id = ?", (article_id,)
    ):
        if pid is not None:
            writer.touched_providers.add(pid)
    for (tid,) in conn.execute(
        "SELECT topic_id FROM article_topics WHERE article_id = ?", (article_id,)
    ):
        writer.touched_topics.add(tid)
    conn.execute(
        "DELETE FROM images WHERE owner_kind IN ('related', 'related_provider') AND owner_id IN"
        " (SELECT id FROM related_links WHERE article_id = ?)",
        (article_id,),
    )
    conn.execute(
        "DELETE FROM images WHERE owner_kind IN ('article', 'article_provider') AND owner_id = ?",
        (article_id,),
    )
    conn.execute("DELETE FROM related_links WHERE article_id = ?", (article_id,))
    conn.execute("DELETE FROM article_topics WHERE article_id = ?", (article_id,))


def _slug(writer: Writer, base: str, url: str, article_id: int | None) -> str:
    """A slug for now: ``base`` when free, else a placeholder that ``settle_slugs``
    replaces once the load knows every article sharing ``base``."""
    writer.touched_slugs.add(base)
    row = writer.conn.execute("SELECT id FROM articles WHERE slug = ?", (base,)).fetchone()
    if row is None or row[0] == article_id:
        return base
    return f"~{hashlib.sha1(url.encode()).hexdigest()}"


def _provider_id(writer: Writer, ref: ProviderRef | None) -> int | None:
    return None if ref is None else writer.provider_id(ref.domain)


def upsert_article(writer: Writer, record: ArticleRecord) -> bool:
    """Insert or replace one article and its children; True when it is new."""
    conn = writer.conn
    row = conn.execute(
        "SELECT id, provider_id, base_slug FROM articles WHERE url = ?", (record.url,)
    ).fetchone()
    article_id: int | None = None
    if row is not None:
        article_id, old_provider_id, old_base_slug = row
        if writer.unindexed_articles:
            # The update trigger takes the old title out of the index: it must be in it.
            index_new_articles(writer)
        if old_base_slug is not None:
            writer.touched_slugs.add(old_base_slug)
        if old_provider_id is not None:
            writer.touched_providers.add(old_provider_id)
        _delete_children(writer, article_id)
    provider = record.provider
    values = _ARTICLE.values(
        url=record.url,
        slug=_slug(writer, record.slug, record.url, article_id),
        base_slug=record.slug,
        path=record.path,
        title=record.title,
        excerpt=record.excerpt,
        category=record.category,
        type=record.type,
        published_at=record.published_at,
        original_url=record.original_url,
        amp_url=record.amp_url,
        cdn_amp_url=record.cdn_amp_url,
        quality=record.quality,
        heat=record.heat,
        published=record.published,
        secured=record.secured,
        body=record.body,
        extra=record.extra,
        provider_id=_provider_id(writer, provider),
        provider_name=None if provider is None else provider.name,
        provider_extra=None if provider is None else provider.extra,
    )
    if article_id is None:
        (article_id,) = conn.execute(_ARTICLE.insert_returning_id_sql, values).fetchone()
        writer.unindexed_articles.append(article_id)
    else:
        conn.execute(_ARTICLE_UPDATE_SQL, (*values, article_id))
    writer.touched_articles.add(article_id)
    writer.touched_urls.add(record.url)
    note_change(writer.changes, record.url, ADDED if row is None else UPDATED)

    conn.executemany(
        _ARTICLE_TOPIC.insert_sql,
        [
            _ARTICLE_TOPIC.values(
                article_id=article_id,
                topic_id=writer.topic_id(name, slugify(name)),
                position=i,
                published_at=record.published_at,
            )
            for i, name in enumerate(record.topics)
        ],
    )
    # The article's children were deleted above (or never existed): nothing to replace.
    if record.images:
        writer.replace_images("article", article_id, record.images, fresh=True)
    if provider is not None and provider.images:
        writer.replace_images("article_provider", article_id, provider.images, fresh=True)
    for link in record.related:
        _insert_link(writer, article_id, link)
    return row is None


def _insert_link(writer: Writer, article_id: int, link: RelatedRecord) -> None:
    provider = link.provider
    (link_id,) = writer.conn.execute(
        _LINK.insert_returning_id_sql,
        _LINK.values(
            article_id=article_id,
            position=link.position,
            url=link.url,
            title=link.title,
            excerpt=link.excerpt,
            published_at=link.published_at,
            type=link.type,
            quality=link.quality,
            original_url=link.original_url,
            amp_url=link.amp_url,
            cdn_amp_url=link.cdn_amp_url,
            provider_id=_provider_id(writer, provider),
            provider_name=None if provider is None else provider.name,
            provider_extra=None if provider is None else provider.extra,
            extra=link.extra,
        ),
    ).fetchone()
    if link.images:
        writer.replace_images("related", link_id, link.images, fresh=True)
    if provider is not None and provider.images:
        writer.replace_images("related_provider", link_id, provider.images, fresh=True)


def remove_article(writer: Writer, url: str) -> bool:
    """Delete the article with ``url`` and its children; False when there is none."""
    conn = writer.conn
    row = conn.execute(
        "SELECT id, provider_id, base_slug FROM articles WHERE url = ?", (url,)
    ).fetchone()
    if row is None:
        return False
    article_id, provider_id, base_slug = row
    # The delete trigger takes the old title out of the index: it must be in it.
    index_new_articles(writer)
    if provider_id is not None:
        writer.touched_providers.add(provider_id)
    _delete_children(writer, article_id)
    if base_slug is not None:
        writer.touched_slugs.add(base_slug)
    conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
    writer.touched_urls.add(url)
    note_change(writer.changes, url, REMOVED)
    return True
