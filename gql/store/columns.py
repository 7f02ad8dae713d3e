"""The column table: every stored entity's columns, declared once, in table order.

A column's name, SQL declaration, value encoding and the row field it is read into are
written here and nowhere else. The ``CREATE TABLE`` statements (``ddl``), the select lists
and row decoders of the readers (``rows``), and the ``INSERT``/``UPDATE`` column lists of
the writer derive from these declarations, so adding a column, or reordering one, is one
edit, and no reader decodes a row by hand-counted positions.

A ``Table`` knows its columns; a ``Write`` is an ``INSERT``/``UPDATE`` of some, with their
encoders; a ``Reader`` is a row type's select list, and its decoder of fetched tuples."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from gql.store.encoding import (
    from_flag,
    from_timestamp,
    to_flag,
    to_json_list,
    to_json_list_kept_empty,
    to_json_object,
    to_timestamp,
)

Row = tuple[Any, ...]
R = TypeVar("R", bound=tuple[Any, ...])
R_co = TypeVar("R_co", covariant=True)
Convert = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Codec:
    """How a column's Python value is stored and read back; ``None`` is "as is"."""

    encode: Convert | None = None
    decode: Convert | None = None


PLAIN = Codec()
TIMESTAMP = Codec(to_timestamp, from_timestamp)
FLAG = Codec(to_flag, from_flag)
# JSON columns are read as text: the row decodes them when a field asks (most requests
# never do), see ``rows``.
JSON_OBJECT = Codec(to_json_object)
JSON_LIST = Codec(to_json_list)
JSON_LIST_KEPT_EMPTY = Codec(to_json_list_kept_empty)


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its name, its SQL declaration, its codec, and the field of the table's
    row type it is read into (``field`` defaults to the name; ``read=False`` columns are
    written and queried but not part of the row)."""

    name: str
    declaration: str
    codec: Codec = PLAIN
    field: str | None = None
    read: bool = True

    @property
    def row_field(self) -> str:
        return self.field or self.name


@dataclass(frozen=True)
class Table:
    """A stored entity: its table name, the alias every statement gives it, its columns
    in table order, and the table constraints that follow them."""

    name: str
    alias: str
    columns: tuple[Column, ...]
    constraints: tuple[str, ...] = ()
    options: str = ""

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise AssertionError(f"table {self.name} has no column {name!r}")

    @property
    def create_sql(self) -> str:
        """The ``CREATE TABLE IF NOT EXISTS`` statement of this table."""
        lines = [f"{c.name} {c.declaration}" for c in self.columns] + list(self.constraints)
        body = ",\n".join(f"    {line}" for line in lines)
        options = f" {self.options}" if self.options else ""
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n{body}\n){options};"

    @property
    def read_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.read)

    @property
    def row_fields(self) -> tuple[str, ...]:
        """The fields of this table's row type, in order."""
        return tuple(c.row_field for c in self.read_columns)

    def select_list(self, names: Iterable[str] | None = None) -> str:
        """``a.id, a.url, ...``: the read columns (or ``names``), qualified by the alias."""
        chosen = [c.name for c in self.read_columns] if names is None else list(names)
        return ", ".join(f"{self.alias}.{self.column(name).name}" for name in chosen)


class Write:
    """An ``INSERT`` or ``UPDATE`` of some of a table's columns, and their encoding.

    ``values(**python_values)`` gives the bound parameters in column order, each passed
    through its column's encoder; every column must be given, by name.
    """

    def __init__(self, table: Table, names: Iterable[str]) -> None:
        self.table = table
        self.names = tuple(names)
        self._pick = operator.itemgetter(*self.names)
        self._encoders = tuple(
            (i, encode)
            for i, name in enumerate(self.names)
            if (encode := table.column(name).codec.encode) is not None
        )
        self.columns_sql = ", ".join(self.names)
        """``url, slug, ...``: the column list of the statement."""
        placeholders = ", ".join("?" * len(self.names))
        self.insert_sql = f"INSERT INTO {table.name}({self.columns_sql}) VALUES ({placeholders})"
        """``INSERT INTO t(c1, c2) VALUES (?, ?)``."""
        self.insert_or_ignore_sql = f"{self.insert_sql} ON CONFLICT DO NOTHING"
        self.insert_returning_id_sql = f"{self.insert_sql} RETURNING id"

    def update_sql(self, key: str = "id") -> str:
        """``UPDATE t SET c1 = ?, c2 = ? WHERE key = ?`` (the values, then the key)."""
        assignments = ", ".join(f"{name} = ?" for name in self.names)
        return f"UPDATE {self.table.name} SET {assignments} WHERE {key} = ?"

    def clear_sql(self, key: str = "id") -> str:
        """``UPDATE t SET c1 = NULL, c2 = NULL WHERE key = ?``."""
        cleared = ", ".join(f"{name} = NULL" for name in self.names)
        return f"UPDATE {self.table.name} SET {cleared} WHERE {key} = ?"

    def upsert_sql(self, key: str) -> str:
        """``INSERT ... ON CONFLICT(key) DO UPDATE`` every other column of this write."""
        updates = ", ".join(f"{name} = excluded.{name}" for name in self.names if name != key)
        return f"{self.insert_sql} ON CONFLICT({key}) DO UPDATE SET {updates}"

    def values(self, **values: Any) -> Row:
        """The encoded parameters, in column order, of the columns given by name."""
        picked = self._picked(values)
        if not self._encoders:
            return picked
        row = list(picked)
        for i, encode in self._encoders:
            row[i] = encode(row[i])
        return tuple(row)

    def stored_values(self, **values: Any) -> Row:
        """The parameters, in column order, of values already as stored (copied from
        another row), so not encoded again."""
        return self._picked(values)

    def _picked(self, values: dict[str, Any]) -> Row:
        if len(values) == len(self.names):
            try:
                picked = self._pick(values)
            except KeyError:
                pass
            else:
                return picked if len(self.names) > 1 else (picked,)
        raise AssertionError(
            f"{self.table.name}: expected columns {sorted(self.names)}, got {sorted(values)}"
        )


