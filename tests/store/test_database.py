"""The Store: statement counting, time limits, read-only connections, opening and closing."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gql.errors import (
    DatabaseDamaged,
    DatabaseReadOnly,
    DatabaseUnavailable,
    QueryTimeout,
    StatementFailed,
    StoreClosed,
    StoreError,
)
from gql.store import Store, recording_queries
from tests.conftest import SEEDS
from tests.faults import garbage_copy


async def test_a_slow_read_is_interrupted(seeds_db: Path) -> None:
    store = await Store.open(seeds_db, time_limit_ms=50)
    try:
        with pytest.raises(QueryTimeout, match="50 ms"):
            await store.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)"
                " SELECT count(*) FROM n"
            )
        # The connection is usable again after the interruption.
        assert await store.execute("SELECT count(*) FROM articles") == [(60,)]
    finally:
        await store.close()


async def test_an_inline_read_too_slow_for_the_event_loop_moves_to_the_pool(
    seeds_db: Path,
) -> None:
    """Inline reads get 50 ms on the event loop, then run again on a pooled connection
    with the store's full time limit; past that, they time out like any read."""
    counting = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " SELECT count(*) FROM n"
    )
    # Enough rows to take well over 50 ms, well under the 5 s limit.
    rows = 3_000_000
    store = await Store.open(seeds_db, time_limit_ms=5000)
    try:
        with recording_queries() as log:
            assert await store.execute(counting, (rows,), inline=True) == [(rows,)]
        assert log.statements == 2
        assert await store.execute(counting, (10,), inline=True) == [(10,)]
    finally:
        await store.close()
    store = await Store.open(seeds_db, time_limit_ms=20)
    try:
        with pytest.raises(QueryTimeout, match="20 ms"):
            await store.execute(counting, (10**9,), inline=True)
    finally:
        await store.close()


async def test_readers_cannot_write(seeds_store: Store, backend: str) -> None:
    with pytest.raises(StatementFailed) as raised:
        await seeds_store.execute("DELETE FROM articles")
    failed = raised.value
    assert (failed.path, failed.action) == (seeds_store.name, "read")
    assert (
        failed.problem
        == {  # each engine's own words
            "sqlite": "attempt to write a readonly database",
            "postgres": "cannot execute DELETE in a read-only transaction",
        }[backend]
    )


async def test_close_is_idempotent_and_final(seeds_db: Path) -> None:
    store = await Store.open(seeds_db)
    await store.close()
    await store.close()
    with pytest.raises(StoreClosed) as raised:
        await store.execute("SELECT 1")
    assert raised.value.path == str(seeds_db)
    assert str(raised.value) == f"the store of {seeds_db} is closed"
    with pytest.raises(StoreClosed):
        await store.execute_write_fn(lambda conn: None)


async def test_opening_a_file_that_is_not_a_database_says_it_is_damaged(tmp_path: Path) -> None:
    bad = tmp_path / "not.db"
    bad.write_bytes(b"this is not a database" * 100)
    for read_only in (False, True):  # the write connection meets it first, or a reader
        with pytest.raises(DatabaseDamaged) as raised:
            await Store.open(bad, read_only=read_only)
        assert (raised.value.path, raised.value.problem) == (str(bad), "file is not a database")


async def test_a_path_sqlite_cannot_open_is_unavailable(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    with pytest.raises(DatabaseUnavailable) as raised:
        await Store.open(folder)
    assert (raised.value.path, raised.value.problem) == (
        str(folder),
        "unable to open database file",
    )
    assert str(raised.value) == f"cannot open database {folder}: unable to open database file"


async def test_read_only_stores_never_write(seeds_db: Path, tmp_path: Path) -> None:
    store = await Store.open(seeds_db, read_only=True)
    try:
        assert await store.execute("SELECT count(*) FROM articles") == [(60,)]
        with pytest.raises(DatabaseReadOnly) as read_only:
            await store.execute_write_fn(lambda conn: None)
        assert str(read_only.value) == f"database {seeds_db} is open read-only"
    finally:
        await store.close()
    missing = tmp_path / "missing.db"
    with pytest.raises(DatabaseUnavailable) as unavailable:
        await Store.open(missing, read_only=True)
    assert (unavailable.value.path, unavailable.value.problem) == (str(missing), "no such file")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "not-a-database",
            "Error: database {db} is damaged (file is not a database): restore a good copy,"
            " or remove it and build it again with `gql load`\n",
        ),
        ("a-folder", "Error: cannot open database {db}: unable to open database file\n"),
    ],
)
def test_gql_load_says_why_a_database_cannot_be_opened_in_one_line(
    seeds_db: Path, tmp_path: Path, kind: str, expected: str
) -> None:
    db = tmp_path / "gql.db"
    if kind == "a-folder":
        db.mkdir()
    else:
        garbage_copy(seeds_db, db)
    gql = Path(sys.executable).with_name("gql")  # the console script, whatever module holds it
    done = subprocess.run(
        [str(gql), "load", str(SEEDS), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == expected.format(db=db)


async def test_a_store_needs_a_read_connection(seeds_db: Path) -> None:
    with pytest.raises(StoreError, match="at least 1"):
        await Store.open(seeds_db, read_connections=0)


async def test_the_data_version_is_read_outside_requests_and_remembered(
    seeds_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(seeds_db.read_bytes())
    store = await Store.open(db, read_only=True)
    try:
        assert store.seen_data_version is None
        with sqlite3.connect(db) as conn:
            (written,) = conn.execute(
                "SELECT value FROM meta WHERE key = 'data_version'"
            ).fetchone()
        with recording_queries() as log:
            assert await store.data_version() == int(written)
        assert log.statements == 0  # not a request's own read
        assert store.seen_data_version == int(written)
        with sqlite3.connect(db) as conn:  # a load commits
            conn.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'"
            )
        assert store.seen_data_version == int(written)  # seen, not read
        assert await store.data_version() == int(written) + 1
        assert store.seen_data_version == int(written) + 1
    finally:
        await store.close()
    with pytest.raises(StoreClosed):
        await store.data_version()
