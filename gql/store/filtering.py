"""Conditions on articles, providers and topics, compiled to parameterized SQL.

A condition is a small tree of frozen (hashable) dataclasses, built by the API from the
client's filter and compiled here. Values are always bound parameters, never pasted in.

The logic is two-valued, as users read it: every leaf is TRUE or FALSE, never NULL (a
comparison with a missing value is FALSE, ``ne`` is TRUE for a missing value), so ``Not``
is the exact complement of its operand and ``Any``/``All`` never hide rows behind NULL.

Values are given as Python values and encoded here as the writer stores them (a
``datetime`` becomes the stored UTC timestamp text), so callers need not know the
encodings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gql.store.dialect import SQLITE, Dialect
from gql.store.encoding import to_timestamp

Op = str  # eq ne in contains startsWith gt gte lt lte isNull


@dataclass(frozen=True)
class Compare:
    """``field op value``; ``in`` takes a tuple, ``isNull`` a bool; time fields take
    ``datetime`` values (naive ones are taken as UTC)."""

    field: str
    op: Op
    value: Any


@dataclass(frozen=True)
class Flag:
    """A boolean property (``published``, ``hasRelated``, ``citedByAny``, ``root``)."""

    field: str
    value: bool


@dataclass(frozen=True)
class All:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


@dataclass(frozen=True)
class ProviderIs:
    """The article's provider satisfies ``condition`` (false for articles without one)."""

    condition: Condition


@dataclass(frozen=True)
class TopicsMatch:
    """``some``/``every``/``none`` of the article's topics satisfy ``condition``."""

    quantifier: str
    condition: Condition


Condition = Compare | Flag | All | AnyOf | Not | ProviderIs | TopicsMatch

TRUE = All(())


@dataclass(frozen=True)
class Column:
    """How a filterable field reads in SQL, and how its values compare."""

    sql: str
    kind: str  # text | number | time | flag


# The alias of each entity: a = articles, p = providers, t = topics.
ARTICLE_FIELDS = {
    "title": Column("a.title", "text"),
    "excerpt": Column("a.excerpt", "text"),
    "url": Column("a.url", "text"),
    "category": Column("a.category", "text"),
    "type": Column("a.type", "text"),
    "quality": Column("a.quality", "number"),
    "heat": Column("a.heat", "number"),
    "publishedAt": Column("a.published_at", "time"),
    "published": Column("a.published = 1", "flag"),
    "hasRelated": Column(
        "EXISTS (SELECT 1 FROM related_links hr WHERE hr.article_id = a.id)", "flag"
    ),
    "citedByAny": Column(
        "EXISTS (SELECT 1 FROM related_links cr WHERE cr.target_article_id = a.id)", "flag"
    ),
}
PROVIDER_FIELDS = {
    "domain": Column("p.domain", "text"),
    "name": Column("p.name", "text"),
}
TOPIC_FIELDS = {
    "name": Column("t.name", "text"),
    "slug": Column("t.slug", "text"),
    "parent": Column("t.parent_name", "text"),
    "root": Column("t.parent_name IS NULL", "flag"),
}
ENTITY_FIELDS = {"article": ARTICLE_FIELDS, "provider": PROVIDER_FIELDS, "topic": TOPIC_FIELDS}


def _param(value: Any) -> Any:
    """A comparison value as stored (see ``encoding``)."""
    if isinstance(value, datetime):
        return to_timestamp(value)
    return value


def _compare(column: Column, op: Op, value: Any, params: list[Any], dialect: Dialect) -> str:
    sql = column.sql
    if op == "isNull":
        return f"({sql} IS NULL)" if value else f"({sql} IS NOT NULL)"
    if op == "eq":
        params.append(_param(value))
        return f"({sql} IS NOT DISTINCT FROM ?)"
    if op == "ne":
        params.append(_param(value))
        return f"({sql} IS DISTINCT FROM ?)"
    if op == "in":
        values = [_param(v) for v in value]
        params.extend(values)
        if not values:
            return "FALSE"
        return f"COALESCE({sql} IN ({', '.join('?' * len(values))}), FALSE)"
    if op == "contains":
        params.append(dialect.fold(value))
        return f"COALESCE(instr(gql_fold({sql}), ?) > 0, FALSE)"
    if op == "startsWith":
        folded = dialect.fold(value)
        params.extend([len(folded), folded])
        return f"COALESCE(substr(gql_fold({sql}), 1, ?) = ?, FALSE)"
    operators = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
    assert op in operators, f"unknown operator {op}"
    params.append(_param(value))
    return f"COALESCE({sql} {operators[op]} ?, FALSE)"


