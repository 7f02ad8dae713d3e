"""What changed on disk since the last load, judged against the store's ``files`` table.

A load must not read 100k files to learn that three changed. So a file is read again
only when it is new or its size or modification time differ from the ``files`` table;
once read, its content digest decides whether it is written again (a touched but equal
file is not). Files the table lists that are gone are vanished. ``is_stale`` answers the
cheaper question ``gql serve --seeds`` asks before it loads at all.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gql.errors import LoadError
from gql.ingest import ArticleRecord, Discovery, ParsedFile, Skipped, TopicRecord, is_under
from gql.store import FileEntry


def digest(data: bytes) -> str:
    """The content digest the ``files`` table keeps of a seed file."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def kind_and_key(parsed: ParsedFile) -> tuple[str, str]:
    """What a parsed file defines, as the ``files`` table records it: an article by URL, a
    topic by name, a publisher by domain."""
    record = parsed.record
    if isinstance(record, ArticleRecord):
        return "article", record.url
    if isinstance(record, TopicRecord):
        return "topic", record.name
    return "organization", record.domain


@dataclass(frozen=True)
class DiskChanges:
    """The seed files under a load's roots, compared with the ``files`` table."""

    seen: dict[str, os.stat_result]
    """Every seed file found, with its ``stat``."""
    changed: list[str]
    """Seen files that are new or whose size or modification time changed, in path order:
    the only ones read."""
    vanished: list[str]
    """Files of the table that are gone, whose definitions the load removes."""
    targets: dict[str, str] = field(default_factory=dict)
    """The real path of each seen file that is a symbolic link (inside the roots)."""
    skipped: list[Skipped] = field(default_factory=list)
    """Links and folders under the roots that were not read, and why."""


ChangeFinder = Callable[[list[Path], dict[str, FileEntry]], DiskChanges]
"""What a load asks to learn what changed: the resolved roots and the ``files`` table by
path in, ``DiskChanges`` out (``find_changes``, or ``gql.sync.named.NamedChanges``)."""


def resolve_roots(roots: Iterable[Path | str]) -> list[Path]:
    """The roots as absolute paths (the ``files`` table's keys); a missing one, or a link
    loop, stops the load before anything is read: the user named it."""
    resolved = []
    for root in roots:
        try:
            path = Path(root).resolve()
        except (RuntimeError, OSError) as exc:  # RuntimeError: a loop, before Python 3.13
            raise LoadError(root, "symbolic link loop") from exc
        if not path.exists():
            raise LoadError(path, "no such file or folder")
        resolved.append(path)
    return resolved


def find_changes(roots: list[Path], stored: dict[str, FileEntry]) -> DiskChanges:
    """Walk ``roots`` (resolved) and compare what is there with ``stored``, the ``files``
    table by path."""
    seen: dict[str, os.stat_result] = {}
    targets: dict[str, str] = {}
    discovery = Discovery(roots)
    try:
        for name, stat, target in discovery:
            if seen.setdefault(name, stat) is stat and target is not None:
                targets[name] = target
    except OSError as exc:  # a root that went away or changed kind while it was walked
        raise LoadError(exc.filename, f"cannot list: {exc.strerror or exc}") from exc
    changed = sorted(
        name
        for name, stat in seen.items()
        if (old := stored.get(name)) is None
        or old.size != stat.st_size
        or old.mtime_ns != stat.st_mtime_ns
    )
    # Gone: files of the folders being loaded that are no longer there, and files loaded
    # from anywhere else that no longer exist (a seed folder that was moved or renamed).
    # A folder that could not be listed hides its files, which are not gone.
    roots_text = [str(r) for r in roots]
    unlisted = [s.path for s in discovery.skipped if s.unlisted]
    vanished = [
        p
        for p in stored
        if (p not in seen and is_under(p, roots_text) and not is_under(p, unlisted))
        or (not is_under(p, roots_text) and not os.path.exists(p))
    ]
    return DiskChanges(
        seen=seen, changed=changed, vanished=vanished, targets=targets, skipped=discovery.skipped
    )


def is_stale(db_path: Path | str, roots: Iterable[Path | str]) -> bool:
    """True when the database is missing or older than a seed file or folder under ``roots``.

    Folders count too: removing a file changes its folder's modification time.
    """
    database = Path(db_path)
    if not database.exists():
        return True
    built = database.stat().st_mtime
    for root in roots:
        root_path = Path(root)
        if not root_path.exists():
            continue
        candidates = [root_path, *root_path.rglob("*")] if root_path.is_dir() else [root_path]
        if any(_modified_after(p, built) for p in candidates):
            return True
    return False


def _modified_after(path: Path, moment: float) -> bool:
    """Whether ``path`` changed after ``moment``; a link that loops or leads nowhere, or a
    file that went away, does not count (the load reports it)."""
    try:
        return path.stat().st_mtime > moment
    except OSError:
        return False
