"""Stored encodings: timestamps, flags, JSON text and JSON key arrays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gql.errors import InvalidText
from gql.store.encoding import (
    from_flag,
    from_timestamp,
    json_array,
    to_flag,
    to_json_list,
    to_json_list_kept_empty,
    to_json_object,
    to_timestamp,
)


@pytest.mark.parametrize(
    ("moment", "stored"),
    [
        (None, None),
        (datetime(2023, 11, 17, tzinfo=UTC), "2023-11-17T00:00:00Z"),
        # Four-digit years even before 1000, so that text order stays time order.
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05Z"),
        # Other offsets are stored in UTC; naive datetimes are taken as UTC.
        (datetime(2023, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))), "2022-12-31T23:30:00Z"),
        (datetime(2023, 1, 1, 1, 30), "2023-01-01T01:30:00Z"),
    ],
)
def test_timestamps_are_utc_text(moment: datetime | None, stored: str | None) -> None:
    assert to_timestamp(moment) == stored


def test_timestamps_read_back_as_utc_datetimes() -> None:
    assert from_timestamp("2023-11-17T08:09:10Z") == datetime(2023, 11, 17, 8, 9, 10, tzinfo=UTC)
    assert from_timestamp("2023-11-17T08:09:10Z").tzinfo is not None  # type: ignore[union-attr]
    assert from_timestamp(None) is None


def test_flags_are_zero_or_one() -> None:
    assert [to_flag(v) for v in (True, False, None)] == [1, 0, None]
    assert [from_flag(v) for v in (1, 0, None)] == [True, False, None]


def test_json_text() -> None:
    assert to_json_object({"b": 1, "a": "é"}) == '{"a": "é", "b": 1}'
    assert to_json_object({}) is None
    assert to_json_list(("Meta", "Facebook")) == '["Meta", "Facebook"]'
    assert to_json_list(()) is None
    # A definition without keywords keeps "[]": NULL means "no definition".
    assert to_json_list_kept_empty(()) == "[]"
    assert to_json_list_kept_empty(None) is None


def test_key_arrays_name_a_string_that_is_not_text() -> None:
    assert json_array([1, "a", "é"]) == '[1,"a","é"]'
    with pytest.raises(InvalidText) as caught:
        json_array(["fine", "ab\ud800"])
    assert (caught.value.value, caught.value.position) == ("ab\ud800", 2)
