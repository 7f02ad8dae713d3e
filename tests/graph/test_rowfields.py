"""Objects built from store rows hold the row alone, and serve their scalars from it."""

from __future__ import annotations

import dataclasses

import pytest

from gql.graph.types import Article, Provider, RelatedLink, Topic
from gql.graph.types.rowfields import ROW_FIELD
from gql.store import ArticleRow, ProviderRow, RelatedLinkRow, TopicRow
from tests.graph.helpers import FILES, Execute, data, domain_of

TYPES = [
    (Article, ArticleRow),
    (Provider, ProviderRow),
    (Topic, TopicRow),
    (RelatedLink, RelatedLinkRow),
]


@pytest.mark.parametrize(("cls", "row_type"), TYPES)
def test_row_fields_are_columns_and_not_arguments(cls: type, row_type: type) -> None:
    fields = [f for f in dataclasses.fields(cls) if f.metadata.get(ROW_FIELD)]
    assert fields, cls
    columns = row_type._fields  # type: ignore[attr-defined]
    assert {f.name for f in fields} <= set(columns)
    assert not any(f.init for f in fields)
    # Built from the row alone, each field is the row's value of the same name.
    row = row_type(*(f"value of {column}" for column in columns))
    obj = cls.from_row(row)  # type: ignore[attr-defined]
    assert vars(obj) == {"row": row, "prefetched": {}}
    assert {f.name: getattr(obj, f.name) for f in fields} == {
        f.name: f"value of {f.name}" for f in fields
    }
    assert cls(row=row).row is row


async def test_scalars_and_shared_providers_match_the_files(execute: Execute) -> None:
    result = await data(
        execute,
        "{ articles(first: 100) { nodes { url title slug provider { domain name } } } }",
    )
    nodes = result["articles"]["nodes"]
    by_url = {m["webUrl"].strip(): m for m in FILES}
    assert len(nodes) == len(by_url)
    for node in nodes:
        meta = by_url[node["url"]]
        assert node["title"] == meta["title"]
        assert node["provider"]["domain"] == domain_of(meta)
