"""Which file defines each URL: duplicates, and last good versions, across loads."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from gql.sync import workers
from tests.conftest import ORIGINAL_SEED
from tests.sync.helpers import load, query


def test_duplicate_urls_are_one_article_and_reported(seeds_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    copy = seeds_copy / "articles" / "2099-01-01-copy-of-the-seed.md"
    shutil.copy(ORIGINAL_SEED, copy)
    report = load(db, seeds_copy)
    assert report.articles == 60
    [duplicate] = report.duplicates
    assert set(duplicate.paths) == {str(copy), str(seeds_copy / ORIGINAL_SEED.name)}
    assert duplicate.url.startswith("https://venturebeat.com/ai/microsoft-recommits")
    # Removing the file that defined it hands the article to the other file.
    winner = Path(duplicate.paths[0])
    winner.unlink()
    again = load(db, seeds_copy)
    assert again.duplicates == [] and again.articles == 60 and again.removed == 0
    other = next(Path(p) for p in duplicate.paths if Path(p) != winner)
    assert query(db, "SELECT count(*) FROM articles WHERE path = ?", (str(other),)) == [(1,)]


def test_duplicates_across_chunks(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "CHUNK_FILES", 1)
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    late = seeds_copy / "zzz" / "late-copy.md"
    late.parent.mkdir()
    shutil.copy(ORIGINAL_SEED, late)
    early = seeds_copy / "000-early-copy.md"
    shutil.copy(ORIGINAL_SEED, early)
    early.write_text(early.read_text().replace("heat: 136", "heat: 1"))
    report = load(db, seeds_copy)
    assert report.articles == 60 and len(report.duplicates) == 1
    assert query(db, "SELECT heat, path FROM articles WHERE heat = 1") == [(1, str(early))]
    early.unlink()
    again = load(db, seeds_copy)
    assert again.removed == 0 and again.articles == 60
    [(heat, path)] = query(
        db, "SELECT heat, path FROM articles WHERE url LIKE 'https://venturebeat.com/ai/micro%'"
    )
    assert (heat, path) == (136, str(seeds_copy / ORIGINAL_SEED.name))


def test_a_file_broken_by_an_edit_keeps_its_last_good_version(
    tmp_path: Path, write_file: Callable[[str, str], Path]
) -> None:
    path = write_file("a.md", "---\ntitle: Fine\nwebUrl: https://example.com/a\n---\n")
    db = tmp_path / "x.db"
    load(db, tmp_path / "files")
    path.write_text("---\ntitle: Fine\nwebUrl: https://example.com/a\nheat: hot\n---\n")
    report = load(db, tmp_path / "files")
    assert [Path(r.path).name for r in report.rejected] == ["a.md"]
    assert query(db, "SELECT title FROM articles") == [("Fine",)]
    # Still reported on the next load, until it is fixed.
    assert len(load(db, tmp_path / "files").rejected) == 1
