"""What ``snippet()`` costs on the worst row a field can hold, with a search's own query and
with the snippet query ``gql.store.search`` computes snippets with, side by side::

    python -m bench.snippets

The row (built by ``gql load`` in a temporary folder) is one-letter tokens in both
indexed fields, as many as ``INDEXED_CHARS`` allows; each search puts many phrases on
those tokens. Medians of a few runs of the snippet statement alone, in one process.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from gql.store.ddl import INDEXED_CHARS
from gql.store.search import MAX_SEARCH_TERMS, SNIPPET, snippet_query
from gql.sync import load_into

SEARCHES = {
    "a": "a",
    f"a, {MAX_SEARCH_TERMS} times": " ".join(["a"] * MAX_SEARCH_TERMS),
    f"{MAX_SEARCH_TERMS} phrases a … a": " ".join(
        '"' + " ".join(["a"] * n) + '"' for n in range(1, MAX_SEARCH_TERMS + 1)
    ),
}


def _worst_row(folder: Path) -> Path:
    letters = " ".join(["a"] * (INDEXED_CHARS // 2))
    (folder / "files").mkdir()
    (folder / "files" / "worst.md").write_text(
        f'---\ntitle: "{letters}"\nexcerpt: "{letters}"\nwebUrl: https://e.x/worst\n---\n'
    )
    db = folder / "worst.db"
    asyncio.run(load_into(db, [folder / "files"]))
    return db


def _median_ms(conn: sqlite3.Connection, query: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        conn.execute(
            f"SELECT {SNIPPET} FROM articles_fts WHERE articles_fts MATCH ?", (query,)
        ).fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = _worst_row(Path(folder))
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        print("| search | its own query | snippet query |")
        print("|---|---:|---:|")
        for name, search in SEARCHES.items():
            own, reduced = _median_ms(conn, search), _median_ms(conn, snippet_query(search))
            print(f"| {name} | {own:,.1f} ms | {reduced:,.1f} ms |")
        conn.close()


if __name__ == "__main__":
    main()
