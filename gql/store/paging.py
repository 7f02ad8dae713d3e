"""Keyset pagination of any ordered list: orderings, windows, pages and their SQL.

An ordering is a tuple of ``OrderKey``s plus the row id as the final tie-break, NULLs last
in either direction. A cursor is the row's values of those keys; "after" and "before" are
lexicographic keyset conditions that stay correct for any ordering, with NULLs and ties.
Backward pages (``last``/``before``) read the list in reverse order and flip the rows.
A list fetches one row more than its page to learn whether another page follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gql.errors import CursorMismatch

T = TypeVar("T")

SortKeys = list[tuple[str, bool]]
"""The SQL of each sort key and whether it is descending, the id last."""


@dataclass(frozen=True)
class OrderKey:
    """One sort key: a field name of the list and its direction."""

    field: str
    descending: bool


NEWEST_FIRST = (OrderKey("publishedAt", True),)


@dataclass(frozen=True)
class Window:
    """Which slice of an ordered list: ``first`` after a cursor, or ``last`` before one."""

    first: int | None = None
    last: int | None = None
    after: tuple[Any, ...] | None = None
    before: tuple[Any, ...] | None = None

    @property
    def backward(self) -> bool:
        return self.last is not None and self.first is None

    @property
    def size(self) -> int:
        size = self.last if self.backward else self.first
        assert size is not None, "a window needs first or last"
        return size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: rows, their cursor values, and whether pages exist around it."""

    rows: list[T]
    keys: list[tuple[Any, ...]]
    has_next: bool
    has_previous: bool
    hits: list[tuple[float, str]] | None = None


def sort_keys(order: Sequence[OrderKey], columns: dict[str, str], id_sql: str) -> SortKeys:
    """The sort keys of ``order`` as SQL (``columns`` maps a field to its SQL), with the
    row id last, in the direction of the first key."""
    keys = [(columns[k.field], k.descending) for k in order]
    keys.append((id_sql, order[0].descending if order else True))
    return keys


def key_columns(keys: SortKeys) -> str:
    """The sort keys as a select list: the page reads each row's cursor values with it."""
    return ", ".join(sql for sql, _ in keys)


def order_by(keys: SortKeys, *, reverse: bool) -> str:
    """The ``ORDER BY`` terms of the list, or of the list read backward."""
    parts = []
    for sql, descending in keys:
        if reverse:
            parts.append(f"{sql} {'ASC' if descending else 'DESC'} NULLS FIRST")
        else:
            parts.append(f"{sql} {'DESC' if descending else 'ASC'} NULLS LAST")
    return ", ".join(parts)


def _beyond(sql: str, descending: bool, value: Any, *, forward: bool, params: list[Any]) -> str:
    """Rows strictly past ``value`` on one key, in list order (forward) or against it."""
    if forward:
        if value is None:
            return "FALSE"
        params.append(value)
        return f"({sql} {'<' if descending else '>'} ? OR {sql} IS NULL)"
    if value is None:
        return f"({sql} IS NOT NULL)"
    params.append(value)
    return f"COALESCE({sql} {'>' if descending else '<'} ?, FALSE)"


def _keyset(keys: SortKeys, values: tuple[Any, ...], *, forward: bool, params: list[Any]) -> str:
    """Lexicographic 'comes after' (forward) or 'comes before' the row with ``values``."""
    if len(values) != len(keys):
        raise CursorMismatch(expected=len(keys), received=len(values))
    alternatives = []
    for i, (sql, descending) in enumerate(keys):
        parts = []
        for j in range(i):
            parts.append(f"{keys[j][0]} IS NOT DISTINCT FROM ?")
            params.append(values[j])
        parts.append(_beyond(sql, descending, values[i], forward=forward, params=params))
        alternatives.append("(" + " AND ".join(parts) + ")")
    return "(" + " OR ".join(alternatives) + ")"


def window_sql(keys: SortKeys, window: Window, params: list[Any]) -> str:
    """The condition of the rows inside ``window``'s cursors (``TRUE`` without cursors)."""
    conditions = []
    if window.after is not None:
        conditions.append(_keyset(keys, window.after, forward=True, params=params))
    if window.before is not None:
        conditions.append(_keyset(keys, window.before, forward=False, params=params))
    return " AND ".join(conditions) or "TRUE"


def make_page(items: list[tuple[T, tuple[Any, ...], Any]], window: Window) -> Page[T]:
    """The page of ``(row, cursor values, search hit)`` fetched for ``window`` (one more
    than it holds, in list order or reversed for a backward window)."""
    size = window.size
    more = len(items) > size
    items = items[:size]
    if window.backward:
        items.reverse()
        has_next, has_previous = window.before is not None, more
    else:
        has_next, has_previous = more, window.after is not None
    hits = [extra for _, _, extra in items] if items and items[0][2] is not None else None
    return Page(
        [row for row, _, _ in items], [key for _, key, _ in items], has_next, has_previous, hits
    )
