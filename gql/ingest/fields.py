"""Typed readers of frontmatter values: each returns the value as its record wants it, or
raises ``IngestError`` naming the file, the field and what was expected instead.

YAML gives whatever the file says (``quality: "high"``, ``webUrl: [1, 2]``); the records
promise types. Every reader takes the mapping, the key and ``where``, the dotted prefix of
the mapping in the file (``""`` at the top, ``"related[2]."`` in a related link), so an
error names ``related[2].webUrl`` rather than ``webUrl``. An error names the type it got,
never the value: a value in the wrong place may be a secret (``secured: {password: ...}``),
and the load report is shown to whoever runs the load. The readers of nested parts
live here too (images, which every kind of record has; providers, which articles and
their related links name; related links), with the keys they know: every other key is
kept verbatim in ``extra``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from gql.errors import IngestError
from gql.ingest.records import ImageRecord, JSONDict, ProviderRef, RelatedRecord
from gql.keys import domain_of_url, normalize_domain

# GraphQL's Int is a signed 32-bit integer: a larger value could be stored but not served.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

_IMAGE_KEYS = frozenset({"url", "width", "height", "title", "isCached"})
_PROVIDER_KEYS = frozenset({"name", "domain", "images"})
_RELATED_KEYS = frozenset(
    {
        "title",
        "excerpt",
        "publishedDateTime",
        "webUrl",
        "type",
        "quality",
        "originalUrl",
        "ampWebUrl",
        "cdnAmpWebUrl",
        "provider",
        "images",
    }
)


def type_name(value: object) -> str:
    """The YAML-ish name of a value's type, for messages (``null`` rather than ``NoneType``)."""
    return "null" if value is None else type(value).__name__


def read_str(path: Path, data: JSONDict, key: str, where: str) -> str | None:
    """An optional string, as written (callers strip what they key on)."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise IngestError(path, where + key, f"expected a string, got {type_name(value)}")
    return value


def read_required_str(path: Path, data: JSONDict, key: str, where: str) -> str:
    """A string that must be present and not blank (a title, a URL, a domain)."""
    value = data.get(key)
    if value is None:
        raise IngestError(path, where + key, "missing required string")
    if not isinstance(value, str):
        raise IngestError(path, where + key, f"expected a string, got {type_name(value)}")
    if not value.strip():
        raise IngestError(path, where + key, "must not be empty")
    return value


def read_int(path: Path, data: JSONDict, key: str, where: str) -> int | None:
    """An optional integer within GraphQL's ``Int`` range; ``true`` is not an integer."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise IngestError(path, where + key, f"expected an integer, got {type_name(value)}")
    if not INT_MIN <= value <= INT_MAX:
        raise IngestError(path, where + key, f"integer out of range ({INT_MIN} to {INT_MAX})")
    return value


def read_bool(path: Path, data: JSONDict, key: str, where: str) -> bool | None:
    """An optional ``true``/``false`` (a quoted ``"yes"`` is a string, and rejected)."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise IngestError(path, where + key, f"expected true or false, got {type_name(value)}")
    return value


def read_datetime(path: Path, data: JSONDict, key: str, where: str) -> datetime | None:
    """An optional moment in UTC, from a YAML timestamp, a date or an ISO-8601 string."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise IngestError(
                path, where + key, "expected an ISO-8601 date-time, got a str that is not one"
            ) from exc
    else:
        raise IngestError(path, where + key, f"expected a date-time, got {type_name(value)}")
    # A timestamp without an offset is taken as UTC, the convention of the corpus.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise IngestError(path, where + key, "date-time out of range once in UTC") from exc


def read_list(path: Path, data: JSONDict, key: str, where: str) -> list[Any]:
    """An optional list, empty when the key is missing or null."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise IngestError(path, where + key, f"expected a list, got {type_name(value)}")
    return value


def read_str_list(path: Path, data: JSONDict, key: str) -> tuple[str, ...]:
    """An optional top-level list of strings (a topic's keywords, a publisher's names)."""
    items = read_list(path, data, key, "")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise IngestError(path, f"{key}[{i}]", f"expected a string, got {type_name(item)}")
    return tuple(items)


def read_topic_names(path: Path, items: list[Any]) -> tuple[str, ...]:
    """An article's topic names, stripped, each once, in the order first given."""
    names: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            got = type_name(item) if not isinstance(item, str) else "a blank str"
            raise IngestError(path, f"topics[{i}]", f"expected a topic name, got {got}")
        if item.strip() not in names:
            names.append(item.strip())
    return tuple(names)


