"""Ingest: turn seed files (Markdown/YAML frontmatter) into validated records.

Knows frontmatter and YAML, nothing of SQL or GraphQL. ``parse_file`` either returns a
record for one file or raises ``IngestError`` naming the file, the field and the problem,
so that one bad file never stops the others.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from gql.errors import IngestError
from gql.ingest.frontmatter_yaml import SafeLoader, load_yaml
from gql.ingest.records import (
    ArticleRecord,
    ImageRecord,
    JSONDict,
    OrganizationRecord,
    ParsedFile,
    ProviderRef,
    RelatedRecord,
    TopicRecord,
)
from gql.keys import domain_of_url, normalize_domain, slugify

ARTICLE_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
# Publisher and topic folders of the everyday-cc layout hold files without a suffix
# (``organizations/theguardian.com``); inside them every regular file is a definition.
DEFINITION_DIRS = frozenset({"organizations", "topics"})

# Characters YAML refuses anywhere in a stream (YAML 1.1 "printable" set, as PyYAML checks).
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
# GraphQL's Int is a signed 32-bit integer: a larger value could be stored but not served.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# What PyYAML raises besides YAMLError for a well-formed value it cannot construct
# (``2024-02-30`` as a date, a timestamp with an impossible offset).
_YAML_VALUE_ERRORS = (yaml.YAMLError, ValueError, OverflowError, TypeError)
_DATED_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-.+")

_ARTICLE_KEYS = frozenset(
    {
        "title",
        "excerpt",
        "category",
        "type",
        "publishedDateTime",
        "webUrl",
        "originalUrl",
        "ampWebUrl",
        "cdnAmpWebUrl",
        "quality",
        "heat",
        "published",
        "provider",
        "topics",
        "images",
        "related",
        "secured",
    }
)
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
_IMAGE_KEYS = frozenset({"url", "width", "height", "title", "isCached"})
_PROVIDER_KEYS = frozenset({"name", "domain", "images"})
_TOPIC_KEYS = frozenset({"name", "_id", "parent", "shortname", "description", "keywords", "images"})
_ORGANIZATION_KEYS = frozenset({"name", "domain", "description", "otherNames", "images"})


class _YAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler, reading values as the C safe loader would, faster
    (``gql.ingest.frontmatter_yaml``)."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return load_yaml(fm)


_HANDLER = _YAMLHandler()


def is_seed_file(path: Path) -> bool:
    """Whether a file found in a seed folder is a record (by suffix, folder and name)."""
    return _is_seed_name(path.name, path.parent.name)


def _is_seed_name(name: str, folder_name: str) -> bool:
    # Path.suffix and Path.stem, without building a Path for each of 100k files.
    dot = name.rfind(".")
    stem, suffix = (name[:dot], name[dot:].lower()) if 0 < dot < len(name) - 1 else (name, "")
    if name.startswith(".") or stem.lower() == "readme":
        # A folder's README documents the corpus; it is not a record.
        return False
    return suffix in ARTICLE_SUFFIXES or suffix in YAML_SUFFIXES or folder_name in DEFINITION_DIRS


def discover_paths(roots: Iterable[Path]) -> Iterator[tuple[str, os.stat_result]]:
    """Yield the path of every seed file under ``roots`` (files or folders, searched
    recursively) with its ``stat``, sorted by path within each root; hidden files and
    folders are skipped."""
    for root in roots:
        if root.is_file():
            yield str(root), root.stat()
            continue
        found: list[tuple[str, os.stat_result]] = []
        pending = [str(root)]
        while pending:
            folder = pending.pop()
            folder_name = os.path.basename(folder)
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.is_file() and _is_seed_name(entry.name, folder_name):
                        found.append((entry.path, entry.stat()))
        found.sort(key=lambda item: item[0])
        yield from found


def discover_files(roots: Iterable[Path]) -> Iterator[tuple[Path, os.stat_result]]:
    """``discover_paths`` with each path as a ``Path``."""
    for name, stat in discover_paths(roots):
        yield Path(name), stat


def decode_text(path: Path, data: bytes) -> str:
    """Decode a seed file as UTF-8 (BOM allowed); binary or other encodings are rejected."""
    if b"\x00" in data:
        raise IngestError(path, None, "binary file (contains NUL bytes), expected UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            path,
            None,
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})",
        ) from exc


def parse_file(path: Path, data: bytes) -> ParsedFile:
    """Parse one seed file into an article, topic or organization record.

    Raises ``IngestError`` when the file cannot be read as a record. Characters that YAML
    refuses (control characters pasted into a string) are removed and reported as a warning.
    """
    text = decode_text(path, data)
    warnings: list[str] = []
    bad = _NON_PRINTABLE.findall(text)
    if bad:
        codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in bad}))
        warnings.append(f"{path}: removed {len(bad)} character(s) YAML does not allow ({codes})")
        text = _NON_PRINTABLE.sub("", text)
    if path.suffix.lower() in YAML_SUFFIXES:
        data_map, body = _load_yaml_documents(path, text), ""
    else:
        data_map, body = _load_frontmatter(path, text)
    taxonomy = data_map.get("taxonomy")
    if taxonomy == "topic":
        return ParsedFile(parse_topic(path, data_map), tuple(warnings))
    if taxonomy == "organization":
        return ParsedFile(parse_organization(path, data_map, body), tuple(warnings))
    return ParsedFile(parse_article(path, data_map, body), tuple(warnings))


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return f"invalid YAML: {problem}"


def _load_frontmatter(path: Path, text: str) -> tuple[JSONDict, str]:
    stripped = text.lstrip()
    if not stripped.startswith("---"):
        raise IngestError(path, None, "no YAML frontmatter (the file must start with '---')")
    try:
        front, body = _HANDLER.split(stripped)
    except ValueError as exc:
        raise IngestError(path, None, "frontmatter is not closed by a '---' line") from exc
    try:
        loaded = _HANDLER.load(front)
    except _YAML_VALUE_ERRORS as exc:
        if not isinstance(exc, yaml.YAMLError):
            raise IngestError(path, None, f"invalid YAML value: {exc}") from exc
        raise IngestError(path, None, _yaml_problem(exc)) from exc
    if not isinstance(loaded, dict):
        got = type(loaded).__name__ if loaded is not None else "nothing"
        raise IngestError(path, None, f"frontmatter must be a mapping of keys, got {got}")
    return loaded, body.strip("\n")


def _load_yaml_documents(path: Path, text: str) -> JSONDict:
    try:
        documents = [d for d in yaml.load_all(text, Loader=SafeLoader) if d is not None]
    except _YAML_VALUE_ERRORS as exc:
        if not isinstance(exc, yaml.YAMLError):
            raise IngestError(path, None, f"invalid YAML value: {exc}") from exc
        raise IngestError(path, None, _yaml_problem(exc)) from exc
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise IngestError(
            path, None, f"expected one YAML mapping, got {len(documents)} document(s)"
        )
    mapping: JSONDict = documents[0]
    return mapping


# --- typed field readers -----------------------------------------------------------------


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _str(path: Path, data: JSONDict, key: str, where: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise IngestError(path, where + key, "missing required string")
        return None
    if not isinstance(value, str):
        raise IngestError(
            path, where + key, f"expected a string, got {_type_name(value)} {value!r}"
        )
    if required and not value.strip():
        raise IngestError(path, where + key, "must not be empty")
    return value


def _int(path: Path, data: JSONDict, key: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise IngestError(
            path, where + key, f"expected an integer, got {_type_name(value)} {value!r}"
        )
    if not INT_MIN <= value <= INT_MAX:
        raise IngestError(
            path, where + key, f"integer {value} out of range ({INT_MIN} to {INT_MAX})"
        )
    return value


def _bool(path: Path, data: JSONDict, key: str, where: str) -> bool | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise IngestError(
            path, where + key, f"expected true or false, got {_type_name(value)} {value!r}"
        )
    return value


def _datetime(path: Path, data: JSONDict, key: str, where: str) -> datetime | None:
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
                path, where + key, f"expected an ISO-8601 date-time, got {value!r}"
            ) from exc
    else:
        raise IngestError(
            path, where + key, f"expected a date-time, got {_type_name(value)} {value!r}"
        )
    # A timestamp without an offset is taken as UTC, the convention of the corpus.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise IngestError(path, where + key, f"date-time {value!r} is out of range") from exc


def _list(path: Path, data: JSONDict, key: str, where: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise IngestError(path, where + key, f"expected a list, got {_type_name(value)}")
    return value


def _to_json(value: Any) -> Any:
    """A YAML value as JSON-ready data: datetimes become ISO-8601 strings, keys strings."""
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset):
        return sorted((_to_json(v) for v in value), key=repr)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _extra(data: JSONDict, known: frozenset[str]) -> JSONDict:
    return {str(k): _to_json(v) for k, v in data.items() if k not in known}


def _images(path: Path, items: list[Any], where: str) -> tuple[ImageRecord, ...]:
    images = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        if isinstance(item, str):
            images.append(ImageRecord(url=item.strip()))
            continue
        if not isinstance(item, dict):
            raise IngestError(
                path, here, f"expected an image mapping or URL, got {_type_name(item)}"
            )
        url = _str(path, item, "url", here + ".", required=True)
        assert url is not None
        images.append(
            ImageRecord(
                url=url.strip(),
                width=_int(path, item, "width", here + "."),
                height=_int(path, item, "height", here + "."),
                title=_str(path, item, "title", here + "."),
                is_cached=_bool(path, item, "isCached", here + "."),
                extra=_extra(item, _IMAGE_KEYS),
            )
        )
    return tuple(images)


def _provider(path: Path, data: JSONDict, where: str, url: str) -> ProviderRef | None:
    value = data.get("provider")
    if value is None:
        domain = domain_of_url(url)
        return ProviderRef(domain=domain, name=None) if domain else None
    here = where + "provider"
    if not isinstance(value, dict):
        raise IngestError(
            path, here, f"expected a mapping with name and domain, got {_type_name(value)}"
        )
    name = _str(path, value, "name", here + ".")
    domain = _str(path, value, "domain", here + ".")
    key = normalize_domain(domain) if domain and domain.strip() else domain_of_url(url)
    if not key:
        raise IngestError(
            path, here + ".domain", "missing, and the URL has no host to take it from"
        )
    return ProviderRef(
        domain=key,
        name=name,
        images=_images(path, _list(path, value, "images", here + "."), here + ".images"),
        extra=_extra(value, _PROVIDER_KEYS),
    )


def _related(path: Path, items: list[Any]) -> tuple[RelatedRecord, ...]:
    links = []
    for i, item in enumerate(items):
        here = f"related[{i}]"
        if not isinstance(item, dict):
            raise IngestError(path, here, f"expected a mapping, got {_type_name(item)}")
        url = _str(path, item, "webUrl", here + ".", required=True)
        assert url is not None
        links.append(
            RelatedRecord(
                position=i,
                url=url.strip(),
                title=_str(path, item, "title", here + "."),
                excerpt=_str(path, item, "excerpt", here + "."),
                published_at=_datetime(path, item, "publishedDateTime", here + "."),
                type=_str(path, item, "type", here + "."),
                quality=_int(path, item, "quality", here + "."),
                original_url=_str(path, item, "originalUrl", here + "."),
                amp_url=_str(path, item, "ampWebUrl", here + "."),
                cdn_amp_url=_str(path, item, "cdnAmpWebUrl", here + "."),
                provider=_provider(path, item, here + ".", url),
                images=_images(path, _list(path, item, "images", here + "."), here + ".images"),
                extra=_extra(item, _RELATED_KEYS),
            )
        )
    return tuple(links)


def _topics(path: Path, items: list[Any]) -> tuple[str, ...]:
    names: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise IngestError(path, f"topics[{i}]", f"expected a topic name, got {item!r}")
        if item.strip() not in names:
            names.append(item.strip())
    return tuple(names)


def article_slug(path: Path, title: str) -> str:
    """The file name's stem when it is ``YYYY-MM-DD-slug``, else a slug of the title."""
    if _DATED_NAME.match(path.stem):
        return path.stem
    return slugify(title) or slugify(path.stem) or "article"


