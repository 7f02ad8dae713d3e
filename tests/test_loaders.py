"""gql's DataLoader: one batch per burst of keys, cached values, errors for every key."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from gql.errors import WrongNumberOfResults
from gql.loaders import DataLoader, Hashed


class Recorder:
    """A batch function that records its batches and fails on demand."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.fail = fail

    async def __call__(self, keys: list[int]) -> list[str]:
        self.batches.append(keys)
        if self.fail:
            raise LookupError(f"batch {keys} failed")
        return [f"v{key}" for key in keys]


async def test_keys_arriving_in_different_iterations_share_one_batch() -> None:
    batch = Recorder()
    loader = DataLoader(batch)

    async def later(key: int, delay_ticks: int) -> str:
        for _ in range(delay_ticks):
            await asyncio.sleep(0)
        return await loader.load(key)

    values = await asyncio.gather(later(1, 0), later(2, 1), later(3, 2))
    assert values == ["v1", "v2", "v3"]
    assert batch.batches == [[1, 2, 3]]


async def test_load_many_keeps_order_and_duplicates_and_caches() -> None:
    batch = Recorder()
    loader = DataLoader(batch)
    assert await loader.load_many([3, 1, 3, 2]) == ["v3", "v1", "v3", "v2"]
    assert await loader.load_many([2, 4]) == ["v2", "v4"]
    assert batch.batches == [[3, 1, 2], [4]]


async def test_a_failed_batch_fails_every_key_without_unretrieved_errors() -> None:
    messages: list[str] = []

    async def request() -> None:
        loader = DataLoader(Recorder(fail=True))
        try:
            await loader.load_many([1, 2, 3])
        except LookupError as exc:
            messages.append(str(exc))
        try:
            await loader.load(2)
        except LookupError as exc:
            messages.append(str(exc))

    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        # Once the request is over its futures are garbage: an error nobody retrieved
        # would be reported when they are collected.
        await asyncio.create_task(request())
        for _ in range(3):
            gc.collect()
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(previous)
    assert messages == ["batch [1, 2, 3] failed"] * 2
    assert reported == []


async def test_a_batch_with_the_wrong_number_of_values_fails_its_keys() -> None:
    async def short(keys: list[int]) -> list[str]:
        return [f"v{key}" for key in keys[1:]]

    loader = DataLoader(short)
    with pytest.raises(WrongNumberOfResults) as raised:
        await loader.load_many([1, 2, 3])
    assert (raised.value.expected, raised.value.received) == (3, 2)
    with pytest.raises(WrongNumberOfResults):
        await loader.load(2)


async def test_a_cancelled_caller_leaves_the_others_their_value() -> None:
    """graphql-core cancels the siblings of a failed non-null field: one caller cancelled
    while it waits for a key must not cancel the key for the others waiting for it."""
    batch = Recorder()
    loader = DataLoader(batch)
    first = asyncio.ensure_future(loader.load(1))
    second = asyncio.ensure_future(loader.load_many([1, 2]))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == ["v1", "v2"]
    assert first.cancelled()
    assert await loader.load(1) == "v1"
    assert batch.batches == [[1, 2]]


async def test_keys_in_a_batch_in_flight_and_new_ones_are_waited_for_together() -> None:
    batch = Recorder()
    loader = DataLoader(batch)
    first = asyncio.ensure_future(loader.load_many([1, 2]))
    while not batch.batches:  # the first batch is dispatched, its values not yet given
        await asyncio.sleep(0)
    # 2 is in the batch in flight: it is not asked for again; 5 makes a batch of its own.
    assert await loader.load_many([5, 2, 1]) == ["v5", "v2", "v1"]
    assert await first == ["v1", "v2"]
    assert await loader.load(5) == "v5"
    assert batch.batches == [[1, 2], [5]]


def test_a_hashed_key_part_equals_its_value_s_and_hashes_once() -> None:
    hashes: list[int] = []

    class Spec:
        """A value counting its hashes, as a frozen dataclass of a list's page would cost."""

        def __init__(self, first: int) -> None:
            self.first = first

        def __hash__(self) -> int:
            hashes.append(self.first)
            return hash(self.first)

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Spec) and other.first == self.first

    ten = Hashed(Spec(10))
    keys = {(("topic", ten), parent): parent for parent in range(50)}
    assert [keys[(("topic", ten), parent)] for parent in range(50)] == list(range(50))
    assert hashes == [10]
    # Equal by value: a key built again (another parent's resolver) finds the same entry.
    assert keys[(("topic", Hashed(Spec(10))), 7)] == 7
    assert (("topic", Hashed(Spec(20))), 7) not in keys
    assert Hashed(Spec(10)) != Spec(10)
