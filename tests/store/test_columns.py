"""The column table: the schema it generates, and the rows and writes derived from it."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from pathlib import Path

import pytest

from gql.errors import DatabaseUnavailable
from gql.store import ArticleRow, FileEntry, ImageRow, ProviderRow, RelatedLinkRow, Store, TopicRow
from gql.store.columns import (
    ARTICLE_CHANGES,
    ARTICLES,
    DATA_VERSIONS,
    FILES,
    IMAGES,
    PROVIDERS,
    RELATED_LINKS,
    TABLES,
    TOPICS,
    Reader,
    Table,
    Write,
)
from gql.store.ddl import ADDED_COLUMNS, SCHEMA_VERSION

SCHEMA_V4 = Path(__file__).with_name("schema_v4.sql")


def _normalized(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).replace("( ", "(").replace(" )", ")").strip()


def _golden_tables() -> dict[str, str]:
    text = "\n".join(
        line for line in SCHEMA_V4.read_text().splitlines() if not line.startswith("--")
    )
    statements = [s.strip() for s in text.split(";") if s.strip()]
    return {s.split()[2]: s for s in statements}


async def test_a_fresh_database_has_the_tables_of_schema_version_4(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "fresh.db")
    await store.close()
    with sqlite3.connect(tmp_path / "fresh.db") as conn:
        created = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    golden = _golden_tables()
    # Version 5 changed the full-text index only (``ddl.INDEXED_CHARS``), not these tables;
    # version 6 added the change log's tables beside them; version 7 an index only;
    # version 8 a column of article_topics (the article's date, for topic pages by date).
    assert SCHEMA_VERSION == 8
    golden["article_topics"] = golden["article_topics"].replace(
        "position INTEGER NOT NULL,", "position INTEGER NOT NULL, published_at TEXT,"
    )
    assert sorted(golden) == sorted(t.name for t in TABLES)
    for name, sql in golden.items():
        assert _normalized(created[name]) == _normalized(sql), name


async def test_a_fresh_database_has_the_change_log_of_schema_version_6(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "fresh.db")
    await store.close()
    with sqlite3.connect(tmp_path / "fresh.db") as conn:
        created = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    assert _normalized(created["data_versions"]) == _normalized(
        "CREATE TABLE data_versions (data_version INTEGER NOT NULL, added INTEGER NOT NULL,"
        " updated INTEGER NOT NULL, removed INTEGER NOT NULL, PRIMARY KEY (data_version))"
    )
    assert _normalized(created["article_changes"]) == _normalized(
        "CREATE TABLE article_changes (data_version INTEGER NOT NULL, url TEXT NOT NULL,"
        " kind TEXT NOT NULL CHECK (kind IN ('added', 'updated', 'removed')),"
        " article_id INTEGER, PRIMARY KEY (data_version, url)) WITHOUT ROWID"
    )
    assert [c.name for c in DATA_VERSIONS.columns] == "data_version added updated removed".split()
    assert [c.name for c in ARTICLE_CHANGES.columns] == "data_version url kind article_id".split()


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
async def test_the_stored_columns_are_the_declared_ones_in_order(
    seeds_db: Path, table: Table
) -> None:
    with sqlite3.connect(seeds_db) as conn:
        info = conn.execute(f"PRAGMA table_info({table.name})").fetchall()
    assert [row[1] for row in info] == [c.name for c in table.columns]
    # The declared type is the first word of each declaration.
    assert [row[2] for row in info] == [c.declaration.split()[0] for c in table.columns]


@pytest.mark.parametrize(
    ("table", "row_type", "fields"),
    [
        (
            ARTICLES,
            ArticleRow,
            "id url slug path title excerpt category type published_at original_url amp_url"
            " cdn_amp_url quality heat published secured body extra_json provider_id"
            " provider_name",
        ),
        (PROVIDERS, ProviderRow, "id domain name description other_names_json extra_json"),
        (
            TOPICS,
            TopicRow,
            "id name slug parent_name shortname description keywords_json extra_json",
        ),
        (IMAGES, ImageRow, "url width height title is_cached"),
        (
            RELATED_LINKS,
            RelatedLinkRow,
            "id article_id position url title excerpt published_at type quality original_url"
            " amp_url cdn_amp_url provider_id provider_name target_article_id extra_json",
        ),
    ],
    ids=lambda v: v.name if isinstance(v, Table) else "",
)
def test_row_types_are_the_read_columns_of_their_table(
    table: Table, row_type: type[tuple[object, ...]], fields: str
) -> None:
    assert getattr(row_type, "_fields") == tuple(fields.split())  # noqa: B009
    assert table.row_fields == tuple(fields.split())


def test_file_entries_are_files_rows() -> None:
    assert tuple(f.name for f in dataclasses.fields(FileEntry)) == FILES.row_fields


def test_a_row_type_that_drifts_from_its_table_is_refused() -> None:
    with pytest.raises(AssertionError, match="differ from table topics"):
        Reader(TOPICS, ProviderRow)


def test_added_columns_take_their_declaration_from_the_table() -> None:
    assert ADDED_COLUMNS == [
        ("files", "size", "INTEGER"),
        ("files", "mtime_ns", "INTEGER"),
        ("articles", "base_slug", "TEXT"),
        ("article_topics", "published_at", "TEXT"),
    ]


def _schema_7(seeds_db: Path, tmp_path: Path) -> Path:
    """The seeds database as schema 7 left it: no date copied into ``article_topics``."""
    older = tmp_path / "v7.db"
    with sqlite3.connect(seeds_db) as source, sqlite3.connect(older) as target:
        source.backup(target)
    with sqlite3.connect(older) as conn:
        conn.execute("DROP INDEX article_topics_published")
        conn.execute("ALTER TABLE article_topics DROP COLUMN published_at")
        conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    return older


async def test_an_older_database_opened_read_only_is_refused_by_name(
    seeds_db: Path, tmp_path: Path
) -> None:
    """A server cannot bring a database to its schema; the reads of topic pages by date
    need the copied dates, so the file is refused when opened, saying what to run, rather
    than every such page failing."""
    older = _schema_7(seeds_db, tmp_path)
    with pytest.raises(DatabaseUnavailable) as refused:
        await Store.open(older, read_only=True)
    assert str(refused.value) == (
        f"cannot open database {older}: built by an older gql (no"
        " article_topics.published_at): run `gql load` on it, which brings it to this"
        " version's schema"
    )
    store = await Store.open(older)  # as `gql load` opens it: brought to schema 8
    await store.close()
    store = await Store.open(older, read_only=True)
    await store.close()


async def test_an_older_database_gets_each_article_date_copied_to_its_topics(
    seeds_db: Path, tmp_path: Path
) -> None:
    older = _schema_7(seeds_db, tmp_path)
    store = await Store.open(older)
    await store.close()
    with sqlite3.connect(older) as conn:
        copied = conn.execute(
            "SELECT count(*), sum(x.published_at IS a.published_at) FROM article_topics x"
            " JOIN articles a ON a.id = x.article_id"
        ).fetchone()
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(article_topics)")}
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert copied[0] > 0 and copied[0] == copied[1]
    assert "article_topics_published" in indexes and version == ("8",)


def test_writes_encode_by_column_and_need_every_column_by_name() -> None:
    write = Write(IMAGES, ("owner_kind", "url", "is_cached", "extra"))
    assert write.insert_sql == (
        "INSERT INTO images(owner_kind, url, is_cached, extra) VALUES (?, ?, ?, ?)"
    )
    assert write.update_sql() == (
        "UPDATE images SET owner_kind = ?, url = ?, is_cached = ?, extra = ? WHERE id = ?"
    )
    assert write.values(extra={"b": 1, "a": "é"}, url="u", owner_kind="topic", is_cached=True) == (
        "topic",
        "u",
        1,
        '{"a": "é", "b": 1}',
    )
    with pytest.raises(AssertionError, match="expected columns"):
        write.values(owner_kind="topic", url="u", is_cached=None)
    with pytest.raises(AssertionError, match="no column 'colour'"):
        Write(IMAGES, ("colour",))
