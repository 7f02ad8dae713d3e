"""Opaque identifiers of the API: Relay global IDs and pagination cursors.

A global ID is ``base64url("<Type>:<key>")`` where the key is the stable identity of the
record (an article's URL, a provider's domain, a topic's name), so IDs survive a rebuild
of the database. A cursor is ``base64url(json([list, *sort values, id]))``; the list tag
makes a cursor of one list unusable on another.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from gql.errors import InvalidCursor, InvalidId

NODE_TYPES = frozenset({"Article", "Provider", "Topic"})


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(value: str) -> str:
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")


def encode_global_id(type_name: str, key: str) -> str:
    """The opaque ID of the ``type_name`` record whose stable key is ``key``."""
    return _encode(f"{type_name}:{key}")


def decode_global_id(value: str, expected: str | None = None) -> tuple[str, str]:
    """``(type name, key)`` of a global ID; ``InvalidId`` when malformed or of another type."""
    try:
        type_name, _, key = _decode(value).partition(":")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidId(value, expected) from exc
    if type_name not in NODE_TYPES or not key or (expected and type_name != expected):
        raise InvalidId(value, expected)
    return type_name, key


def encode_cursor(tag: str, *values: Any) -> str:
    """A cursor for list ``tag`` positioned at the row with these sort values."""
    return _encode(json.dumps([tag, *values], separators=(",", ":"), ensure_ascii=False))


def decode_cursor(value: str, tag: str, arity: int) -> list[Any]:
    """The sort values of a cursor of list ``tag``; ``InvalidCursor`` for anything else."""
    try:
        decoded = json.loads(_decode(value))
    except (binascii.Error, UnicodeError, ValueError, RecursionError) as exc:
        # RecursionError: a "cursor" of deeply nested JSON arrays.
        raise InvalidCursor(value) from exc
    if not isinstance(decoded, list) or len(decoded) != arity + 1 or decoded[0] != tag:
        raise InvalidCursor(value)
    return decoded[1:]
