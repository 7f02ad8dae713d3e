"""The write connection as the write modules see it: SQLite's, or PostgreSQL's wrapped.

The write modules call ``execute``/``executemany`` with ``?`` placeholders and read
cursors with ``fetchone``/``fetchall`` or by iterating, on ``sqlite3.Connection`` or on
``gql.store.postgres.PgWriteConnection``, which has the same methods; ``dialect_of``
tells which SQL the few differing statements need (``gql.store.dialect``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from gql.store.dialect import SQLITE, Dialect


class WriteCursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class WriteConnection(Protocol):
    def execute(self, sql: str, parameters: Any = ..., /) -> WriteCursor: ...

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> WriteCursor: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    @property
    def in_transaction(self) -> bool: ...


def dialect_of(conn: WriteConnection) -> Dialect:
    """The SQL dialect of ``conn``: PostgreSQL's connection says so, SQLite's does not."""
    dialect = getattr(conn, "dialect", SQLITE)
    assert isinstance(dialect, Dialect)
    return dialect
