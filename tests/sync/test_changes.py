"""What a load reads again: unchanged, touched, removed, moved and unreadable files."""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from gql.errors import LoadError
from gql.store import FileEntry
from gql.sync import is_stale
from gql.sync.changes import find_changes, resolve_roots
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


def test_an_unreadable_folder_is_rejected_and_its_files_keep_their_last_version(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder that cannot be listed would make its files look vanished: they stay, the
    folder is reported, and the rest of the load goes on."""
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    before = dump(db)
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if str(path).endswith("articles"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = load(db, seeds_copy)
    assert [r.path for r in report.rejected] == [str(seeds_copy / "articles")]
    assert "cannot list folder: Permission denied" in report.rejected[0].reason
    assert (report.removed, report.articles, report.exit_code) == (0, 60, 2)
    assert dump(db) == before


def _entry(path: Path, *, size: int, mtime_ns: int) -> FileEntry:
    return FileEntry(
        str(path), "digest", "article", f"https://example.com/{path.name}", size, mtime_ns
    )


def test_only_new_files_and_files_with_another_size_or_time_are_read(tmp_path: Path) -> None:
    folder, elsewhere = tmp_path / "seeds", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    names = ["same.md", "resized.md", "retimed.md", "new.md"]
    for name in names:
        (folder / name).write_text("four")
        os.utime(folder / name, ns=(10**18, 10**18))
    kept_elsewhere = elsewhere / "kept.md"
    kept_elsewhere.write_text("x")
    stored = {
        e.path: e
        for e in [
            _entry(folder / "same.md", size=4, mtime_ns=10**18),
            _entry(folder / "resized.md", size=5, mtime_ns=10**18),
            _entry(folder / "retimed.md", size=4, mtime_ns=10**18 + 1),
            _entry(folder / "gone.md", size=4, mtime_ns=10**18),
            # Loaded from another folder: kept while it exists, vanished once it does not.
            _entry(kept_elsewhere, size=1, mtime_ns=0),
            _entry(elsewhere / "moved-away.md", size=1, mtime_ns=0),
        ]
    }
    changes = find_changes([folder], stored)
    assert sorted(changes.seen) == sorted(str(folder / name) for name in names)
    assert changes.changed == [str(folder / n) for n in ("new.md", "resized.md", "retimed.md")]
    assert sorted(changes.vanished) == [str(elsewhere / "moved-away.md"), str(folder / "gone.md")]


def test_a_missing_root_stops_the_load_naming_it(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as caught:
        resolve_roots([tmp_path / "seeds", tmp_path / "nope"])
    assert (caught.value.path, caught.value.problem) == (
        str(tmp_path / "seeds"),
        "no such file or folder",
    )


def test_a_root_that_is_a_link_loop_stops_the_load_naming_it(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    with pytest.raises(LoadError) as caught:
        resolve_roots([tmp_path / "a"])
    assert (caught.value.path, caught.value.problem) == (str(tmp_path / "a"), "symbolic link loop")


def test_links_that_loop_or_lead_nowhere_do_not_make_a_database_stale(tmp_path: Path) -> None:
    seeds, db = tmp_path / "seeds", tmp_path / "x.db"
    seeds.mkdir()
    os.symlink(seeds / "loop.md", seeds / "loop.md")
    os.symlink(seeds / "missing.md", seeds / "dangling.md")
    db.write_bytes(b"")
    os.utime(seeds, ns=(10**18, 10**18))
    os.utime(db, ns=(10**18 + 10**9, 10**18 + 10**9))
    assert not is_stale(db, [seeds])


def test_a_database_is_stale_when_missing_or_older_than_a_seed(tmp_path: Path) -> None:
    seeds, db = tmp_path / "seeds", tmp_path / "x.db"
    (seeds / "deep").mkdir(parents=True)
    seed = seeds / "deep" / "a.md"
    seed.write_text("x")
    assert is_stale(db, [seeds])
    db.write_bytes(b"")
    for path in (seeds, seeds / "deep", seed):
        os.utime(path, ns=(10**18, 10**18))
    # Whole seconds apart: ``is_stale`` compares modification times as float seconds.
    os.utime(db, ns=(10**18 + 10**9, 10**18 + 10**9))
    assert not is_stale(db, [seeds, tmp_path / "missing"])
    assert not is_stale(db, [seed])
    # A removed file shows as its folder's newer modification time.
    os.utime(seeds / "deep", ns=(10**18 + 2 * 10**9, 10**18 + 2 * 10**9))
    assert is_stale(db, [seeds])
    assert not is_stale(db, [seed])
