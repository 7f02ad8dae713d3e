"""The PostgreSQL copy of a gql database, for PostGraphile: the DDL and the rows.

Everything is derived from the SQLite file itself (``PRAGMA table_info``, ``index_list``,
``foreign_key_list``), so a column added to gql's tables reaches the peer without an edit
here. What PostGraphile needs beyond a faithful copy, and gets here to have its best case:

- Column types it maps to the GraphQL types gql uses: ``INTEGER`` becomes ``integer`` when
  every value fits (``bigint`` would be PostGraphile's ``BigInt``, a string in JSON), a
  ``*_at`` text column ``timestamptz`` (gql stores ``YYYY-MM-DDTHH:MM:SSZ``, which
  PostgreSQL parses as such).
- The primary keys, unique constraints and foreign keys of the source, and every index
  gql has, plus one on each foreign-key column that no index starts with: PostGraphile 5
  exposes a backward relation (``articlesByProviderId``) and an ``orderBy`` value only
  over an index, and PostgreSQL does not index foreign keys by itself.
- An index ``article_topics(article_id, position)``, so that an article's topics come in
  file order (an ``orderBy: POSITION_ASC`` PostGraphile offers only over an index). A
  topic's newest articles are one walk of gql's own ``article_topics_published`` (gql
  keeps each article's date in ``article_topics``), which the copy has like every index.
- ``article_images``: the images whose owner is an article, with a foreign key
  (gql's ``images`` table is keyed by ``owner_kind``/``owner_id``, which no foreign key
  can express, so PostGraphile could not reach it from an article).
- ``articles_cited_by(articles)``: a ``STABLE`` SQL function that PostGraphile exposes as
  ``Article.citedBy`` (a "computed column"): the distinct articles whose related links
  point at this one, newest first (undated last), as gql's ``citedBy``.
- ``ANALYZE`` after the copy.

The rows go through ``COPY ... FROM STDIN`` in PostgreSQL's text format (``copy_text``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# gql's tables that the peer serves; bookkeeping (files, meta) and the FTS index stay out.
TABLES = ("providers", "topics", "articles", "article_topics", "related_links", "images")
INT32_MAX = 2**31 - 1

EXTRA_SQL = """
CREATE INDEX article_topics_article_position ON article_topics(article_id, position);

CREATE TABLE article_images (
    id integer PRIMARY KEY,
    article_id integer NOT NULL REFERENCES articles(id),
    position integer NOT NULL,
    url text NOT NULL,
    width integer,
    height integer,
    title text,
    UNIQUE (article_id, position)
);
INSERT INTO article_images
    SELECT id, owner_id, position, url, width, height, title FROM images
    WHERE owner_kind = 'article';

CREATE FUNCTION articles_cited_by(a articles) RETURNS SETOF articles
LANGUAGE sql STABLE AS $$
    SELECT c.* FROM articles c
    WHERE c.id IN (SELECT r.article_id FROM related_links r WHERE r.target_article_id = a.id)
    ORDER BY c.published_at DESC NULLS LAST, c.id DESC
$$;
"""


@dataclass(frozen=True)
class PgColumn:
    """One column of the copy: its name, PostgreSQL type and nullability."""

    name: str
    pg_type: str
    not_null: bool


@dataclass(frozen=True)
class PgTable:
    """One table of the copy and what its DDL needs."""

    name: str
    columns: tuple[PgColumn, ...]
    primary_key: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...]
    foreign_keys: tuple[tuple[str, str, str], ...]
    """``(column, referenced table, referenced column)``."""
    indexes: tuple[tuple[str, tuple[str, ...]], ...]
    """``(name, columns)`` of the source's plain indexes."""


def _is_timestamp(name: str) -> bool:
    return name.endswith("_at")


def _pg_type(conn: sqlite3.Connection, table: str, name: str, declared: str) -> str:
    declared = declared.upper()
    if "INT" in declared:
        low, high = conn.execute(f'SELECT min("{name}"), max("{name}") FROM "{table}"').fetchone()
        fits = all(v is None or -INT32_MAX <= v <= INT32_MAX for v in (low, high))
        return "integer" if fits else "bigint"
    if _is_timestamp(name):
        return "timestamptz"
    if "REAL" in declared or "FLOA" in declared or "DOUB" in declared:
        return "double precision"
    return "text"


def _index_columns(conn: sqlite3.Connection, index: str) -> tuple[str, ...]:
    return tuple(row[2] for row in conn.execute(f'PRAGMA index_info("{index}")'))


