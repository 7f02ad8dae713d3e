"""The GraphQL schema in process: fields, IDs, errors, and the checked-in SDL."""

from __future__ import annotations

from typing import Any

import pytest

from gql.graph.schema import build_schema
from tests import corpus
from tests.conftest import REPO, SEEDS
from tests.graph.helpers import Execute, data

SEED_URL = "https://venturebeat.com/ai/microsoft-recommits-to-open-source-ai-models-despite-openai-investment/"


ARTICLE_FIELDS = """
  id slug title excerpt category type publishedAt url originalUrl ampUrl cdnAmpUrl quality
  heat published secured body extra providerName
  provider { domain name }
  topics { name slug }
  images { url width height title isCached }
  related {
    position title excerpt publishedAt url type quality originalUrl ampUrl cdnAmpUrl extra
    providerName provider { domain } images { url width height title isCached }
    article { url } source { url }
  }
"""


def test_schema_file_is_generated_from_the_code() -> None:
    checked_in = (REPO / "schema.graphql").read_text(encoding="utf-8")
    assert checked_in == build_schema().as_str() + "\n", "run `make schema` to regenerate it"


def test_every_type_field_and_argument_is_described() -> None:
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLInterfaceType,
        GraphQLObjectType,
    )

    schema = build_schema()._schema
    missing = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or not hasattr(graphql_type, "description"):
            continue
        if name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not graphql_type.description:
            missing.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, input_field in graphql_type.fields.items():
                if not input_field.description:
                    missing.append(f"{name}.{field_name}")
        if isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                if not value.description:
                    missing.append(f"{name}.{value_name}")
    assert missing == []


async def test_the_original_seed(execute: Execute) -> None:
    result = await data(
        execute,
        "query($url: String!) { article(url: $url) { %s } }" % ARTICLE_FIELDS,
        {"url": SEED_URL},
    )
    article = result["article"]
    assert article["provider"] == {"domain": "venturebeat.com", "name": "VentureBeat"}
    assert [t["name"] for t in article["topics"]] == ["Facebook AI", "AI", "Microsoft AI"]
    assert [t["slug"] for t in article["topics"]] == ["facebook-ai", "ai", "microsoft-ai"]
    assert article["heat"] == 136 and article["publishedAt"] == "2023-11-17T00:00:00+00:00"
    providers = [link["provider"]["domain"] for link in article["related"]]
    assert len(providers) == 7 and {"forbes.com", "bloomberg.com"} <= set(providers)
    assert all(link["source"]["url"] == SEED_URL for link in article["related"])
    assert article["secured"].endswith(";4zZTkbVR45JP/4hx/eq4lg==")


def _expected_images(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "url": i["url"].strip(),
            "width": i.get("width"),
            "height": i.get("height"),
            "title": i.get("title"),
            "isCached": i.get("isCached"),
        }
        for i in items
    ]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def test_every_seed_article_is_served_with_its_fields_intact(execute: Execute) -> None:
    result = await data(execute, "{ articles(first: 100) { nodes { %s } } }" % ARTICLE_FIELDS)
    served = {a["url"]: a for a in result["articles"]["nodes"]}
    files = corpus.read_articles(SEEDS)
    assert len(served) == len(files)
    for path, meta in files.items():
        article = served[meta["webUrl"].strip()]
        where = path.name
        assert article["title"] == meta["title"], where
        for field, key in [
            ("excerpt", "excerpt"),
            ("category", "category"),
            ("type", "type"),
            ("originalUrl", "originalUrl"),
            ("ampUrl", "ampWebUrl"),
            ("cdnAmpUrl", "cdnAmpWebUrl"),
            ("quality", "quality"),
            ("heat", "heat"),
            ("published", "published"),
            ("secured", "secured"),
        ]:
            assert article[field] == meta.get(key), (where, field)
        assert article["publishedAt"] == _iso(meta["publishedDateTime"]), where
        assert article["providerName"] == meta["provider"]["name"], where
        assert article["provider"]["domain"] == corpus.domain(meta["provider"]["domain"]), where
        assert [t["name"] for t in article["topics"]] == meta["topics"], where
        assert article["images"] == _expected_images(meta.get("images", [])), where
        assert article["extra"] == {}, where
        assert article["body"] == "", where
        related = meta.get("related", [])
        assert len(article["related"]) == len(related), where
        for served_link, link in zip(article["related"], related, strict=True):
            assert served_link["url"] == link["webUrl"].strip(), where
            assert served_link["title"] == link["title"], where
            assert served_link["excerpt"] == link.get("excerpt"), where
            assert served_link["publishedAt"] == _iso(link.get("publishedDateTime")), where
            assert served_link["quality"] == link.get("quality"), where
            assert served_link["ampUrl"] == link.get("ampWebUrl"), where
            assert served_link["providerName"] == link["provider"]["name"], where
            assert served_link["provider"]["domain"] == corpus.domain(link["provider"]["domain"])
            assert served_link["images"] == _expected_images(link.get("images", [])), where


