"""Reading and parsing changed files, in this process or on several cores."""

from __future__ import annotations

from pathlib import Path

import pytest

from gql.sync import workers
from gql.sync.workers import read_and_parse
from tests.conftest import SEEDS
from tests.sync.helpers import dump, load


def test_parsing_on_several_cores_gives_the_same_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial, parallel = tmp_path / "serial.db", tmp_path / "parallel.db"
    monkeypatch.setattr(workers, "CHUNK_FILES", 10)
    load(serial, SEEDS)
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    report = load(parallel, SEEDS)
    assert report.rejected == [] and report.articles == 60
    assert dump(parallel) == dump(serial)


def test_read_and_parse_keeps_order_and_reports_unreadable_files(tmp_path: Path) -> None:
    """Files are read concurrently but reported in the order given; a file that vanished
    since discovery is a rejection naming it, not an error of the chunk."""
    names = []
    for i in range(20):
        path = tmp_path / f"2024-01-{i + 1:02d}-story-{i}.md"
        if i != 7:
            path.write_text(
                f"---\ntitle: Story {i}\nwebUrl: https://example.com/{i}\n---\nBody {i}\n",
                encoding="utf-8",
            )
        names.append(str(path))
    results = read_and_parse(names)
    assert [name for name, *_ in results] == names
    assert results[7][2] is None and results[7][3] is not None
    assert results[7][3].startswith(f"{names[7]}: cannot read")
    parsed = [r[2] for i, r in enumerate(results) if i != 7]
    assert all(p is not None for p in parsed)
    assert [p.record.title for p in parsed if p is not None] == [
        f"Story {i}" for i in range(20) if i != 7
    ]