def read_tables(conn: sqlite3.Connection, names: Sequence[str] = TABLES) -> list[PgTable]:
    """The tables ``names`` of the gql database ``conn``, described for PostgreSQL."""
    tables = []
    for table in names:
        info = list(conn.execute(f'PRAGMA table_info("{table}")'))
        if not info:
            raise LookupError(f"the gql database has no table {table!r}")
        columns = tuple(
            PgColumn(row[1], _pg_type(conn, table, row[1], row[2]), bool(row[3] or row[5]))
            for row in info
        )
        primary_key = tuple(row[1] for row in sorted(info, key=lambda r: r[5]) if row[5])
        unique: list[tuple[str, ...]] = []
        indexes: list[tuple[str, tuple[str, ...]]] = []
        for row in conn.execute(f'PRAGMA index_list("{table}")'):
            index, is_unique, origin = row[1], row[2], row[3]
            cols = _index_columns(conn, index)
            if origin == "pk" or cols == primary_key:
                continue
            if is_unique:
                unique.append(cols)
            else:
                indexes.append((index, cols))
        foreign_keys = tuple(
            (row[3], row[2], row[4] or "id")
            for row in conn.execute(f'PRAGMA foreign_key_list("{table}")')
        )
        tables.append(
            PgTable(
                table,
                columns,
                primary_key,
                tuple(sorted(unique)),
                foreign_keys,
                tuple(sorted(indexes)),
            )
        )
    return tables


def create_table_sql(table: PgTable) -> str:
    """``CREATE TABLE`` with the primary key and unique constraints (no foreign keys yet:
    they are added after the rows, which is faster and needs no load order)."""
    lines = [f"{c.name} {c.pg_type}{' NOT NULL' if c.not_null else ''}" for c in table.columns]
    lines.append(f"PRIMARY KEY ({', '.join(table.primary_key)})")
    lines += [f"UNIQUE ({', '.join(cols)})" for cols in table.unique]
    body = ",\n".join(f"    {line}" for line in lines)
    return f"CREATE TABLE {table.name} (\n{body}\n);"


def constraints_sql(tables: Sequence[PgTable]) -> list[str]:
    """The foreign keys and indexes, to run once the rows are in.

    Every foreign-key column gets an index unless one of the source's indexes (or a key)
    already starts with it: PostGraphile hides relations and orderings without one.
    """
    statements = []
    for table in tables:
        starts = {cols[0] for _, cols in table.indexes}
        starts |= {cols[0] for cols in table.unique} | {table.primary_key[0]}
        for name, cols in table.indexes:
            statements.append(f"CREATE INDEX {name} ON {table.name}({', '.join(cols)});")
        for column, target, target_column in table.foreign_keys:
            statements.append(
                f"ALTER TABLE {table.name} ADD FOREIGN KEY ({column})"
                f" REFERENCES {target}({target_column});"
            )
            if column not in starts:
                statements.append(f"CREATE INDEX {table.name}_{column} ON {table.name}({column});")
                starts.add(column)
    return statements


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    r"""One value in COPY's text format: ``\N`` for NULL, backslash escapes for the rest."""
    if value is None:
        return "\\N"
    text = str(value)
    return text.translate(_COPY_ESCAPES)


def copy_text(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The lines of a ``COPY ... FROM STDIN`` data block (without the closing ``\\.``)."""
    for row in rows:
        yield "\t".join(_copy_value(value) for value in row) + "\n"


def copy_script(source: Path) -> Iterator[str]:
    """The whole SQL script that builds the copy of the gql database ``source``, in pieces
    (for ``psql -f -``): DDL, the rows of each table, constraints, extras, ``ANALYZE``."""
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        tables = read_tables(conn)
        yield "\\set ON_ERROR_STOP on\nSET client_min_messages = warning;\nBEGIN;\n"
        for table in tables:
            yield create_table_sql(table) + "\n"
        for table in tables:
            names = [c.name for c in table.columns]
            quoted = ", ".join(f'"{n}"' for n in names)
            yield f"COPY {table.name} ({', '.join(names)}) FROM STDIN;\n"
            yield from copy_text(conn.execute(f'SELECT {quoted} FROM "{table.name}" ORDER BY 1'))
            yield "\\.\n"
        for statement in constraints_sql(tables):
            yield statement + "\n"
        yield EXTRA_SQL
        yield "COMMIT;\nANALYZE;\n"
    finally:
        conn.close()


def ddl(source: Path) -> str:
    """The schema part of ``copy_script`` (no rows): what the peer's PostgreSQL holds."""
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        tables = read_tables(conn)
    finally:
        conn.close()
    parts = [create_table_sql(t) for t in tables] + constraints_sql(tables) + [EXTRA_SQL]
    return "\n".join(parts)
