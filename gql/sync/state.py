"""The bookkeeping of one load: which file defines each URL, and the writes of each chunk.

The same URL in several files is one article, defined by the first path in sorted order,
whatever file changed or was read first, so an incremental load ends where a fresh build
would. ``SyncState`` holds what that takes: the files as they will be after the load,
the owner of each URL, and what was written; it turns each chunk of read results into
the store's ``Chunk`` of writes, and at the end names the URLs left without a file.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import replace

from gql.ingest import ArticleRecord, ParsedFile, TopicRecord
from gql.store import Chunk, FileEntry
from gql.sync.changes import kind_and_key
from gql.sync.reading import ReadResult
from gql.sync.report import Duplicate, LoadReport, Rejected


class SyncState:
    """What one load knows as it goes: the files it will leave, who owns each URL."""

    def __init__(self, stored: dict[str, FileEntry], changed: set[str], vanished: set[str]) -> None:
        self.stored = stored
        """The ``files`` table before the load, by path."""
        self.files = {p: e for p, e in stored.items() if p not in vanished}
        """The ``files`` table as it will be after the load, by path."""
        # Files are handled in path order, so the owners known when a file is handled are
        # final for every smaller path.
        self.owner: dict[str, str] = {}
        for entry in self.files.values():
            if entry.kind == "article" and entry.path not in changed:
                self._claim(entry.key, entry.path)
        self.written_urls: set[str] = set()
        self.redefined: list[str] = sorted(vanished)
        """Files whose previous definition is gone: vanished, or changed and parsed anew."""

    def _claim(self, url: str, path: str) -> bool:
        current = self.owner.get(url)
        if current is not None and current < path:
            return False
        self.owner[url] = path
        return True

    def plan_chunk(
        self, results: list[ReadResult], seen: dict[str, os.stat_result], report: LoadReport
    ) -> Chunk:
        """The writes for one chunk of read results, in the order read; rejections and
        repair warnings go to ``report``."""
        chunk = Chunk()
        for name, digest, parsed, problem in results:
            stat = seen[name]
            old = self.stored.get(name)
            if problem is not None or parsed is None or digest is None:
                report.rejected.append(Rejected(name, problem or f"{name}: not loaded"))
                self._keep(name)
            elif old is not None and old.digest == digest:
                chunk.restat.append(replace(old, size=stat.st_size, mtime_ns=stat.st_mtime_ns))
                self._keep(name)
            else:
                kind, key = kind_and_key(parsed)
                entry = FileEntry(name, digest, kind, key, stat.st_size, stat.st_mtime_ns)
                self._take(entry, parsed, chunk)
                report.warnings.extend(parsed.warnings)
        return chunk

    def _keep(self, path: str) -> None:
        """A changed file that was rejected or whose content is the same: its last good
        version stays, and with it its claim on its URL."""
        entry = self.stored.get(path)
        if entry is not None and entry.kind == "article":
            self._claim(entry.key, path)

    def _take(self, entry: FileEntry, parsed: ParsedFile, chunk: Chunk) -> None:
        """A changed file parsed: record it and what it defines (replacing its old one)."""
        old = self.stored.get(entry.path)
        if old is not None:
            self.redefined.append(entry.path)
            if old.kind == "topic":
                chunk.forget_topic_paths.append(entry.path)
            elif old.kind == "organization":
                chunk.forget_organization_paths.append(entry.path)
        self.files[entry.path] = entry
        chunk.files.append(entry)
        record = parsed.record
        if isinstance(record, ArticleRecord):
            if self._claim(record.url, entry.path):
                chunk.articles.append(record)
                self.written_urls.add(record.url)
        elif isinstance(record, TopicRecord):
            chunk.topics.append(record)
        else:
            chunk.organizations.append(record)

    def orphaned_urls(self) -> list[str]:
        """URLs whose defining file changed or vanished and that nothing rewrote."""
        urls = {
            entry.key
            for path in self.redefined
            if (entry := self.stored.get(path)) is not None and entry.kind == "article"
        }
        return sorted(urls - self.written_urls)

    def paths_of(self, url: str) -> list[str]:
        """The files that will define ``url`` after the load, first path first."""
        return sorted(e.path for e in self.files.values() if e.kind == "article" and e.key == url)

    def duplicates(self) -> list[Duplicate]:
        """The URLs several files define after the load, with those files."""
        paths_by_url: dict[str, list[str]] = defaultdict(list)
        for entry in self.files.values():
            if entry.kind == "article":
                paths_by_url[entry.key].append(entry.path)
        return [
            Duplicate(url, tuple(sorted(paths)))
            for url, paths in sorted(paths_by_url.items())
            if len(paths) > 1
        ]
