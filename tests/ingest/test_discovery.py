"""Which files of a seed folder are records: by suffix, folder and name."""

from __future__ import annotations

from pathlib import Path

from gql.ingest import discover_files, discover_paths, is_seed_file
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
    found = {name: stat.st_size for name, stat in discover_paths([tmp_path, readme])}
    assert found == {
        str(tmp_path / "big.md"): 10,
        str(tmp_path / "small.md"): 1,
        str(readme): 3,
    }
