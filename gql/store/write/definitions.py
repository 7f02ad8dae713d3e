"""Writing definitions: topic files (parent, keywords, images) and publisher files (name,
description, other names, images), and forgetting them when their file goes.

A definition only adds to the topic or provider of its key, which articles may also
create: forgetting it clears the defined columns and leaves the entity to
``refresh_topics``/``refresh_providers``, which drop it if nothing else uses it.
"""

from __future__ import annotations

from gql.ingest.records import OrganizationRecord, TopicRecord
from gql.store.columns import PROVIDERS, TOPICS, Write
from gql.store.write.state import Writer

_TOPIC_DEFINITION = Write(
    TOPICS, ("parent_name", "shortname", "description", "keywords", "extra", "definition_path")
)
_PROVIDER_DEFINITION = Write(
    PROVIDERS, ("defined_name", "description", "other_names", "extra", "body", "definition_path")
)
_TOPIC_SLUG = Write(TOPICS, ("slug",))


def upsert_topic(writer: Writer, record: TopicRecord) -> None:
    """Define the topic ``record.name``: its slug when free, parent, keywords, images."""
    conn = writer.conn
    tid = writer.topic_id(record.name, record.slug)
    slug_owner = conn.execute("SELECT id FROM topics WHERE slug = ?", (record.slug,)).fetchone()
    if slug_owner is None:
        conn.execute(_TOPIC_SLUG.update_sql(), (*_TOPIC_SLUG.values(slug=record.slug), tid))
    values = _TOPIC_DEFINITION.values(
        parent_name=record.parent,
        shortname=record.shortname,
        description=record.description,
        keywords=record.keywords,
        extra=record.extra,
        definition_path=record.path,
    )
    conn.execute(_TOPIC_DEFINITION.update_sql(), (*values, tid))
    writer.replace_images("topic", tid, record.images)


def remove_topic_definition(writer: Writer, path: str) -> None:
    """Forget the topic definition that the file at ``path`` held, if any."""
    conn = writer.conn
    for (tid,) in conn.execute(
        "SELECT id FROM topics WHERE definition_path = ?", (path,)
    ).fetchall():
        conn.execute(_TOPIC_DEFINITION.clear_sql(), (tid,))
        writer.replace_images("topic", tid, ())
        writer.touched_topics.add(tid)


def upsert_organization(writer: Writer, record: OrganizationRecord) -> None:
    """Define the provider of ``record.domain``: its name, description, other names, images."""
    pid = writer.provider_id(record.domain)
    values = _PROVIDER_DEFINITION.values(
        defined_name=record.name,
        description=record.description,
        other_names=record.other_names,
        extra=record.extra,
        body=record.body or None,
        definition_path=record.path,
    )
    writer.conn.execute(_PROVIDER_DEFINITION.update_sql(), (*values, pid))
    writer.replace_images("organization", pid, record.images)


def remove_organization_definition(writer: Writer, path: str) -> None:
    """Forget the publisher definition that the file at ``path`` held, if any."""
    conn = writer.conn
    for (pid,) in conn.execute(
        "SELECT id FROM providers WHERE definition_path = ?", (path,)
    ).fetchall():
        conn.execute(_PROVIDER_DEFINITION.clear_sql(), (pid,))
        writer.replace_images("organization", pid, ())
        writer.touched_providers.add(pid)