def compile_condition(
    condition: Condition, entity: str, params: list[Any], dialect: Dialect = SQLITE
) -> str:
    """SQL for ``condition`` on ``entity`` (``article``/``provider``/``topic``); appends params."""
    fields = ENTITY_FIELDS[entity]
    if isinstance(condition, Compare):
        return _compare(fields[condition.field], condition.op, condition.value, params, dialect)
    if isinstance(condition, Flag):
        column = fields[condition.field]
        return f"(({column.sql}) IS {'TRUE' if condition.value else 'FALSE'})"
    if isinstance(condition, All):
        if not condition.parts:
            return "TRUE"
        return (
            "("
            + " AND ".join(compile_condition(c, entity, params, dialect) for c in condition.parts)
            + ")"
        )
    if isinstance(condition, AnyOf):
        if not condition.parts:
            return "FALSE"
        return (
            "("
            + " OR ".join(compile_condition(c, entity, params, dialect) for c in condition.parts)
            + ")"
        )
    if isinstance(condition, Not):
        return f"(NOT {compile_condition(condition.part, entity, params, dialect)})"
    if isinstance(condition, ProviderIs):
        inner = compile_condition(condition.condition, "provider", params, dialect)
        return f"EXISTS (SELECT 1 FROM providers p WHERE p.id = a.provider_id AND {inner})"
    assert isinstance(condition, TopicsMatch)
    inner = compile_condition(condition.condition, "topic", params, dialect)
    base = (
        "SELECT 1 FROM article_topics x JOIN topics t ON t.id = x.topic_id"
        " WHERE x.article_id = a.id"
    )
    if condition.quantifier == "some":
        return f"EXISTS ({base} AND {inner})"
    if condition.quantifier == "none":
        return f"NOT EXISTS ({base} AND {inner})"
    assert condition.quantifier == "every", condition.quantifier
    return f"NOT EXISTS ({base} AND NOT {inner})"


_RANGES = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _conjuncts(condition: Condition) -> list[Condition]:
    """The parts ``condition`` requires all of (nested ``All`` flattened)."""
    if isinstance(condition, All):
        return [part for inner in condition.parts for part in _conjuncts(inner)]
    return [condition]


def _names_topics(condition: Condition) -> bool:
    """Whether ``condition`` on a topic names the topics it takes (by name or slug)."""
    return (
        isinstance(condition, Compare)
        and condition.field in ("name", "slug")
        and condition.op in ("eq", "in")
    )


def topic_ids(
    condition: Condition | None, params: list[Any], dialect: Dialect = SQLITE
) -> tuple[str, Condition] | None:
    """When ``condition`` requires the article to have one of some named topics: a select
    of those topics' articles' ids (within ``condition``'s ``publishedAt`` bounds, which
    the index ``article_topics_published`` orders within each topic, through the date
    copied into ``article_topics``), and what of ``condition`` remains to test beside it;
    params are appended for the select. None when it names no topics.

    For a search, whose matches come from the full-text index in no useful order: a set of
    ids tested on each match costs less than reading the match's article and its topics,
    unless the topics hold most articles. Topics picked by name are what a search screen
    filters by; structural conditions (``root``, ``parent``, a prefix) can take nearly
    every article, and keep the test per match (see BENCHMARKS.md, "Topics as a set of
    ids")."""
    if condition is None:
        return None
    parts = _conjuncts(condition)
    topic = next(
        (
            p
            for p in parts
            if isinstance(p, TopicsMatch) and p.quantifier == "some" and _names_topics(p.condition)
        ),
        None,
    )
    if topic is None:
        return None
    dates = [
        p
        for p in parts
        if isinstance(p, Compare)
        and p.field == "publishedAt"
        and p.op in _RANGES
        and isinstance(p.value, datetime)
    ]
    inner = compile_condition(topic.condition, "topic", params, dialect)
    sql = (
        "SELECT x.article_id FROM article_topics x"
        f" WHERE x.topic_id IN (SELECT t.id FROM topics t WHERE {inner})"
    )
    for date in dates:
        params.append(_param(date.value))
        sql += f" AND x.published_at {_RANGES[date.op]} ?"
    rest = tuple(p for p in parts if p is not topic and not any(p is d for d in dates))
    return sql, All(rest)


def where(
    condition: Condition | None, entity: str, dialect: Dialect = SQLITE
) -> tuple[str, list[Any]]:
    """``(sql, params)`` for an optional condition; no condition is ``TRUE`` (everything)."""
    params: list[Any] = []
    if condition is None:
        return "TRUE", params
    return compile_condition(condition, entity, params, dialect), params
