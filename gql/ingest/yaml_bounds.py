"""Counting a YAML document's values as its aliases expand them, before anything walks them.

An alias is one node in the parser's graph however often it is used, so a few bytes of
anchors describe millions of values (nine lines, 43 million: the "billion laughs"), and
an alias inside its own anchor describes a value without end. PyYAML builds such a
graph quickly (it shares one object per alias), but every step after it walks the
values: typing them, turning ``extra`` into JSON, writing it. So a document is measured
in values and nesting with its aliases expanded, on the node graph, where each node is
measured once (``check_node_graph``), or as the values are built (``Budget``).
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode

from gql.errors import YAMLLimitExceeded
from gql.ingest.limits import IngestLimits

# A key named in a message is a name, but a file may use any text as a key: keep it short.
_KEY_CHARS = 80


def too_many_values(limits: IngestLimits) -> YAMLLimitExceeded:
    """The error of a document that holds more values than allowed."""
    limit = limits.max_yaml_values
    return YAMLLimitExceeded(
        None, f"YAML holds more than {limit} values once its aliases are expanded (the limit)"
    )


def too_deep(limits: IngestLimits) -> YAMLLimitExceeded:
    """The error of a document nested deeper than allowed."""
    limit = limits.max_yaml_depth
    return YAMLLimitExceeded(None, f"YAML nested deeper than {limit} levels (the limit)")


def recursive_alias() -> YAMLLimitExceeded:
    """The error of a document with an alias inside its own anchor."""
    return YAMLLimitExceeded(
        None, "YAML alias inside its own anchor: a value that contains itself cannot be stored"
    )


def key_name(node: Node) -> str | None:
    """A mapping key as a message names it: its text, shortened; ``None`` when it is not a
    scalar."""
    if type(node) is not ScalarNode:
        return None
    text: str = node.value
    return text if len(text) <= _KEY_CHARS else text[: _KEY_CHARS - 3] + "..."


def at_key(exc: YAMLLimitExceeded, key: Node) -> YAMLLimitExceeded:
    """``exc`` naming the top-level ``key`` under which it was found."""
    return YAMLLimitExceeded(exc.field or key_name(key), exc.problem)


class Budget:
    """What a document may still hold while its values are built: values left, and how
    deep collections may nest."""

    __slots__ = ("limits", "max_depth", "values_left")

    def __init__(self, limits: IngestLimits) -> None:
        self.limits = limits
        self.values_left = limits.max_yaml_values - 1  # the document's own value
        self.max_depth = limits.max_yaml_depth

    def spend(self, values: int, depth: int) -> None:
        """Account for a collection at ``depth`` (1 for the document's own) holding
        ``values`` values (keys count); raise when past a limit."""
        self.values_left -= values
        if self.values_left < 0:
            raise too_many_values(self.limits)
        if depth > self.max_depth:
            raise too_deep(self.limits)


def check_node_graph(root: Node, limits: IngestLimits) -> None:
    """Raise ``YAMLLimitExceeded`` when the document of ``root``, its aliases expanded,
    holds more values or deeper nesting than ``limits`` allow, or contains itself.

    Each node is measured once (its values and height are remembered), so the cost is
    that of the graph, not of the expansion.
    """
    measured: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()
    max_values, max_depth = limits.max_yaml_values, limits.max_yaml_depth

    def measure(node: Node, depth: int) -> tuple[int, int]:
        """The values and height of ``node``, found at ``depth`` collections down."""
        if type(node) is ScalarNode:
            return 1, 0
        key = id(node)
        known = measured.get(key)
        if known is None:
            if key in open_nodes:
                raise recursive_alias()
            if depth + 1 > max_depth:
                raise too_deep(limits)
            open_nodes.add(key)
            values, height = 1, 1
            children = node.value
            if type(node) is MappingNode:
                children = [part for pair in children for part in pair]
            for child in children:
                child_values, child_height = measure(child, depth + 1)
                values += child_values
                height = max(height, child_height + 1)
                if values > max_values:
                    raise too_many_values(limits)
            open_nodes.discard(key)
            known = measured[key] = (values, height)
        if depth + known[1] > max_depth:
            raise too_deep(limits)
        return known

    if type(root) is not MappingNode:
        measure(root, 0)
        return
    # The top-level mapping key by key, so that the error names the field it is under.
    open_nodes.add(id(root))
    total = 1
    for key, value in root.value:
        try:
            total += measure(key, 1)[0] + measure(value, 1)[0]
        except YAMLLimitExceeded as exc:
            raise at_key(exc, key) from None
        if total > max_values:
            raise at_key(too_many_values(limits), key)
