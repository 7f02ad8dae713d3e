"""Loading: compare seed folders with the store, parse what changed, write it, report.

The only place where ingest meets the store. A load is incremental: files whose digest is
unchanged are not parsed again; a file that vanished from a folder being loaded takes its
article (or definition) with it; a file that now fails to parse is reported and its last
good version stays in the store.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
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
    rows = await store.execute("SELECT path, digest, kind, key FROM files")
    return {r[0]: FileEntry(r[0], r[1], r[2], r[3]) for r in rows}


def _parse_path(path: str) -> ParsedFile:
    return parse_file(Path(path), Path(path).read_bytes())


async def load_paths(
    store: Store, roots: Iterable[Path | str], *, progress: ProgressCallback | None = None
) -> LoadReport:
    """Bring the store in line with the seed files under ``roots`` and report what changed."""
    started = time.perf_counter()
    root_paths = [Path(r).resolve() for r in roots]
    for root in root_paths:
        if not root.exists():
            raise LoadError(f"{root}: no such file or folder")
    report = LoadReport()
    stored = await _stored_files(store)
    seen: set[str] = set()
    parsed: dict[str, ParsedFile] = {}
    digests: dict[str, str] = {}
    for path in discover_files(root_paths):
        key = str(path)
        if key in seen:
            continue
        seen.add(key)
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.rejected.append(Rejected(key, f"cannot read: {exc.strerror or exc}"))
            continue
        digest = _digest(data)
        old = stored.get(key)
        if old is None or old.digest != digest:
            try:
                result = parse_file(path, data)
            except IngestError as exc:
                report.rejected.append(Rejected(key, str(exc)))
            else:
                parsed[key] = result
                digests[key] = digest
                report.warnings.extend(result.warnings)
        if progress is not None:
            progress(1)
    report.files_seen = len(seen)
    report.files_parsed = len(parsed) + len(report.rejected)

    vanished = [p for p in stored if _under(p, [str(r) for r in root_paths]) and p not in seen]
    new_state, plan = _plan(stored, parsed, digests, removed=vanished)
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
    digests: dict[str, str],
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
    for path, result in parsed.items():
        kind, key = _kind_and_key(result)
        entry = FileEntry(path, digests[path], kind, key)
        new_state[path] = entry
        files.append(entry)
        if kind == "article":
            affected_urls.add(key)

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
            try:
                winner = _parse_path(paths[0])
            except (OSError, IngestError):
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
