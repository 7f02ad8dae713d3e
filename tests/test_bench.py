"""The benchmark harness: a deterministic generator whose output loads, and a smoke run.

No timing is asserted anywhere: the smoke run only proves that the harness drives a real
server (started with ``gql serve``) through every scenario and reads its statement counts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import run
from bench.catalog import SCENARIOS
from bench.generate import TOPIC_NAMES, generate
from bench.loadgen import lua_script
from bench.report import END, START, render_markdown, write_markdown
from gql.sync import load_into
from tests.conftest import SEEDS

REAL_ARTICLE_KEYS = {
    "category",
    "title",
    "excerpt",
    "publishedDateTime",
    "originalUrl",
    "webUrl",
    "ampWebUrl",
    "cdnAmpWebUrl",
    "type",
    "quality",
    "heat",
    "published",
    "provider",
    "topics",
    "images",
    "related",
    "secured",
}


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_generator_is_deterministic(tmp_path: Path) -> None:
    generate(150, tmp_path / "a", seed=7)
    generate(150, tmp_path / "b", seed=7)
    generate(150, tmp_path / "c", seed=8)
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len([name for name in first if name.startswith("articles/")]) == 150
    assert first == second
    assert first != _files(tmp_path / "c")


def test_generated_files_look_like_the_sample(tmp_path: Path) -> None:
    generate(300, tmp_path, seed=1)
    seen_keys: set[str] = set()
    with_related = 0
    for path in sorted((tmp_path / "articles").iterdir()):
        assert path.name[:4].isdigit() and path.name[10] == "-" and path.suffix == ".md"
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text.split("---\n")[1])
        seen_keys |= set(data)
        assert data["category"] == "news" and data["type"] == "article"
        assert "AI" in data["topics"] and 1 <= len(data["topics"]) <= 4
        assert set(data["topics"]) <= set(TOPIC_NAMES)
        assert 0 <= len(data.get("related", [])) <= 8
        with_related += "related" in data
        head, tail = data["secured"].split(";")
        assert len(head) >= 300 and len(tail) == 24
    assert seen_keys == REAL_ARTICLE_KEYS
    assert 0.3 < with_related / 300 < 0.6


def test_topic_names_are_those_of_the_seeds() -> None:
    names = {
        next(d for d in yaml.safe_load_all(p.read_text()) if d)["name"]
        for p in (SEEDS / "topics").glob("*.yaml")
    }
    assert set(TOPIC_NAMES) == names and len(TOPIC_NAMES) == 22


def test_generated_corpus_loads_without_rejections(tmp_path: Path) -> None:
    generate(400, tmp_path / "corpus", seed=2)
    report = asyncio.run(load_into(tmp_path / "bench.db", [tmp_path / "corpus"]))
    assert report.rejected == []
    assert report.articles == 400
    assert report.topics == 22
    assert report.duplicates == []
    assert 0 < report.related_links_resolved < report.related_links


def test_lua_script_embeds_any_body() -> None:
    script = lua_script(b'{"query": "x ]=] y"}')
    assert '[==[{"query": "x ]=] y"}]==]' in script


def test_write_markdown_keeps_hand_written_text(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(f"# Benchmarks\n\nintro\n\n{START}\nold\n{END}\n\nanalysis\n")
    write_markdown(path, f"{START}\nnew\n{END}\n")
    text = path.read_text()
    assert "intro" in text and "analysis" in text and "new" in text and "old" not in text


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One ``--smoke`` run: 50 articles, a real ``gql serve``, the Python load loop."""
    out = tmp_path_factory.mktemp("bench")
    config = run.parse_args(["--smoke", "--out", str(out)])
    results = run.run(config)
    assert len(results) == 1
    return results[0]


def test_smoke_run_measures_every_scenario(smoke: dict[str, Any]) -> None:
    assert smoke["ingest"]["rejected"] == 0
    assert smoke["ingest"]["reload_unchanged"] == 50
    measured = smoke["gql"]["1w"]
    for item in SCENARIOS:
        explained = smoke["explain"][item.name]
        assert explained["statements"] >= 1, item.name
        load = measured["scenarios"][item.name]
        assert load["requests"] >= 1 and load["errors"] == 0, (item.name, load)
    # The search page finds something even in the 50-article corpus (1 hit at seed 1).
    assert smoke["explain"]["search_page"]["total_count"] >= 1
    assert measured["peak_rss_mb"] and all(mb > 0 for mb in measured["peak_rss_mb"])
    assert smoke["explain"]["floor_matches_front_page"] is True
    assert smoke["floor"]["calls"] >= 1


def test_smoke_results_render(smoke: dict[str, Any]) -> None:
    text = render_markdown([smoke])
    assert text.startswith(START) and text.rstrip().endswith(END)
    for item in SCENARIOS:
        assert item.name in text