class Decode(Protocol[R_co]):
    """A row decoder: the row starting at column ``start`` of a fetched tuple."""

    def __call__(self, fetched: Row, start: int = 0, /) -> R_co: ...


class Reader(Generic[R]):
    """The read columns of a table as one row type: a select list and its decoder.

    ``select`` goes into a statement's select list (``SELECT {reader.select} FROM ...``);
    ``decode(fetched, start)`` is the row whose columns begin at ``start`` in the fetched
    tuple, and ``after(fetched, start)`` the values the statement selected after them.
    The row type's fields must be the table's read columns, in order (checked here).
    """

    def __init__(self, table: Table, row_type: type[R]) -> None:
        fields: tuple[str, ...] = getattr(row_type, "_fields", ())
        assert fields == table.row_fields, (
            f"{row_type.__name__} fields {fields} differ from table {table.name}"
            f" read columns {table.row_fields}"
        )
        self.table = table
        self.row_type = row_type
        self.select = table.select_list()
        self.width = len(fields)
        converters = tuple(
            (i, c.codec.decode) for i, c in enumerate(table.read_columns) if c.codec.decode
        )
        self.decode: Decode[R] = _decoder(row_type, self.width, converters)

    def after(self, fetched: Row, start: int = 0) -> Row:
        """The values a statement selected after this row's columns."""
        return fetched[start + self.width :]


def _decoder(
    row_type: type[R], width: int, converters: tuple[tuple[int, Convert], ...]
) -> Decode[R]:
    """A decoder that builds the row with ``tuple.__new__`` (the named tuple's own
    ``__new__`` is a Python function taking every field as an argument, slower) from the
    fetched values, converting only the columns that need it (most need nothing). When the
    row is the whole fetched tuple, slicing it returns the tuple itself: no copy."""
    new = tuple.__new__

    if not converters:

        def decode_plain(fetched: Row, start: int = 0, /) -> R:
            return new(row_type, fetched[start : start + width])

        return decode_plain

    def decode(fetched: Row, start: int = 0, /) -> R:
        values = [*fetched[start : start + width]]
        for i, convert in converters:
            values[i] = convert(values[i])
        return new(row_type, values)

    return decode


def added_columns(table: Table, *names: str) -> list[tuple[str, str, str]]:
    """``(table, column, declaration)`` of columns added after the table was released,
    for the migration that adds them to older databases."""
    return [(table.name, name, table.column(name).declaration) for name in names]


# --- the tables ----------------------------------------------------------------------------

FILES = Table(
    "files",
    "f",
    (
        Column("path", "TEXT PRIMARY KEY"),
        Column("digest", "TEXT NOT NULL"),
        Column("kind", "TEXT NOT NULL CHECK (kind IN ('article', 'topic', 'organization'))"),
        Column("key", "TEXT NOT NULL"),
        Column("size", "INTEGER"),
        Column("mtime_ns", "INTEGER"),
    ),
)

PROVIDERS = Table(
    "providers",
    "p",
    (
        Column("id", "INTEGER PRIMARY KEY"),
        Column("domain", "TEXT NOT NULL UNIQUE"),
        Column("name", "TEXT NOT NULL"),
        Column("defined_name", "TEXT", read=False),
        Column("description", "TEXT"),
        Column("other_names", "TEXT", JSON_LIST, field="other_names_json"),
        Column("extra", "TEXT", JSON_OBJECT, field="extra_json"),
        Column("body", "TEXT", read=False),
        Column("definition_path", "TEXT", read=False),
    ),
)

TOPICS = Table(
    "topics",
    "t",
    (
        Column("id", "INTEGER PRIMARY KEY"),
        Column("name", "TEXT NOT NULL UNIQUE"),
        Column("slug", "TEXT NOT NULL UNIQUE"),
        Column("parent_name", "TEXT"),
        Column("shortname", "TEXT"),
        Column("description", "TEXT"),
        Column("keywords", "TEXT", JSON_LIST_KEPT_EMPTY, field="keywords_json"),
        Column("extra", "TEXT", JSON_OBJECT, field="extra_json"),
        Column("definition_path", "TEXT", read=False),
    ),
)