async def test_topic_and_publisher_files_are_served(execute: Execute) -> None:
    result = await data(
        execute,
        "{ topics(first: 100) { nodes { name slug keywords shortname parent { name }"
        " images { url } } } }",
    )
    topics = {t["name"]: t for t in result["topics"]["nodes"]}
    for definition in corpus.read_topics(SEEDS):
        topic = topics[definition["name"]]
        assert topic["slug"] == definition["_id"]
        assert topic["keywords"] == definition["keywords"]
        assert topic["shortname"] == definition.get("shortname")
        assert (topic["parent"] or {}).get("name") == definition.get("parent")
        assert [i["url"] for i in topic["images"]] == definition["images"]
    for organization in corpus.read_organizations(SEEDS):
        found = await data(
            execute,
            "query($d: String!) { provider(domain: $d) { name otherNames images { url } } }",
            {"d": organization["domain"]},
        )
        provider = found["provider"]
        assert provider["name"] == organization["name"]
        assert provider["otherNames"] == organization.get("otherNames", [])
        org_images = [i["url"] for i in organization["images"]]
        assert [i["url"] for i in provider["images"]][: len(org_images)] == org_images


async def test_node_round_trips_for_every_type(execute: Execute) -> None:
    result = await data(
        execute,
        '{ article(url: "%s") { id } provider(domain: "www.VentureBeat.com") { id }'
        ' topic(name: "Microsoft AI") { id } }' % SEED_URL,
    )
    for type_name, key, field in [
        ("Article", "article", "url"),
        ("Provider", "provider", "domain"),
        ("Topic", "topic", "name"),
    ]:
        node_id = result[key]["id"]
        back = await data(
            execute,
            "query($id: ID!) { node(id: $id) { __typename id ... on %s { %s } } }"
            % (type_name, field),
            {"id": node_id},
        )
        assert back["node"]["__typename"] == type_name and back["node"]["id"] == node_id
    by_id = await data(
        execute, "query($id: ID!) { article(id: $id) { url } }", {"id": result["article"]["id"]}
    )
    assert by_id["article"]["url"] == SEED_URL


