"""Frontmatter YAML to Python values, as PyYAML's safe loader builds them, in a third of the time.

PyYAML's ``CSafeLoader`` parses in C but builds every value in Python, through a general
constructor (recursion bookkeeping, a generator per mapping, a resolver that runs up to a
dozen regular expressions per scalar): about 70% of the CPU time of a load. Here libyaml
still parses and composes the node tree (``yaml.CParser``), and one small function turns the
tree into values. Plain scalars are typed with the safe loader's own resolver table and
constructors, and memoised, because frontmatter repeats them (``type: article``,
``published: false``, topic names), so every value is the one ``CSafeLoader`` gives.

Anything this function does not know (an explicit tag such as ``!!binary`` or ``!!set``, a
merge key ``<<``, an alias that makes a structure contain itself) or any error makes the
document be read again by ``CSafeLoader``, which then returns its value or raises its error.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

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


@lru_cache(maxsize=8192)
def _plain_value(text: str) -> Any:
    """A plain (unquoted, untagged) scalar typed as the safe loader types it."""
    wildcard = _RESOLVERS.get(None, [])
    for tag, pattern in _RESOLVERS.get(text[0] if text else "", []) + wildcard:
        if pattern.match(text):
            construct = _CONSTRUCT.get(tag)
            if construct is None:  # merge ``<<`` or value ``=``: the safe loader decides
                raise _Unsupported(tag)
            return construct(ScalarNode(tag, text))
    return text


def _value(node: Node, active: set[int]) -> Any:
    tag = node.tag
    if tag == _PLAIN:
        return _plain_value(node.value)
    if tag == _STR and type(node) is ScalarNode:
        return node.value
    if id(node) in active:  # an alias inside its own anchor
        raise _Unsupported("recursive structure")
    if tag == _MAP and type(node) is MappingNode:
        active.add(id(node))
        mapping = {_value(k, active): _value(v, active) for k, v in node.value}
        active.discard(id(node))
        return mapping
    if tag == _SEQ and type(node) is SequenceNode:
        active.add(id(node))
        items = [_value(item, active) for item in node.value]
        active.discard(id(node))
        return items
    raise _Unsupported(tag)


def load_yaml(text: str) -> Any:
    """The value of one YAML document, exactly as ``yaml.load(text, CSafeLoader)`` gives it
    (and raising what it raises)."""
    if _Parser is not None:
        reader = _NodeReader(text)
        try:
            node = reader.get_single_node()
            if node is not None:
                return _value(node, set())
        except Exception:  # the safe loader below gives the value or the error
            pass
        finally:
            reader.dispose()
    return yaml.load(text, Loader=SafeLoader)
