"""The one statement of a ``Tree`` (``gql.store.json_tree``), written for each backend.

``json_statement`` writes the statement and its parameters, ``load_json`` runs it. Each
object of the tree is a ``json_object`` (PostgreSQL: ``json_build_object``) of its row,
each list a ``json_group_array`` (``json_agg``) over an ordered subquery, each relation a
correlated subquery on the parent's row; every row in view of an object has an alias of
its own (``e1``, ``e2``, ...), so the store's own list fragments (``where``,
``window_sql``, ``order_by``, written for ``articles a``) nest at any depth. A page of
articles for each row of a list is refused (``TreeUnsupported``): SQL would read a parent's
page again for every row naming it, where the batch functions read it once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from gql.store.article_lists import ARTICLE_ORDER_SQL, ArticleList, parent_list
from gql.store.columns import FLAG, PLAIN, TIMESTAMP
from gql.store.database import Store
from gql.store.dialect import Dialect
from gql.store.filtering import where
from gql.store.json_tree import (
    ENTITIES,
    MANY,
    ONE,
    PARENTS,
    ArticlePage,
    Articles,
    Bounds,
    Constant,
    Count,
    Cursor,
    Edges,
    Encoded,
    Fields,
    Lookup,
    More,
    Nodes,
    Related,
    Tree,
    TreeUnsupported,
    Value,
    column_of,
    selected,
)
from gql.store.paging import NEWEST_FIRST, OrderKey, SortKeys, order_by, sort_keys, window_sql

MAX_PAIRS_SQLITE = 63
"""Keys one ``json_object`` takes: SQLite's functions take at most 127 arguments."""
MAX_PAIRS_POSTGRES = 50
"""Keys one ``json_build_object`` takes: PostgreSQL's functions take at most 100."""


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
        if len(pairs) > (MAX_PAIRS_POSTGRES if self.postgres else MAX_PAIRS_SQLITE):
            raise TreeUnsupported("more fields in one object than the JSON function takes")
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
        column = column_of(entity, name)
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

    def encoded(self, entity: str, alias: str, field: Encoded) -> str:
        column = column_of(entity, field.column)
        if column.codec is not PLAIN:
            raise TreeUnsupported(f"{entity}.{field.column} is not text")
        return self.base64url(f"{_quote(field.prefix)} || {alias}.{column.name}")

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
        column = column_of(lookup.entity, lookup.column).name
        body = self.object(lookup.entity, alias, lookup.fields, many=False)
        self.params.append(lookup.value)
        return self.nested(f"SELECT {body} FROM {table.name} {alias} WHERE {alias}.{column} = ?")

    def object(self, entity: str, alias: str, fields: Fields, *, many: bool) -> str:
        """The JSON object of one row of ``entity`` (``many``: one of many rows)."""
        pairs = []
        for field in fields:
            if isinstance(field, Value):
                pairs.append((field.key, self.value(entity, alias, field.column)))
            elif isinstance(field, Encoded):
                pairs.append((field.key, self.encoded(entity, alias, field)))
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
            f"SELECT {selected(target, inner, field.fields)} FROM {source.format(c=inner)}"
            f" WHERE {condition.format(c=inner, p=parent)} ORDER BY {order.format(c=inner)}"
        )
        body = self.object(target, alias, field.fields, many=True)
        return self.nested(f"SELECT {self.array(body)} FROM ({rows}) {alias}")

    def articles(
        self, field: Articles | ArticlePage, entity: str | None, parent: str | None
    ) -> str:
        spec = field.spec
        if spec.search is not None or spec.window.backward:
            raise TreeUnsupported("a search or a backward page")
        if field.parent is not None:
            if entity is None or parent is None or PARENTS.get(field.parent) != entity:
                raise TreeUnsupported(f"articles of {entity} by {field.parent}")
        if isinstance(field, Articles):
            return self.page_nodes(spec, field.parent, parent, field.fields)
        pairs = []
        for item in field.fields:
            if isinstance(item, Nodes):
                pairs.append((item.key, self.page_nodes(spec, field.parent, parent, item.fields)))
            elif isinstance(item, Edges):
                pairs.append((item.key, self.edges(spec, field, parent, item)))
            elif isinstance(item, Bounds):
                pairs.append((item.key, self.bounds(spec, field, parent, item)))
            elif isinstance(item, Count):
                source, parent_sql, _ = self.source(field.parent, NEWEST_FIRST, parent)
                condition, params = where(spec.condition, "article", self.dialect)
                self.params += params
                count = f"SELECT count(*) FROM {source} WHERE {parent_sql} AND {condition}"
                pairs.append((item.key, f"({count})"))
            else:
                pairs.append((item.key, _quote(item.value)))
        return self.obj(pairs)

    @staticmethod
    def source(
        relation: str | None, order: Sequence[OrderKey], parent: str | None
    ) -> tuple[str, str, SortKeys]:
        """``(FROM, WHERE, sort keys)`` of a list's articles: of all, or of ``parent``'s."""
        if relation is None or parent is None:
            return "articles a", "TRUE", sort_keys(order, ARTICLE_ORDER_SQL, "a.id")
        return parent_list(relation, order, f"{parent}.id")

    def page_nodes(
        self, spec: ArticleList, relation: str | None, parent: str | None, fields: Fields
    ) -> str:
        alias = self.alias()
        body = self.object("article", alias, fields, many=True)  # before the rows' parameters
        rows = self.rows(spec, relation, parent, fields, keyed=False)
        return self.nested(f"SELECT {self.array(body)} FROM ({rows}) {alias}")

    def rows(
        self,
        spec: ArticleList,
        relation: str | None,
        parent: str | None,
        fields: Fields,
        *,
        keyed: bool,
        skip: bool = False,
    ) -> str:
        """The page's rows in list order (``keyed``: with their sort values as ``k0``,
        ``k1``, ...; ``skip``: the rows after the page instead, for ``EXISTS``)."""
        source, parent_sql, keys = self.source(relation, spec.order, parent)
        condition, params = where(spec.condition, "article", self.dialect)
        self.params += params
        window = window_sql(keys, spec.window, self.params)
        columns = "1" if skip else selected("article", "a", fields)
        if keyed:
            columns += "".join(f", {sql} AS k{i}" for i, (sql, _) in enumerate(keys))
        rows = (
            f"SELECT {columns} FROM {source} WHERE {parent_sql} AND {condition} AND {window}"
            f" ORDER BY {order_by(keys, reverse=False)} LIMIT {'1 OFFSET ' if skip else ''}?"
        )
        self.params.append(spec.window.size)
        return rows

    def cursor(self, alias: str, page: ArticlePage) -> str:
        """The cursor of the row ``alias`` (its ``k0``, ``k1``, ...) in ``page``'s list."""
        keys = self.source(page.parent, page.spec.order, "p")[2]
        if any(sql == ARTICLE_ORDER_SQL["title"] for sql, _ in keys):
            # Text sort values would need JSON escapes exactly as Python writes them.
            raise TreeUnsupported("cursors of a list by title")
        parts = [_quote(json.dumps(page.tag, ensure_ascii=False))]
        for i in range(len(keys)):
            if self.postgres:
                parts.append(f"coalesce(to_json({alias}.k{i})::text, 'null')")
            else:
                parts.append(f"json_quote({alias}.k{i})")
        return self.base64url("'[' || " + " || ',' || ".join(parts) + " || ']'")

    def edges(self, spec: ArticleList, page: ArticlePage, parent: str | None, edges: Edges) -> str:
        alias = self.alias()
        pairs = []
        nodes: list[Any] = []
        for item in edges.fields:
            if isinstance(item, Nodes):
                pairs.append((item.key, self.object("article", alias, item.fields, many=True)))
                nodes += item.fields
            elif isinstance(item, Cursor):
                pairs.append((item.key, self.cursor(alias, page)))
            else:
                pairs.append((item.key, _quote(item.value)))
        body = self.obj(pairs)
        rows = self.rows(spec, page.parent, parent, tuple(nodes), keyed=True)
        return self.nested(f"SELECT {self.array(body)} FROM ({rows}) {alias}")

    def bounds(
        self, spec: ArticleList, page: ArticlePage, parent: str | None, bounds: Bounds
    ) -> str:
        pairs = []
        for item in bounds.fields:
            if isinstance(item, More) and item.which == "previous":
                pairs.append((item.key, self.boolean(spec.window.after is not None)))
            elif isinstance(item, More):
                rows = self.rows(spec, page.parent, parent, (), keyed=False, skip=True)
                pairs.append((item.key, self.exists(rows)))
            elif isinstance(item, Cursor):
                alias = self.alias()
                cursor = self.cursor(alias, page)
                rows = self.rows(spec, page.parent, parent, (), keyed=True)
                keys = self.source(page.parent, spec.order, "p")[2]
                last = [(f"{alias}.k{i}", descending) for i, (_, descending) in enumerate(keys)]
                order = order_by(last, reverse=item.which == "end")
                one = f"SELECT {cursor} FROM ({rows}) {alias} ORDER BY {order} LIMIT 1"
                pairs.append((item.key, f"({one})"))
            else:
                pairs.append((item.key, _quote(item.value)))
        return self.obj(pairs)

    def boolean(self, value: bool) -> str:
        if self.postgres:
            return "TRUE" if value else "FALSE"
        return "json('true')" if value else "json('false')"

    def exists(self, rows: str) -> str:
        if self.postgres:
            return f"EXISTS ({rows})"
        return f"json(CASE WHEN EXISTS ({rows}) THEN 'true' ELSE 'false' END)"

    def base64url(self, text: str) -> str:
        """Unpadded base64url of the UTF-8 of the SQL text expression ``text``."""
        if self.postgres:
            base64 = f"encode(convert_to({text}, 'UTF8'), 'base64')"
            # PostgreSQL breaks its base64 into lines: the newlines go with the padding.
            return f"rtrim(translate({base64}, E'+/\\n', '-_'), '=')"
        return f"gql_base64url({text})"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def json_statement(tree: Tree, dialect: Dialect) -> tuple[str, list[Any]]:
    """The statement answering ``tree`` and its parameters (``TreeUnsupported`` if none)."""
    writer = _Writer(dialect)
    sql = writer.tree(tree)
    return sql, writer.params


