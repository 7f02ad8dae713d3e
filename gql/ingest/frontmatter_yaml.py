"""Frontmatter YAML to Python values, as PyYAML's safe loader builds them, in a fraction of
the time.

PyYAML's ``CSafeLoader`` parses in C but builds every value in Python, through a general
constructor (recursion bookkeeping, a generator per mapping, a resolver that runs up to a
dozen regular expressions per scalar): about 70% of the CPU time of a load. ``load_yaml``
reads a document in the first of three ways that accepts it:

1. the block subset nearly all frontmatter is written in (``key: value`` lines, nested
   mappings, ``- item`` sequences, one-line plain or simply quoted scalars), read from the
   lines directly;
2. libyaml's parser and composer (``yaml.CParser``) with scalars only marked plain or
   quoted, and one small function that turns the node tree into values;
3. ``CSafeLoader`` itself, for anything the other two refuse (explicit tags such as
   ``!!binary``, merge keys, self-containing aliases) and for every error, so that errors
   are the safe loader's own.

In the first two, plain scalars are typed with the safe loader's own resolver table and
constructors, memoised because frontmatter repeats them (``type: article``,
``published: false``, topic names), so every value is the one ``CSafeLoader`` gives.

All three are bounded by ``IngestLimits`` (``gql.ingest.yaml_bounds``): values counted
with their aliases expanded, and nesting. The block subset has no aliases and is taken
only when its line count and nesting cannot exceed them; the node reader counts as it
builds; the safe loader's node graph is measured before a value is built. A document
past a limit raises ``YAMLLimitExceeded`` from whichever way reads it.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gql.errors import YAMLLimitExceeded
from gql.ingest.limits import DEFAULT_LIMITS, IngestLimits
from gql.ingest.yaml_bounds import Budget, at_key, check_node_graph, recursive_alias

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
try:
    from yaml import cyaml

    _Parser: Any = getattr(cyaml, "CParser", None)
except ImportError:  # PyYAML built without libyaml: the safe loader does it all
    _Parser = None

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
# Not a YAML tag: what our resolver gives a plain scalar, typed later by ``_plain_value``.
_PLAIN = "!gql-plain"

_RESOLVERS: dict[Any, list[tuple[str, Any]]] = SafeLoader.yaml_implicit_resolvers
_SAFE = yaml.constructor.SafeConstructor()
_CONSTRUCT = {
    "tag:yaml.org,2002:null": _SAFE.construct_yaml_null,
    "tag:yaml.org,2002:bool": _SAFE.construct_yaml_bool,
    "tag:yaml.org,2002:int": _SAFE.construct_yaml_int,
    "tag:yaml.org,2002:float": _SAFE.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": _SAFE.construct_yaml_timestamp,
}


class _Unsupported(Exception):
    """The document uses something only the full safe loader handles."""


if _Parser is not None:

    class _NodeReader(_Parser):  # type: ignore[misc]
        """libyaml's parser and composer; scalars are only told apart as plain or not."""

        def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool]) -> str:
            if kind is ScalarNode:
                return _PLAIN if implicit[0] else _STR
            return _SEQ if kind is SequenceNode else _MAP

        def descend_resolver(self, current_node: Node | None, current_index: Any) -> None:
            """The composer's hook for path resolvers, which the safe loader has none of."""

        def ascend_resolver(self) -> None:
            """The composer's hook for path resolvers, which the safe loader has none of."""


# The timestamps of the corpus (``2024-01-02T03:04:05Z``), unique per file and so never
# found in the cache: ``fromisoformat`` builds the same UTC datetime as the safe loader,
# five times faster.
_UTC_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


# Longer plain scalars are typed without the cache: frontmatter repeats short ones, and
# the cache must not keep thousands of long ones alive (it outlives every file).
MEMO_MAX_CHARS = 200


def _typed_plain(text: str) -> Any:
    """A plain (unquoted, untagged) scalar typed as the safe loader types it."""
    if _UTC_SECONDS.fullmatch(text):
        return datetime.fromisoformat(text)
    wildcard = _RESOLVERS.get(None, [])
    for tag, pattern in _RESOLVERS.get(text[0] if text else "", []) + wildcard:
        if pattern.match(text):
            construct = _CONSTRUCT.get(tag)
            if construct is None:  # merge ``<<`` or value ``=``: the safe loader decides
                raise _Unsupported(tag)
            return construct(ScalarNode(tag, text))
    return text


_plain_value = lru_cache(maxsize=8192)(_typed_plain)