async def test_nodes_keep_order_and_give_null_for_unknown(execute: Execute) -> None:
    from gql.graph.ids import encode_global_id

    ids = [
        encode_global_id("Topic", "AI"),
        encode_global_id("Article", "https://nowhere.example/"),
        encode_global_id("Provider", "forbes.com"),
        encode_global_id("Topic", "Microsoft AI"),
    ]
    result = await data(
        execute, "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", {"ids": ids}
    )
    assert [n and n["id"] for n in result["nodes"]] == [ids[0], None, ids[2], ids[3]]
    assert result["nodes"][2]["__typename"] == "Provider"


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        ("{ articles(first: 101) { totalCount } }", "INVALID_ARGUMENT", "at most 100"),
        ("{ articles(first: -1) { totalCount } }", "INVALID_ARGUMENT", "0 or more"),
        ('{ articles(after: "bogus") { totalCount } }', "INVALID_CURSOR", "bogus"),
        ('{ providers(after: "WyJuZXdlc3QiLG51bGwsMV0") { totalCount } }', "INVALID_CURSOR", ""),
        ('{ node(id: "!!!") { id } }', "INVALID_ID", "'!!!'"),
        ('{ article(id: "VG9waWM6QUk") { id } }', "INVALID_ID", "Article ID"),
        ('{ article(url: "a", slug: "b") { id } }', "INVALID_ARGUMENT", "exactly one"),
        ("{ article { id } }", "INVALID_ARGUMENT", "exactly one"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED", "nope"),
    ],
)
async def test_user_errors_have_a_message_and_a_code(
    execute: Execute, query: str, code: str, message: str
) -> None:
    result = await execute(query)
    assert result.errors is not None and len(result.errors) == 1
    error = result.errors[0]
    assert error.extensions["code"] == code
    assert message in error.message


@pytest.mark.parametrize(
    "query",
    [
        "query($s: String!) { article(url: $s) { id } }",
        "query($s: String!) { provider(domain: $s) { id } }",
        "query($s: String!) { search(query: $s) { totalCount } }",
        "query($s: String!) { articles(filter: {title: {contains: $s}}) { totalCount } }",
    ],
)
async def test_text_that_is_not_unicode_is_a_user_error(execute: Execute, query: str) -> None:
    """A lone surrogate cannot arrive over HTTP (the JSON decoder refuses it, and so does
    GraphQL's lexer in a literal) but can from Python: SQLite cannot take it as UTF-8."""
    result = await execute(query, {"s": "ab\ud800"})
    assert result.errors is not None and len(result.errors) == 1
    error = result.errors[0]
    assert error.extensions["code"] == "INVALID_TEXT"
    assert "unpaired surrogate U+D800 at position 2" in error.message
    assert (await execute(query, {"s": "ab"})).errors is None


async def test_unknown_keys_give_null(execute: Execute) -> None:
    result = await data(
        execute,
        '{ article(slug: "no-such-slug") { id } provider(domain: "nowhere.example") { id }'
        ' topic(slug: "nothing") { id } }',
    )
    assert result == {"article": None, "provider": None, "topic": None}


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (
            "query($a: String) { articles(after: $a) { totalCount } }",
            {
                "a": __import__("gql.graph.ids", fromlist=["x"]).encode_cursor(
                    "articles:publishedAt-", "2020-01-01T00:00:00Z", 2**64
                )
            },
            "INVALID_CURSOR",
        ),
        (
            '{ articles(filter: {publishedAt: {gt: "0001-01-01T00:00:00+05:00"}}) { totalCount } }',
            None,
            "INVALID_ARGUMENT",
        ),
        ('{ search(query: "NEAR(a b, x)") { totalCount } }', None, "INVALID_SEARCH_QUERY"),
    ],
)
async def test_odd_input_is_a_user_error(
    execute: Execute, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    result = await execute(query, variables)
    assert result.errors is not None
    assert result.errors[0].extensions["code"] == code


async def test_dates_before_year_1000_compare_correctly(execute: Execute) -> None:
    result = await data(
        execute,
        '{ a: articles(filter: {publishedAt: {lt: "0999-01-01T00:00:00Z"}}) { totalCount }'
        ' b: articles(filter: {publishedAt: {gt: "0999-01-01T00:00:00Z"}}) { totalCount } }',
    )
    assert result == {"a": {"totalCount": 0}, "b": {"totalCount": 60}}


async def test_provider_and_topic_keys_are_normalized(execute: Execute) -> None:
    result = await data(
        execute,
        '{ provider(domain: " WWW.VentureBeat.com. ") { domain }'
        ' topic(name: " Microsoft AI ") { slug } }',
    )
    assert result == {"provider": {"domain": "venturebeat.com"}, "topic": {"slug": "microsoft-ai"}}
