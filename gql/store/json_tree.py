"""A tree of reads answered by one SQL statement that builds the whole answer as JSON.

A client's page is a tree: a list of articles, each with its publisher, its topics and its
related links, each of those with fields of its own. ``load_json`` answers such a tree
(``Tree``: entities, their columns and relations, article lists given as ``ArticleList``)
with one statement whose single value is the answer's JSON text, built by the database
(SQLite's ``json_object``/``json_group_array``, PostgreSQL's ``json_build_object``/
``json_agg``): no row of it crosses into Python, and the statement count does not grow
with the tree, as PostGraphile answers a query.

The statement is the same reads the batch functions make (``lookups``,
``article_lists``), written as correlated subqueries: a relation keeps their order (file
position, a list's sort keys), a list page their keyset window and filter
(``paging``, ``filtering``). Values are rendered as the readers decode them: a timestamp
as ISO 8601 with its UTC offset (``2024-05-01T09:30:00+00:00``, what a UTC ``datetime``
prints), a flag as a boolean, everything else as stored.

What the tree cannot say is refused before any SQL is written (``TreeUnsupported``): a
backward page (``last``/``before``), a search, a column that is not a plain value, a
relation not in the tables below. The caller answers those some other way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gql.store.article_lists import ARTICLE_ORDER_SQL, ArticleList
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
from gql.store.database import Store
from gql.store.dialect import Dialect
from gql.store.filtering import where
from gql.store.paging import order_by, sort_keys, window_sql


class TreeUnsupported(Exception):
    """The tree asks for something one statement does not answer here."""


@dataclass(frozen=True, slots=True)
class Value:
    """A column of the entity, under a response key (``column``: the row field's name)."""

    key: str
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
    """The page's articles, inside a ``Page``."""

    key: str
    fields: Fields


@dataclass(frozen=True, slots=True)
class Count:
    """How many articles the page's list has (its filter, not its window), in a ``Page``."""

    key: str


@dataclass(frozen=True, slots=True)
class Page:
    """A page of articles as an object: its ``Nodes``, ``Count`` and ``Constant`` fields."""

    key: str
    parent: str | None
    spec: ArticleList
    fields: tuple[Nodes | Count | Constant, ...]


@dataclass(frozen=True, slots=True)
class Lookup:
    """One entity by a unique column's value (null when none has it), at the root."""

    key: str
    entity: str
    column: str
    value: Any
    fields: Fields


Field = Value | Constant | Related | Articles | Page
Fields = tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Tree:
    """The root object: article lists and lookups under their response keys."""

    fields: tuple[Articles | Page | Lookup | Constant, ...]


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

# A parent's articles, as a condition on ``articles a`` (``{p}``: the parent), as
# ``article_lists.PARENT_CONDITIONS`` states them for one parent id.
PARENTS: dict[tuple[str, str], str] = {
    ("provider", "provider"): "a.provider_id = {p}.id",
    ("topic", "topic"): (
        "EXISTS (SELECT 1 FROM article_topics x WHERE x.article_id = a.id AND x.topic_id = {p}.id)"
    ),
    ("article", "citing"): (
        "a.id IN (SELECT r.article_id FROM related_links r WHERE r.target_article_id = {p}.id)"
    ),
}


def _column(entity: str, name: str) -> Column:
    table = ENTITIES[entity]
    for column in table.read_columns:
        if column.row_field == name:
            return column
    raise TreeUnsupported(f"{entity} has no plain column {name!r}")


def nullable(entity: str, column: str) -> bool:
    """Whether the entity's ``column`` may hold NULL (checked against its declaration)."""
    declaration = _column(entity, column).declaration
    return "NOT NULL" not in declaration and "PRIMARY KEY" not in declaration


def value_column(entity: str, column: str) -> bool:
    """Whether ``column`` is one ``Value`` can read (a plain, timestamp or flag column)."""
    try:
        return _column(entity, column).codec in (PLAIN, TIMESTAMP, FLAG)
    except (TreeUnsupported, KeyError):
        return False


class _Writer:
    """One statement being written: its text in pieces, parameters in text order."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.postgres = dialect.name == "postgresql"
        self.params: list[Any] = []
        self._aliases = 0

    def alias(self) -> str:
        self._aliases += 1
        return f"e{self._aliases}"

    # --- JSON in each engine's words ---------------------------------------------------

    def obj(self, pairs: list[tuple[str, str]]) -> str:
        if not pairs:
            raise TreeUnsupported("an object with no fields")
        function = "json_build_object" if self.postgres else "json_object"
        return f"{function}({', '.join(f'{_quote(k)}, {v}' for k, v in pairs)})"

    def array(self, item: str) -> str:
        if self.postgres:
            return f"coalesce(json_agg({item}), '[]'::json)"
        return f"json_group_array({item})"

    def nested(self, subquery: str) -> str:
        """A subquery's JSON as a value of an enclosing object (SQLite forgets that a
        subquery's value is JSON: ``json()`` says it again)."""
        return f"({subquery})" if self.postgres else f"json(({subquery}))"

    def value(self, entity: str, alias: str, name: str) -> str:
        column = _column(entity, name)
        sql = f"{alias}.{column.name}"
        if column.codec is TIMESTAMP:
            return f"CASE WHEN {sql} <> '' THEN substr({sql}, 1, 19) || '+00:00' END"
        if column.codec is FLAG:
            if self.postgres:
                return f"CASE WHEN {sql} IS NULL THEN NULL ELSE {sql} <> 0 END"
            flag = f"CASE WHEN {sql} IS NULL THEN NULL WHEN {sql} <> 0 THEN 'true' ELSE 'false' END"
            return f"json({flag})"
        if column.codec is not PLAIN:
            raise TreeUnsupported(f"{entity}.{name} is not a plain value")
        return sql

    # --- the tree ----------------------------------------------------------------------

    def tree(self, tree: Tree) -> str:
        pairs = []
        for field in tree.fields:
            if isinstance(field, Lookup):
                pairs.append((field.key, self.lookup(field)))
            elif isinstance(field, Constant):
                pairs.append((field.key, _quote(field.value)))
            else:
                pairs.append((field.key, self.articles(field, None, None)))
        answer = self.obj(pairs)
        return f"SELECT ({answer})::text" if self.postgres else f"SELECT {answer}"

    def lookup(self, lookup: Lookup) -> str:
        table = ENTITIES[lookup.entity]
        alias = self.alias()
        column = _column(lookup.entity, lookup.column).name
        body = self.object(lookup.entity, alias, lookup.fields, many=False)
        self.params.append(lookup.value)
        return self.nested(f"SELECT {body} FROM {table.name} {alias} WHERE {alias}.{column} = ?")

    def object(self, entity: str, alias: str, fields: Fields, *, many: bool) -> str:
        """The JSON object of one row of ``entity`` (``many``: one of many rows)."""
        pairs = []
        for field in fields:
            if isinstance(field, Value):
                pairs.append((field.key, self.value(entity, alias, field.column)))
            elif isinstance(field, Constant):
                pairs.append((field.key, _quote(field.value)))
            elif isinstance(field, Related):
                pairs.append((field.key, self.related(entity, alias, field, many)))
            else:
                if many:
                    # A page per row of a list: SQL would read each parent's page again
                    # for every row naming it; batches read it once.
                    raise TreeUnsupported("a page of articles for each row of a list")
                pairs.append((field.key, self.articles(field, entity, alias)))
        return self.obj(pairs)

    def related(self, entity: str, parent: str, field: Related, many: bool) -> str:
        one = ONE.get((entity, field.relation))
        if one is not None:
            target, found = one
            alias = self.alias()
            body = self.object(target, alias, field.fields, many=many)
            where_sql = found.format(c=alias, p=parent)
            table = ENTITIES[target].name
            return self.nested(f"SELECT {body} FROM {table} {alias} WHERE {where_sql}")
        listed = MANY.get((entity, field.relation))
        if listed is None:
            raise TreeUnsupported(f"{entity}.{field.relation}")
        target, source, condition, order = listed
        inner, alias = self.alias(), self.alias()
        rows = (
            f"SELECT {inner}.* FROM {source.format(c=inner)}"
            f" WHERE {condition.format(c=inner, p=parent)} ORDER BY {order.format(c=inner)}"
        )
        body = self.object(target, alias, field.fields, many=True)
        return self.nested(f"SELECT {self.array(body)} FROM ({rows}) {alias}")

    def articles(self, field: Articles | Page, entity: str | None, parent: str | None) -> str:
        spec = field.spec
        if spec.search is not None or spec.window.backward:
            raise TreeUnsupported("a search or a backward page")
        if field.parent is None:
            parent_sql = "TRUE"
        else:
            if entity is None or parent is None or (entity, field.parent) not in PARENTS:
                raise TreeUnsupported(f"articles of {entity} by {field.parent}")
            parent_sql = PARENTS[(entity, field.parent)].format(p=parent)
        if isinstance(field, Articles):
            return self.page_nodes(spec, parent_sql, field.fields)
        pairs = []
        for item in field.fields:
            if isinstance(item, Nodes):
                pairs.append((item.key, self.page_nodes(spec, parent_sql, item.fields)))
            elif isinstance(item, Count):
                condition, params = where(spec.condition, "article", self.dialect)
                self.params += params
                count = f"SELECT count(*) FROM articles a WHERE {parent_sql} AND {condition}"
                pairs.append((item.key, f"({count})"))
            else:
                pairs.append((item.key, _quote(item.value)))
        return self.obj(pairs)

    def page_nodes(self, spec: ArticleList, parent_sql: str, fields: Fields) -> str:
        keys = sort_keys(spec.order, ARTICLE_ORDER_SQL, "a.id")
        condition, params = where(spec.condition, "article", self.dialect)
        self.params += params
        window = window_sql(keys, spec.window, self.params)
        rows = (
            f"SELECT a.* FROM articles a WHERE {parent_sql} AND {condition} AND {window}"
            f" ORDER BY {order_by(keys, reverse=False)} LIMIT ?"
        )
        self.params.append(spec.window.size)
        alias = self.alias()
        body = self.object("article", alias, fields, many=True)
        return self.nested(f"SELECT {self.array(body)} FROM ({rows}) {alias}")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def statement(tree: Tree, dialect: Dialect) -> tuple[str, list[Any]]:
    """The statement answering ``tree`` and its parameters (``TreeUnsupported`` if none)."""
    writer = _Writer(dialect)
    sql = writer.tree(tree)
    return sql, writer.params


async def load_json(store: Store, sql: str, params: Sequence[Any]) -> str:
    """The JSON text of the answer of ``statement(tree)``'s ``sql`` and ``params``."""
    rows = await store.execute(sql, params)
    text = rows[0][0]
    return text if isinstance(text, str) else str(text)
