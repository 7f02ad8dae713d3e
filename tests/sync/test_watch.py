"""Watching seed folders: every kind of change on disk becomes a load, read back from the
database with plain sqlite3 and compared with the files (``tests.corpus``)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gql.sync import LoadReport
from gql.sync.watch import watch_seeds
from tests import corpus
from tests.conftest import SEEDS
from tests.sync.helpers import query

WAIT_S = 30.0


@dataclass
class Watching:
    """A running ``watch_seeds`` over a copy of seeds/, and the reports of its loads."""

    seeds: Path
    db: Path
    reports: list[LoadReport] = field(default_factory=list)

    async def next_load(self, seen: int) -> LoadReport:
        """The first report after the first ``seen``; fails after ``WAIT_S``."""
        deadline = time.monotonic() + WAIT_S
        while len(self.reports) <= seen:
            assert time.monotonic() < deadline, "no load after the change"
            await asyncio.sleep(0.02)
        return self.reports[seen]

    async def change(self, edit: object = None) -> LoadReport:
        """Wait for the load of a change made just before (``edit`` is for readability)."""
        seen = len(self.reports)
        report = await self.next_load(seen)
        # Several batches may come of one change (an atomic save's two events): wait
        # until the watcher is quiet, then report the last.
        while True:
            await asyncio.sleep(0.3)
            if len(self.reports) == seen + 1:
                return report
            seen, report = len(self.reports) - 1, self.reports[-1]

    def titles(self) -> dict[str, str]:
        return dict(query(self.db, "SELECT url, title FROM articles"))


@pytest.fixture
async def watching(tmp_path: Path) -> AsyncIterator[Watching]:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    state = Watching(seeds, tmp_path / "gql.db")
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        watch_seeds(state.db, [seeds], report=state.reports.append, stop=stop, ready=ready.set)
    )
    await asyncio.wait_for(ready.wait(), WAIT_S)
    assert len(state.reports) == 1 and state.reports[0].added == len(corpus.read_articles(seeds))
    try:
        yield state
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT_S)


def _files(seeds: Path) -> list[Path]:
    return sorted((seeds / "articles").glob("*.md"))


def _retitled(text: str, title: str) -> str:
    return re.sub(r'^title: ".*"$', f'title: "{title}"', text, count=1, flags=re.M)


def _new_article(template: str, url: str, title: str) -> str:
    text = re.sub(r"^webUrl: .*$", f"webUrl: {url}", template, count=1, flags=re.M)
    return _retitled(text, title)


def _url(path: Path) -> str:
    return str(corpus.read_articles(path.parent)[path]["webUrl"]).strip()


async def test_an_edit_is_loaded(watching: Watching) -> None:
    path = _files(watching.seeds)[0]
    path.write_text(_retitled(path.read_text(), "Edited while watched"))
    report = await watching.change()
    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert report.files_seen == 1  # the named path alone, not a walk of the folders
    assert watching.titles()[_url(path)] == "Edited while watched"


async def test_a_new_file_and_a_delete_are_loaded(watching: Watching) -> None:
    first, second = _files(watching.seeds)[:2]
    gone = _url(second)
    new = watching.seeds / "articles" / "2031-01-01-new.md"
    new.write_text(_new_article(first.read_text(), "https://example.org/new", "Brand new"))
    report = await watching.change()
    assert (report.added, report.updated, report.removed) == (1, 0, 0)
    second.unlink()
    report = await watching.change()
    assert (report.added, report.updated, report.removed) == (0, 0, 1)
    titles = watching.titles()
    assert titles["https://example.org/new"] == "Brand new" and gone not in titles


async def test_a_rename_keeps_the_article_under_its_new_path(watching: Watching) -> None:
    path = _files(watching.seeds)[0]
    url = _url(path)
    moved = path.with_name("2032-02-02-moved.md")
    path.rename(moved)
    report = await watching.change()
    assert report.removed == 0
    assert query(watching.db, "SELECT path FROM articles WHERE url = ?", (url,)) == [(str(moved),)]


async def test_an_atomic_save_is_loaded(watching: Watching) -> None:
    """An editor's save: the new text goes to a temporary file, renamed over the old."""
    path = _files(watching.seeds)[0]
    temporary = path.with_name(f".{path.name}.tmp-save")
    temporary.write_text(_retitled(path.read_text(), "Saved atomically"))
    os.replace(temporary, path)
    report = await watching.change()
    assert report.updated == 1 and report.rejected == []
    assert report.files_seen == 1  # the temporary file is hidden: not a seed
    assert watching.titles()[_url(path)] == "Saved atomically"


async def test_a_thousand_files_copied_at_once_are_all_loaded(
    watching: Watching, tmp_path: Path
) -> None:
    template = _files(watching.seeds)[0].read_text()
    staging = tmp_path / "staging"
    staging.mkdir()
    for i in range(1000):
        text = _new_article(template, f"https://example.org/burst/{i}", f"Burst {i}")
        (staging / f"2033-01-01-burst-{i}.md").write_text(text)
    shutil.copytree(staging, watching.seeds / "burst")
    deadline = time.monotonic() + WAIT_S
    while sum(r.added for r in watching.reports[1:]) < 1000:
        assert time.monotonic() < deadline, [r.added for r in watching.reports]
        await asyncio.sleep(0.05)
    titles = watching.titles()
    assert {titles[f"https://example.org/burst/{i}"] for i in range(1000)} == {
        f"Burst {i}" for i in range(1000)
    }
    # A burst is a few batches (one at most every 1.6 s), not one load per file.
    assert len(watching.reports) - 1 <= 10


async def test_a_bad_file_is_reported_and_the_rest_still_loads(watching: Watching) -> None:
    good, bad = _files(watching.seeds)[:2]
    good_url, bad_url = _url(good), _url(bad)
    bad_title = watching.titles()[bad_url]
    bad.write_text("---\ntitle: [unclosed\n---\nbody\n")
    report = await watching.change()
    assert [r.path for r in report.rejected] == [str(bad)]
    assert watching.titles()[bad_url] == bad_title  # its last good version stays
    good.write_text(_retitled(good.read_text(), "Still watched"))
    report = await watching.change()
    assert report.updated == 1
    assert watching.titles()[good_url] == "Still watched"


async def test_the_folders_are_walked_now_and_then_without_any_event(tmp_path: Path) -> None:
    """The safety net for events inotify dropped: a change no event named (made here in
    the database's ``files`` table, as if the file had changed unseen) is found by the
    walk every ``rescan_s``."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    db = tmp_path / "gql.db"
    reports: list[LoadReport] = []
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        watch_seeds(db, [seeds], report=reports.append, stop=stop, ready=ready.set, rescan_s=1)
    )
    try:
        await asyncio.wait_for(ready.wait(), WAIT_S)
        path = _files(seeds)[0]
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE files SET size = 0 WHERE path = ?", (str(path),))
        deadline = time.monotonic() + WAIT_S
        while not any(r.files_parsed for r in reports[1:]):
            assert time.monotonic() < deadline, "the folders were never walked again"
            await asyncio.sleep(0.05)
        walk = next(r for r in reports[1:] if r.files_parsed)
        assert walk.files_seen == sum(1 for p in seeds.rglob("*") if p.is_file())  # a walk
        assert query(db, "SELECT size FROM files WHERE path = ?", (str(path),)) == [
            (path.stat().st_size,)
        ]
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT_S)
