"""How Python values are stored in SQLite, and read back: timestamps, flags, JSON.

One home for the store's value encodings, so that the writer, the filter compiler and the
row decoders agree on them: a timestamp written by a load and a timestamp a filter
compares with are the same text, and a JSON array of keys is built the same way by every
batch read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from gql.errors import InvalidText

_fromisoformat = datetime.fromisoformat


def to_timestamp(moment: datetime | None) -> str | None:
    """A datetime as stored: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (text order is time order;
    the year is always four digits, which ``strftime`` does not promise before 1000).
    A naive datetime is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is not None and moment.utcoffset():
        moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def from_timestamp(text: str | None) -> datetime | None:
    """A stored timestamp as a timezone-aware UTC datetime (``None`` for none)."""
    return _fromisoformat(text) if text else None


def to_flag(value: bool | None) -> int | None:
    """A boolean as stored: 1 or 0 (SQLite has no boolean type)."""
    return None if value is None else int(value)


def from_flag(value: int | None) -> bool | None:
    """A stored 0/1 as a boolean (``None`` for none)."""
    return value if value is None else value != 0


def to_json_object(value: dict[str, Any] | None) -> str | None:
    """A mapping as JSON text with sorted keys (so equal mappings store equal text);
    an empty mapping is stored as NULL."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else None


def to_json_list(values: Iterable[Any] | None) -> str | None:
    """A list as JSON text in its own order; an empty list is stored as NULL."""
    items = list(values or ())
    return json.dumps(items, ensure_ascii=False) if items else None


def to_json_list_kept_empty(values: Iterable[Any] | None) -> str | None:
    """A list as JSON text, ``[]`` when empty: for columns where NULL means "not given"
    (a topic definition's keywords) rather than "none"."""
    if values is None:
        return None
    return json.dumps(list(values), ensure_ascii=False)


def json_array(keys: Sequence[Any]) -> str:
    """Keys as one JSON array, the single parameter of ``IN (SELECT value FROM
    json_each(?))``: a batch of any size is one statement with one bound parameter.

    A string with a lone surrogate cannot be encoded: ``InvalidText`` names it.
    """
    try:
        return orjson.dumps(list(keys)).decode()
    except TypeError:  # orjson refuses strings with a lone surrogate: name the bad key
        for key in keys:
            if isinstance(key, str):
                for position, char in enumerate(key):
                    if "\ud800" <= char <= "\udfff":
                        raise InvalidText(key, position) from None
        return json.dumps(list(keys), ensure_ascii=False)
