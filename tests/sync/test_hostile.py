"""The loader under abuse: a zoo of hostile files next to good seeds, loaded by a real
``gql load`` in a subprocess (whose ``timeout`` bounds the time: no test hangs), and
databases that are corrupt, read-only or held by another load."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests import corpus
from tests.conftest import SEEDS
from tests.sync.helpers import gql_load, query

SECRET = "hunter2-s3cret"
OUTSIDE_BODY = "TOP SECRET BODY OUTSIDE THE ROOTS"
GOOD_ARTICLES = sorted((SEEDS / "articles").glob("*.md"))[:3]


def _laughs(levels: int = 9) -> list[str]:
    """The "billion laughs": nine lines whose aliases expand to 9**9 values."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnop"[:levels]
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{','.join(['*' + previous] * 9)}]")
    return lines


def _article(name: str, *lines: str, body: str = "Body.") -> str:
    head = [f"title: {name}", f"webUrl: https://hostile.example/{name}", *lines]
    return "---\n" + "\n".join(head) + "\n---\n" + body + "\n"


# Each hostile file, and what its one message in the report must say. ``None`` as the
# field: the file as a whole. Links are made by ``_make_zoo``.
HOSTILE: dict[str, tuple[str | None, str]] = {
    "laughs.md": ("f", "more than 100000 values once its aliases are expanded"),
    "laughs-tagged.md": ("f", "more than 100000 values once its aliases are expanded"),
    "laughs-merge.md": ("f", "more than 100000 values once its aliases are expanded"),
    "laughs-topic.yaml": ("f", "more than 100000 values once its aliases are expanded"),
    "recursive.md": ("x", "a value that contains itself"),
    "deep-flow.md": ("x", "nested deeper than 100 levels"),
    "deep-block.md": ("k0", "nested deeper than 100 levels"),
    "huge-file.md": (None, "above the limit of 10485760 bytes"),
    "huge-scalar.md": (None, "above the limit of 1048576 characters"),
    "many-values.md": ("x", "more than 100000 values"),
    "nul.md": (None, "binary file (contains NUL bytes)"),
    "latin1.md": (None, "not UTF-8 text"),
    "python-object.md": (None, "could not determine a constructor for the tag"),
    "python-name.md": (None, "could not determine a constructor for the tag"),
    "custom-tag.md": (None, "could not determine a constructor for the tag '!secret'"),
    "secret.md": ("secured", "expected a string, got dict"),
    "secret-type.md": ("quality", "expected an integer, got str"),
    "loop-a.md": (None, "symbolic link loop: skipped"),
    "loop-b.md": (None, "symbolic link loop: skipped"),
    "self-loop": (None, "symbolic link loop (to a folder that contains it): skipped"),
    "outside.md": (None, "symbolic link to a file outside the folders being loaded"),
    "outside-folder": (None, "symbolic link to a folder outside the folders being loaded"),
    "dangling.md": (None, "symbolic link to nothing: skipped"),
}
WARNED = {"loop-a.md", "loop-b.md", "self-loop", "dangling.md"}


