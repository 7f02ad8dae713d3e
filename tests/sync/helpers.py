"""Loading into a real SQLite file and reading it back, for the sync tests."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from gql.sync import LoadReport, load_into


def load(db: Path, *roots: Path) -> LoadReport:
    """Load ``roots`` into the database file ``db`` (created when missing), as ``gql load``."""
    return asyncio.run(load_into(db, list(roots)))


LOAD_TIMEOUT_S = 60


def gql_load(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``gql load ARGS`` in a subprocess, as a user runs it; killed after 60 s, so that a
    load that would hang fails its test instead."""
    return subprocess.run(
        [sys.executable, "-m", "gql.cli", "load", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=LOAD_TIMEOUT_S,
        check=False,
    )


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` in ``db``, read with plain sqlite3 rather than our store."""
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def dump(db: Path) -> list[str]:
    """The whole database as SQL, without the data version (a load bumps it) and the
    release id (each load that changes the data draws a random one)."""
    with sqlite3.connect(db) as conn:
        return [
            line
            for line in conn.iterdump()
            if "data_version" not in line and "release_id" not in line
        ]


def search(db: Path, words: str) -> list[str]:
    """The file names of the articles the full-text index finds for ``words``."""
    rows = query(
        db,
        "SELECT a.path FROM articles_fts f JOIN articles a ON a.id = f.rowid"
        " WHERE articles_fts MATCH ? ORDER BY a.path",
        (words,),
    )
    return [Path(p).name for (p,) in rows]


def assert_full_text_index_whole(db: Path) -> None:
    """FTS5 compares its index with the articles table and raises when they differ."""
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
