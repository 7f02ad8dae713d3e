"""Loading folders into the store: counts, identity, relations, the full-text index,
one transaction."""

from __future__ import annotations

import gc
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from gql.store import Chunk, LoadSession
from gql.sync import workers
from tests import corpus
from tests.conftest import ORIGINAL_SEED, SEEDS
from tests.sync.helpers import assert_full_text_index_whole, dump, load, query, search


def test_seeds_load_with_nothing_rejected(seeds_db: Path) -> None:
    articles = corpus.read_articles(SEEDS)
    assert query(seeds_db, "SELECT count(*) FROM articles") == [(len(articles),)]
    assert query(seeds_db, "SELECT count(*) FROM files") == [(len(articles) + 22 + 25,)]


def test_counts_match_the_files(seeds_db: Path) -> None:
    articles = corpus.read_articles(SEEDS).values()
    urls = {a["webUrl"].strip() for a in articles}
    domains = {corpus.domain(a["provider"]["domain"]) for a in articles}
    domains |= {
        corpus.domain(r["provider"]["domain"]) for a in articles for r in a.get("related", [])
    }
    domains |= {corpus.domain(o["domain"]) for o in corpus.read_organizations(SEEDS)}
    topics = {t for a in articles for t in a["topics"]} | {
        t["name"] for t in corpus.read_topics(SEEDS)
    }
    links = sum(len(a.get("related", [])) for a in articles)
    images = sum(len(a.get("images", [])) for a in articles)
    assert query(seeds_db, "SELECT count(*) FROM articles") == [(len(urls),)]
    assert query(seeds_db, "SELECT count(*) FROM providers") == [(len(domains),)]
    assert query(seeds_db, "SELECT count(*) FROM topics") == [(len(topics),)]
    assert query(seeds_db, "SELECT count(*) FROM related_links") == [(links,)]
    assert query(seeds_db, "SELECT count(*) FROM images WHERE owner_kind = 'article'") == [
        (images,)
    ]
    pairs = sum(len(set(a["topics"])) for a in articles)
    assert query(seeds_db, "SELECT count(*) FROM article_topics") == [(pairs,)]


def test_original_seed_in_the_store(seeds_db: Path) -> None:
    url = "https://venturebeat.com/ai/microsoft-recommits-to-open-source-ai-models-despite-openai-investment/"
    [(article_id, heat, quality, published, secured, published_at, provider)] = query(
        seeds_db,
        "SELECT a.id, heat, quality, published, secured, published_at, p.name FROM articles a"
        " JOIN providers p ON p.id = a.provider_id WHERE url = ?",
        (url,),
    )
    assert (heat, quality, published, provider) == (136, 66, 1, "VentureBeat")
    assert published_at == "2023-11-17T00:00:00Z"
    assert f'secured: "{secured}"' in ORIGINAL_SEED.read_text()
    topics = query(
        seeds_db,
        "SELECT t.name FROM article_topics x JOIN topics t ON t.id = x.topic_id"
        " WHERE x.article_id = ? ORDER BY x.position",
        (article_id,),
    )
    assert [t for (t,) in topics] == ["Facebook AI", "AI", "Microsoft AI"]
    links = query(
        seeds_db,
        "SELECT r.position, p.domain, r.provider_name FROM related_links r"
        " JOIN providers p ON p.id = r.provider_id WHERE r.article_id = ? ORDER BY r.position",
        (article_id,),
    )
    assert [p for _, p, _ in links] == [
        "forbes.com",
        "bloomberg.com",
        "nytimes.com",
        "venturebeat.com",
        "reuters.com",
        "cnbc.com",
        "theguardian.com",
    ]
    assert [pos for pos, _, _ in links] == list(range(7))


def test_related_links_resolve_to_corpus_articles_both_ways(seeds_db: Path) -> None:
    articles = corpus.read_articles(SEEDS)
    by_url = {a["webUrl"].strip(): path.name for path, a in articles.items()}
    expected = {
        (path.name, by_url[r["webUrl"].strip()])
        for path, a in articles.items()
        for r in a.get("related", [])
        if r["webUrl"].strip() in by_url
    }
    rows = query(
        seeds_db,
        "SELECT s.path, t.path FROM related_links r JOIN articles s ON s.id = r.article_id"
        " JOIN articles t ON t.id = r.target_article_id",
    )
    assert {(Path(s).name, Path(t).name) for s, t in rows} == expected
    assert len(expected) == 14


def test_file_order_does_not_matter(tmp_path: Path) -> None:
    articles = sorted((SEEDS / "articles").glob("*.md"), reverse=True)
    db = tmp_path / "one-by-one.db"
    for path in articles:
        assert load(db, path).rejected == []
    assert query(db, "SELECT count(*) FROM related_links WHERE target_article_id IS NOT NULL") == [
        (14,)
    ]


