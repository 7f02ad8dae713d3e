"""Loading folders into the store: counts, identity, incremental re-loads, bad files."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gql.store.ddl import SCHEMA_VERSION
from gql.sync import pipeline as loading
from gql.sync.pipeline import LoadReport, load_into, read_and_parse
from tests import corpus
from tests.conftest import ORIGINAL_SEED, SEEDS


def load(db: Path, *roots: Path) -> LoadReport:
    return asyncio.run(load_into(db, list(roots)))


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [line for line in conn.iterdump() if "data_version" not in line]


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


def test_reload_is_a_no_op(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    first = load(db, SEEDS)
    assert gc.isenabled()
    before = dump(db)
    again = load(db, SEEDS)
    assert (again.added, again.updated, again.removed, again.files_parsed) == (0, 0, 0, 0)
    assert again.unchanged == first.articles
    assert again.data_version == first.data_version
    assert dump(db) == before


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


def test_removing_a_file_removes_its_article(seeds_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    target = seeds_copy / "articles" / "2019-12-23-artificial-intelligence-tracks-down-leukemia.md"
    url = corpus.read_articles(seeds_copy)[target]["webUrl"].strip()
    target.unlink()
    report = load(db, seeds_copy)
    assert report.removed == 1
    assert query(db, "SELECT count(*) FROM articles WHERE url = ?", (url,)) == [(0,)]
    # The links that pointed at it are kept, now unresolved.
    assert query(
        db, "SELECT count(*) FROM related_links WHERE url = ? AND target_article_id IS NULL", (url,)
    ) == [(1,)]
    assert query(db, "SELECT count(*) FROM files WHERE path = ?", (str(target),)) == [(0,)]


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


def test_duplicate_urls_are_one_article_and_reported(seeds_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    copy = seeds_copy / "articles" / "2099-01-01-copy-of-the-seed.md"
    shutil.copy(ORIGINAL_SEED, copy)
    report = load(db, seeds_copy)
    assert report.articles == 60
    [duplicate] = report.duplicates
    assert set(duplicate.paths) == {str(copy), str(seeds_copy / ORIGINAL_SEED.name)}
    assert duplicate.url.startswith("https://venturebeat.com/ai/microsoft-recommits")
    # Removing the file that defined it hands the article to the other file.
    winner = Path(duplicate.paths[0])
    winner.unlink()
    again = load(db, seeds_copy)
    assert again.duplicates == [] and again.articles == 60 and again.removed == 0
    other = next(Path(p) for p in duplicate.paths if Path(p) != winner)
    assert query(db, "SELECT count(*) FROM articles WHERE path = ?", (str(other),)) == [(1,)]


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
    assert "quality" in reasons["bad-quality.md"] and "'high'" in reasons["bad-quality.md"]
    assert "webUrl" in reasons["no-url.md"]
    assert "binary" in reasons["binary.md"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert all(r.path in r.reason for r in report.rejected)
    assert report.exit_code == 2


def test_a_file_broken_by_an_edit_keeps_its_last_good_version(
    tmp_path: Path, write_file: Callable[[str, str], Path]
) -> None:
    path = write_file("a.md", "---\ntitle: Fine\nwebUrl: https://example.com/a\n---\n")
    db = tmp_path / "x.db"
    load(db, tmp_path / "files")
    path.write_text("---\ntitle: Fine\nwebUrl: https://example.com/a\nheat: hot\n---\n")
    report = load(db, tmp_path / "files")
    assert [Path(r.path).name for r in report.rejected] == ["a.md"]
    assert query(db, "SELECT title FROM articles") == [("Fine",)]
    # Still reported on the next load, until it is fixed.
    assert len(load(db, tmp_path / "files").rejected) == 1


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


def search(db: Path, words: str) -> list[str]:
    rows = query(
        db,
        "SELECT a.path FROM articles_fts f JOIN articles a ON a.id = f.rowid"
        " WHERE articles_fts MATCH ? ORDER BY a.path",
        (words,),
    )
    return [Path(p).name for (p,) in rows]


def assert_full_text_index_whole(db: Path) -> None:
    """FTS5 compares its index with the articles table and raises when they differ."""
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")


def test_full_text_index_stays_whole_through_reloads(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loading, "_CHUNK_FILES", 7)
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


def test_a_touched_but_unchanged_file_is_not_rewritten(seeds_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    first = load(db, seeds_copy)
    seed = seeds_copy / ORIGINAL_SEED.name
    os.utime(seed, ns=(seed.stat().st_atime_ns, seed.stat().st_mtime_ns + 10**9))
    touched = load(db, seeds_copy)
    assert (touched.files_parsed, touched.updated, touched.data_version) == (
        1,
        0,
        first.data_version,
    )
    assert load(db, seeds_copy).files_parsed == 0


def test_parsing_on_several_cores_gives_the_same_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial, parallel = tmp_path / "serial.db", tmp_path / "parallel.db"
    monkeypatch.setattr(loading, "_CHUNK_FILES", 10)
    load(serial, SEEDS)
    monkeypatch.setattr(loading, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(loading.os, "cpu_count", lambda: 2)
    report = load(parallel, SEEDS)
    assert report.rejected == [] and report.articles == 60
    assert dump(parallel) == dump(serial)


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


def test_duplicates_across_chunks(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loading, "_CHUNK_FILES", 1)
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    late = seeds_copy / "zzz" / "late-copy.md"
    late.parent.mkdir()
    shutil.copy(ORIGINAL_SEED, late)
    early = seeds_copy / "000-early-copy.md"
    shutil.copy(ORIGINAL_SEED, early)
    early.write_text(early.read_text().replace("heat: 136", "heat: 1"))
    report = load(db, seeds_copy)
    assert report.articles == 60 and len(report.duplicates) == 1
    assert query(db, "SELECT heat, path FROM articles WHERE heat = 1") == [(1, str(early))]
    early.unlink()
    again = load(db, seeds_copy)
    assert again.removed == 0 and again.articles == 60
    [(heat, path)] = query(
        db, "SELECT heat, path FROM articles WHERE url LIKE 'https://venturebeat.com/ai/micro%'"
    )
    assert (heat, path) == (136, str(seeds_copy / ORIGINAL_SEED.name))


def test_a_failed_load_leaves_the_database_as_it_was(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    before = dump(db)
    for path in (seeds_copy / "articles").glob("2019-*.md"):
        path.write_text(path.read_text().replace("type: article", "type: story"))
    monkeypatch.setattr(loading, "_CHUNK_FILES", 5)
    calls = 0
    original = loading.LoadSession.write

    def failing_write(self: loading.LoadSession, chunk: loading.Chunk) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk on fire")
        original(self, chunk)

    monkeypatch.setattr(loading.LoadSession, "write", failing_write)
    with pytest.raises(RuntimeError, match="disk on fire"):
        load(db, seeds_copy)
    assert calls == 3
    assert dump(db) == before
    assert gc.isenabled(), "a load pauses the cycle collector and must always restart it"
    monkeypatch.setattr(loading.LoadSession, "write", original)
    assert load(db, seeds_copy).updated > 10


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
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE files DROP COLUMN size")
        conn.execute("ALTER TABLE files DROP COLUMN mtime_ns")
        conn.execute("DROP INDEX articles_base_slug")
        conn.execute("ALTER TABLE articles DROP COLUMN base_slug")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    report = load(db, SEEDS)
    assert report.rejected == [] and report.updated == 0 and report.files_parsed == 107
    assert query(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    assert load(db, SEEDS).files_parsed == 0


def test_a_moved_seed_folder_is_followed(tmp_path: Path) -> None:
    db, first = tmp_path / "x.db", tmp_path / "one"
    shutil.copytree(SEEDS / "articles", first)
    load(db, first)
    second = tmp_path / "two"
    first.rename(second)
    edited = second / "2022-03-03-meta-describes-how-ai-will-unlock-the-metaverse.md"
    edited.write_text(edited.read_text().replace('title: "', 'title: "Moved: ', 1))
    report = load(db, second)
    # Every article now comes from a new path (rewritten); none is lost or doubled.
    assert (report.duplicates, report.rejected, report.articles) == ([], [], 59)
    assert (report.added, report.removed) == (0, 0)
    titles = [t for (t,) in query(db, "SELECT title FROM articles WHERE title LIKE 'Moved: %'")]
    assert len(titles) == 1
    assert query(db, "SELECT count(*) FROM files WHERE path LIKE ?", (f"{first}%",)) == [(0,)]


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


def test_an_unreadable_folder_stops_the_load_and_keeps_the_corpus(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "x.db"
    load(db, seeds_copy)
    before = dump(db)
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if str(path).endswith("articles"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(loading.LoadError, match="articles: cannot list: Permission denied"):
        load(db, seeds_copy)
    assert dump(db) == before


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
