"""bench/overhead.py drives the app in process with its sinks on and off (a smoke run:
no timing is asserted)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.overhead import VARIANTS, _run


def test_every_variant_serves_the_front_page(seeds_db: Path) -> None:
    times = asyncio.run(_run(seeds_db, "front_page", requests=3, rounds=2))
    rounds = {name: values for name, values in times.items() if name in VARIANTS}
    assert set(rounds) == set(VARIANTS)
    assert all(len(values) == 2 and all(v >= 0 for v in values) for values in rounds.values())
    assert {name for name in times if name not in VARIANTS} == {
        "time in sinks: log",
        "time in sinks: metrics",
    }
