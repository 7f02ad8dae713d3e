"""The files table: what each seed file was when it was loaded."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gql.store import Store, load_file_entries
from tests.conftest import SEEDS


async def test_file_entries_are_the_seed_files_as_loaded(seeds_store: Store) -> None:
    entries = {e.path: e for e in await load_file_entries(seeds_store)}
    on_disk = sorted(p for p in SEEDS.rglob("*") if p.is_file() and p.stem.lower() != "readme")
    assert sorted(entries) == [str(p) for p in on_disk]
    for path in on_disk:
        entry = entries[str(path)]
        stat = path.stat()
        assert (entry.size, entry.mtime_ns) == (stat.st_size, stat.st_mtime_ns)
        assert entry.kind in {"article", "topic", "organization"}
    seed = entries[str(SEEDS / "000_14c2d3d9f87f535d.txt")]
    assert seed.kind == "article"
    assert seed.key.startswith("https://venturebeat.com/ai/microsoft-recommits")
    # The sync pipeline digests a file's bytes with BLAKE2b (16 bytes).
    data = (SEEDS / "000_14c2d3d9f87f535d.txt").read_bytes()
    assert seed.digest == hashlib.blake2b(data, digest_size=16).hexdigest()


async def test_no_files_before_a_load(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "empty.db")
    try:
        assert await load_file_entries(store) == []
    finally:
        await store.close()
