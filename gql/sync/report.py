"""What a load saw and did: the report ``gql load`` prints, and its parts.

The report is filled as the load goes (rejections and warnings chunk by chunk, counts at
the end), so ``LoadReport`` is the one mutable dataclass of the stage; what it lists are
frozen records.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rejected:
    """A file that was not loaded, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Duplicate:
    """Several files with the same webUrl: one article, taken from the first path."""

    url: str
    paths: tuple[str, ...]


@dataclass
class LoadReport:
    """What a load saw and did; printed by ``gql load`` (``--json`` for machines)."""

    files_seen: int = 0
    files_parsed: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    articles: int = 0
    providers: int = 0
    topics: int = 0
    related_links: int = 0
    related_links_resolved: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    data_version: int = 0
    elapsed_s: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when every file loaded, 2 when some were rejected (the rest are loaded)."""
        return 2 if self.rejected else 0

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, field by field (``gql load --json``)."""
        return asdict(self)