def _value(node: Node, active: set[int], budget: Budget) -> Any:
    """The value of ``node``, aliases expanded; ``active`` holds the collections it is in,
    and ``budget`` what the document may still hold."""
    tag = node.tag
    if tag == _PLAIN:
        text = node.value
        return _plain_value(text) if len(text) <= MEMO_MAX_CHARS else _typed_plain(text)
    if tag == _STR and type(node) is ScalarNode:
        return node.value
    if id(node) in active:  # an alias inside its own anchor
        raise recursive_alias()
    if tag == _MAP and type(node) is MappingNode:
        # ``Budget.spend``, inline: this runs for every collection of every document.
        budget.values_left -= 2 * len(node.value)
        if budget.values_left < 0 or len(active) >= budget.max_depth:
            budget.spend(0, len(active) + 1)
        active.add(id(node))
        mapping = {_value(k, active, budget): _value(v, active, budget) for k, v in node.value}
        active.discard(id(node))
        return mapping
    if tag == _SEQ and type(node) is SequenceNode:
        budget.values_left -= len(node.value)
        if budget.values_left < 0 or len(active) >= budget.max_depth:
            budget.spend(0, len(active) + 1)
        active.add(id(node))
        items = [_value(item, active, budget) for item in node.value]
        active.discard(id(node))
        return items
    raise _Unsupported(tag)


def _document_value(node: Node, limits: IngestLimits) -> Any:
    """``_value`` of a document's node; a limit error names the top-level key it is under."""
    budget = Budget(limits)
    if node.tag != _MAP or type(node) is not MappingNode:
        return _value(node, set(), budget)
    budget.spend(2 * len(node.value), 1)
    active = {id(node)}
    mapping = {}
    for key, value in node.value:
        try:
            mapping[_value(key, active, budget)] = _value(value, active, budget)
        except YAMLLimitExceeded as exc:
            raise at_key(exc, key) from None
    return mapping


# --- the block subset -----------------------------------------------------------------
#
# Frontmatter is nearly always the same few shapes: ``key: value`` lines, nested block
# mappings, ``- item`` sequences, plain or quoted one-line scalars. ``_read_block_subset``
# reads exactly that subset straight from the lines (about twice as fast as libyaml plus
# node objects) and gives up, raising ``_Unsupported``, on anything else: comments, tabs,
# flow collections, anchors, tags, escapes, multi-line or block scalars, odd indentation,
# other line breaks. Plain scalars are typed by ``_plain_value`` like all others.

# Keys of at most MEMO_MAX_CHARS characters, so that every key may be memoised; a longer
# one (were there any) is read by the node reader.
_KEY_LINE = re.compile(rf"([A-Za-z_][A-Za-z0-9_]{{0,{MEMO_MAX_CHARS - 1}}}):(?: +(.*))?")
# A plain scalar may not start with an indicator; ``-`` is fine before a non-space (``-1``).
_PLAIN_START_REFUSED = frozenset("?:,[]{}#&*!|>'\"%@`")
_BREAKS_REFUSED = ("\r", "\t", "\x85", "\u2028", "\u2029", "\ufeff")


def _subset_scalar(text: str) -> Any:
    text = text.rstrip(" ")
    first = text[:1]
    if first == '"' or first == "'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != first or first in inner or "\\" in inner:
            raise _Unsupported("quoted scalar")
        return inner
    if (
        not text
        or first in _PLAIN_START_REFUSED
        or (first == "-" and text[1:2] in ("", " "))
        or ": " in text
        or " #" in text
        or text.endswith(":")
    ):
        raise _Unsupported("plain scalar")
    return _plain_value(text) if len(text) <= MEMO_MAX_CHARS else _typed_plain(text)


def _subset_lines(text: str) -> tuple[list[int], list[str]]:
    """The indents and contents of the non-blank lines; the indents end with a -1."""
    if any(c in text for c in _BREAKS_REFUSED):
        raise _Unsupported("tab, carriage return or unusual line break")
    indents, contents = [], []
    for line in text.split("\n"):
        content = line.lstrip(" ")
        if content:
            indents.append(len(line) - len(content))
            contents.append(content)
    indents.append(-1)
    return indents, contents


