"""Which files of a seed folder are records: by suffix, folder and name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gql.ingest import Discovery, Skipped, discover_files, discover_paths, is_seed_file
from tests.conftest import SEEDS


def test_discovery_keeps_records_by_suffix_folder_and_name(tmp_path: Path) -> None:
    names = [
        "a.md",
        "b.MD",
        "c.markdown",
        "d.txt",
        "e.yaml",
        "f.YML",
        "g.json",
        "noext",
        "trailing.",
        "README.md",
        "readme.txt",
        ".hidden.md",
        "two.dots.md",
        "organizations/example.com",
        "organizations/README",
        "topics/ai",
        "topics/.keep",
        "deep/er/h.md",
        ".git/i.md",
    ]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [str(p.relative_to(tmp_path)) for p, _ in discover_files([tmp_path])]
    assert found == [
        "a.md",
        "b.MD",
        "c.markdown",
        "d.txt",
        "deep/er/h.md",
        "e.yaml",
        "f.YML",
        "organizations/example.com",
        "topics/ai",
        "two.dots.md",
    ]
    assert all(is_seed_file(tmp_path / name) for name in found)


def test_organization_file_without_suffix_is_found() -> None:
    paths = {p.name for p, _ in discover_files([SEEDS])}
    assert "theguardian.com" in paths


def test_a_file_root_is_taken_as_given_and_stats_are_the_files(tmp_path: Path) -> None:
    """A root that is a file is yielded even when a folder walk would skip it; each path
    comes with the ``stat`` of that file."""
    (tmp_path / "big.md").write_text("x" * 10)
    (tmp_path / "small.md").write_text("x")
    readme = tmp_path / "README.md"
    readme.write_text("abc")
    found = {path: stat.st_size for path, stat, _ in discover_paths([tmp_path, readme])}
    assert found == {
        str(tmp_path / "big.md"): 10,
        str(tmp_path / "small.md"): 1,
        str(readme): 3,
    }


def test_links_are_followed_only_to_files_inside_the_roots(tmp_path: Path) -> None:
    """A link to a file inside the roots is found (with its target); one out of them is
    rejected; links that loop or lead nowhere are warned about; a link to a folder is never
    walked, and only reported when it leaves the roots or contains itself."""
    root, other, outside = tmp_path / "root", tmp_path / "other", tmp_path / "outside"
    for folder in (root / "sub", other, outside):
        folder.mkdir(parents=True)
    for path in (root / "a.md", root / "sub" / "b.md", other / "c.md", outside / "d.md"):
        path.write_text("x")
    links = {
        "to-a.md": root / "a.md",
        "to-c.md": other / "c.md",
        "to-d.md": outside / "d.md",
        "to-outside": outside,
        "to-sub": root / "sub",
        "to-root": root,
        "loop.md": root / "loop.md",
        "dangling.md": root / "missing.md",
        "to-a.json": root / "a.md",
    }
    for name, target in links.items():
        os.symlink(target, root / name)
    discovery = Discovery([root, other])
    found = {Path(path).name: target for path, _, target in discovery}
    assert found == {
        "a.md": None,
        "b.md": None,
        "c.md": None,
        "to-a.md": str(root / "a.md"),
        "to-c.md": str(other / "c.md"),
    }
    outside_problem = "outside the folders being loaded: not followed"
    assert {(Path(s.path).name, s.rejected) for s in discovery.skipped} == {
        ("to-d.md", True),
        ("to-outside", True),
        ("to-root", False),
        ("loop.md", False),
        ("dangling.md", False),
    }
    problems = {Path(s.path).name: s.problem for s in discovery.skipped}
    assert problems["to-d.md"].startswith(f"symbolic link to a file {outside_problem}")
    assert problems["to-outside"].startswith(f"symbolic link to a folder {outside_problem}")
    assert problems["to-root"] == "symbolic link loop (to a folder that contains it): skipped"
    assert problems["loop.md"] == "symbolic link loop: skipped"
    assert problems["dangling.md"] == "symbolic link to nothing: skipped"


def test_an_unlistable_folder_is_rejected_and_marked_unlisted(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("x")
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "hidden.md").write_text("x")
    os.chmod(tmp_path / "closed", 0)
    try:
        if os.access(tmp_path / "closed", os.R_OK):
            pytest.skip("root lists a folder whatever its mode (test_changes fakes it)")
        discovery = Discovery([tmp_path])
        assert [Path(path).name for path, _, _ in discovery] == ["ok.md"]
        [skipped] = discovery.skipped
        assert skipped == Skipped(
            str(tmp_path / "closed"),
            "cannot list folder: Permission denied; its files keep their last version",
            rejected=True,
            unlisted=True,
        )
    finally:
        os.chmod(tmp_path / "closed", 0o755)
