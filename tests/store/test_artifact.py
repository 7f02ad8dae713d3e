"""The database file as a release artifact: a new file renamed over an immutable database
serves the requests (leases) that start after it, while those in flight finish on the
old file, which is closed after them; a file that cannot be served is skipped."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gql.errors import StoreError
from gql.store import Artifact, Store
from tests.deploy.releases import SLUG, Release, build_both, held_deleted, publish
from tests.faults import garbage_copy
from tests.sync.helpers import load, query

COUNT = "SELECT count(*) FROM articles"
TITLE = "SELECT title FROM articles WHERE slug = ?"


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Release, Release]:
    return build_both(tmp_path_factory.mktemp("releases"))


@pytest.fixture
def published(releases: tuple[Release, Release], tmp_path: Path) -> Path:
    """Release A published as ``srv/gql.db``: a copy, with no -wal or -shm beside it."""
    (tmp_path / "srv").mkdir()
    target = tmp_path / "srv" / "gql.db"
    publish(releases[0], target)
    return target


@pytest.fixture
async def artifact(published: Path) -> AsyncIterator[Artifact]:
    """``published`` served immutable, checked only when a test says (no watcher)."""
    opened = await Artifact.open(
        published, read_connections=2, time_limit_ms=2000, immutable=True, check_interval_ms=0
    )
    try:
        yield opened
    finally:
        await opened.close()


async def count_and_title(store: Store) -> tuple[int, str]:
    [(count,)] = await store.execute(COUNT)
    [(title,)] = await store.execute(TITLE, (SLUG,))
    return count, title


def expected(release: Release) -> tuple[int, str]:
    return release.data["articles"]["totalCount"], release.data["article"]["title"]


def test_each_load_that_changes_the_data_draws_a_release_id(
    seeds_copy: Path, tmp_path: Path
) -> None:
    def release_of(db: Path) -> str:
        [(value,)] = query(db, "SELECT value FROM meta WHERE key = 'release_id'")
        return str(value)

    first, apart = tmp_path / "first.db", tmp_path / "apart.db"
    for db in (first, apart):
        assert load(db, seeds_copy).rejected == []
    built = release_of(first)
    assert len(built) == 32 and release_of(apart) != built
    assert load(first, seeds_copy).rejected == []  # nothing changed: the same release
    assert release_of(first) == built
    next((seeds_copy / "articles").glob("2013-*.md")).unlink()
    assert load(first, seeds_copy).rejected == []
    assert release_of(first) not in (built, release_of(apart))


async def test_a_file_renamed_over_serves_the_next_leases_and_in_flight_ones_finish(
    artifact: Artifact, published: Path, releases: tuple[Release, Release]
) -> None:
    a, b = releases
    assert artifact.current.release.release_id == a.release_id
    with artifact.lease() as in_flight:
        assert await count_and_title(in_flight.store) == expected(a)
        publish(b, published)
        assert await artifact.check() is True
        with artifact.lease() as after:
            assert after.release.release_id == b.release_id
            assert await count_and_title(after.store) == expected(b)
        # The request that started before goes on reading its own file, to the end.
        assert await count_and_title(in_flight.store) == expected(a)
        assert held_deleted(os.getpid(), "gql.db") != []
    # Its last lease over, the old file is closed: no connection holds it any more.
    for _ in range(200):
        if not held_deleted(os.getpid(), "gql.db"):
            break
        await asyncio.sleep(0.01)
    assert held_deleted(os.getpid(), "gql.db") == []
    with pytest.raises(StoreError, match="closed"):
        await in_flight.store.execute(COUNT)
    assert await artifact.check() is False  # the same file: nothing to do


async def test_a_replacement_that_cannot_be_served_is_skipped_until_another_comes(
    artifact: Artifact,
    published: Path,
    releases: tuple[Release, Release],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    a, b = releases
    with caplog.at_level(logging.ERROR, logger="gql.store"):
        os.replace(garbage_copy(published, tmp_path / "srv" / "garbage"), published)
        assert await artifact.check() is False
        assert await artifact.check() is False  # not tried again: logged once
    [record] = caplog.records
    assert "not switching to the new file" in record.getMessage()
    assert a.release_id in record.getMessage()
    with artifact.lease() as served:
        assert await count_and_title(served.store) == expected(a)
    publish(b, published)
    assert await artifact.check() is True
    with artifact.lease() as served:
        assert await count_and_title(served.store) == expected(b)


async def test_the_watcher_switches_without_being_asked(
    published: Path, releases: tuple[Release, Release]
) -> None:
    b = releases[1]
    artifact = await Artifact.open(
        published, read_connections=1, time_limit_ms=2000, immutable=True, check_interval_ms=10
    )
    try:
        publish(b, published)
        for _ in range(500):
            if artifact.current.release.release_id == b.release_id:
                break
            await asyncio.sleep(0.01)
        with artifact.lease() as served:
            assert await count_and_title(served.store) == expected(b)
    finally:
        await artifact.close()


async def test_a_database_read_with_locks_is_not_watched(
    releases: tuple[Release, Release], tmp_path: Path
) -> None:
    """A WAL database changes in place (``gql load``), and a file renamed over it would
    meet its -wal and -shm: it is never switched."""
    a, b = releases
    db = Path(shutil.copy(a.db, tmp_path / "live.db"))
    artifact = await Artifact.open(
        db, read_connections=1, time_limit_ms=2000, immutable=False, check_interval_ms=10
    )
    try:
        assert artifact.current.store.immutable is False
        shutil.copyfile(b.db, tmp_path / "other.db")
        os.replace(tmp_path / "other.db", db)
        assert await artifact.check() is False
        with artifact.lease() as served:
            assert served.release.release_id == a.release_id
    finally:
        await artifact.close()