def _make_zoo(tmp_path: Path) -> Path:
    zoo = tmp_path / "zoo"
    (zoo / "articles").mkdir(parents=True)
    for path in GOOD_ARTICLES:
        shutil.copy(path, zoo / "articles" / path.name)
    (zoo / "topics").mkdir()
    shutil.copy(SEEDS / "topics" / "00-ai.yaml", zoo / "topics" / "00-ai.yaml")
    write = {
        "laughs.md": _article("laughs", *_laughs()),
        "laughs-tagged.md": _article("tagged", *_laughs()).replace('"lol"', '!!str "lol"', 1),
        "laughs-merge.md": _article("merge", *_laughs(), "j:\n  <<: {k: *i}"),
        "laughs-topic.yaml": "\n".join(["taxonomy: topic", "name: Laughs", *_laughs()]) + "\n",
        "recursive.md": _article("recursive", "x: &x\n  - *x"),
        "deep-flow.md": _article("deep", "x: " + "[" * 150 + "]" * 150),
        "deep-block.md": _article("deep-block", *(" " * i + f"k{i}:" for i in range(150))),
        "huge-scalar.md": _article("scalar", "excerpt: " + "x" * (2 * 1024 * 1024)),
        "many-values.md": _article("many", "x: [" + "1," * 200_000 + "]"),
        "python-object.md": _article(
            "object", f"x: !!python/object/apply:os.system ['touch {tmp_path / 'pwned'}']"
        ),
        "python-name.md": _article("name", "x: !!python/name:os.system"),
        "custom-tag.md": _article("tag", f"x: !secret {SECRET}"),
        "secret.md": _article("secret", f"secured:\n  password: {SECRET}"),
        "secret-type.md": _article("secret-type", f"quality: {SECRET}"),
        # Kept as PyYAML keeps it: the last value of a key wins (not hostile, not reported).
        "duplicate-keys.md": _article("first", "title: last"),
    }
    for name, text in write.items():
        (zoo / name).write_text(text, encoding="utf-8")
    with open(zoo / "huge-file.md", "wb") as file:
        file.write(_article("huge").encode())
        file.truncate(10 * 1024 * 1024 + 1)
    (zoo / "nul.md").write_bytes(_article("nul").encode().replace(b"Body", b"Bo\x00dy"))
    (zoo / "latin1.md").write_bytes(_article("caf\xe9").encode("latin-1"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(_article("outside", body=OUTSIDE_BODY))
    os.symlink(zoo / "loop-b.md", zoo / "loop-a.md")
    os.symlink(zoo / "loop-a.md", zoo / "loop-b.md")
    os.symlink(zoo, zoo / "self-loop")
    os.symlink(outside / "secret.md", zoo / "outside.md")
    os.symlink(outside, zoo / "outside-folder")
    os.symlink(zoo / "missing.md", zoo / "dangling.md")
    # A link inside the roots is followed: one more file for the same article.
    os.symlink(zoo / "articles" / GOOD_ARTICLES[0].name, zoo / "inside-link.md")
    os.mkfifo(zoo / "fifo.md")  # not a regular file: skipped, and never opened
    return zoo


def test_every_hostile_file_is_reported_once_and_the_good_files_load(tmp_path: Path) -> None:
    zoo = _make_zoo(tmp_path)
    db = tmp_path / "zoo.db"
    result = gql_load(zoo, "--db", db, "--json")
    assert result.returncode == 2, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    messages: dict[str, list[str]] = {}
    for rejected in report["rejected"]:
        messages.setdefault(Path(rejected["path"]).name, []).append(rejected["reason"])
    for warning in report["warnings"]:
        messages.setdefault(Path(warning.split(":", 1)[0]).name, []).append(warning)
    assert sorted(messages) == sorted(HOSTILE)
    for name, (field, problem) in HOSTILE.items():
        [message] = messages[name]
        where = f"{zoo / name}: {field}: " if field else f"{zoo / name}: "
        assert message.startswith(where) and problem in message, message
        assert (message in report["warnings"]) == (name in WARNED)
    assert SECRET not in result.stdout + result.stderr
    assert not (tmp_path / "pwned").exists()

    expected = corpus.read_articles(SEEDS / "articles")
    urls = {expected[path]["webUrl"].strip() for path in GOOD_ARTICLES}
    stored = {url for (url,) in query(db, "SELECT url FROM articles")}
    assert stored == urls | {"https://hostile.example/first"}
    assert query(db, "SELECT title FROM articles WHERE url LIKE '%/first'") == [("last",)]
    assert query(db, "SELECT name FROM topics WHERE name = 'AI'") == [("AI",)]
    [duplicate] = report["duplicates"]
    assert [Path(p).name for p in duplicate["paths"]] == [GOOD_ARTICLES[0].name, "inside-link.md"]
    with sqlite3.connect(db) as conn:
        assert OUTSIDE_BODY not in "\n".join(conn.iterdump())


def test_the_file_size_limit_is_an_option(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "small.md").write_text(_article("small"))
    (folder / "large.md").write_text(_article("large", body="x" * 5000))
    result = gql_load(folder, "--db", tmp_path / "x.db", "--max-file-bytes", "4096")
    assert result.returncode == 2
    size = (folder / "large.md").stat().st_size
    assert f"{folder / 'large.md'}: file is {size} bytes, above the limit of 4096" in result.stderr
    assert query(tmp_path / "x.db", "SELECT title FROM articles") == [("small",)]


def _one_clear_line(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and all(part in line for part in expected), line


def _loaded_db(tmp_path: Path) -> Path:
    db = tmp_path / "x.db"
    assert gql_load(SEEDS, "--db", db).returncode == 0
    return db


def test_a_corrupt_database_is_one_clear_line(tmp_path: Path) -> None:
    db = _loaded_db(tmp_path)
    with open(db, "r+b") as file:  # pages of the middle overwritten, the header intact
        file.seek(4096 * 4)
        file.write(b"\xa5" * 4096 * 16)
    _one_clear_line(gql_load(SEEDS, "--db", db), str(db), "malformed")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all " * 500)
    _one_clear_line(gql_load(SEEDS, "--db", garbage), str(garbage), "not a database")


def test_a_read_only_database_is_one_clear_line_and_stays_as_it_was(tmp_path: Path) -> None:
    db = _loaded_db(tmp_path)
    before = db.read_bytes()
    shutil.copytree(SEEDS, tmp_path / "seeds")
    (tmp_path / "seeds" / "articles" / "new.md").write_text(_article("new"))
    if os.geteuid() == 0:  # root writes through file modes: make the file immutable
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", db]).returncode:
            pytest.skip("running as root, and the file cannot be made immutable here")
    else:
        db.chmod(0o444)
    try:
        _one_clear_line(gql_load(tmp_path / "seeds", "--db", db), str(db), "readonly")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", db], check=True)
    assert db.read_bytes() == before


def test_a_load_waits_a_bounded_time_for_another_then_is_refused(tmp_path: Path) -> None:
    """Another writer holds the database (as a load does, from its first write to its
    commit): the second load waits ``--lock-timeout``, gives up with one line, and the
    database is as the first writer leaves it."""
    db = _loaded_db(tmp_path)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE meta SET value = 'held' WHERE key = 'data_version'")
        result = gql_load(SEEDS, "--db", db, "--lock-timeout", "0.5")
        _one_clear_line(result, str(db), "another process", "gave up after waiting 0.5 s")
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert gql_load(SEEDS, "--db", db, "--lock-timeout", "0.5").returncode == 0
