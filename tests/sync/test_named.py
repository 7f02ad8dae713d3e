"""Loads of the paths a watcher named (``gql.sync.named``) against the walk of ``gql load``:
after the same changes on disk, a load of the named paths leaves the database exactly as
a full load does (dumped with plain sqlite3), and the paths it cannot judge make it walk.

Each test builds one database from a copy of seeds/ (articles, topics and publishers, with
one URL defined by two files), copies it, changes the files, then loads one copy
with the paths a watcher names for those changes and the other by walking the folders.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gql.store import Store
from gql.sync import LoadReport, load_paths
from gql.sync.named import NamedChanges
from tests import corpus
from tests.conftest import SEEDS
from tests.sync.helpers import dump, load, query


@dataclass
class Corpus:
    seeds: Path
    named_db: Path
    walked_db: Path

    def articles(self) -> list[Path]:
        return sorted((self.seeds / "articles").glob("*.md"))


def _load_named(db: Path, seeds: Path, finder: NamedChanges) -> LoadReport:
    async def run() -> LoadReport:
        store = await Store.open(db, read_connections=1)
        try:
            return await load_paths(store, [seeds], find=finder)
        finally:
            await store.close()

    return asyncio.run(run())


@pytest.fixture
def built(tmp_path: Path) -> Corpus:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    first = sorted((seeds / "articles").glob("*.md"))[0]
    shutil.copy(first, seeds / "articles" / "zzzz-a-later-twin.md")  # the same URL twice
    built = Corpus(seeds, tmp_path / "named.db", tmp_path / "walked.db")
    load(built.named_db, seeds)
    shutil.copy(built.named_db, built.walked_db)
    return built


def _retitled(path: Path, title: str) -> str:
    text = path.read_text(encoding="utf-8")
    return re.sub(r'^title: ".*"$', f'title: "{title}"', text, count=1, flags=re.M)


def _with_url(path: Path, url: str) -> str:
    text = path.read_text(encoding="utf-8")
    return re.sub(r"^webUrl: .*$", f"webUrl: {url}", text, count=1, flags=re.M)


def _compare(built: Corpus, named: set[Path]) -> tuple[LoadReport, LoadReport]:
    """Load the named paths into one copy and walk into the other; the databases must be
    the same. Returns the two reports (named first)."""
    finder = NamedChanges(str(p) for p in named)
    by_name = _load_named(built.named_db, built.seeds, finder)
    by_walk = load(built.walked_db, built.seeds)
    assert finder.walked is None
    assert dump(built.named_db) == dump(built.walked_db)
    for report in (by_name, by_walk):
        report.files_seen = report.elapsed_s = 0  # a named load sees only what it names
    assert by_name == by_walk
    return by_name, by_walk


def test_every_kind_of_change_gives_the_database_a_full_load_gives(built: Corpus) -> None:
    files = built.articles()
    twin_owner, edited, gone, moved, saved, bad, touched, copied = files[:8]
    urls_before = {
        p: str(a["webUrl"]).strip() for p, a in corpus.read_articles(built.seeds).items()
    }
    named: set[Path] = set()

    edited.write_text(_retitled(edited, "Edited"), encoding="utf-8")
    named.add(edited)
    new = built.seeds / "articles" / "2031-01-01-new.md"
    new.write_text(_with_url(copied, "https://example.org/new"), encoding="utf-8")
    named.add(new)
    duplicate = built.seeds / "articles" / "0000-an-earlier-duplicate.md"
    duplicate.write_text(_retitled(copied, "An earlier duplicate"), encoding="utf-8")
    named.add(duplicate)
    gone.unlink()
    named.add(gone)
    renamed = moved.with_name("2032-02-02-renamed.md")
    moved.rename(renamed)
    named |= {moved, renamed}
    temporary = saved.with_name(f".{saved.name}.tmp-save")  # an editor's atomic save
    temporary.write_text(_retitled(saved, "Saved atomically"), encoding="utf-8")
    os.replace(temporary, saved)
    named |= {temporary, saved}
    bad.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    named.add(bad)
    assert twin_owner == files[0]  # zzzz-a-later-twin.md defines its URL too
    twin_owner.unlink()
    named.add(twin_owner)
    os.utime(touched)  # a new time, the same bytes
    named.add(touched)
    topic = built.seeds / "topics" / "00-ai.yaml"
    topic.write_text(topic.read_text().replace("name: AI", "name: AI\nnote: edited"))
    named.add(topic)
    publisher = built.seeds / "organizations" / "bbc.com.md"
    publisher.unlink()
    named.add(publisher)
    not_a_seed = built.seeds / "articles" / "picture.png"
    not_a_seed.write_bytes(b"\x89PNG")
    named |= {not_a_seed, built.seeds / "articles" / "made-and-removed.md"}

    report, _ = _compare(built, named)
    assert [r.path for r in report.rejected] == [str(bad)]
    assert (report.added, report.removed) == (1, 1)  # new; gone
    assert [d.paths for d in report.duplicates if d.url == urls_before[copied]] == [
        (str(duplicate), str(copied))  # the earlier path defines it
    ]
    urls = dict(query(built.named_db, "SELECT url, path FROM articles"))
    assert urls[urls_before[twin_owner]].endswith("zzzz-a-later-twin.md")


def test_a_second_batch_after_the_first_stays_the_same(built: Corpus) -> None:
    files = built.articles()
    files[1].write_text(_retitled(files[1], "Once"), encoding="utf-8")
    _compare(built, {files[1]})
    files[1].write_text(_retitled(files[1], "Twice"), encoding="utf-8")
    files[2].unlink()
    _compare(built, {files[1], files[2]})


def test_an_edit_within_one_tick_of_the_clock_is_loaded_when_named(built: Corpus) -> None:
    """Same size, same modification time: the walk's size-and-time test cannot see it,
    a named path is read and its digest compared."""
    path = built.articles()[1]
    before = path.stat()
    title = re.search(r'^title: "(.*)"$', path.read_text(encoding="utf-8"), flags=re.M)
    assert title is not None
    same_length = "x" * len(title.group(1))
    path.write_text(_retitled(path, same_length), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    url = str(corpus.read_articles(built.seeds)[path]["webUrl"]).strip()

    walked = load(built.walked_db, built.seeds)
    assert walked.updated == 0  # what the walk alone misses
    report = _load_named(built.named_db, built.seeds, NamedChanges([str(path)]))
    assert report.updated == 1
    assert query(built.named_db, "SELECT title FROM articles WHERE url = ?", (url,)) == [
        (same_length,)
    ]


Change = Callable[[Corpus], set[Path]]


def _folder_copied_in(built: Corpus) -> set[Path]:
    folder = built.seeds / "more"
    folder.mkdir()
    (folder / "2033-01-01-more.md").write_text(
        _with_url(built.articles()[3], "https://example.org/more"), encoding="utf-8"
    )
    return {folder}  # inotify may name the folder before it watches inside it


def _folder_moved_away(built: Corpus) -> set[Path]:
    folder = built.seeds / "organizations"
    folder.rename(built.seeds.parent / "away")
    return {folder}


def _many_paths(built: Corpus) -> set[Path]:
    path = built.articles()[3]
    path.write_text(_retitled(path, "In a big batch"), encoding="utf-8")
    return {path, *(built.seeds / f"gone-{i}.md" for i in range(10))}


def _a_link(built: Corpus) -> set[Path]:
    link = built.seeds / "articles" / "2034-01-01-link.md"
    link.symlink_to(built.articles()[3])
    return {link}


def _an_unnamed_twin_gone(built: Corpus) -> set[Path]:
    first = built.articles()[0]
    first.write_text(_retitled(first, "Named"), encoding="utf-8")
    (built.seeds / "articles" / "zzzz-a-later-twin.md").unlink()  # its event was missed
    return {first}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_folder_copied_in, "folder"),
        (_folder_moved_away, "folder"),
        (_many_paths, "paths named"),
        (_a_link, "symbolic link"),
        (_an_unnamed_twin_gone, "without an event"),
    ],
)
def test_what_paths_alone_cannot_tell_walks_the_folders(
    built: Corpus, change: Change, reason: str
) -> None:
    named = change(built)
    finder = NamedChanges((str(p) for p in named), max_paths=10)
    _load_named(built.named_db, built.seeds, finder)
    load(built.walked_db, built.seeds)
    assert finder.walked is not None and reason in finder.walked
    assert dump(built.named_db) == dump(built.walked_db)
