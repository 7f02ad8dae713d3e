"""The load report: what was rejected and why, and the exit status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gql.sync import Duplicate, LoadReport, Rejected
from tests.sync.helpers import load


def test_broken_files_are_rejected_and_the_rest_load(
    tmp_path: Path, write_file: Callable[[str, str | bytes], Path]
) -> None:
    good = "---\ntitle: Good {n}\nwebUrl: https://example.com/{n}\nquality: 5\n---\nbody\n"
    for n in range(3):
        write_file(f"good-{n}.md", good.format(n=n))
    write_file("bad-yaml.md", "---\ntitle: [oops\n---\n")
    write_file("bad-quality.md", good.format(n=9).replace("quality: 5", 'quality: "high"'))
    write_file("no-url.md", "---\ntitle: No URL\n---\n")
    write_file("binary.md", b"\x00\x01\x02\x03")
    write_file("latin1.txt", "---\ntitle: Caf\xe9\nwebUrl: https://x.y/\n---\n".encode("latin-1"))
    report = load(tmp_path / "x.db", tmp_path / "files")
    assert report.articles == 3 and report.added == 3
    reasons = {Path(r.path).name: r.reason for r in report.rejected}
    assert set(reasons) == {"bad-yaml.md", "bad-quality.md", "no-url.md", "binary.md", "latin1.txt"}
    assert "invalid YAML" in reasons["bad-yaml.md"]
    assert "quality: expected an integer, got str" in reasons["bad-quality.md"]
    assert "high" not in reasons["bad-quality.md"]  # a value is never quoted
    assert "webUrl" in reasons["no-url.md"]
    assert "binary" in reasons["binary.md"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert all(r.path in r.reason for r in report.rejected)
    assert report.exit_code == 2


@pytest.mark.parametrize(
    ("frontmatter", "field", "problem"),
    [
        ("publishedDateTime: 2024-02-30", None, "invalid YAML value"),
        ('publishedDateTime: "0001-01-01T00:00:00+05:00"', "publishedDateTime", "out of range"),
        ("quality: 99999999999999999999", "quality", "out of range"),
        ("heat: 3000000000", "heat", "out of range"),
    ],
)
def test_odd_values_are_rejected_not_fatal(
    tmp_path: Path,
    write_file: Callable[[str, str], Path],
    frontmatter: str,
    field: str | None,
    problem: str,
) -> None:
    write_file("good.md", "---\ntitle: Good\nwebUrl: https://example.com/good\n---\n")
    write_file("odd.md", f"---\ntitle: Odd\nwebUrl: https://example.com/odd\n{frontmatter}\n---\n")
    report = load(tmp_path / "x.db", tmp_path / "files")
    assert report.articles == 1
    [rejected] = report.rejected
    assert rejected.path.endswith("odd.md") and problem in rejected.reason
    if field:
        assert field in rejected.reason


def test_the_report_as_json_lists_its_records_field_by_field() -> None:
    report = LoadReport(
        files_seen=3,
        duplicates=[Duplicate("https://e.x/a", ("a.md", "b.md"))],
        rejected=[Rejected("c.md", "c.md: title: missing required string")],
    )
    data = json.loads(json.dumps(report.to_dict()))
    assert data["files_seen"] == 3 and data["warnings"] == []
    assert data["duplicates"] == [{"url": "https://e.x/a", "paths": ["a.md", "b.md"]}]
    assert data["rejected"] == [{"path": "c.md", "reason": "c.md: title: missing required string"}]
    assert report.exit_code == 2 and LoadReport().exit_code == 0
