"""Which files in a seed folder are records, and finding them fast and safely.

A seed folder mixes articles, topic and publisher definitions, READMEs and whatever else a
user keeps next to them. The rules live here, in one place, because ``gql load`` (which
files to compare with the database) and ``gql load``'s progress bar (how many there are)
must agree on them.

A folder is also whatever anyone could put in it, symbolic links included. A link to a
file is followed only when its target lies inside the roots being loaded (a link to
``/etc/passwd`` would otherwise be loaded and served); a link to a folder is never
walked (its files inside the roots are found where they lie, and a link to an ancestor
would walk forever). Links that loop or lead nowhere are skipped with a warning, links
that leave the roots are rejected, a folder that cannot be listed is rejected and its
files keep their last loaded version: none of them stops the walk.
"""

from __future__ import annotations

import errno
import os
import stat as stat_module
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

ARTICLE_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
# Publisher and topic folders of the everyday-cc layout hold files without a suffix
# (``organizations/theguardian.com``); inside them every regular file is a definition.
DEFINITION_DIRS = frozenset({"organizations", "topics"})


SeedFile = tuple[str, os.stat_result, str | None]
"""A seed file found under the roots: where (a link's own path, not its target's), its
``stat`` (a link's is its target's) and, for a symbolic link, the real path it leads to
(inside the roots), else ``None``. A plain tuple: a load builds one per file of the
roots, and a named tuple costs 0.3 s per million more."""


@dataclass(frozen=True)
class Skipped:
    """A path under the roots that is not read, and why."""

    path: str
    problem: str
    rejected: bool
    """True when the load reports it as rejected (a link leaving the roots, a folder that
    cannot be listed); False for a warning (a link that loops or leads nowhere)."""
    unlisted: bool = False
    """A folder that could not be listed: what it held before must not look vanished."""


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


def is_under(path: str, roots: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``roots`` or inside one (all absolute, resolved)."""
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


class Discovery:
    """The seed files under ``roots`` (files or folders, resolved), one walk per iteration:
    sorted by path within each root, hidden files and folders left out. What was skipped
    on the way is in ``skipped`` once the walk is done.

    Paths stay strings, as ``os.scandir`` gives them: a load compares every one of them
    with the database before it parses any, and most are never opened.
    """

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = list(roots)
        self.skipped: list[Skipped] = []
        self._root_texts = [str(root) for root in self.roots]

    def __iter__(self) -> Iterator[SeedFile]:
        self.skipped = []
        for root in self.roots:
            if root.is_file():
                yield str(root), root.stat(), None
                continue
            found: list[SeedFile] = []
            pending = [str(root)]
            while pending:
                self._list(pending.pop(), pending, found)
            found.sort(key=itemgetter(0))
            yield from found

    def _list(self, folder: str, pending: list[str], found: list[SeedFile]) -> None:
        folder_name = os.path.basename(folder)
        try:
            entries = os.scandir(folder)
        except FileNotFoundError:  # removed while the walk went on: its files are gone
            return
        except OSError as exc:
            reason = exc.strerror or exc
            problem = f"cannot list folder: {reason}; its files keep their last version"
            self.skipped.append(Skipped(folder, problem, rejected=True, unlisted=True))
            return
        with entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    # Folders and files first: links are rare, and a DirEntry knows what
                    # it is without a system call (but a link's target needs one).
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        if _is_seed_name(entry.name, folder_name):
                            found.append((entry.path, entry.stat(), None))
                    elif entry.is_symlink():
                        link = self._follow(entry, folder, folder_name)
                        if link is not None:
                            found.append(link)
                except FileNotFoundError:  # removed while listed: it is gone
                    continue

    def _skip(self, path: str, problem: str, *, rejected: bool) -> None:
        self.skipped.append(Skipped(path, problem, rejected=rejected))

    def _follow(self, entry: os.DirEntry[str], folder: str, folder_name: str) -> SeedFile | None:
        """The seed file a symbolic link leads to, when it is one inside the roots."""
        try:
            stat = os.stat(entry.path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self._skip(entry.path, "symbolic link loop: skipped", rejected=False)
            elif exc.errno == errno.ENOENT:
                self._skip(entry.path, "symbolic link to nothing: skipped", rejected=False)
            else:
                problem = f"cannot follow symbolic link: {exc.strerror or exc}"
                self._skip(entry.path, problem, rejected=False)
            return None
        is_folder = stat_module.S_ISDIR(stat.st_mode)
        if not is_folder and not (
            stat_module.S_ISREG(stat.st_mode) and _is_seed_name(entry.name, folder_name)
        ):
            return None
        target = os.path.realpath(entry.path)
        what = "folder" if is_folder else "file"
        if not is_under(target, self._root_texts):
            problem = (
                f"symbolic link to a {what} outside the folders being loaded: not followed"
                " (load its target as a root of its own to include it)"
            )
            self._skip(entry.path, problem, rejected=True)
            return None
        if is_folder:
            if is_under(folder, [target]):
                problem = "symbolic link loop (to a folder that contains it): skipped"
                self._skip(entry.path, problem, rejected=False)
            # Otherwise its files are inside the roots, and found where they lie.
            return None
        return entry.path, stat, target


def discover_paths(roots: Iterable[Path]) -> Iterator[SeedFile]:
    """Every seed file under ``roots`` (``Discovery``), without what was skipped."""
    return iter(Discovery(roots))


def discover_files(roots: Iterable[Path]) -> Iterator[tuple[Path, os.stat_result]]:
    """``discover_paths`` with each path as a ``Path``, and its ``stat``."""
    for path, stat, _ in discover_paths(roots):
        yield Path(path), stat