def to_json(value: Any) -> Any:
    """A YAML value as JSON-ready data: datetimes become ISO-8601 strings, keys strings."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset):
        return sorted((to_json(v) for v in value), key=repr)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def extra_keys(data: JSONDict, known: frozenset[str]) -> JSONDict:
    """The keys of ``data`` no typed field holds, verbatim (as JSON), so nothing is lost."""
    return {str(k): to_json(v) for k, v in data.items() if k not in known}


def read_images(path: Path, items: list[Any], where: str) -> tuple[ImageRecord, ...]:
    """A list of images, each a mapping with a ``url`` or a bare URL string."""
    images = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        if isinstance(item, str):
            images.append(ImageRecord(url=item.strip()))
            continue
        if not isinstance(item, dict):
            raise IngestError(
                path, here, f"expected an image mapping or URL, got {type_name(item)}"
            )
        url = read_required_str(path, item, "url", here + ".")
        images.append(
            ImageRecord(
                url=url.strip(),
                width=read_int(path, item, "width", here + "."),
                height=read_int(path, item, "height", here + "."),
                title=read_str(path, item, "title", here + "."),
                is_cached=read_bool(path, item, "isCached", here + "."),
                extra=extra_keys(item, _IMAGE_KEYS),
            )
        )
    return tuple(images)


def read_provider(path: Path, data: JSONDict, where: str, url: str) -> ProviderRef | None:
    """The publisher of an article or related link at ``url``: its ``provider`` mapping,
    keyed by its domain (normalized), else the host of ``url``; ``None`` when neither."""
    value = data.get("provider")
    if value is None:
        domain = domain_of_url(url)
        return ProviderRef(domain=domain, name=None) if domain else None
    here = where + "provider"
    if not isinstance(value, dict):
        raise IngestError(
            path, here, f"expected a mapping with name and domain, got {type_name(value)}"
        )
    name = read_str(path, value, "name", here + ".")
    domain = read_str(path, value, "domain", here + ".")
    key = normalize_domain(domain) if domain and domain.strip() else domain_of_url(url)
    if not key:
        raise IngestError(
            path, here + ".domain", "missing, and the URL has no host to take it from"
        )
    return ProviderRef(
        domain=key,
        name=name,
        images=read_images(path, read_list(path, value, "images", here + "."), here + ".images"),
        extra=extra_keys(value, _PROVIDER_KEYS),
    )


def read_related(path: Path, items: list[Any]) -> tuple[RelatedRecord, ...]:
    """An article's ``related`` list: coverage by other outlets, each with its ``webUrl``."""
    links = []
    for i, item in enumerate(items):
        here = f"related[{i}]"
        if not isinstance(item, dict):
            raise IngestError(path, here, f"expected a mapping, got {type_name(item)}")
        url = read_required_str(path, item, "webUrl", here + ".")
        links.append(
            RelatedRecord(
                position=i,
                url=url.strip(),
                title=read_str(path, item, "title", here + "."),
                excerpt=read_str(path, item, "excerpt", here + "."),
                published_at=read_datetime(path, item, "publishedDateTime", here + "."),
                type=read_str(path, item, "type", here + "."),
                quality=read_int(path, item, "quality", here + "."),
                original_url=read_str(path, item, "originalUrl", here + "."),
                amp_url=read_str(path, item, "ampWebUrl", here + "."),
                cdn_amp_url=read_str(path, item, "cdnAmpWebUrl", here + "."),
                provider=read_provider(path, item, here + ".", url),
                images=read_images(
                    path, read_list(path, item, "images", here + "."), here + ".images"
                ),
                extra=extra_keys(item, _RELATED_KEYS),
            )
        )
    return tuple(links)
