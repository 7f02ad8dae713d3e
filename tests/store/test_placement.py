"""Where a whole statement runs (``json_sql.Placement``): on the event loop's connection
while it proves cheap there, on the pool once it does not, with the same answer."""

from __future__ import annotations

import json

import pytest

from gql.store import Placement, Store, json_sql, load_json, recording_queries
from gql.store.json_sql import TRY_HERE_MS

CHEAP = "SELECT {json}('articles', (SELECT count(*) FROM articles)){text}"
# Counts to two million one row at a time: far more than TRY_HERE_MS on any machine.
SLOW = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000)"
    " SELECT {json}('n', max(x)){text} FROM c"
)


def _sql(template: str, backend: str) -> str:
    if backend == "postgres":
        return template.format(json="json_build_object", text="::text")
    return template.format(json="json_object", text="")


async def test_a_cheap_statement_stays_on_the_event_loop(
    backend: str, seeds_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Limits no busy machine can reach for this statement (the default 5 ms could be, by
    # a pause of the process at the wrong moment).
    monkeypatch.setattr(json_sql, "TRY_HERE_MS", 1000)
    monkeypatch.setattr(json_sql, "HERE_MS", 1000)
    placement = Placement()
    for _ in range(3):
        with recording_queries() as log:
            text = await load_json(seeds_store, _sql(CHEAP, backend), [], placement)
        assert json.loads(text)["articles"] > 0 and log.statements == 1
        # PostgreSQL has no connection on the event loop: every statement is a round trip.
        assert placement.here is (backend == "sqlite")


@pytest.mark.sqlite_only(reason="PostgreSQL runs every statement on the pool (test above)")
async def test_a_slow_statement_moves_to_the_pool_once(backend: str, seeds_store: Store) -> None:
    slow = _sql(SLOW, backend)
    placement = Placement()
    with recording_queries() as log:
        text = await load_json(seeds_store, slow, [], placement)
    # Stopped on the event loop after TRY_HERE_MS, then run whole on the pool: one answer,
    # one statement counted.
    assert json.loads(text) == {"n": 2_000_000}
    assert placement.here is False and log.statements == 1
    assert log.ms > TRY_HERE_MS
    with recording_queries() as log:
        await load_json(seeds_store, slow, [], placement)
    assert placement.here is False and log.statements == 1
