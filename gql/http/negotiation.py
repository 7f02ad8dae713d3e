"""Content negotiation by the GraphQL-over-HTTP spec: which media type answers a request.

Responses are ``application/graphql-response+json`` (whose status codes tell request
errors from results) or ``application/json`` (always 200 for a well-formed request, for
clients written before the spec). ``Accept`` is read as RFC 9110 says: a media range's
``q`` weighs it, a more specific range overrides a wildcard, and among equally weighted
types the one the client lists first wins. ``*/*``, ``application/*`` and a missing
``Accept`` get ``application/json``: graphql-http's audit expects it (the spec's legacy
watershed), and clients that name no type are the ones that predate the new one.

Request bodies must be exactly ``application/json`` (parameters such as
``charset=utf-8`` allowed): ``application/jsonfoo`` is not JSON, and ``text/plain`` is
what a cross-site form can send without a CORS preflight.

Both checks read raw header bytes and are cached, since clients send the same few headers.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

GRAPHQL_RESPONSE_JSON: Final = "application/graphql-response+json"
JSON: Final = "application/json"
HTML: Final = "text/html"

RESPONSE_TYPES: Final = (GRAPHQL_RESPONSE_JSON, JSON)
"""What a GraphQL response can be sent as, in the order preferred for wildcards: json."""

_WILDCARD_PREFERENCE: Final = {JSON: 0, GRAPHQL_RESPONSE_JSON: 1}

# Distinct Accept / Content-Type values seen per worker: clients send a handful; an
# attacker sending endless variants only churns this small cache.
_CACHE_ENTRIES: Final = 256


def _params(parts: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in parts:
        name, _, value = part.partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return params


def _utf8(params: dict[str, str]) -> bool:
    charset = params.get("charset")
    return charset is None or charset.lower() in ("utf-8", "utf8")


@lru_cache(maxsize=_CACHE_ENTRIES)
def _accepted(accept: bytes) -> dict[str, float]:
    """Each media type the client names with its weight (``q``), in the header's order."""
    ranges: dict[str, float] = {}
    for item in accept.decode("latin-1").split(","):
        media_range, *rest = item.split(";")
        media_range = media_range.strip().lower()
        if not media_range:
            continue
        params = _params(rest)
        try:
            weight = float(params.get("q", "1"))
        except ValueError:
            continue
        if not 0 <= weight <= 1 or not _utf8(params):
            continue
        ranges.setdefault(media_range, weight)
    return ranges


def _weight(ranges: dict[str, float], media_type: str) -> tuple[float, int, int]:
    """How much the client wants ``media_type``: its q, how specific the match, position."""
    major = media_type.split("/")[0]
    for specificity, candidate in enumerate((media_type, f"{major}/*", "*/*")):
        if candidate in ranges:
            position = list(ranges).index(candidate)
            return ranges[candidate], 2 - specificity, -position
    return 0.0, 0, 0


@lru_cache(maxsize=_CACHE_ENTRIES)
def choose_response_type(accept: bytes | None) -> str | None:
    """The media type to answer with, or ``None`` when the client accepts none (406).

    A missing or empty ``Accept`` means ``application/json`` (see the module docstring).
    """
    if not accept or not accept.strip():
        return JSON
    ranges = _accepted(accept)
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for media_type in RESPONSE_TYPES:
        weight, specificity, position = _weight(ranges, media_type)
        if weight <= 0:
            continue
        # Exact names beat wildcards; among names, the client's order; among
        # wildcards, ours (plain JSON first).
        rank = (weight, specificity, position, -_WILDCARD_PREFERENCE[media_type])
        if best is None or rank > best:
            best, chosen = rank, media_type
    return chosen


@lru_cache(maxsize=_CACHE_ENTRIES)
def accepts_html(accept: bytes | None) -> bool:
    """Whether the client names ``text/html`` itself (browsers do; ``*/*`` alone is not enough)."""
    if not accept:
        return False
    return _accepted(accept).get(HTML, 0.0) > 0


@lru_cache(maxsize=_CACHE_ENTRIES)
def is_json_body(content_type: bytes | None) -> bool:
    """Whether a request body's ``Content-Type`` is exactly ``application/json`` in UTF-8."""
    if not content_type:
        return False
    media_type, *rest = content_type.decode("latin-1").split(";")
    return media_type.strip().lower() == JSON and _utf8(_params(rest))