def parse_article(path: Path, data: JSONDict, body: str) -> ArticleRecord:
    """Validate an article's frontmatter mapping; unknown keys go to ``extra`` verbatim."""
    title = _str(path, data, "title", "", required=True)
    url = _str(path, data, "webUrl", "", required=True)
    assert title is not None and url is not None
    return ArticleRecord(
        path=str(path),
        slug=article_slug(path, title),
        url=url.strip(),
        title=title,
        excerpt=_str(path, data, "excerpt", ""),
        category=_str(path, data, "category", ""),
        type=_str(path, data, "type", ""),
        published_at=_datetime(path, data, "publishedDateTime", ""),
        original_url=_str(path, data, "originalUrl", ""),
        amp_url=_str(path, data, "ampWebUrl", ""),
        cdn_amp_url=_str(path, data, "cdnAmpWebUrl", ""),
        quality=_int(path, data, "quality", ""),
        heat=_int(path, data, "heat", ""),
        published=_bool(path, data, "published", ""),
        secured=_str(path, data, "secured", ""),
        provider=_provider(path, data, "", url),
        topics=_topics(path, _list(path, data, "topics", "")),
        images=_images(path, _list(path, data, "images", ""), "images"),
        related=_related(path, _list(path, data, "related", "")),
        extra=_extra(data, _ARTICLE_KEYS),
        body=body,
    )


