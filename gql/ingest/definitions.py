"""Topic and publisher definition files to ``TopicRecord`` and ``OrganizationRecord``.

Definitions add what articles cannot say: a topic's parent, keywords and images, a
publisher's display name, other names and logos. A topic is keyed by its name (its slug
from ``_id`` when given), a publisher by its normalized domain, the keys articles use.
"""

from __future__ import annotations

from pathlib import Path

from gql.ingest.fields import (
    extra_keys,
    read_images,
    read_list,
    read_required_str,
    read_str,
    read_str_list,
)
from gql.ingest.records import JSONDict, OrganizationRecord, TopicRecord
from gql.keys import normalize_domain, slugify

_TOPIC_KEYS = frozenset({"name", "_id", "parent", "shortname", "description", "keywords", "images"})
_ORGANIZATION_KEYS = frozenset({"name", "domain", "description", "otherNames", "images"})


def parse_topic(path: Path, data: JSONDict) -> TopicRecord:
    """Validate a topic definition (name, parent, keywords, images)."""
    name = read_required_str(path, data, "name", "")
    given_slug = data.get("_id")
    slug = given_slug.strip() if isinstance(given_slug, str) else ""
    return TopicRecord(
        path=str(path),
        name=name.strip(),
        slug=slug or slugify(name),
        parent=(read_str(path, data, "parent", "") or "").strip() or None,
        shortname=read_str(path, data, "shortname", ""),
        description=read_str(path, data, "description", ""),
        keywords=read_str_list(path, data, "keywords"),
        images=read_images(path, read_list(path, data, "images", ""), "images"),
        # An ``_id`` that gives no slug (blank, or not a string) is kept, not dropped.
        extra=extra_keys(data, _TOPIC_KEYS if slug else _TOPIC_KEYS - {"_id"}),
    )


def parse_organization(path: Path, data: JSONDict, body: str) -> OrganizationRecord:
    """Validate a publisher definition (domain, name, other names, images)."""
    domain = read_required_str(path, data, "domain", "")
    return OrganizationRecord(
        path=str(path),
        domain=normalize_domain(domain),
        name=read_str(path, data, "name", ""),
        description=read_str(path, data, "description", ""),
        other_names=read_str_list(path, data, "otherNames"),
        images=read_images(path, read_list(path, data, "images", ""), "images"),
        extra=extra_keys(data, _ORGANIZATION_KEYS),
        body=body,
    )