def test_editing_one_file_updates_its_article_and_links(seeds_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    seed = seeds_copy / ORIGINAL_SEED.name
    text = seed.read_text()
    start = text.index('  - title: "Altman Sought')
    end = text.index('  - title: "Ousted OpenAI')
    seed.write_text(text[:start].replace("heat: 136", "heat: 7") + text[end:])
    report = load(db, seeds_copy)
    assert (report.added, report.updated, report.removed, report.files_parsed) == (0, 1, 0, 1)
    [(article_id, heat)] = query(db, "SELECT id, heat FROM articles WHERE path = ?", (str(seed),))
    assert heat == 7
    links = query(
        db, "SELECT url FROM related_links WHERE article_id = ? ORDER BY position", (article_id,)
    )
    assert len(links) == 6 and not any("bloomberg" in u for (u,) in links)
    assert report.data_version == 2


def test_removed_provider_and_topic_disappear(
    tmp_path: Path, write_file: Callable[[str, str], Path]
) -> None:
    db = tmp_path / "x.db"
    write_file("a.md", "---\ntitle: A\nwebUrl: https://only.example/a\ntopics: [Lonely]\n---\n")
    write_file("b.md", "---\ntitle: B\nwebUrl: https://other.example/b\ntopics: [AI]\n---\n")
    load(db, tmp_path / "files")
    assert query(db, "SELECT count(*) FROM providers WHERE domain = 'only.example'") == [(1,)]
    (tmp_path / "files" / "a.md").unlink()
    load(db, tmp_path / "files")
    assert query(db, "SELECT domain FROM providers") == [("other.example",)]
    assert query(db, "SELECT name, slug FROM topics") == [("AI", "ai")]


def test_publisher_files_merge_into_providers(seeds_db: Path) -> None:
    [(name, pid)] = query(seeds_db, "SELECT name, id FROM providers WHERE domain = 'wsj.com'")
    assert name == "WSJ"
    [(other_names,)] = query(seeds_db, "SELECT other_names FROM providers WHERE id = ?", (pid,))
    assert "Wall Street Journal" in other_names
    # VentureBeat: the publisher file's images first, then the one article files list.
    [(vb,)] = query(seeds_db, "SELECT id FROM providers WHERE domain = 'venturebeat.com'")
    urls = [
        u
        for (u,) in query(
            seeds_db,
            "SELECT url FROM images WHERE owner_kind = 'provider' AND owner_id = ?"
            " ORDER BY position",
            (vb,),
        )
    ]
    assert urls[:2] == [
        "/assets/images/organizations/venturebeat.com-50x50.jpg",
        "/assets/images/organizations/venturebeat.com-400x400.jpg",
    ]
    assert (
        "https://everyday-cc.github.io/ai/assets/images/organizations/venturebeat.com-50x50.jpg"
        in urls
    )
    assert len(urls) == len(set(urls))


def test_topic_definitions(seeds_db: Path) -> None:
    rows = query(seeds_db, "SELECT slug, parent_name FROM topics WHERE name = 'Microsoft AI'")
    assert rows == [("microsoft-ai", "AI")]
    assert query(seeds_db, "SELECT parent_name FROM topics WHERE name = 'TensorFlow'") == [
        ("Google AI",)
    ]


def test_full_text_index_follows_the_articles(seeds_db: Path) -> None:
    rows = query(
        seeds_db,
        "SELECT a.url FROM articles_fts f JOIN articles a ON a.id = f.rowid"
        " WHERE articles_fts MATCH 'recommits'",
    )
    assert [u for (u,) in rows] == [
        "https://venturebeat.com/ai/microsoft-recommits-to-open-source-ai-models-despite-openai-investment/"
    ]


def test_full_text_index_stays_whole_through_reloads(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "CHUNK_FILES", 7)
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    assert_full_text_index_whole(db)
    seed = seeds_copy / ORIGINAL_SEED.name
    seed.write_text(seed.read_text().replace("Microsoft recommits", "Microsoft recommitted"))
    articles = seeds_copy / "articles"
    leukemia = articles / "2019-12-23-artificial-intelligence-tracks-down-leukemia.md"
    leukemia.unlink()
    added = articles / "2024-01-01-a-new-one.md"
    text = ORIGINAL_SEED.read_text().replace("Microsoft recommits", "Quasar recommits")
    added.write_text(text.replace("https://venturebeat.com/ai/", "https://example.com/"))
    report = load(db, seeds_copy)
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    assert_full_text_index_whole(db)
    assert search(db, "recommits") == [added.name]
    assert search(db, "recommitted") == [seed.name]
    assert leukemia.name not in search(db, "leukemia")
    assert len(search(db, "leukemia")) == 2


def test_a_database_with_the_old_index_trigger_is_indexed_once(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    load(db, SEEDS / "articles")
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN"
            " INSERT INTO articles_fts(rowid, title, excerpt)"
            " VALUES (new.id, new.title, new.excerpt); END"
        )
    load(db, ORIGINAL_SEED)
    assert_full_text_index_whole(db)
    assert search(db, "recommits") == [ORIGINAL_SEED.name]


def test_topic_files_touched_edited_and_removed(seeds_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    definition = seeds_copy / "topics" / "20-math-for-ai.yaml"
    os.utime(definition, ns=(definition.stat().st_atime_ns, definition.stat().st_mtime_ns + 10**9))
    load(db, seeds_copy)
    assert query(db, "SELECT keywords IS NOT NULL FROM topics WHERE name = 'Math for AI'") == [(1,)]
    text = definition.read_text()
    definition.write_text(text.replace("name: Math for AI", "name: Mathematics for AI"))
    load(db, seeds_copy)
    renamed = query(db, "SELECT definition_path FROM topics WHERE name = 'Mathematics for AI'")
    assert renamed == [(str(definition),)]
    old = query(db, "SELECT definition_path FROM topics WHERE name = 'Math for AI'")
    assert old in ([], [(None,)])  # kept only while articles still use the name
    definition.unlink()
    load(db, seeds_copy)
    assert query(db, "SELECT count(*) FROM topics WHERE name = 'Mathematics for AI'") == [(0,)]


def test_a_failed_load_leaves_the_database_as_it_was(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    before = dump(db)
    for path in (seeds_copy / "articles").glob("2019-*.md"):
        path.write_text(path.read_text().replace("type: article", "type: story"))
    monkeypatch.setattr(workers, "CHUNK_FILES", 5)
    calls = 0
    original = LoadSession.write

    def failing_write(self: LoadSession, chunk: Chunk) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk on fire")
        original(self, chunk)

    monkeypatch.setattr(LoadSession, "write", failing_write)
    with pytest.raises(RuntimeError, match="disk on fire"):
        load(db, seeds_copy)
    assert calls == 3
    assert dump(db) == before
    assert gc.isenabled(), "a load pauses the cycle collector and must always restart it"
    monkeypatch.setattr(LoadSession, "write", original)
    assert load(db, seeds_copy).updated > 10


def test_unusual_yaml_types_are_kept_in_extra(
    tmp_path: Path, write_file: Callable[[str, str], Path]
) -> None:
    write_file(
        "a.md", "---\ntitle: A\nwebUrl: https://example.com/a\ntags: !!set {b, a}\nn: 1.5\n---\n"
    )
    report = load(tmp_path / "x.db", tmp_path / "files")
    assert report.rejected == []
    [(extra,)] = query(tmp_path / "x.db", "SELECT extra FROM articles")
    assert json.loads(extra) == {"n": 1.5, "tags": ["a", "b"]}


def test_a_database_of_the_previous_schema_is_upgraded(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    load(db, SEEDS)
    version = "SELECT value FROM meta WHERE key = 'schema_version'"
    built = query(db, version)
    assert built != [("1",)]
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE files DROP COLUMN size")
        conn.execute("ALTER TABLE files DROP COLUMN mtime_ns")
        conn.execute("DROP INDEX articles_base_slug")
        conn.execute("ALTER TABLE articles DROP COLUMN base_slug")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    report = load(db, SEEDS)
    assert report.rejected == [] and report.updated == 0 and report.files_parsed == 107
    assert query(db, version) == built
    assert load(db, SEEDS).files_parsed == 0


def test_slugs_do_not_depend_on_load_history(
    tmp_path: Path, write_file: Callable[[str, str], Path]
) -> None:
    """Articles sharing a slug get the same slugs incrementally as in a fresh build."""
    text = "---\ntitle: Same Title\nwebUrl: https://example.com/{n}\n---\n"
    folder = tmp_path / "files"
    write_file("b.md", text.format(n="b"))
    incremental = tmp_path / "incremental.db"
    load(incremental, folder)
    write_file("a.md", text.format(n="a"))
    write_file("c.md", text.format(n="c"))
    load(incremental, folder)
    fresh = tmp_path / "fresh.db"
    load(fresh, folder)
    slugs = "SELECT url, slug FROM articles ORDER BY url"
    assert query(incremental, slugs) == query(fresh, slugs)
    assert query(fresh, slugs)[0] == ("https://example.com/a", "same-title")
    (folder / "a.md").unlink()
    load(incremental, folder)
    assert query(incremental, slugs)[0] == ("https://example.com/b", "same-title")
    assert len({s for _, s in query(incremental, slugs)}) == 2