def _str_list(path: Path, data: JSONDict, key: str) -> tuple[str, ...]:
    items = _list(path, data, key, "")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise IngestError(path, f"{key}[{i}]", f"expected a string, got {_type_name(item)}")
    return tuple(items)


def parse_topic(path: Path, data: JSONDict) -> TopicRecord:
    """Validate a topic definition (name, parent, keywords, images)."""
    name = _str(path, data, "name", "", required=True)
    assert name is not None
    given_slug = data.get("_id")
    slug = given_slug.strip() if isinstance(given_slug, str) else ""
    return TopicRecord(
        path=str(path),
        name=name.strip(),
        slug=slug or slugify(name),
        parent=(_str(path, data, "parent", "") or "").strip() or None,
        shortname=_str(path, data, "shortname", ""),
        description=_str(path, data, "description", ""),
        keywords=_str_list(path, data, "keywords"),
        images=_images(path, _list(path, data, "images", ""), "images"),
        extra=_extra(data, _TOPIC_KEYS if slug else _TOPIC_KEYS - {"_id"}),
    )


def parse_organization(path: Path, data: JSONDict, body: str) -> OrganizationRecord:
    """Validate a publisher definition (domain, name, other names, images)."""
    domain = _str(path, data, "domain", "", required=True)
    assert domain is not None
    return OrganizationRecord(
        path=str(path),
        domain=normalize_domain(domain),
        name=_str(path, data, "name", ""),
        description=_str(path, data, "description", ""),
        other_names=_str_list(path, data, "otherNames"),
        images=_images(path, _list(path, data, "images", ""), "images"),
        extra=_extra(data, _ORGANIZATION_KEYS),
        body=body,
    )
