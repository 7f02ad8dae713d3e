"""A file is read only if it is still what discovery found; files that vanish, change or
are swapped for a link or a FIFO while the load runs are reported, never fatal."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from gql.store import Store
from gql.sync import load_paths
from gql.sync.reading import file_to_read, read_and_parse
from tests.sync.helpers import load, query


def _story(title: str) -> str:
    return f"---\ntitle: {title}\nwebUrl: https://example.com/{title}\n---\nBody of {title}\n"


def _rewrite(path: Path) -> None:
    path.write_text(_story("rewritten, longer than before"))


def _remove(path: Path) -> None:
    path.unlink()


def _link_outside(path: Path, outside: Path | None = None) -> None:
    """``path`` replaced by a link to ``outside`` (by default next to its folder)."""
    outside = outside or path.parent.parent / "outside.md"
    outside.write_text(_story("outside"))
    path.unlink()
    os.symlink(outside, path)


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _replace(path: Path) -> None:
    """An editor's save: a new file renamed over the old one (same size and content)."""
    new = path.with_suffix(".tmp")
    new.write_bytes(path.read_bytes())
    os.replace(new, path)


CHANGES: list[tuple[Callable[[Path], None], str]] = [
    (_rewrite, "changed while the load ran: not read (its last version stays; load again)"),
    (_remove, "cannot read: No such file or directory"),
    (_link_outside, "became a symbolic link while the load ran: not read"),
    (_fifo, "is no longer a regular file: not read"),
    (_replace, "changed while the load ran: not read (its last version stays; load again)"),
]


@pytest.mark.parametrize(("change", "problem"), CHANGES, ids=lambda c: getattr(c, "__name__", ""))
def test_a_file_changed_after_discovery_is_reported_not_read(
    tmp_path: Path, change: Callable[[Path], None], problem: str
) -> None:
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "story.md"
    path.write_text(_story("original"))
    found = file_to_read(str(path), os.stat(path), None)
    change(path)
    [result] = read_and_parse([found])
    assert (result.parsed, result.problem) == (None, f"{path}: {problem}")


def test_a_link_is_read_through_its_target_while_it_is_the_file_found(tmp_path: Path) -> None:
    target = tmp_path / "target.md"
    target.write_text(_story("target"))
    link = tmp_path / "link.md"
    os.symlink(target, link)
    [result] = read_and_parse([file_to_read(str(link), os.stat(link), str(target))])
    assert result.problem is None and result.parsed is not None
    assert (result.path, result.parsed.record.path) == (str(link), str(link))


def test_files_changed_during_a_load_keep_their_last_version_until_the_next(
    seeds_copy: Path, tmp_path: Path
) -> None:
    """The load's own progress callback, told of the unchanged files once discovery is
    done and before any file is read, changes three files under it."""
    db = tmp_path / "x.db"
    articles = seeds_copy / "articles"
    a, b, c = sorted(articles.glob("*.md"))[:3]
    a.write_text(_story("a-before"))
    b.write_text(_story("b-before"))
    c.write_text(_story("c-before"))
    load(db, seeds_copy)
    for path in (a, b, c):  # another size: read by the next load
        path.write_text(path.read_text() + "\n")
    changed = False

    def change_files(done: int) -> None:
        nonlocal changed
        if not changed:
            changed = True
            a.write_text(_story("a-after"))
            b.unlink()
            _link_outside(c, tmp_path / "outside.md")

    async def run() -> None:
        store = await Store.open(db)
        try:
            report = await load_paths(store, [seeds_copy], progress=change_files)
        finally:
            await store.close()
        reasons = {Path(r.path).name: r.reason for r in report.rejected}
        assert sorted(reasons) == sorted(p.name for p in (a, b, c))
        assert "changed while the load ran" in reasons[a.name]
        assert "cannot read" in reasons[b.name]
        assert "became a symbolic link" in reasons[c.name]

    asyncio.run(run())
    titles = [t for (t,) in query(db, "SELECT title FROM articles WHERE title LIKE '%-%fore'")]
    assert sorted(titles) == ["a-before", "b-before", "c-before"]
    report = load(db, seeds_copy)
    assert [(Path(r.path).name, "outside the folders" in r.reason) for r in report.rejected] == [
        (c.name, True)
    ]
    titles = [t for (t,) in query(db, "SELECT title FROM articles WHERE title LIKE '_-%'")]
    assert sorted(titles) == ["a-after"]
