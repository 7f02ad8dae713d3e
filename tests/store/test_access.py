"""Opening a database to serve it: read-only, immutable when only that can read it, and
one clear error for a file that is not a database."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from gql.errors import DatabaseDamaged, StoreError
from gql.store import Store, check_database
from gql.store import access as access_module
from tests.faults import damaged_copy, garbage_copy
from tests.graph.helpers import ALL_URLS


@pytest.fixture
def published(seeds_db: Path, tmp_path: Path) -> Path:
    """A copy of the seeds database, as a published file is: no -wal or -shm beside it."""
    folder = tmp_path / "published"
    folder.mkdir()
    return Path(shutil.copy(seeds_db, folder / "gql.db"))


@pytest.fixture
def unwritable_folder(monkeypatch: pytest.MonkeyPatch, published: Path) -> Path:
    """``published``'s folder, seen as one this process cannot write (tests may run as
    root, whom permissions do not stop: ``os.access`` is what the store asks)."""
    real_access = os.access

    def access(path: str | os.PathLike[str], mode: int) -> bool:
        if Path(path) == published.parent and mode & os.W_OK:
            return False
        return real_access(path, mode)

    monkeypatch.setattr(access_module.os, "access", access)
    return published


@pytest.fixture
def writer(published: Path) -> Iterator[sqlite3.Connection]:
    """A writer holding ``published`` open in WAL mode, with changes only in its -wal."""
    conn = sqlite3.connect(published, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("INSERT INTO meta(key, value) VALUES ('written', 'by a test')")
    try:
        yield conn
    finally:
        conn.close()


async def test_a_database_in_a_folder_that_cannot_be_written_is_read_immutable(
    unwritable_folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gql.store"):
        store = await Store.open(unwritable_folder, read_only=True)
    try:
        assert store.immutable
        assert await store.execute("SELECT count(*) FROM articles") == [(len(ALL_URLS),)]
        assert not (unwritable_folder.parent / "gql.db-shm").exists()
    finally:
        await store.close()
    assert f"opening {unwritable_folder} immutable" in caplog.text


async def test_a_folder_with_a_writer_s_shm_file_is_read_through_it(
    unwritable_folder: Path, writer: sqlite3.Connection
) -> None:
    """A writer has the file open: its -shm is there, mode=ro can use it, and immutable
    reads would miss what its -wal holds."""
    store = await Store.open(unwritable_folder, read_only=True)
    try:
        assert not store.immutable
        assert await store.execute("SELECT count(*) FROM articles") == [(len(ALL_URLS),)]
    finally:
        await store.close()


async def test_immutable_is_refused_while_the_wal_holds_changes(
    published: Path, writer: sqlite3.Connection
) -> None:
    wal = published.with_name("gql.db-wal")
    assert wal.stat().st_size > 0
    with pytest.raises(StoreError, match=f"{wal} holds [0-9]+ bytes of changes"):
        await Store.open(published, read_only=True, immutable=True)


async def test_immutable_reads_leave_no_files_beside_the_database(published: Path) -> None:
    store = await Store.open(published, read_only=True, immutable=True)
    try:
        assert await store.execute("SELECT count(*) FROM articles") == [(len(ALL_URLS),)]
        assert sorted(p.name for p in published.parent.iterdir()) == ["gql.db"]
    finally:
        await store.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes any folder (see tests/http)")
async def test_a_really_read_only_folder_is_served(published: Path) -> None:
    published.parent.chmod(0o555)
    try:
        readiness = await check_database(published)
    finally:
        published.parent.chmod(0o755)
    assert readiness.articles == len(ALL_URLS)


async def test_a_file_that_is_not_a_database_is_one_clear_error(
    seeds_db: Path, tmp_path: Path
) -> None:
    garbage = garbage_copy(seeds_db, tmp_path / "garbage.db")
    with pytest.raises(DatabaseDamaged) as raised:
        await check_database(garbage)
    assert str(raised.value) == (
        f"database {garbage} is damaged (file is not a database): restore a good copy,"
        " or remove it and build it again with `gql load`"
    )


async def test_damage_met_by_a_read_is_remembered(seeds_db: Path, tmp_path: Path) -> None:
    db = damaged_copy(seeds_db, tmp_path / "damaged.db", "articles")
    store = await Store.open(db, read_only=True)
    try:
        assert store.damage is None
        with pytest.raises(DatabaseDamaged, match="database disk image is malformed"):
            await store.execute("SELECT title FROM articles")
        assert store.damage is not None and store.damage.path == str(db)
        # A damaged file is not a timeout, nor an error of the query's own.
        assert await store.execute("SELECT count(*) FROM topics") == [(22,)]
    finally:
        await store.close()


async def test_a_folder_named_like_a_uri_query_is_opened(seeds_db: Path, tmp_path: Path) -> None:
    """Connections take a URI: "?" and "#" in a folder's name must stay in its path."""
    odd = tmp_path / "a?mode=rwc#b %41" / "gql.db"
    odd.parent.mkdir()
    shutil.copy(seeds_db, odd)
    store = await Store.open(odd, read_only=True)
    try:
        assert await store.execute("SELECT count(*) FROM articles") == [(len(ALL_URLS),)]
    finally:
        await store.close()
