"""One seed file's bytes to a ``ParsedFile``: text, then a YAML mapping, then a record.

``parse_file`` either returns a record for one file or raises ``IngestError`` naming the
file, the field and the problem, so that one bad file never stops the others. The steps
are in their own modules: ``text`` (decoding and repair), ``frontmatter_yaml`` (YAML
values), ``articles`` and ``definitions`` (mapping to record, through ``fields``).
``limits`` bound what the YAML may hold; a message names a field and a problem but never
quotes a value, which may be a secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from gql.errors import IngestError, YAMLLimitExceeded
from gql.ingest.articles import parse_article
from gql.ingest.definitions import parse_organization, parse_topic
from gql.ingest.discovery import YAML_SUFFIXES
from gql.ingest.frontmatter_yaml import load_yaml, safe_load_all
from gql.ingest.limits import DEFAULT_LIMITS, IngestLimits
from gql.ingest.records import JSONDict, ParsedFile
from gql.ingest.text import decode_text, remove_refused_characters

# What PyYAML raises besides YAMLError for a well-formed value it cannot construct
# (``2024-02-30`` as a date, a timestamp with an impossible offset).
# ``YAMLLimitExceeded`` is ours: a document past the limits.
_YAML_VALUE_ERRORS = (yaml.YAMLError, ValueError, OverflowError, TypeError, YAMLLimitExceeded)


class _YAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler, reading values as the C safe loader would, faster
    (``gql.ingest.frontmatter_yaml``)."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return load_yaml(fm)


_HANDLER = _YAMLHandler()


def parse_file(path: Path, data: bytes, *, limits: IngestLimits = DEFAULT_LIMITS) -> ParsedFile:
    """Parse one seed file into an article, topic or organization record.

    Raises ``IngestError`` when the file cannot be read as a record, or holds more than
    ``limits`` allow. Characters that YAML refuses (control characters pasted into a
    string) are removed and reported as a warning. A ``.yaml``/``.yml`` file is one YAML
    document; any other is Markdown with frontmatter. Its ``taxonomy`` key says what it
    defines: ``topic``, ``organization``, else an article.
    """
    if len(data) > limits.max_file_bytes:
        raise IngestError(path, None, limits.file_too_large(len(data)))
    text, warning = remove_refused_characters(path, decode_text(path, data))
    warnings = (warning,) if warning is not None else ()
    if path.suffix.lower() in YAML_SUFFIXES:
        data_map, body = _load_yaml_documents(path, text, limits), ""
    else:
        data_map, body = _load_frontmatter(path, text, limits)
    taxonomy = data_map.get("taxonomy")
    if taxonomy == "topic":
        return ParsedFile(parse_topic(path, data_map), warnings)
    if taxonomy == "organization":
        return ParsedFile(parse_organization(path, data_map, body), warnings)
    return ParsedFile(parse_article(path, data_map, body), warnings)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return f"invalid YAML: {problem}"


def _unquoted(message: str) -> str:
    """A library's message without the value it quotes (``invalid literal for int() with
    base 10: 'hunter2'``)."""
    return message.split("'", 1)[0].split('"', 1)[0].rstrip(" :") or "cannot be built"


def _yaml_error(path: Path, exc: Exception) -> IngestError:
    """The rejection of a file whose YAML does not parse, holds a value YAML cannot build,
    or holds more than the limits allow; says where when PyYAML does."""
    if isinstance(exc, YAMLLimitExceeded):
        return IngestError(path, exc.field, exc.problem)
    if not isinstance(exc, yaml.YAMLError):
        return IngestError(path, None, f"invalid YAML value: {_unquoted(str(exc))}")
    return IngestError(path, None, _yaml_problem(exc))


def _check_yaml_size(path: Path, yaml_text: str, limits: IngestLimits) -> None:
    if len(yaml_text) > limits.max_yaml_chars:
        raise IngestError(
            path,
            None,
            f"YAML is {len(yaml_text)} characters, above the limit of"
            f" {limits.max_yaml_chars} characters",
        )


def _load_frontmatter(path: Path, text: str, limits: IngestLimits) -> tuple[JSONDict, str]:
    """The frontmatter mapping of a Markdown file, and its body without surrounding blank
    lines."""
    stripped = text.lstrip()
    if not stripped.startswith("---"):
        raise IngestError(path, None, "no YAML frontmatter (the file must start with '---')")
    try:
        front, body = _HANDLER.split(stripped)
    except ValueError as exc:
        raise IngestError(path, None, "frontmatter is not closed by a '---' line") from exc
    _check_yaml_size(path, front, limits)
    try:
        loaded = load_yaml(front, limits)
    except _YAML_VALUE_ERRORS as exc:
        raise _yaml_error(path, exc) from exc
    if not isinstance(loaded, dict):
        got = type(loaded).__name__ if loaded is not None else "nothing"
        raise IngestError(path, None, f"frontmatter must be a mapping of keys, got {got}")
    return loaded, body.strip("\n")


def _load_yaml_documents(path: Path, text: str, limits: IngestLimits) -> JSONDict:
    """The one mapping of a YAML file; empty documents (a stray ``---`` at the end of a
    topic file) do not count."""
    _check_yaml_size(path, text, limits)
    try:
        documents = [d for d in safe_load_all(text, limits) if d is not None]
    except _YAML_VALUE_ERRORS as exc:
        raise _yaml_error(path, exc) from exc
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise IngestError(
            path, None, f"expected one YAML mapping, got {len(documents)} document(s)"
        )
    mapping: JSONDict = documents[0]
    return mapping
