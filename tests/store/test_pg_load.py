"""``gql load`` into PostgreSQL: the same rows as SQLite, load after load.

Each test loads the same folder into a SQLite file and into a PostgreSQL database and
compares every table (``pg_dump``), and checks what the files themselves say
(``tests.corpus``): the articles are the files' URLs, a removed file's article is gone.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import psycopg
import pytest

from gql.errors import DatabaseLocked
from gql.sync import load_into
from tests.conftest import SEEDS
from tests.corpus import read_articles
from tests.pg import Cluster
from tests.store.pg_dump import dump_postgres, dump_sqlite

LOAD_LOCK = 0x67716C00  # the advisory lock a load holds (``gql.store.write.session``)


def _urls(root: Path) -> set[str]:
    return {str(meta["webUrl"]).strip() for meta in read_articles(root).values()}


def test_the_seeds_load_into_postgresql_as_into_sqlite(seeds_db: Path, pg_cluster: Cluster) -> None:
    url = pg_cluster.new_database()
    report = asyncio.run(load_into(url, [SEEDS]))
    assert report.rejected == []
    dumped = dump_postgres(url)
    assert dumped == dump_sqlite(seeds_db)
    assert {row[0] for row in dumped["articles"]} == _urls(SEEDS)
    assert dumped["meta"] == [("1",)]
    database = url.rsplit("/", 1)[1]
    assert pg_cluster.psql("SELECT count(*) FROM files", database) == str(
        len([p for p in SEEDS.rglob("*") if p.is_file() and p.name != "README.md"])
    )


def test_an_incremental_load_removes_vanished_files_as_sqlite_does(
    tmp_path: Path, seeds_copy: Path, pg_cluster: Cluster
) -> None:
    url, db = pg_cluster.new_database(), tmp_path / "gql.db"
    for target in (url, db):
        asyncio.run(load_into(target, [seeds_copy]))
    articles = sorted((seeds_copy / "articles").iterdir())
    removed, edited = articles[0], articles[1]
    removed_url = read_articles(seeds_copy)[removed]["webUrl"].strip()
    edited_url = read_articles(seeds_copy)[edited]["webUrl"].strip()
    removed.unlink()
    text = edited.read_text()
    edited.write_text(text.replace("title:", "title: Edited -", 1))
    shutil.copy(articles[2], seeds_copy / "articles" / "copy-of-an-article.md")  # a duplicate URL
    reports = [asyncio.run(load_into(target, [seeds_copy])) for target in (url, db)]
    assert [(r.added, r.updated, r.removed) for r in reports] == [(0, 1, 1), (0, 1, 1)]
    dumped = dump_postgres(url)
    assert dumped == dump_sqlite(db)
    assert {row[0] for row in dumped["articles"]} == _urls(seeds_copy)
    assert removed_url not in {row[0] for row in dumped["articles"]}
    assert dumped["meta"] == [("2",)]
    changes = {(row[0], row[1], row[2]) for row in dumped["article_changes"] if row[0] == 2}
    assert changes == {(2, removed_url, "removed"), (2, edited_url, "updated")}
    # Nothing changed: no new data version, nothing written.
    again = asyncio.run(load_into(url, [seeds_copy]))
    assert (again.added, again.updated, again.removed, again.data_version) == (0, 0, 0, 2)


def test_a_load_waits_for_another_then_says_the_database_is_locked(
    pg_cluster: Cluster,
) -> None:
    url = pg_cluster.new_database()
    asyncio.run(load_into(url, [SEEDS]))
    with psycopg.connect(url) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s)", (LOAD_LOCK,))
        with pytest.raises(DatabaseLocked):
            asyncio.run(load_into(url, [SEEDS], lock_timeout_s=0.3))
    # Once the other load is done, loads go on; the failed one left nothing behind.
    report = asyncio.run(load_into(url, [SEEDS]))
    assert report.data_version == 1
