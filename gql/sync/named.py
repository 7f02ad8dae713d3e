"""What changed on disk, from the paths a file watcher named: ``find_changes`` without the
walk.

On 100k files, walking the folders and comparing every file with the ``files`` table
costs ~2 s, and ``gql serve --watch`` paid it for every edit although inotify had named
the one file that changed. ``NamedChanges`` answers the same question from the named
paths alone, judging each as the walk (``gql.ingest.Discovery``) would:

- a seed file (by suffix, folder and name; hidden names and those inside hidden folders
  are not seeds) that exists is *changed*, whatever its size and time say: it is read,
  and its content digest decides whether it is written. So an edit that keeps the size
  and lands within one tick of the file system's clock, which the walk's size-and-time
  test misses, is loaded;
- a path gone that the ``files`` table holds has *vanished*;
- the other files that define the URL of a changed or vanished file are looked at too,
  as the load may hand the URL to one of them.

Whatever it cannot judge from a path alone makes it walk after all (``find_changes``):
a folder that appeared, moved or went; a symbolic link, or a path under a linked folder;
a path it cannot ``stat``; a path outside the roots; a file the table holds that went
without being named (an event was missed); or more than ``MAX_NAMED_PATHS`` paths (a
big copy, where the walk costs no more; inotify's queue overflowing is such a burst:
watchfiles drops the kernel's overflow notice, which names no path). ``walked`` says
why, for the log and the tests.

A named load differs from a walk in one thing: files the table holds outside the roots
(loaded from another folder) are not checked for having gone, as no event names them.
"""

from __future__ import annotations

import os
import stat as stat_module
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from gql.ingest import is_seed_file, is_under
from gql.store import FileEntry
from gql.sync.changes import DiskChanges, find_changes

MAX_NAMED_PATHS: Final = 2_000
"""Past this many paths in one batch the walk is taken: stat-ing each named path costs
about what the walk's stat of it does, and a batch this big is a copy or a move of many
files, where a missed event is likeliest."""


class _Walk(Exception):
    """The named paths cannot tell what changed: walk the roots."""


class NamedChanges:
    """A ``ChangeFinder`` for one batch of named paths (module docstring)."""

    def __init__(self, paths: Iterable[str], *, max_paths: int = MAX_NAMED_PATHS) -> None:
        self.paths = frozenset(os.path.normpath(p) for p in paths)
        self.max_paths = max_paths
        self.walked: str | None = None
        """Why the roots were walked after all (None: the named paths sufficed)."""

    def __call__(self, roots: list[Path], stored: dict[str, FileEntry]) -> DiskChanges:
        try:
            return self._named(roots, stored)
        except _Walk as walk:
            self.walked = str(walk)
            return find_changes(roots, stored)

    def _named(self, roots: list[Path], stored: dict[str, FileEntry]) -> DiskChanges:
        if len(self.paths) > self.max_paths:
            raise _Walk(f"{len(self.paths):,} paths named, more than {self.max_paths:,}")
        root_texts = [str(root) for root in roots]
        seen: dict[str, os.stat_result] = {}
        vanished: list[str] = []
        folders: set[str] | None = None
        for path in sorted(self.paths):
            root = _root_of(path, root_texts)
            if root is None:
                raise _Walk(f"{path} is outside the folders watched")
            if _is_hidden(path, root):
                continue
            _check_parent(path, root)
            try:
                found = os.lstat(path)
            except FileNotFoundError:
                if path in stored:
                    vanished.append(path)
                    continue
                folders = _folders_of(stored) if folders is None else folders
                if path in folders:
                    raise _Walk(f"folder {path} went") from None
                continue  # a file made and removed within the batch, or not a seed
            except OSError as exc:
                raise _Walk(f"cannot stat {path}: {exc.strerror or exc}") from exc
            if stat_module.S_ISDIR(found.st_mode):
                raise _Walk(f"folder {path} changed")
            if stat_module.S_ISLNK(found.st_mode):
                raise _Walk(f"{path} is a symbolic link")
            if stat_module.S_ISREG(found.st_mode) and (path == root or is_seed_file(Path(path))):
                seen[path] = found
            elif path in stored:  # no longer a regular file: the walk would not find it
                vanished.append(path)
        changed = sorted(seen)
        _add_twins(seen, vanished, stored, root_texts)
        return DiskChanges(seen=seen, changed=changed, vanished=vanished)


def _root_of(path: str, roots: list[str]) -> str | None:
    return next((root for root in roots if is_under(path, [root])), None)


def _is_hidden(path: str, root: str) -> bool:
    """Whether the walk leaves ``path`` out: a name under the root starting with a dot."""
    relative = os.path.relpath(path, root)
    return relative != "." and any(part.startswith(".") for part in relative.split(os.sep))


def _check_parent(path: str, root: str) -> None:
    """The walk finds files where they lie, never through a link to a folder."""
    parent = os.path.dirname(path)
    if is_under(parent, [root]) and os.path.realpath(parent) != parent:
        raise _Walk(f"{path} is under a symbolic link")


def _folders_of(stored: dict[str, FileEntry]) -> set[str]:
    """Every folder holding a file of the table, at any depth."""
    folders: set[str] = set()
    for path in stored:
        parent = os.path.dirname(path)
        while parent not in folders and parent != os.path.dirname(parent):
            folders.add(parent)
            parent = os.path.dirname(parent)
    return folders


def _add_twins(
    seen: dict[str, os.stat_result],
    vanished: list[str],
    stored: dict[str, FileEntry],
    roots: list[str],
) -> None:
    """Add to ``seen`` the other files of the URLs a changed or vanished file defined: the
    load may give such a URL to one of them, and reads it as the walk found it."""
    urls = {
        entry.key
        for path in (*seen, *vanished)
        if (entry := stored.get(path)) is not None and entry.kind == "article"
    }
    if not urls:
        return
    gone = set(vanished)
    for path, entry in stored.items():
        if entry.kind != "article" or entry.key not in urls or path in seen or path in gone:
            continue
        if not is_under(path, roots):
            continue  # loaded from another folder: read as the walk reads it, unfound
        try:
            found = os.lstat(path)
        except OSError as exc:
            raise _Walk(f"{path} changed without an event: {exc.strerror or exc}") from exc
        if not stat_module.S_ISREG(found.st_mode):
            raise _Walk(f"{path} is not a regular file")
        if (found.st_size, found.st_mtime_ns) != (entry.size, entry.mtime_ns):
            raise _Walk(f"{path} changed without an event")
        seen[path] = found