ARTICLES = Table(
    "articles",
    "a",
    (
        Column("id", "INTEGER PRIMARY KEY"),
        Column("url", "TEXT NOT NULL UNIQUE"),
        Column("slug", "TEXT NOT NULL UNIQUE"),
        # The slug the article would have without a collision (see ``settle_slugs``).
        Column("base_slug", "TEXT", read=False),
        Column("path", "TEXT NOT NULL"),
        Column("title", "TEXT NOT NULL"),
        Column("excerpt", "TEXT"),
        Column("category", "TEXT"),
        Column("type", "TEXT"),
        Column("published_at", "TEXT", TIMESTAMP),
        Column("original_url", "TEXT"),
        Column("amp_url", "TEXT"),
        Column("cdn_amp_url", "TEXT"),
        Column("quality", "INTEGER"),
        Column("heat", "INTEGER"),
        Column("published", "INTEGER", FLAG),
        Column("secured", "TEXT"),
        Column("body", "TEXT NOT NULL DEFAULT ''"),
        Column("extra", "TEXT", JSON_OBJECT, field="extra_json"),
        Column("provider_id", "INTEGER REFERENCES providers(id)"),
        Column("provider_name", "TEXT"),
        Column("provider_extra", "TEXT", JSON_OBJECT, read=False),
    ),
)

ARTICLE_TOPICS = Table(
    "article_topics",
    "x",
    (
        Column("article_id", "INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE"),
        Column("topic_id", "INTEGER NOT NULL REFERENCES topics(id)"),
        Column("position", "INTEGER NOT NULL"),
        # The article's date, copied: topic pages by date read ``article_topics_published``.
        Column("published_at", "TEXT", TIMESTAMP, read=False),
    ),
    constraints=("PRIMARY KEY (article_id, topic_id)",),
    options="WITHOUT ROWID",
)

RELATED_LINKS = Table(
    "related_links",
    "r",
    (
        Column("id", "INTEGER PRIMARY KEY"),
        Column("article_id", "INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE"),
        Column("position", "INTEGER NOT NULL"),
        Column("url", "TEXT NOT NULL"),
        Column("title", "TEXT"),
        Column("excerpt", "TEXT"),
        Column("published_at", "TEXT", TIMESTAMP),
        Column("type", "TEXT"),
        Column("quality", "INTEGER"),
        Column("original_url", "TEXT"),
        Column("amp_url", "TEXT"),
        Column("cdn_amp_url", "TEXT"),
        Column("provider_id", "INTEGER REFERENCES providers(id)"),
        Column("provider_name", "TEXT"),
        Column("provider_extra", "TEXT", JSON_OBJECT, read=False),
        # Set by the writer once every article of the load is known (``resolve_links``).
        Column("target_article_id", "INTEGER REFERENCES articles(id) ON DELETE SET NULL"),
        Column("extra", "TEXT", JSON_OBJECT, field="extra_json"),
    ),
    constraints=("UNIQUE (article_id, position)",),
)

# owner_kind: article | article_provider (the provider images an article file lists) | related
# | related_provider | organization (a publisher file's) | provider (merged, served) | topic
IMAGES = Table(
    "images",
    "i",
    (
        Column("id", "INTEGER PRIMARY KEY", read=False),
        Column("owner_kind", "TEXT NOT NULL", read=False),
        Column("owner_id", "INTEGER NOT NULL", read=False),
        Column("position", "INTEGER NOT NULL", read=False),
        Column("url", "TEXT NOT NULL"),
        Column("width", "INTEGER"),
        Column("height", "INTEGER"),
        Column("title", "TEXT"),
        Column("is_cached", "INTEGER", FLAG),
        Column("extra", "TEXT", JSON_OBJECT, read=False),
    ),
)

TABLES = (FILES, PROVIDERS, TOPICS, ARTICLES, ARTICLE_TOPICS, RELATED_LINKS, IMAGES)

# The change log: what each load changed, by the data version it made (``changes``).
DATA_VERSIONS = Table(
    "data_versions",
    "v",
    tuple(Column(n, "INTEGER NOT NULL") for n in ("data_version", "added", "updated", "removed")),
    constraints=("PRIMARY KEY (data_version)",),
)
ARTICLE_CHANGES = Table(
    "article_changes",
    "c",
    (
        Column("data_version", "INTEGER NOT NULL"),
        Column("url", "TEXT NOT NULL"),
        Column("kind", "TEXT NOT NULL CHECK (kind IN ('added', 'updated', 'removed'))"),
        Column("article_id", "INTEGER"),
    ),
    constraints=("PRIMARY KEY (data_version, url)",),
    options="WITHOUT ROWID",
)
