"""The change log: each load records what it changed under its data version, and a reader
gets them back (and which changed articles match a filter)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from gql.store import Compare, Store, load_changes_since, load_matching_article_ids
from gql.store.write import changelog
from gql.sync import load_into
from tests import corpus
from tests.conftest import SEEDS


def _url(path: Path) -> str:
    return str(corpus.read_articles(path.parent)[path]["webUrl"]).strip()


def _article_files(seeds: Path) -> list[Path]:
    return sorted((seeds / "articles").glob("*.md"))


async def _changes(db: Path, since: int) -> list[tuple[int, int, int, int, dict[str, str], bool]]:
    store = await Store.open(db, read_only=True)
    try:
        found = await load_changes_since(store, since)
    finally:
        await store.close()
    return [
        (
            v.data_version,
            v.added,
            v.updated,
            v.removed,
            {c.url: c.kind for c in v.articles},
            v.complete,
        )
        for v in found
    ]


async def test_each_load_records_its_changes_by_data_version(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    db = tmp_path / "gql.db"
    all_urls = {m["webUrl"].strip() for m in corpus.read_articles(seeds).values()}
    await load_into(db, [seeds])
    [(version, added, updated, removed, kinds, complete)] = await _changes(db, 0)
    assert (version, added, updated, removed, complete) == (1, len(all_urls), 0, 0, True)
    assert kinds == dict.fromkeys(all_urls, "added")

    edited, deleted, renamed = _article_files(seeds)[:3]
    edited_url, deleted_url, renamed_url = _url(edited), _url(deleted), _url(renamed)
    edited.write_text(edited.read_text().replace('title: "', 'title: "Edited: ', 1))
    deleted.unlink()
    renamed.rename(renamed.with_name("2030-01-01-moved.md"))
    new = seeds / "articles" / "2030-01-02-new.md"
    text = edited.read_text()
    new.write_text(re.sub(r"^webUrl: .*$", "webUrl: https://example.org/new", text, flags=re.M))
    await load_into(db, [seeds])
    assert await _changes(db, 1) == [
        (
            2,
            1,
            2,
            1,
            {
                edited_url: "updated",
                renamed_url: "updated",
                deleted_url: "removed",
                "https://example.org/new": "added",
            },
            True,
        )
    ]
    # A load that changes nothing makes no version.
    await load_into(db, [seeds])
    assert await _changes(db, 2) == []


async def test_only_the_last_versions_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(changelog, "KEPT_VERSIONS", 2)
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    db = tmp_path / "gql.db"
    edited = _article_files(seeds)[0]
    for round_ in range(3):
        edited.write_text(edited.read_text().replace('title: "', f'title: "{round_} ', 1))
        await load_into(db, [seeds])
    found = await _changes(db, 0)
    assert [(v[0], v[5]) for v in found] == [(1, False), (2, True), (3, True)]
    assert found[0][4] == {} and found[2][4] == {_url(edited): "updated"}


async def test_matching_ids_are_the_changed_articles_the_filter_selects(
    seeds_store: Store,
) -> None:
    metas = corpus.read_articles(SEEDS)
    rows = await seeds_store.execute("SELECT id, url FROM articles ORDER BY id LIMIT 10")
    ids = {row[0] for row in rows}
    by_url = {m["webUrl"].strip(): m for m in metas.values()}
    expected = {i for i, url in rows if by_url[url].get("category") == "news"}
    condition = Compare("category", "eq", "news")
    assert await load_matching_article_ids(seeds_store, condition, ids) == expected
    assert await load_matching_article_ids(seeds_store, None, ids) == ids
    assert await load_matching_article_ids(seeds_store, condition, ()) == set()
