"""What a load reads again: unchanged, touched, removed, moved and unreadable files."""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from gql.errors import LoadError
from tests import corpus
from tests.conftest import ORIGINAL_SEED, SEEDS
from tests.sync.helpers import dump, load, query


def test_reload_is_a_no_op(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    first = load(db, SEEDS)
    assert gc.isenabled()
    before = dump(db)
    again = load(db, SEEDS)
    assert (again.added, again.updated, again.removed, again.files_parsed) == (0, 0, 0, 0)
    assert again.unchanged == first.articles
    assert again.data_version == first.data_version
    assert dump(db) == before


def test_a_touched_but_unchanged_file_is_not_rewritten(seeds_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    first = load(db, seeds_copy)
    seed = seeds_copy / ORIGINAL_SEED.name
    os.utime(seed, ns=(seed.stat().st_atime_ns, seed.stat().st_mtime_ns + 10**9))
    touched = load(db, seeds_copy)
    assert (touched.files_parsed, touched.updated, touched.data_version) == (
        1,
        0,
        first.data_version,
    )
    assert load(db, seeds_copy).files_parsed == 0


def test_removing_a_file_removes_its_article(seeds_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    target = seeds_copy / "articles" / "2019-12-23-artificial-intelligence-tracks-down-leukemia.md"
    url = corpus.read_articles(seeds_copy)[target]["webUrl"].strip()
    target.unlink()
    report = load(db, seeds_copy)
    assert report.removed == 1
    assert query(db, "SELECT count(*) FROM articles WHERE url = ?", (url,)) == [(0,)]
    # The links that pointed at it are kept, now unresolved.
    assert query(
        db, "SELECT count(*) FROM related_links WHERE url = ? AND target_article_id IS NULL", (url,)
    ) == [(1,)]
    assert query(db, "SELECT count(*) FROM files WHERE path = ?", (str(target),)) == [(0,)]


def test_a_moved_seed_folder_is_followed(tmp_path: Path) -> None:
    db, first = tmp_path / "x.db", tmp_path / "one"
    shutil.copytree(SEEDS / "articles", first)
    load(db, first)
    second = tmp_path / "two"
    first.rename(second)
    edited = second / "2022-03-03-meta-describes-how-ai-will-unlock-the-metaverse.md"
    edited.write_text(edited.read_text().replace('title: "', 'title: "Moved: ', 1))
    report = load(db, second)
    # Every article now comes from a new path (rewritten); none is lost or doubled.
    assert (report.duplicates, report.rejected, report.articles) == ([], [], 59)
    assert (report.added, report.removed) == (0, 0)
    titles = [t for (t,) in query(db, "SELECT title FROM articles WHERE title LIKE 'Moved: %'")]
    assert len(titles) == 1
    assert query(db, "SELECT count(*) FROM files WHERE path LIKE ?", (f"{first}%",)) == [(0,)]


def test_an_unreadable_folder_stops_the_load_and_keeps_the_corpus(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    before = dump(db)
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if str(path).endswith("articles"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(LoadError, match="articles: cannot list: Permission denied"):
        load(db, seeds_copy)
    assert dump(db) == before
