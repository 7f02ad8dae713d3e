"""The ``DateTime`` scalar: Strawberry's own, with the specification it follows named.

Strawberry's built-in ``DateTime`` sends ``datetime.isoformat()`` and reads values with
dateutil's ISO 8601 parser, but announces no specification, so tools (codegen, schema
registries, GraphiQL) cannot know the format. Every ``DateTime`` we send is an aware UTC
instant, ``2023-11-17T00:00:00+00:00``: an RFC 3339 ``date-time``, which
``@specifiedBy`` now says. Reading stays as lenient as before (any ISO 8601 date-time,
a missing offset meaning UTC), and a value it cannot read is the same coercion error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry
from dateutil.parser import isoparse
from strawberry.exceptions import StrawberryInputCoercionError

RFC_3339 = "https://datatracker.ietf.org/doc/html/rfc3339"


def parse_datetime(value: object) -> datetime:
    """A client's ISO 8601 text as a ``datetime``; anything else is a coercion error,
    worded as Strawberry's built-in scalar words it."""
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(
            f'Value cannot represent a DateTime: "{value}". Expected a string.'
        )
    try:
        parsed: datetime = isoparse(value)
    except ValueError as exc:
        raise StrawberryInputCoercionError(
            f'Value cannot represent a DateTime: "{value}". {exc}'
        ) from None
    return parsed


DATETIME = strawberry.scalar(
    name="DateTime",
    description=(
        "A date with time as RFC 3339 text; answers are in UTC (`2023-11-17T00:00:00+00:00`)."
    ),
    specified_by_url=RFC_3339,
    # The stored values are aware, in UTC: isoformat is RFC 3339 text. The unbound method
    # itself, as no wrapper: it runs for every date of every answer.
    serialize=datetime.isoformat,
    parse_value=parse_datetime,
)

SCALAR_OVERRIDES: Mapping[object, Any] = {datetime: DATETIME}
"""Scalars replacing Strawberry's defaults, for ``strawberry.Schema(scalar_overrides=...)``."""
