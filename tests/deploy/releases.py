"""Two releases of the seeds, built apart as a deployment builds them: release A is
``seeds/``; release B edits one article's title and drops another article. Both are one
load of a fresh database, so both have data version 1: only their release ids tell them
apart. What each should answer is read from its seed files, not from the server."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gql.sync import load_into
from tests import corpus
from tests.conftest import SEEDS

EDITED = "2013-07-04-from-chess-to-ping-pong-how-pegasystems-is-capturing-the-fortune-500.md"
SLUG = EDITED.removesuffix(".md")  # a file named YYYY-MM-DD-slug.md: its slug is its name
DROPPED = "2017-07-27-kesha-discovers-how-to-learn-to-let-go-in-new-song-and-video.md"
B_TITLE = "Release B: from chess to ping pong"
# Two root fields, so that an answer mixing two files would show.
QUERY = f'{{ articles(first: 1) {{ totalCount }} article(slug: "{SLUG}") {{ title }} }}'


@dataclass(frozen=True)
class Release:
    """A database file built by ``gql load`` and what QUERY answers from it."""

    db: Path
    data: dict[str, Any]

    @property
    def release_id(self) -> str:
        with sqlite3.connect(self.db) as conn:
            [(value,)] = conn.execute("SELECT value FROM meta WHERE key = 'release_id'")
        return str(value)

    @property
    def data_version(self) -> int:
        with sqlite3.connect(self.db) as conn:
            [(value,)] = conn.execute("SELECT value FROM meta WHERE key = 'data_version'")
        return int(value)


def build(seeds: Path, db: Path) -> Release:
    """Load ``seeds`` into a new database ``db``; what QUERY should answer, from the files."""
    report = asyncio.run(load_into(db, [seeds]))
    assert report.rejected == [], report.rejected
    articles = corpus.read_articles(seeds)
    [edited] = [meta for path, meta in articles.items() if path.name == EDITED]
    data = {"articles": {"totalCount": len(articles)}, "article": {"title": edited["title"]}}
    return Release(db, data)


def build_both(root: Path) -> tuple[Release, Release]:
    """Releases A and B under ``root`` (see the module docstring)."""
    a = build(SEEDS, root / "a.db")
    seeds_b = root / "seeds-b"
    shutil.copytree(SEEDS, seeds_b)
    path = seeds_b / "articles" / EDITED
    text = path.read_text(encoding="utf-8")
    original = corpus.read_articles(SEEDS)[SEEDS / "articles" / EDITED]["title"]
    path.write_text(text.replace(original, B_TITLE, 1), encoding="utf-8")
    (seeds_b / "articles" / DROPPED).unlink()
    b = build(seeds_b, root / "b.db")
    assert b.data["article"]["title"] == B_TITLE
    assert a.data != b.data and a.data_version == b.data_version == 1
    return a, b


def publish(release: Release, target: Path) -> None:
    """The release steps: copy the file beside ``target`` under another name (same
    folder, so same file system), then rename it over ``target`` (atomic)."""
    aside = target.with_name(target.name + ".new")
    shutil.copyfile(release.db, aside)
    os.replace(aside, target)


def held_deleted(pid: int | str, name: str) -> list[str]:
    """The files named ``name`` that process ``pid`` holds open although they were
    replaced (renamed over, so deleted): /proc/PID/fd links to them end in ``(deleted)``."""
    held = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if Path(target.removesuffix(" (deleted)")).name == name and target.endswith("(deleted)"):
            held.append(target)
    return held
