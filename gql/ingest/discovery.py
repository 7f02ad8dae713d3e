"""Which files in a seed folder are records, and finding them fast.

A seed folder mixes articles, topic and publisher definitions, READMEs and whatever else a
user keeps next to them. The rules live here, in one place, because ``gql load`` (which
files to compare with the database) and ``gql load``'s progress bar (how many there are)
must agree on them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

ARTICLE_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
# Publisher and topic folders of the everyday-cc layout hold files without a suffix
# (``organizations/theguardian.com``); inside them every regular file is a definition.
DEFINITION_DIRS = frozenset({"organizations", "topics"})


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
    folders are skipped.

    Paths stay strings, as ``os.scandir`` gives them: a load compares every one of them
    with the database before it parses any, and most are never opened.
    """
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