def _subset_mapping(
    indents: list[int], contents: list[str], at: int, indent: int, room: int
) -> tuple[dict[Any, Any], int]:
    """The block mapping whose keys start at line ``at`` and column ``indent``, and the
    line after it; ``room`` is how many levels of collections may nest from this one."""
    if room < 1:
        raise _Unsupported("deeper than the limit: the node reader names it")
    mapping: dict[Any, Any] = {}
    key_line = _KEY_LINE.fullmatch
    while indents[at] == indent:
        match = key_line(contents[at])
        if match is None:
            raise _Unsupported("not a key line")
        key, rest = _plain_value(match.group(1)), match.group(2)
        at += 1
        if rest:
            mapping[key] = _subset_scalar(rest)
        elif indents[at] > indent:
            if contents[at].startswith("- "):
                mapping[key], at = _subset_sequence(indents, contents, at, indents[at], room - 1)
            else:
                mapping[key], at = _subset_mapping(indents, contents, at, indents[at], room - 1)
        elif indents[at] == indent and contents[at].startswith("-"):
            raise _Unsupported("sequence not indented under its key")
        else:
            mapping[key] = None
    if indents[at] > indent:
        raise _Unsupported("unexpected indentation")
    return mapping, at


def _subset_sequence(
    indents: list[int], contents: list[str], at: int, indent: int, room: int
) -> tuple[list[Any], int]:
    """The block sequence whose ``- `` start at line ``at`` and column ``indent``, and the
    line after it; ``room`` is how many levels of collections may nest from this one."""
    if room < 1:
        raise _Unsupported("deeper than the limit: the node reader names it")
    items: list[Any] = []
    while indents[at] == indent:
        content = contents[at]
        if not content.startswith("- "):
            raise _Unsupported("not a sequence item")
        item = content[2:].lstrip(" ")
        if _KEY_LINE.fullmatch(item):
            # ``- key: value``: a mapping whose keys sit where this first key does.
            column = indent + len(content) - len(item)
            indents[at], contents[at] = column, item
            value, at = _subset_mapping(indents, contents, at, column, room - 1)
            items.append(value)
        elif item.startswith("-"):
            raise _Unsupported("sequence in a sequence item")
        else:
            items.append(_subset_scalar(item))
            at += 1
    if indents[at] > indent:
        raise _Unsupported("unexpected indentation")
    return items, at


def _read_block_subset(text: str, limits: IngestLimits) -> dict[Any, Any]:
    indents, contents = _subset_lines(text)
    if not contents or indents[0] != 0:
        raise _Unsupported("empty or indented document")
    # A line of the subset holds at most three values (``- key: value``) and there are no
    # aliases: below this many lines the document is within the limit, and otherwise the
    # node reader counts exactly.
    if 3 * len(contents) + 1 > limits.max_yaml_values:
        raise _Unsupported("maybe more values than the limit: the node reader counts them")
    mapping, at = _subset_mapping(indents, contents, 0, 0, limits.max_yaml_depth)
    if at != len(contents):
        raise _Unsupported("content after the mapping")
    return mapping


class _BoundedSafeLoader(SafeLoader):  # type: ignore[valid-type,misc]
    """The safe loader, refusing a document past ``limits`` once it is composed and before
    any value is built (``check_node_graph``)."""

    limits: IngestLimits = DEFAULT_LIMITS

    def get_single_node(self) -> Node | None:
        node: Node | None = super().get_single_node()
        if node is not None:
            check_node_graph(node, self.limits)
        return node

    def get_node(self) -> Node | None:
        node: Node | None = super().get_node()
        if node is not None:
            check_node_graph(node, self.limits)
        return node


def safe_load(text: str, limits: IngestLimits = DEFAULT_LIMITS) -> Any:
    """``yaml.load(text, CSafeLoader)``, refusing a document past ``limits``."""
    loader = _BoundedSafeLoader(text)
    loader.limits = limits
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def safe_load_all(text: str, limits: IngestLimits = DEFAULT_LIMITS) -> list[Any]:
    """``list(yaml.load_all(text, CSafeLoader))``, refusing a document past ``limits``
    (each document is measured on its own)."""
    loader = _BoundedSafeLoader(text)
    loader.limits = limits
    try:
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
        return documents
    finally:
        loader.dispose()


def load_yaml(text: str, limits: IngestLimits = DEFAULT_LIMITS) -> Any:
    """The value of one YAML document, exactly as ``yaml.load(text, CSafeLoader)`` gives it
    (and raising what it raises), or ``YAMLLimitExceeded`` when it holds more values or
    deeper nesting than ``limits`` allow, or contains itself."""
    try:
        return _read_block_subset(text, limits)
    except Exception:  # libyaml, then the safe loader, read what the subset does not
        pass
    if _Parser is not None:
        reader = _NodeReader(text)
        try:
            node = reader.get_single_node()
            if node is not None:
                return _document_value(node, limits)
        except YAMLLimitExceeded:
            raise
        except Exception:  # the safe loader below gives the value or the error
            pass
        finally:
            reader.dispose()
    return safe_load(text, limits)
