"""GraphQL input types (filters) and order enums, and their translation to store terms.

The API's filters become the store's condition trees (``gql.store.filtering``) and its
order enums become ``OrderKey`` tuples; nothing here writes SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry

from gql.errors import InvalidArgument
from gql.store import (
    NEWEST_FIRST,
    All,
    AnyOf,
    Compare,
    Condition,
    Flag,
    Not,
    OrderKey,
    ProviderIs,
    TopicsMatch,
)

# Deeper filters are refused: SQLite's expression depth limit is 1000, and no screen needs
# more than a handful of levels.
MAX_FILTER_DEPTH = 16
# Wider `and`/`or` lists are refused: SQLite nests an `or` of n terms n deep, so 16 levels
# of 50 stay under its limit of 1000 ("Expression tree is too large" past it).
MAX_FILTER_WIDTH = 50
# Bigger filters (conditions plus `in` values, all levels) are refused: each value is one
# of SQLite's at most 32,766 bound parameters, and the SQL grows with every term.
MAX_FILTER_TERMS = 1000


@strawberry.input(
    description="Conditions on a text field, combined with AND. `eq`, `ne` and `in` compare "
    "exactly; `contains` and `startsWith` ignore case. A missing value never equals "
    "anything (`ne` matches it)."
)
class StringFilter:
    eq: str | None = strawberry.field(default=None, description="Exactly this text.")
    ne: str | None = strawberry.field(default=None, description="Anything but this text.")
    in_: list[str] | None = strawberry.field(
        default=None, name="in", description="Exactly one of these texts."
    )
    contains: str | None = strawberry.field(default=None, description="Contains, any case.")
    starts_with: str | None = strawberry.field(default=None, description="Starts with, any case.")
    is_null: bool | None = strawberry.field(
        default=None, description="true: the value is missing; false: it is present."
    )


@strawberry.input(description="Conditions on an integer field, combined with AND.")
class IntFilter:
    eq: int | None = strawberry.field(default=None, description="Equal to.")
    ne: int | None = strawberry.field(default=None, description="Not equal to (or missing).")
    gt: int | None = strawberry.field(default=None, description="Greater than.")
    gte: int | None = strawberry.field(default=None, description="Greater than or equal to.")
    lt: int | None = strawberry.field(default=None, description="Less than.")
    lte: int | None = strawberry.field(default=None, description="Less than or equal to.")
    in_: list[int] | None = strawberry.field(default=None, name="in", description="One of these.")
    is_null: bool | None = strawberry.field(
        default=None, description="true: the value is missing; false: it is present."
    )


@strawberry.input(
    description="Conditions on a date-time, combined with AND (compared in UTC, to the second)."
)
class DateTimeFilter:
    eq: datetime | None = strawberry.field(default=None, description="At this instant.")
    ne: datetime | None = strawberry.field(default=None, description="Not at it (or missing).")
    gt: datetime | None = strawberry.field(default=None, description="After.")
    gte: datetime | None = strawberry.field(default=None, description="At or after.")
    lt: datetime | None = strawberry.field(default=None, description="Before.")
    lte: datetime | None = strawberry.field(default=None, description="At or before.")
    in_: list[datetime] | None = strawberry.field(
        default=None, name="in", description="At one of these instants."
    )
    is_null: bool | None = strawberry.field(
        default=None, description="true: the value is missing; false: it is present."
    )


@strawberry.input(description="Conditions on a publisher, combined with AND.")
class ProviderFilter:
    domain: StringFilter | None = strawberry.field(default=None, description="Its domain.")
    name: StringFilter | None = strawberry.field(default=None, description="Its display name.")
    and_: list[ProviderFilter] | None = strawberry.field(
        default=None, name="and", description="All of these hold."
    )
    or_: list[ProviderFilter] | None = strawberry.field(
        default=None, name="or", description="At least one of these holds."
    )
    not_: ProviderFilter | None = strawberry.field(
        default=None, name="not", description="This does not hold."
    )


@strawberry.input(description="Conditions on a topic, combined with AND.")
class TopicFilter:
    name: StringFilter | None = strawberry.field(default=None, description="Its name.")
    slug: StringFilter | None = strawberry.field(default=None, description="Its slug.")
    parent: StringFilter | None = strawberry.field(
        default=None, description="The name of its parent topic."
    )
    root: bool | None = strawberry.field(
        default=None, description="true: topics without a parent; false: topics with one."
    )
    and_: list[TopicFilter] | None = strawberry.field(
        default=None, name="and", description="All of these hold."
    )
    or_: list[TopicFilter] | None = strawberry.field(
        default=None, name="or", description="At least one of these holds."
    )
    not_: TopicFilter | None = strawberry.field(
        default=None, name="not", description="This does not hold."
    )


@strawberry.input(description="Conditions on an article's topics (give one or more).")
class TopicsFilter:
    some: TopicFilter | None = strawberry.field(
        default=None, description="At least one topic matches."
    )
    every: TopicFilter | None = strawberry.field(
        default=None, description="Every topic matches (true for articles without topics)."
    )
    none: TopicFilter | None = strawberry.field(default=None, description="No topic matches.")


@strawberry.input(
    description="Conditions on articles, combined with AND. Logic is two-valued: `not` is the "
    "exact complement of its operand, articles with missing values included."
)
class ArticleFilter:
    title: StringFilter | None = strawberry.field(default=None, description="The headline.")
    excerpt: StringFilter | None = strawberry.field(default=None, description="The summary.")
    url: StringFilter | None = strawberry.field(default=None, description="The canonical URL.")
    category: StringFilter | None = strawberry.field(default=None, description="The category.")
    type: StringFilter | None = strawberry.field(default=None, description="The item type.")
    quality: IntFilter | None = strawberry.field(default=None, description="The quality score.")
    heat: IntFilter | None = strawberry.field(default=None, description="The heat score.")
    published_at: DateTimeFilter | None = strawberry.field(
        default=None, description="The publication time."
    )
    published: bool | None = strawberry.field(
        default=None, description="The source's `published` flag is exactly this."
    )
    provider: ProviderFilter | None = strawberry.field(
        default=None, description="The publisher matches (articles without one never do)."
    )
    topics: TopicsFilter | None = strawberry.field(default=None, description="Its topics match.")
    has_related: bool | None = strawberry.field(
        default=None, description="true: it lists related coverage; false: it lists none."
    )
    cited_by_any: bool | None = strawberry.field(
        default=None, description="true: some corpus article's related links point at it."
    )
    and_: list[ArticleFilter] | None = strawberry.field(
        default=None, name="and", description="All of these hold."
    )
    or_: list[ArticleFilter] | None = strawberry.field(
        default=None, name="or", description="At least one of these holds."
    )
    not_: ArticleFilter | None = strawberry.field(
        default=None, name="not", description="This does not hold."
    )


@strawberry.enum(description="Orderings of article lists; ties always end on a stable key.")
class ArticleOrder(Enum):
    PUBLISHED_AT_DESC = strawberry.enum_value("PUBLISHED_AT_DESC", description="Newest first.")
    PUBLISHED_AT_ASC = strawberry.enum_value("PUBLISHED_AT_ASC", description="Oldest first.")
    QUALITY_DESC = strawberry.enum_value("QUALITY_DESC", description="Highest quality first.")
    QUALITY_ASC = strawberry.enum_value("QUALITY_ASC", description="Lowest quality first.")
    HEAT_DESC = strawberry.enum_value("HEAT_DESC", description="Hottest first.")
    HEAT_ASC = strawberry.enum_value("HEAT_ASC", description="Coolest first.")
    TITLE_ASC = strawberry.enum_value("TITLE_ASC", description="By title, A to Z.")
    TITLE_DESC = strawberry.enum_value("TITLE_DESC", description="By title, Z to A.")
    RELEVANCE = strawberry.enum_value(
        "RELEVANCE", description="Best full-text match first (search only)."
    )


@strawberry.enum(description="Orderings of publisher lists.")
class ProviderOrder(Enum):
    NAME_ASC = strawberry.enum_value("NAME_ASC", description="By name, A to Z.")
    NAME_DESC = strawberry.enum_value("NAME_DESC", description="By name, Z to A.")
    DOMAIN_ASC = strawberry.enum_value("DOMAIN_ASC", description="By domain, A to Z.")
    ARTICLE_COUNT_DESC = strawberry.enum_value(
        "ARTICLE_COUNT_DESC", description="Most articles first."
    )
    ARTICLE_COUNT_ASC = strawberry.enum_value(
        "ARTICLE_COUNT_ASC", description="Fewest articles first."
    )


@strawberry.enum(description="Orderings of topic lists.")
class TopicOrder(Enum):
    NAME_ASC = strawberry.enum_value("NAME_ASC", description="By name, A to Z.")
    NAME_DESC = strawberry.enum_value("NAME_DESC", description="By name, Z to A.")
    ARTICLE_COUNT_DESC = strawberry.enum_value(
        "ARTICLE_COUNT_DESC", description="Most articles first."
    )
    ARTICLE_COUNT_ASC = strawberry.enum_value(
        "ARTICLE_COUNT_ASC", description="Fewest articles first."
    )


def _order_key(value: Enum) -> OrderKey:
    field, _, direction = value.name.rpartition("_")
    camel = "".join(
        part.capitalize() if i else part.lower() for i, part in enumerate(field.split("_"))
    )
    return OrderKey(camel, direction == "DESC")


def article_order(values: list[ArticleOrder] | None, *, search: bool) -> tuple[OrderKey, ...]:
    """Store order keys for ``orderBy``; the default is newest first (best match in search)."""
    if not values:
        return (OrderKey("relevance", False),) if search else NEWEST_FIRST
    keys: list[OrderKey] = []
    for value in values:
        if value is ArticleOrder.RELEVANCE:
            if not search:
                raise InvalidArgument("orderBy", "RELEVANCE orders search results only")
            key = OrderKey("relevance", False)
        else:
            key = _order_key(value)
        if all(k.field != key.field for k in keys):
            keys.append(key)
    return tuple(keys)


def entity_order(values: list[ProviderOrder] | list[TopicOrder] | None) -> tuple[OrderKey, ...]:
    if not values:
        return (OrderKey("name", False),)
    keys: list[OrderKey] = []
    for value in values:
        key = _order_key(value)
        if all(k.field != key.field for k in keys):
            keys.append(key)
    return tuple(keys)


# --- filters to conditions ---------------------------------------------------------------

_OPS = (
    ("eq", "eq"),
    ("ne", "ne"),
    ("in_", "in"),
    ("contains", "contains"),
    ("starts_with", "startsWith"),
    ("gt", "gt"),
    ("gte", "gte"),
    ("lt", "lt"),
    ("lte", "lte"),
    ("is_null", "isNull"),
)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        try:
            moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        except OverflowError as exc:
            problem = f"date-time {value.isoformat()} is out of range"
            raise InvalidArgument("filter", problem) from exc
        return moment
    if isinstance(value, list):
        return tuple(_value(v) for v in value)
    return value


def _compares(
    field: str, spec: StringFilter | IntFilter | DateTimeFilter | None
) -> list[Condition]:
    if spec is None:
        return []
    return [
        Compare(field, op, _value(getattr(spec, attribute)))
        for attribute, op in _OPS
        if getattr(spec, attribute, None) is not None
    ]


def _check_depth(depth: int) -> None:
    if depth > MAX_FILTER_DEPTH:
        raise InvalidArgument("filter", f"nested deeper than {MAX_FILTER_DEPTH} levels")


def _terms(condition: Condition) -> int:
    if isinstance(condition, All | AnyOf):
        return 1 + sum(_terms(part) for part in condition.parts)
    if isinstance(condition, Not):
        return 1 + _terms(condition.part)
    if isinstance(condition, ProviderIs | TopicsMatch):
        return 1 + _terms(condition.condition)
    if isinstance(condition, Compare) and isinstance(condition.value, tuple):
        return 1 + len(condition.value)
    return 1


def _bounded(condition: Condition, depth: int) -> Condition:
    """``condition``, checked for its total size once it is whole (at depth 0)."""
    if depth == 0 and (terms := _terms(condition)) > MAX_FILTER_TERMS:
        raise InvalidArgument(
            "filter", f"{terms} conditions and values, more than {MAX_FILTER_TERMS}"
        )
    return condition


def _logic(parts: list[Condition], spec: Any, convert: Any, depth: int) -> Condition:
    for name, items in (("and", spec.and_), ("or", spec.or_)):
        if items is not None and len(items) > MAX_FILTER_WIDTH:
            raise InvalidArgument(
                "filter", f"an `{name}` of {len(items)} conditions, more than {MAX_FILTER_WIDTH}"
            )
    if spec.and_ is not None:
        parts.append(All(tuple(convert(f, depth + 1) for f in spec.and_)))
    if spec.or_ is not None:
        parts.append(AnyOf(tuple(convert(f, depth + 1) for f in spec.or_)))
    if spec.not_ is not None:
        parts.append(Not(convert(spec.not_, depth + 1)))
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def provider_condition(spec: ProviderFilter, depth: int = 0) -> Condition:
    _check_depth(depth)
    parts = _compares("domain", spec.domain) + _compares("name", spec.name)
    return _bounded(_logic(parts, spec, provider_condition, depth), depth)


def topic_condition(spec: TopicFilter, depth: int = 0) -> Condition:
    _check_depth(depth)
    parts = (
        _compares("name", spec.name)
        + _compares("slug", spec.slug)
        + _compares("parent", spec.parent)
    )
    if spec.root is not None:
        parts.append(Flag("root", spec.root))
    return _bounded(_logic(parts, spec, topic_condition, depth), depth)


def article_condition(spec: ArticleFilter, depth: int = 0) -> Condition:
    """The store condition for an ``ArticleFilter``."""
    _check_depth(depth)
    parts: list[Condition] = []
    for field in ("title", "excerpt", "url", "category", "type", "quality", "heat"):
        parts += _compares(field, getattr(spec, field))
    parts += _compares("publishedAt", spec.published_at)
    for flag, value in (
        ("published", spec.published),
        ("hasRelated", spec.has_related),
        ("citedByAny", spec.cited_by_any),
    ):
        if value is not None:
            parts.append(Flag(flag, value))
    if spec.provider is not None:
        parts.append(ProviderIs(provider_condition(spec.provider, depth + 1)))
    if spec.topics is not None:
        for quantifier in ("some", "every", "none"):
            topic_spec = getattr(spec.topics, quantifier)
            if topic_spec is not None:
                parts.append(TopicsMatch(quantifier, topic_condition(topic_spec, depth + 1)))
    return _bounded(_logic(parts, spec, article_condition, depth), depth)


def optional_article_condition(spec: ArticleFilter | None) -> Condition | None:
    return article_condition(spec) if spec is not None else None
