"""A tree of reads that one SQL statement answers, building the whole answer as JSON.

A client's page is a tree: a list of articles, each with its publisher, its topics and its
related links, each of those with fields of its own. A ``Tree`` states one in the store's
terms (entities, their columns and relations, article lists as ``ArticleList``), and
``gql.store.json_sql`` answers it with one statement whose single value is the answer's
JSON text, built by the database: no row of it crosses into Python, and the statement
count does not grow with the tree, as PostGraphile answers a query.

The statement makes the reads the batch functions make (``lookups``, ``article_lists``),
as correlated subqueries over the tables below: a relation keeps their order (file
position, a list's sort keys), a list page their keyset window and filter. Values are
rendered as the readers decode them: a timestamp as ISO 8601 with its UTC offset
(``2024-05-01T09:30:00+00:00``, as a UTC ``datetime`` prints), a flag as a boolean,
everything else as stored. What a tree cannot say is refused (``TreeUnsupported``): a
backward page, a search, a column that is not a plain value, a relation not below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gql.store.article_lists import ArticleList
from gql.store.columns import (
    ARTICLES,
    FLAG,
    IMAGES,
    PLAIN,
    PROVIDERS,
    RELATED_LINKS,
    TIMESTAMP,
    TOPICS,
    Column,
    Table,
)


class TreeUnsupported(Exception):
    """The tree asks for something one statement does not answer here."""


@dataclass(frozen=True, slots=True)
class Value:
    """A column of the entity, under a response key (``column``: the row field's name)."""

    key: str
    column: str


@dataclass(frozen=True, slots=True)
class Encoded:
    """``prefix`` and a text column, as unpadded base64url of their UTF-8 (an opaque ID)."""

    key: str
    prefix: str
    column: str


@dataclass(frozen=True, slots=True)
class Constant:
    """A fixed string under a response key (a type name)."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Related:
    """The entity's related entity or entities (``relation``: see ``ONE`` and ``MANY``)."""

    key: str
    relation: str
    fields: Fields


@dataclass(frozen=True, slots=True)
class Articles:
    """A page of articles as a plain list: of all articles (``parent`` None) or of this
    entity's (``provider``, ``topic``, ``citing``)."""

    key: str
    parent: str | None
    spec: ArticleList
    fields: Fields


@dataclass(frozen=True, slots=True)
class Nodes:
    """The page's articles, inside a ``ArticlePage``."""

    key: str
    fields: Fields


@dataclass(frozen=True, slots=True)
class Count:
    """How many articles the page's list has (its filter, not its window), in a ``ArticlePage``."""

    key: str


@dataclass(frozen=True, slots=True)
class Cursor:
    """An article's cursor in its page (``Edges``), or the page's first or last one
    (``which``: ``start``/``end``, in ``Bounds``): base64url of the JSON array of the
    list's ``tag`` and the row's sort values (``gql.graph.ids.encode_cursor``)."""

    key: str
    which: str = "row"


@dataclass(frozen=True, slots=True)
class Edges:
    """The page's articles with their cursors: ``Nodes`` (the article, one per edge),
    ``Cursor`` and ``Constant`` fields of each."""

    key: str
    fields: tuple[Nodes | Cursor | Constant, ...]


@dataclass(frozen=True, slots=True)
class More:
    """Whether rows follow the page (``which``: ``next``) or precede it (``previous``)."""

    key: str
    which: str


@dataclass(frozen=True, slots=True)
class Bounds:
    """Where the page lies in its list: ``More``, ``Cursor`` and ``Constant`` fields."""

    key: str
    fields: tuple[More | Cursor | Constant, ...]


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """A page of articles as an object: its ``Nodes``, ``Edges``, ``Bounds``, ``Count``
    and ``Constant`` fields; ``tag`` names the list in its cursors."""

    key: str
    parent: str | None
    spec: ArticleList
    fields: tuple[Nodes | Edges | Bounds | Count | Constant, ...]
    tag: str = ""


@dataclass(frozen=True, slots=True)
class Lookup:
    """One entity by a unique column's value (null when none has it), at the root."""

    key: str
    entity: str
    column: str
    value: Any
    fields: Fields


Field = Value | Encoded | Constant | Related | Articles | ArticlePage
Fields = tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Tree:
    """The root object: article lists and lookups under their response keys."""

    fields: tuple[Articles | ArticlePage | Lookup | Constant, ...]


ENTITIES: dict[str, Table] = {
    "article": ARTICLES,
    "provider": PROVIDERS,
    "topic": TOPICS,
    "link": RELATED_LINKS,
    "image": IMAGES,
}

ONE: dict[tuple[str, str], tuple[str, str]] = {
    # (entity, relation) -> (related entity, condition on it: ``{c}`` it, ``{p}`` the parent)
    ("article", "provider"): ("provider", "{c}.id = {p}.provider_id"),
    ("link", "provider"): ("provider", "{c}.id = {p}.provider_id"),
    ("link", "article"): ("article", "{c}.id = {p}.target_article_id"),
    ("link", "source"): ("article", "{c}.id = {p}.article_id"),
    ("topic", "parent"): ("topic", "{c}.name = {p}.parent_name"),
}


def _images(kind: str) -> tuple[str, str, str, str]:
    return (
        "image",
        "images {c}",
        f"{{c}}.owner_kind = '{kind}' AND {{c}}.owner_id = {{p}}.id",
        "{c}.position",
    )


MANY: dict[tuple[str, str], tuple[str, str, str, str]] = {
    # (entity, relation) -> (related entity, FROM, WHERE, ORDER BY), as ``lookups`` reads
    ("article", "topics"): (
        "topic",
        "article_topics x JOIN topics {c} ON {c}.id = x.topic_id",
        "x.article_id = {p}.id",
        "x.position",
    ),
    ("article", "related"): (
        "link",
        "related_links {c}",
        "{c}.article_id = {p}.id",
        "{c}.position",
    ),
    ("article", "images"): _images("article"),
    ("link", "images"): _images("related"),
    ("provider", "images"): _images("provider"),
    ("topic", "images"): _images("topic"),
    ("topic", "children"): (
        "topic",
        "topics {c}",
        "{c}.parent_name = {p}.name",
        "{c}.name, {c}.id",
    ),
}

# The entity whose articles each parent relation of a list lists (``article_lists``).
PARENTS: dict[str, str] = {"provider": "provider", "topic": "topic", "citing": "article"}


# The parent's column each relation reads (``{p}.<column>`` in the tables above).
KEYS: dict[tuple[str, str], str] = {
    ("article", "provider"): "provider_id",
    ("link", "provider"): "provider_id",
    ("link", "article"): "target_article_id",
    ("link", "source"): "article_id",
    ("topic", "parent"): "parent_name",
    ("topic", "children"): "name",
}


def selected(entity: str, alias: str, fields: Fields) -> str:
    """The select list of the rows an object is built from: the columns its values and
    relations read, not the whole row (an article's body is most of it)."""
    names = {"id"}
    for field in fields:
        if isinstance(field, Value | Encoded):
            names.add(column_of(entity, field.column).name)
        elif isinstance(field, Related):
            names.add(KEYS.get((entity, field.relation), "id"))
    return ", ".join(f"{alias}.{name}" for name in sorted(names))


def column_of(entity: str, name: str) -> Column:
    table = ENTITIES[entity]
    for column in table.read_columns:
        if column.row_field == name:
            return column
    raise TreeUnsupported(f"{entity} has no plain column {name!r}")


def nullable(entity: str, column: str) -> bool:
    """Whether the entity's ``column`` may hold NULL (checked against its declaration)."""
    declaration = column_of(entity, column).declaration
    return "NOT NULL" not in declaration and "PRIMARY KEY" not in declaration


def value_column(entity: str, column: str) -> bool:
    """Whether ``column`` is one ``Value`` can read (a plain, timestamp or flag column)."""
    try:
        return column_of(entity, column).codec in (PLAIN, TIMESTAMP, FLAG)
    except (TreeUnsupported, KeyError):
        return False


def relation_kind(entity: str, relation: str) -> str | None:
    """``one`` or ``many`` for a relation of ``entity`` a tree may hold, else None."""
    if (entity, relation) in ONE:
        return "one"
    return "many" if (entity, relation) in MANY else None
