"""How much one seed file may hold: the bounds that keep a hostile file from hanging a load.

A file is data from anywhere, and YAML can say a lot in a few bytes: nine lines of anchors
and aliases (the "billion laughs") expand to 43 million values, and every step after the
parser (typing, ``extra`` as JSON, the store) would walk them all. So the size of a file
is checked before it is read, the size of its YAML before it is parsed, and the values
and nesting of its YAML while they are built, aliases counted as what they expand to.
The defaults are far above anything the real corpus holds (at most 30 kB of frontmatter,
a few hundred values, five levels of nesting), so only abuse reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IngestLimits:
    """The bounds on one seed file; a file past any of them is rejected, naming the limit."""

    max_file_bytes: int = 10 * 1024 * 1024
    """A larger file is rejected from its ``stat``, before any of it is read."""
    max_yaml_chars: int = 1024 * 1024
    """The frontmatter (or a ``.yaml`` file) may be this long: it bounds the parser's work
    and memory, and the length of every scalar. The Markdown body is bounded by
    ``max_file_bytes`` only."""
    max_yaml_values: int = 100_000
    """Values (scalars, keys and collections) a document may hold, aliases expanded."""
    max_yaml_depth: int = 100
    """Collections nested in one another, aliases expanded."""

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_yaml_chars", "max_yaml_values", "max_yaml_depth"):
            assert getattr(self, name) >= 1, f"{name} must be at least 1"

    def file_too_large(self, size: int) -> str:
        """The problem of a file of ``size`` bytes, above ``max_file_bytes``."""
        return f"file is {size} bytes, above the limit of {self.max_file_bytes} bytes"


DEFAULT_LIMITS = IngestLimits()
