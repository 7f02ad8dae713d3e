"""The few places where SQLite's SQL and PostgreSQL's differ, as one object per backend.

The read and write modules build one statement text for either backend: what both
engines accept is written plainly (``TRUE``/``FALSE`` rather than ``1``/``0``, ``IS NOT
DISTINCT FROM`` rather than ``IS``, an alias on every subquery in ``FROM``, upserts with
``ON CONFLICT``, ``RETURNING id``), and what they do not is asked of the store's
``dialect`` (``Store.dialect``):

- a batch of keys: SQLite takes one JSON array (``IN (SELECT value FROM json_each(?))``),
  PostgreSQL one array parameter (``= ANY(?)``), either way one bound parameter for a
  batch of any size;
- case folding of a filter's value, as the SQL function ``gql_fold`` folds the column
  (SQLite: Python's full case folding, registered on each connection; PostgreSQL: a SQL
  function of the schema, ICU's lower case mapping, see ``pg_schema``);
- placeholders: the statements are written with ``?``; PostgreSQL's driver takes ``%s``
  (``sql`` translates a statement once, then from a cache).

Full-text search differs more than a fragment can say, so it has a module per backend
(``search`` for FTS5, ``pg_search`` for ``tsvector``), picked by ``name``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from gql.store.encoding import json_array


class Dialect:
    """What the statements of one backend need; SQLite's, unless a subclass says otherwise."""

    name = "sqlite"
    in_keys = "IN (SELECT value FROM json_each(?))"
    """``column {in_keys}``: the column is one of a batch of keys (``keys(...)``)."""

    def int_key_rows(self, column: str) -> str:
        """A ``SELECT`` of one row per integer key of a batch, named ``column``."""
        return f"SELECT value AS {column} FROM json_each(?)"

    def keys(self, keys: Sequence[Any]) -> Any:
        """The one bound parameter that carries a batch of keys."""
        return json_array(keys)

    def key_set(self, keys: set[Any] | set[int] | set[str]) -> Any:
        """A set of keys (``None`` left out), sorted, as ``keys`` carries them."""
        return json.dumps(sorted(k for k in keys if k is not None))

    def fold(self, text: str) -> str:
        """A filter's text as ``gql_fold`` folds a column's: full Unicode case folding."""
        return text.casefold()

    def sql(self, statement: str) -> str:
        """The statement as the driver takes it."""
        return statement


class PostgresDialect(Dialect):
    """PostgreSQL's: array parameters, lower case as ICU maps it, ``%s`` placeholders."""

    name = "postgresql"
    in_keys = "= ANY(?)"

    def int_key_rows(self, column: str) -> str:
        return f"SELECT unnest(?::bigint[]) AS {column}"

    def keys(self, keys: Sequence[Any]) -> Any:
        return list(keys)

    def key_set(self, keys: set[Any] | set[int] | set[str]) -> Any:
        return sorted(k for k in keys if k is not None)

    def fold(self, text: str) -> str:
        # PostgreSQL before 18 has no case folding; ``gql_fold`` is lower() under ICU's
        # root locale, which is Unicode's default lower-case mapping, as Python's lower().
        return text.lower()

    def sql(self, statement: str) -> str:
        return _placeholders(statement)


# A quoted literal or identifier (kept as written), a ``?`` or a ``%`` (translated).
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[?%]")


@lru_cache(maxsize=4096)
def _placeholders(statement: str) -> str:
    """``?`` outside quoted text to ``%s``; every ``%`` to ``%%`` (the driver reads
    placeholders inside quoted text too)."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        return token.replace("%", "%%")

    return _TOKENS.sub(swap, statement)


SQLITE = Dialect()
POSTGRES = PostgresDialect()
