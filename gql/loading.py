"""Loading: compare seed folders with the store, parse what changed, write it, report.

The only place where ingest meets the store. A load is incremental: files whose digest is
unchanged are not parsed again; a file that vanished from a folder being loaded takes its
article (or definition) with it; a file that now fails to parse is reported and its last
good version stays in the store.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from gql.errors import IngestError, LoadError
from gql.ingest import discover_files, parse_file
from gql.records import ArticleRecord, OrganizationRecord, ParsedFile, TopicRecord
from gql.store import Store
from gql.store.write import FileEntry, LoadPlan, write_load

ProgressCallback = Callable[[int], None]


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
        return asdict(self)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _kind_and_key(parsed: ParsedFile) -> tuple[str, str]:
    record = parsed.record
    if isinstance(record, ArticleRecord):
        return "article", record.url
    if isinstance(record, TopicRecord):
        return "topic", record.name
    return "organization", record.domain


def _under(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


async def _stored_files(store: Store) -> dict[str, FileEntry]:
    rows = await store.execute("SELECT path, digest, kind, key, size, mtime_ns FROM files")
    return {r[0]: FileEntry(*r) for r in rows}


# Below this many changed files, parsing in this process beats starting worker processes.
PARALLEL_MIN_FILES = 2000
_CHUNK_FILES = 500

ReadResult = tuple[str, str | None, ParsedFile | None, str | None]
"""(path, digest of the bytes read, the parsed file or None, the rejection reason or None)"""


def read_and_parse(paths: list[str]) -> list[ReadResult]:
    """Read, digest and parse files; never raises for a bad file (worker-process entry)."""
    results: list[ReadResult] = []
    for name in paths:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            results.append((name, None, None, f"{name}: cannot read: {exc.strerror or exc}"))
            continue
        try:
            results.append((name, _digest(data), parse_file(path, data), None))
        except IngestError as exc:
            results.append((name, _digest(data), None, str(exc)))
    return results


def _read_and_parse_all(paths: list[str], progress: ProgressCallback | None) -> list[ReadResult]:
    """``read_and_parse`` over many files, on every core when there are enough of them.

    YAML construction is pure Python and bound to one core; worker processes are started
    with ``spawn`` because this process runs SQLite threads, which ``fork`` may copy mid-lock.
    """
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_MIN_FILES or workers < 2:
        results = []
        for start in range(0, len(paths), _CHUNK_FILES):
            chunk = read_and_parse(paths[start : start + _CHUNK_FILES])
            results.extend(chunk)
            if progress is not None:
                progress(len(chunk))
        return results
    chunks = [paths[i : i + _CHUNK_FILES] for i in range(0, len(paths), _CHUNK_FILES)]
    results = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for chunk in pool.map(read_and_parse, chunks):
            results.extend(chunk)
            if progress is not None:
                progress(len(chunk))
    return results


async def load_paths(
    store: Store, roots: Iterable[Path | str], *, progress: ProgressCallback | None = None
) -> LoadReport:
    """Bring the store in line with the seed files under ``roots`` and report what changed.

    A file whose size and modification time match the last load is not read again; one
    whose content digest matches is not written again.
    """
    started = time.perf_counter()
    root_paths = [Path(r).resolve() for r in roots]
    for root in root_paths:
        if not root.exists():
            raise LoadError(f"{root}: no such file or folder")
    report = LoadReport()
    stored = await _stored_files(store)
    seen: dict[str, os.stat_result] = {}
    for path, stat in discover_files(root_paths):
        seen.setdefault(str(path), stat)
    candidates = []
    for name, stat in seen.items():
        old = stored.get(name)
        if old is None or old.size != stat.st_size or old.mtime_ns != stat.st_mtime_ns:
            candidates.append(name)
    if progress is not None:
        progress(len(seen) - len(candidates))
    loop = asyncio.get_running_loop()
    results = await loop.run_in_executor(None, _read_and_parse_all, candidates, progress)

    parsed: dict[str, ParsedFile] = {}
    entries: dict[str, FileEntry] = {}
    restat: list[FileEntry] = []
    for name, digest, result, problem in results:
        stat = seen[name]
        old = stored.get(name)
        if problem is not None or result is None:
            report.rejected.append(Rejected(name, problem or f"{name}: not loaded"))
        elif old is not None and old.digest == digest:
            restat.append(replace(old, size=stat.st_size, mtime_ns=stat.st_mtime_ns))
        else:
            assert digest is not None
            kind, key = _kind_and_key(result)
            parsed[name] = result
            entries[name] = FileEntry(name, digest, kind, key, stat.st_size, stat.st_mtime_ns)
            report.warnings.extend(result.warnings)
    report.files_seen = len(seen)
    report.files_parsed = len(candidates)

    vanished = [p for p in stored if _under(p, [str(r) for r in root_paths]) and p not in seen]
    new_state, plan = _plan(stored, parsed, entries, removed=vanished)
    plan = replace(plan, restat=restat)
    report.duplicates = _duplicates(new_state)
    written = await store.execute_write_fn(lambda conn: write_load(conn, plan))
    report.added, report.updated, report.removed = written.added, written.updated, written.removed
    report.data_version = written.data_version
    counts = await store.execute(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM providers),"
        " (SELECT count(*) FROM topics), (SELECT count(*) FROM related_links),"
        " (SELECT count(*) FROM related_links WHERE target_article_id IS NOT NULL)"
    )
    (
        report.articles,
        report.providers,
        report.topics,
        report.related_links,
        report.related_links_resolved,
    ) = counts[0]
    report.unchanged = report.articles - report.added - report.updated
    report.elapsed_s = round(time.perf_counter() - started, 3)
    return report


def _plan(
    stored: dict[str, FileEntry],
    parsed: dict[str, ParsedFile],
    entries: dict[str, FileEntry],
    *,
    removed: list[str],
) -> tuple[dict[str, FileEntry], LoadPlan]:
    """Work out the writes: which articles to (re)write or drop, which definitions change."""
    new_state = dict(stored)
    affected_urls: set[str] = set()
    removed_topic_paths: list[str] = []
    removed_organization_paths: list[str] = []
    for path in [*removed, *parsed]:
        old = stored.get(path)
        if old is None:
            continue
        if old.kind == "article":
            affected_urls.add(old.key)
        elif old.kind == "topic":
            removed_topic_paths.append(path)
        else:
            removed_organization_paths.append(path)
    for path in removed:
        del new_state[path]
    files: list[FileEntry] = []
    for path in parsed:
        entry = entries[path]
        new_state[path] = entry
        files.append(entry)
        if entry.kind == "article":
            affected_urls.add(entry.key)

    paths_by_url: dict[str, list[str]] = defaultdict(list)
    for entry in new_state.values():
        if entry.kind == "article" and entry.key in affected_urls:
            paths_by_url[entry.key].append(entry.path)
    articles: list[ArticleRecord] = []
    removed_urls: list[str] = []
    for url in sorted(affected_urls):
        paths = sorted(paths_by_url.get(url, []))
        if not paths:
            removed_urls.append(url)
            continue
        # The same URL in several files is one article; the first path (sorted) defines it,
        # so the outcome does not depend on which file changed or was seen first.
        winner = parsed.get(paths[0])
        if winner is None:
            # The defining file did not change; read it again (rare: its twin changed).
            [(_, _, winner, _)] = read_and_parse([paths[0]])
            if winner is None:
                continue
        assert isinstance(winner.record, ArticleRecord)
        articles.append(winner.record)
    topics = [r.record for r in parsed.values() if isinstance(r.record, TopicRecord)]
    organizations = [r.record for r in parsed.values() if isinstance(r.record, OrganizationRecord)]
    plan = LoadPlan(
        articles=articles,
        removed_urls=removed_urls,
        topics=sorted(topics, key=lambda t: t.path),
        removed_topic_paths=removed_topic_paths,
        organizations=sorted(organizations, key=lambda o: o.path),
        removed_organization_paths=removed_organization_paths,
        files=files,
        removed_files=removed,
    )
    return new_state, plan


def _duplicates(state: dict[str, FileEntry]) -> list[Duplicate]:
    paths_by_url: dict[str, list[str]] = defaultdict(list)
    for entry in state.values():
        if entry.kind == "article":
            paths_by_url[entry.key].append(entry.path)
    return [
        Duplicate(url, tuple(sorted(paths)))
        for url, paths in sorted(paths_by_url.items())
        if len(paths) > 1
    ]


def is_stale(db_path: Path | str, roots: Iterable[Path | str]) -> bool:
    """True when the database is missing or older than a seed file or folder under ``roots``.

    Folders count too: removing a file changes its folder's modification time.
    """
    db = Path(db_path)
    if not db.exists():
        return True
    built = db.stat().st_mtime
    for root in roots:
        root_path = Path(root)
        if not root_path.exists():
            continue
        candidates = [root_path, *root_path.rglob("*")] if root_path.is_dir() else [root_path]
        if any(p.stat().st_mtime > built for p in candidates):
            return True
    return False


async def load_into(
    db_path: Path | str, roots: Iterable[Path | str], *, progress: ProgressCallback | None = None
) -> LoadReport:
    """Open the database at ``db_path`` (creating it), load ``roots`` into it, close it."""
    store = await Store.open(db_path, read_connections=1)
    try:
        return await load_paths(store, roots, progress=progress)
    finally:
        await store.close()
