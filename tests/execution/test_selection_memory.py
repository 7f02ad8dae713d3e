"""What the selection cache holds per cached field costs memory in proportion to it.

Found by the soak (``bench/soak.py``): a worker answering distinct documents of 200
aliased root fields grew to ~600 MB before its caches filled, 800 kB of each document
being the 4 kB output buffers orjson leaves in the bytes that key each field's
selections. Allocations are traced (``tracemalloc``), not timed.
"""

from __future__ import annotations

import tracemalloc

import gql.execution.selections
from gql.graph.context import Context
from gql.graph.schema import build_schema
from gql.settings import Settings
from gql.store import Store

FIELDS = 100
DOCUMENTS = 5


async def test_cached_selections_keep_no_spare_buffers(seeds_store: Store) -> None:
    schema = build_schema()
    document = "{ %s }" % " ".join(f'a{i}: topic(slug: "ai") {{ name }}' for i in range(FIELDS))

    # Many aliased root fields are what this measures: over the served defaults.
    settings = Settings(max_aliases=FIELDS, max_root_fields=FIELDS, max_field_repeats=FIELDS)

    async def run(text: str) -> None:
        result = await schema.execute(
            text, context_value=Context.for_request(seeds_store, settings)
        )
        assert result.errors is None and result.data
        assert result.data["a0"] == {"name": "AI"}

    await run(document)  # first use of every type and resolver, outside the trace
    tracemalloc.start()
    try:
        for n in range(DOCUMENTS):
            await run(f"# document {n}\n{document}")  # distinct texts: distinct documents
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    module = snapshot.filter_traces([tracemalloc.Filter(True, gql.execution.selections.__file__)])
    held = sum(stat.size for stat in module.statistics("filename"))
    assert schema.selection_cache is not None
    assert len(schema.selection_cache.documents._documents) == DOCUMENTS + 1
    # Keys and their tables, well under a kilobyte per cached field (it was over 4 kB).
    assert held < DOCUMENTS * FIELDS * 1024, held
