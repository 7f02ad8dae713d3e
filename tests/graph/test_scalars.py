"""``DateTime``: RFC 3339 text out (as ``@specifiedBy`` says), ISO 8601 text in."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.graph.helpers import FILES, Execute, data, urls

RFC_3339 = "https://datatracker.ietf.org/doc/html/rfc3339"
# RFC 3339, section 5.6: full-date "T" full-time, the offset "Z" or +hh:mm / -hh:mm.
DATE_TIME = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
    r"(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)"
)


async def test_the_scalar_names_rfc_3339() -> None:
    from gql.graph.schema import build_schema

    printed = build_schema().as_str()
    assert f'scalar DateTime @specifiedBy(url: "{RFC_3339}")' in printed


async def test_introspection_gives_the_specification(execute: Execute) -> None:
    result = await data(execute, '{ __type(name: "DateTime") { kind specifiedByURL } }')
    assert result == {"__type": {"kind": "SCALAR", "specifiedByURL": RFC_3339}}


async def test_every_date_sent_is_an_rfc_3339_date_time_of_the_seed_instant(
    execute: Execute,
) -> None:
    result = await data(execute, "{ articles(first: 100) { nodes { url publishedAt } } }")
    served = {a["url"]: a["publishedAt"] for a in result["articles"]["nodes"]}
    assert len(served) == len(FILES)
    for meta in FILES:
        text = served[meta["webUrl"].strip()]
        assert DATE_TIME.fullmatch(text), text
        expected = meta["publishedDateTime"]
        if expected.tzinfo is None:
            expected = expected.replace(tzinfo=UTC)
        assert datetime.fromisoformat(text) == expected


async def test_an_instant_reads_the_same_with_any_offset(execute: Execute) -> None:
    query = "query($at: DateTime!) { articles(filter: {publishedAt: {gte: $at}}) { totalCount } }"
    expected = len(
        urls(lambda m: _aware(m["publishedDateTime"]) >= datetime(2022, 1, 1, tzinfo=UTC))
    )
    for text in ("2022-01-01T00:00:00Z", "2022-01-01T02:00:00+02:00", "2021-12-31T19:00:00-05:00"):
        result = await data(execute, query, {"at": text})
        assert result["articles"]["totalCount"] == expected, text


async def test_text_that_is_no_date_time_is_refused(execute: Execute) -> None:
    query = "query($at: DateTime!) { articles(filter: {publishedAt: {gte: $at}}) { totalCount } }"
    for value in ("yesterday", "2022-13-01T00:00:00Z", 20220101):
        result = await execute(query, {"at": value})
        assert result.data is None
        [error] = result.errors
        assert f'Value cannot represent a DateTime: "{value}".' in error.message, error.message


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
