"""Damaged database files for the fault tests, made from real ones with plain sqlite3."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path


def garbage_copy(db: Path, target: Path) -> Path:
    """A file where ``db`` was, of the same size, holding no database at all."""
    target.write_bytes(b"not a database, " * (db.stat().st_size // 16 + 1))
    return target


def damaged_copy(db: Path, target: Path, *btrees: str) -> Path:
    """A copy of ``db`` whose every page of the named tables and indexes (as SQLite's
    ``dbstat`` lists them) is overwritten with 0xFF: the file opens, the other tables
    read, and any read of those fails with "database disk image is malformed"."""
    shutil.copy(db, target)
    with sqlite3.connect(db) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        marks = ", ".join("?" for _ in btrees)
        pages = [
            page
            for (page,) in conn.execute(
                f"SELECT DISTINCT pageno FROM dbstat WHERE name IN ({marks})", btrees
            )
        ]
    assert pages and 1 not in pages, "page 1 holds the schema: damage it and nothing opens"
    with target.open("r+b") as file:
        for page in pages:
            file.seek((page - 1) * page_size)
            file.write(b"\xff" * page_size)
    return target
