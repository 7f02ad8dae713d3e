"""The benchmark harness: a deterministic generator whose output loads, and a smoke run.

No timing is asserted anywhere: the smoke run only proves that the harness drives a real
server (started with ``gql serve``) through every scenario and reads its statement counts.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import pytest
import yaml

from bench import ratio_report, run
from bench.catalog import SCENARIOS
from bench.generate import TOPIC_NAMES, generate
from bench.loadgen import lua_script
from bench.pgcopy import constraints_sql, copy_text, read_tables
from bench.postgraphile import Cluster, cluster, load_copy, postgres_bin
from bench.ratio_report import write_section
from bench.report import END, START, render_markdown, write_markdown
from bench.samedata import differences, reshape
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


# --- the PostGraphile peer: what runs without PostgreSQL, then the copy when it is there --


def test_reshape_turns_postgraphile_answers_into_gql_shape() -> None:
    answer = {
        "allArticles": {
            "nodes": [
                {
                    "title": "A",
                    "providerByProviderId": {"name": "P"},
                    "articleTopicsByArticleId": {
                        "nodes": [{"topicByTopicId": {"name": "AI"}}, {"topicByTopicId": None}]
                    },
                    "relatedLinksByArticleId": {"nodes": [{"url": "u", "title": None}]},
                    "citedBy": {"nodes": []},
                }
            ]
        },
        "topicBySlug": {
            "articleTopicsByTopicId": {"nodes": [{"articleByArticleId": {"title": "B"}}]}
        },
    }
    assert reshape(answer) == {
        "articles": {
            "nodes": [
                {
                    "title": "A",
                    "provider": {"name": "P"},
                    "topics": [{"name": "AI"}, None],
                    "related": [{"url": "u", "title": None}],
                    "citedBy": [],
                }
            ]
        },
        "topic": {"articles": {"nodes": [{"title": "B"}]}},
    }


def test_differences_name_each_path_and_accept_one_instant_spelled_twice() -> None:
    expected = {"a": [{"t": "2024-12-30T02:39:00+00:00", "n": 1}, {"n": 2}], "b": "x"}
    same = {"a": [{"t": "2024-12-30T02:39:00.000000+00:00", "n": 1}, {"n": 2}], "b": "x"}
    assert differences(expected, same) == []
    other = {"a": [{"t": "2024-12-30T02:40:00+00:00", "n": 1}], "c": "x"}
    assert differences(expected, other) == [
        "data.a: 2 items expected, 1 given",
        "data.a[0].t: expected '2024-12-30T02:39:00+00:00', got '2024-12-30T02:40:00+00:00'",
        "data.b: missing from the peer's answer",
        "data.c: only in the peer's answer",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "\\N"), (3, "3"), ("a\tb\nc\\d\re", "a\\tb\\nc\\\\d\\re"), ("plain", "plain")],
)
def test_copy_text_escapes_as_postgresql_reads_it(value: object, text: str) -> None:
    assert list(copy_text([(value, "z")])) == [f"{text}\tz\n"]


def test_every_scenario_with_a_twin_has_a_postgraphile_document(seeds_db: Path) -> None:
    twins = {s.name for s in SCENARIOS if s.postgraphile_document_file}
    assert twins == {"front_page", "topic_page", "article_page", "deep_traversal"}
    for item in SCENARIOS:
        body = item.postgraphile_body(seeds_db)
        if body is not None:
            graphql.parse(body["query"])


def test_postgresql_tables_derive_from_the_gql_database(seeds_db: Path) -> None:
    conn = sqlite3.connect(seeds_db)
    try:
        tables = {t.name: t for t in read_tables(conn)}
    finally:
        conn.close()
    articles = tables["articles"]
    types = {c.name: c.pg_type for c in articles.columns}
    assert types["id"] == "integer" and types["published_at"] == "timestamptz"
    assert types["title"] == "text" and types["heat"] == "integer"
    assert articles.primary_key == ("id",)
    assert ("slug",) in articles.unique and ("url",) in articles.unique
    assert ("provider_id", "providers", "id") in articles.foreign_keys
    assert tables["article_topics"].primary_key == ("article_id", "topic_id")
    assert set(tables["related_links"].foreign_keys) == {
        ("article_id", "articles", "id"),
        ("provider_id", "providers", "id"),
        ("target_article_id", "articles", "id"),
    }
    statements = constraints_sql(list(tables.values()))
    # Every foreign-key column leads some index (PostGraphile hides relations without one).
    for table in tables.values():
        for column, _, _ in table.foreign_keys:
            leading = [
                s
                for s in statements
                if s.startswith("CREATE INDEX") and f" ON {table.name}({column}" in s
            ]
            keys = [table.primary_key, *table.unique]
            assert leading or any(key[0] == column for key in keys), (table.name, column)


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster, when PostgreSQL is installed (never installed here)."""
    if postgres_bin() is None:
        pytest.skip(
            "PostgreSQL is not installed, so the copy for the PostGraphile peer is untested:"
            " `apt-get install -y postgresql` to run this test"
        )
    # Under /tmp (not pytest's tmp_path, whose folders only root may enter): as root the
    # cluster runs as the postgres user, which must reach its folder.
    folder = Path(tempfile.mkdtemp(prefix="gql-bench-pg-"))
    folder.chmod(0o755)
    try:
        with cluster(folder / "cluster") as running:
            yield running
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_postgresql_copy_holds_the_gql_rows(pg_cluster: Cluster, seeds_db: Path) -> None:
    load_copy(pg_cluster, seeds_db)
    conn = sqlite3.connect(seeds_db)
    try:
        for table in ("providers", "topics", "articles", "article_topics", "related_links"):
            (count,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert pg_cluster.query(f"SELECT count(*) FROM {table}") == str(count), table
        (images,) = conn.execute(
            "SELECT count(*) FROM images WHERE owner_kind = 'article'"
        ).fetchone()
        titles = dict(conn.execute("SELECT slug, title FROM articles"))
        links = conn.execute(
            "SELECT DISTINCT t.slug, c.slug, c.published_at, c.id FROM related_links r"
            " JOIN articles t ON t.id = r.target_article_id JOIN articles c ON c.id = r.article_id"
        ).fetchall()
    finally:
        conn.close()
    assert pg_cluster.query("SELECT count(*) FROM article_images") == str(images)
    rows = pg_cluster.query("SELECT slug, title FROM articles").split("\n")
    assert dict(line.split("|", 1) for line in rows) == titles
    # The denormalized date is the article's own.
    assert (
        pg_cluster.query(
            "SELECT count(*) FROM article_topics x JOIN articles a ON a.id = x.article_id"
            " WHERE x.published_at IS DISTINCT FROM a.published_at"
        )
        == "0"
    )
    # citedBy: the distinct citing articles, newest first (undated last), as gql orders them.
    cited: dict[str, list[tuple[str, str | None, int]]] = {}
    for target, slug, published_at, article_id in links:
        cited.setdefault(target, []).append((slug, published_at, article_id))
    assert cited, "the seeds have articles that cite each other"
    for target, citing in cited.items():
        citing.sort(key=lambda c: (c[1] is not None, c[1] or "", c[2]), reverse=True)
        got = pg_cluster.query(
            f"SELECT c.slug FROM articles a, articles_cited_by(a) c WHERE a.slug = '{target}'"
        )
        assert got.split("\n") == [c[0] for c in citing], target


def _ratio_result(gql_rps: float) -> dict[str, Any]:
    def side(rps: float) -> dict[str, Any]:
        return {"rps": rps, "p99_ms": 50.0, "errors": 0, "rounds": [{"rps": rps}] * 3}

    return {
        "when": "2026-01-01 00:00 UTC",
        "articles": 10_000,
        "db": "bench/out/gql-10000.db",
        "rounds": 3,
        "duration_s": 10.0,
        "warmup_s": 3.0,
        "minutes": 12.0,
        "pg_copy_s": 3.0,
        "command": "python -m bench.ratios --db bench/out/gql-10000.db",
        "load_before": {"busy_share": 0.25, "loadavg": [1.0, 1.0, 1.0]},
        "load_after": {"busy_share": 0.5, "loadavg": [2.0, 2.0, 2.0]},
        "machine": {"nproc": 2, "cpu": "CPU", "git": "abc1234"},
        "versions": {"postgraphile": "5", "grafast": "1", "node": "22", "postgresql": "15"},
        "cells": [
            {
                "scenario": "front_page",
                "workers": 2,
                "connections": 32,
                "differences": [],
                "gql": side(gql_rps),
                "postgraphile": side(400.0),
            }
        ],
    }


def test_ratio_section_leads_the_file_and_is_replaced_by_the_next_run(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\nintro\n\n## Results\nold tables\n")
    write_section(path, ratio_report.render(_ratio_result(1000.0)))
    text = path.read_text()
    assert text.startswith(f"# Benchmarks\n\n{ratio_report.START}")
    # 1000 / 400 req/s, for 2 workers: the front page's 2x target is met.
    assert "| front page | 2 (c32) | 1,000 | 400 | **2.50\u00d7** | 2.50\u00d7 |" in text
    assert "\u2265 2.0\u00d7: met" in text and "25% of its cores" in text
    write_section(path, ratio_report.render(_ratio_result(600.0)))
    text = path.read_text()
    assert text.count(ratio_report.START) == 1 and "**1.50\u00d7**" in text
    assert "\u2265 2.0\u00d7: not met" in text and "2.50" not in text
    assert text.endswith("intro\n\n## Results\nold tables\n")
