"""Do gql and PostGraphile answer a scenario with the same data? Rename keys, then compare.

PostGraphile names fields after tables and foreign keys (``providerByProviderId``), and
reaches a topic's articles through the join table (``articleTopicsByArticleId { nodes {
topicByTopicId { ... } } }``) where gql has ``topics { ... }``. ``reshape`` turns its
answer into gql's shape with one table of renames, the same for every scenario; then
``differences`` compares the two as JSON, lists in order, and names every path where
they differ, so a benchmark never compares pages that are not the same page. The one
leniency: timestamps are compared as instants (the two servers spell them differently).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Rename:
    """A PostGraphile field as gql's: its gql name, and how its connection is unwrapped.

    ``through``: each node is replaced by its value under this key (the far side of a
    join table); ``as_list``: the connection becomes the plain list of its nodes (gql's
    ``topics``, ``related``, ``images`` and ``citedBy`` are lists, not connections).
    """

    name: str
    through: str | None = None
    as_list: bool = False


POSTGRAPHILE_RENAMES: dict[str, Rename] = {
    "allArticles": Rename("articles"),
    "articleBySlug": Rename("article"),
    "topicBySlug": Rename("topic"),
    "providerByProviderId": Rename("provider"),
    "articlesByProviderId": Rename("articles"),
    "articleByTargetArticleId": Rename("article"),
    "articleTopicsByTopicId": Rename("articles", through="articleByArticleId"),
    "articleTopicsByArticleId": Rename("topics", through="topicByTopicId", as_list=True),
    "articleImagesByArticleId": Rename("images", as_list=True),
    "relatedLinksByArticleId": Rename("related", as_list=True),
    "citedBy": Rename("citedBy", as_list=True),
}


def reshape(value: Any, renames: dict[str, Rename] = POSTGRAPHILE_RENAMES) -> Any:
    """``value`` (a peer's ``data``) with its keys renamed and its join tables unwrapped."""
    if isinstance(value, list):
        return [reshape(item, renames) for item in value]
    if not isinstance(value, dict):
        return value
    shaped: dict[str, Any] = {}
    for key, item in value.items():
        rename = renames.get(key)
        item = reshape(item, renames)
        if rename is None:
            shaped[key] = item
            continue
        if isinstance(item, dict) and (rename.through or rename.as_list):
            nodes = item["nodes"]
            if rename.through is not None:
                nodes = [node[rename.through] for node in nodes]
            item = nodes if rename.as_list else {**item, "nodes": nodes}
        shaped[rename.name] = item
    return shaped


def differences(expected: Any, got: Any, path: str = "data", *, limit: int = 10) -> list[str]:
    """Where ``got`` differs from ``expected`` (JSON values, lists in order), at most
    ``limit`` paths, each with both values (shortened)."""
    found: list[str] = []
    _walk(expected, got, path, found, limit)
    return found


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _same_instant(expected: Any, got: Any) -> bool:
    """Two spellings of one moment: PostGraphile writes ``2024-12-30T02:39:00.000000+00:00``
    where gql writes ``2024-12-30T02:39:00+00:00`` (both ISO 8601, both valid)."""
    if not (isinstance(expected, str) and isinstance(got, str)):
        return False
    try:
        left, right = datetime.fromisoformat(expected), datetime.fromisoformat(got)
    except ValueError:
        return False
    return left.tzinfo is not None and right.tzinfo is not None and left == right


def _walk(expected: Any, got: Any, path: str, found: list[str], limit: int) -> None:
    if len(found) >= limit:
        return
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in sorted(expected.keys() | got.keys()):
            if key not in got:
                found.append(f"{path}.{key}: missing from the peer's answer")
            elif key not in expected:
                found.append(f"{path}.{key}: only in the peer's answer")
            else:
                _walk(expected[key], got[key], f"{path}.{key}", found, limit)
            if len(found) >= limit:
                return
    elif isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            found.append(f"{path}: {len(expected)} items expected, {len(got)} given")
        for index, (left, right) in enumerate(zip(expected, got, strict=False)):
            _walk(left, right, f"{path}[{index}]", found, limit)
            if len(found) >= limit:
                return
    elif expected != got and not _same_instant(expected, got):
        found.append(f"{path}: expected {_short(expected)}, got {_short(got)}")