TRY_HERE_MS = 5
"""A statement's first run on the event loop's connection gets this long."""
HERE_MS = 10
"""Later runs of a statement that took less than ``TRY_HERE_MS`` there get this long."""


class Placement:
    """Where a statement runs: on the event loop's connection while it proves cheap there
    (``Store.execute_here``: measured at 10k articles, the front, topic and article pages
    serve 27-38% more requests a second than through a pooled connection's thread), on
    the pool once it does not (stopped at its limit, it runs again there, and stays)."""

    __slots__ = ("here",)

    def __init__(self) -> None:
        self.here: bool | None = None
        """None: not run yet; True: cheap on the event loop; False: on the pool."""


async def load_json(
    store: Store, sql: str, params: Sequence[Any], placement: Placement | None = None
) -> str:
    """The JSON text of the answer of ``json_statement(tree)``'s ``sql`` and ``params``,
    run where ``placement`` says (without one, on the pool)."""
    rows = None
    if placement is not None and placement.here is not False:
        limit_ms = HERE_MS if placement.here else TRY_HERE_MS
        rows = store.execute_here(sql, params, limit_ms)
        placement.here = rows is not None
    if rows is None:
        rows = await store.execute(sql, params)
    text = rows[0][0]
    return text if isinstance(text, str) else str(text)
