"""How the server opens its database file: read-only, or immutable when it has to be.

SQLite reads a WAL database (what ``gql load`` writes) through the ``-shm`` file beside
it, so a read-only connection (``mode=ro``) must find that file or create it. In a folder
the server cannot write (a published artifact on a read-only mount, a folder owned by
the user who loads) with no ``-shm`` there, every read fails with "unable to open
database file". ``immutable=1`` reads the file with no locks and no ``-wal``/``-shm`` at
all: right for a file nobody writes while it is served (Datasette serves published
databases so, ``datasette -i``), wrong otherwise, as SQLite then never sees changes and
can read a page a writer is halfway through. So a server opens a database immutable
when asked (``gql serve --immutable``), or when its folder is not writable and no
``-shm`` is there (no writer has it open); it refuses to when a ``-wal`` file holds
changes the immutable reads would not see.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from gql.errors import DatabaseDamaged, StoreError

logger = logging.getLogger("gql.store")
# SQLite's primary result codes of a file that is not a database or has damaged pages.
DAMAGED_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def sidecar(path: Path, suffix: str) -> Path:
    """SQLite's ``-wal`` or ``-shm`` file of the database at ``path``."""
    return path.with_name(path.name + suffix)


def must_open_immutable(path: Path) -> bool:
    """Whether only ``immutable=1`` can read ``path``: its folder cannot be written and no
    ``-shm`` file is there for a read-only connection to use."""
    return not os.access(path.parent, os.W_OK) and not sidecar(path, "-shm").exists()


def check_immutable(path: Path) -> None:
    """Refuse to read ``path`` immutable while its ``-wal`` file holds changes (a load
    that did not finish its checkpoint): those reads would not see them."""
    wal = sidecar(path, "-wal")
    size = wal.stat().st_size if wal.exists() else 0
    if size > 0:
        raise StoreError(
            f"cannot open database {path} immutable: {wal} holds {size} bytes of changes"
            " not yet in the database; open it once with write access (e.g. `gql load`)"
            " to checkpoint them, or serve it from a writable folder"
        )


def read_immutable(path: Path, *, asked: bool) -> bool:
    """Whether to read ``path`` immutable: when ``asked``, or when only that can read it
    (said in the log); refused while its ``-wal`` holds changes (``check_immutable``)."""
    if not asked:
        if not must_open_immutable(path):
            return False
        logger.warning(
            "opening %s immutable: its folder cannot be written, so SQLite cannot share"
            " its -shm file; it must not change while it is served",
            path,
        )
    check_immutable(path)
    return True


def damage_of(error: sqlite3.DatabaseError, path: Path) -> DatabaseDamaged | None:
    """``DatabaseDamaged`` for an error of SQLite's that says ``path`` is not a database or
    has damaged pages (SQLITE_NOTADB, SQLITE_CORRUPT and its extended codes), else None."""
    # Errors sqlite3 raises itself (wrong bindings, say) carry no SQLite code.
    if getattr(error, "sqlite_errorcode", 0) & 0xFF in DAMAGED_CODES:
        return DatabaseDamaged(path, str(error))
    return None


def reader_uri(path: Path, *, immutable: bool) -> str:
    """The URI of a read-only connection to ``path`` (``immutable=1`` when asked)."""
    # Percent-encoded, so that a "?" or "#" in a folder's name stays part of the path.
    uri = f"file:{quote(str(path), safe='/')}?mode=ro"
    return uri + "&immutable=1" if immutable else uri
