"""The ``files`` table: what each seed file was when it was last loaded.

Read by the sync pipeline before a load (to skip files whose size and time, or content,
are unchanged) and written by the load session, so both sides share ``FileEntry`` from
here rather than one importing it from the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from gql.store.columns import FILES, Write
from gql.store.database import Store
from gql.store.write.connection import WriteConnection


@dataclass(frozen=True)
class FileEntry:
    """What a seed file was when it was loaded: its digest, the key it defined, and its
    size and modification time (a file whose size and time are unchanged is not read)."""

    path: str
    digest: str
    kind: str
    key: str
    size: int | None = None
    mtime_ns: int | None = None


assert tuple(f.name for f in fields(FileEntry)) == FILES.row_fields, "FileEntry is a files row"

_RECORD = Write(FILES, ("path", "digest", "kind", "key", "size", "mtime_ns"))
_RESTAT = Write(FILES, ("size", "mtime_ns"))


async def load_file_entries(store: Store) -> list[FileEntry]:
    """Every seed file of the last loads: path, digest, what it defined, size and time."""
    rows = await store.execute(f"SELECT {FILES.select_list()} FROM files f")
    return [FileEntry(*row) for row in rows]


def record_files(conn: WriteConnection, entries: Iterable[FileEntry]) -> None:
    """Insert or replace the entries of files that were (re)loaded."""
    conn.executemany(
        _RECORD.upsert_sql("path"),
        [
            _RECORD.values(
                path=f.path,
                digest=f.digest,
                kind=f.kind,
                key=f.key,
                size=f.size,
                mtime_ns=f.mtime_ns,
            )
            for f in entries
        ],
    )


def restat_files(conn: WriteConnection, entries: Iterable[FileEntry]) -> None:
    """Update size and time of files touched on disk whose content did not change."""
    conn.executemany(
        _RESTAT.update_sql("path"),
        [(*_RESTAT.values(size=f.size, mtime_ns=f.mtime_ns), f.path) for f in entries],
    )


def forget_files(conn: WriteConnection, paths: Iterable[str]) -> None:
    """Drop the entries of files that vanished from the folders being loaded."""
    conn.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in paths])
