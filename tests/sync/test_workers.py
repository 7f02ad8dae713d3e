"""Reading and parsing changed files, in this process or on several cores, and parsers
abandoned when they are stuck on a file or die on it."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from pathlib import Path

import pytest

from gql.ingest import ArticleRecord
from gql.sync import workers
from gql.sync.reading import FileToRead, ParseOptions, ReadResult, file_to_read, read_and_parse
from gql.sync.workers import parsed_chunks
from tests.conftest import SEEDS
from tests.sync.helpers import dump, load
from tests.sync.misbehaving import parse_or_misbehave


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
    results = read_and_parse([file_to_read(name, None, None) for name in names])
    assert [name for name, *_ in results] == names
    assert results[7][2] is None and results[7][3] is not None
    assert results[7][3].startswith(f"{names[7]}: cannot read")
    parsed = [r[2] for i, r in enumerate(results) if i != 7]
    assert all(p is not None for p in parsed)
    assert [p.record.title for p in parsed if p is not None] == [
        f"Story {i}" for i in range(20) if i != 7
    ]


def _write_story(folder: Path, name: str) -> FileToRead:
    path = folder / name
    path.write_text(f"---\ntitle: {name}\nwebUrl: https://example.com/{name}\n---\n")
    return file_to_read(str(path), os.stat(path), None)


def _parse_all(files: list[FileToRead], timeout_s: float) -> list[ReadResult]:
    async def run() -> list[ReadResult]:
        options = ParseOptions(parse=parse_or_misbehave)
        return [
            result
            async for chunk in parsed_chunks(files, options=options, parse_timeout_s=timeout_s)
            for result in chunk
        ]

    return asyncio.run(run())


@pytest.mark.parametrize("in_processes", [True, False], ids=["processes", "threads"])
def test_a_parser_stuck_or_dead_on_a_file_is_abandoned_and_only_that_file_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_processes: bool
) -> None:
    """A file that spins in Python or sleeps in C past the timeout is rejected, as is one
    that kills its worker; every other file of its chunk and of the others is parsed, and
    the results keep the files' order."""
    monkeypatch.setattr(workers, "CHUNK_FILES", 4)
    if in_processes:
        monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 1)
        monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    names = [f"good-{i:02d}.md" for i in range(14)]
    hostile = {3: "spin-a.md", 6: "sleep-b.md"} | ({9: "crash-c.md"} if in_processes else {})
    for index, name in hostile.items():
        names.insert(index, name)
    files = [_write_story(tmp_path, name) for name in names]
    results = _parse_all(files, timeout_s=1.0)
    assert [Path(r.path).name for r in results] == names
    problems = {Path(r.path).name: r.problem for r in results if r.problem is not None}
    assert sorted(problems) == sorted(hostile.values())
    assert "parsing took longer than 1 s: abandoned" in problems["spin-a.md"]
    assert "parsing took longer than 1 s: abandoned" in problems["sleep-b.md"]
    if in_processes:
        assert "the parser died while parsing it" in problems["crash-c.md"]
    records = [r.parsed.record for r in results if r.parsed is not None]
    assert [r.title for r in records if isinstance(r, ArticleRecord)] == [
        name for name in names if name.startswith("good-")
    ]
    assert multiprocessing.active_children() == []
