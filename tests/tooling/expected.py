"""What each operation of examples/ must answer on the seeds, read from the seed files.

The expectations come from ``tests.corpus`` (python-frontmatter and PyYAML reading the
files, independently of gql) and from the variables in ``examples/variables.json``. The
same checks serve every client: plain HTTP, and the ariadne-codegen client (whose
pydantic models, dumped by alias, have the answer's shape; its dates keep their instant,
so dates are compared as instants, not as text).
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from tests import corpus
from tests.conftest import ORIGINAL_SEED, REPO, SEEDS

EXAMPLES = REPO / "examples"
VARIABLES: dict[str, dict[str, Any]] = json.loads(
    (EXAMPLES / "variables.json").read_text(encoding="utf-8")
)
OPERATIONS = {
    path.stem: path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.glob("*.graphql"))
}

Meta = dict[str, Any]
FILES = corpus.read_articles(SEEDS)
ARTICLES: list[Meta] = list(FILES.values())
BY_URL: dict[str, Meta] = {m["webUrl"].strip(): m for m in ARTICLES}
TOPICS = corpus.read_topics(SEEDS)


def url(m: Meta) -> str:
    return str(m["webUrl"]).strip()


def instant(value: datetime | str | None) -> datetime | None:
    """An aware instant from a seed value or from the text of a ``DateTime``."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def newest(metas: Iterable[Meta], count: int) -> list[Meta]:
    """The ``count`` newest articles; the expectation is only defined without a tie at the
    page boundary (the seeds have none), which is asserted."""
    ordered = sorted(
        metas, key=lambda m: instant(m["publishedDateTime"]) or datetime.min, reverse=True
    )
    if len(ordered) > count:
        assert ordered[count - 1]["publishedDateTime"] != ordered[count]["publishedDateTime"]
    return ordered[:count]


def counts_agree(
    served: list[tuple[str | None, int]], expected: Counter[str | None], size: int
) -> None:
    """A most-frequent-first facet: each count is the seeds' count, in decreasing order,
    and the list is as long as asked (or all there is)."""
    assert served, expected
    for key, count in served:
        assert count == expected[key], (key, count, expected)
    assert [c for _, c in served] == sorted((c for _, c in served), reverse=True)
    assert len(served) == min(size, len(expected))


def check_front_page(data: dict[str, Any]) -> None:
    first = VARIABLES["FrontPage"]["first"]
    page = data["articles"]
    expected = newest(ARTICLES, first)
    nodes = [edge["node"] for edge in page["edges"]]
    assert [n["url"] for n in nodes] == [url(m) for m in expected]
    for node, m in zip(nodes, expected, strict=True):
        assert node["title"] == m["title"]
        assert instant(node["publishedAt"]) == instant(m["publishedDateTime"])
        assert node["provider"]["domain"] == corpus.domain(m["provider"]["domain"])
        assert [t["name"] for t in node["topics"]] == m["topics"]
        related = m.get("related", [])
        assert [link["url"] for link in node["related"]] == [url(link) for link in related]
        assert [link["title"] for link in node["related"]] == [
            link.get("title") for link in related
        ]
    assert len({n["id"] for n in nodes}) == first
    assert page["pageInfo"] == {
        "hasNextPage": len(ARTICLES) > first,
        "endCursor": page["edges"][-1]["cursor"],
    }


def check_article_page(data: dict[str, Any]) -> None:
    m = FILES[ORIGINAL_SEED]
    article = data["article"]
    assert (article["title"], article["url"], article["excerpt"]) == (
        m["title"],
        url(m),
        m["excerpt"],
    )
    assert instant(article["publishedAt"]) == instant(m["publishedDateTime"])
    assert article["provider"]["domain"] == corpus.domain(m["provider"]["domain"])
    assert [t["name"] for t in article["topics"]] == m["topics"]
    related = m["related"]
    assert [link["position"] for link in article["related"]] == list(range(len(related)))
    assert [link["url"] for link in article["related"]] == [url(link) for link in related]
    for link, source in zip(article["related"], related, strict=True):
        target = BY_URL.get(url(source))
        assert (link["article"] or {}).get("title") == (target["title"] if target else None)
    citing = [c for c in ARTICLES if url(m) in {url(link) for link in c.get("related", [])}]
    assert sorted(a["title"] for a in article["citedBy"]) == sorted(c["title"] for c in citing)


def _topic(name: str) -> Meta:
    [topic] = [t for t in TOPICS if t["name"] == name]
    return topic


def _with_topic(name: str) -> list[Meta]:
    return [m for m in ARTICLES if name in m["topics"]]


def check_topic_page(data: dict[str, Any]) -> None:
    first = VARIABLES["TopicPage"]["first"]
    topic = data["topic"]
    definition = _topic(topic["name"])
    assert definition["_id"] == VARIABLES["TopicPage"]["slug"]
    tagged = _with_topic(topic["name"])
    assert topic["articleCount"] == len(tagged)
    assert topic["parent"]["name"] == definition["parent"]
    children = sorted(t["name"] for t in TOPICS if t.get("parent") == topic["name"])
    assert [c["name"] for c in topic["children"]] == children
    shared = Counter(other for m in tagged for other in m["topics"] if other != topic["name"])
    counts_agree(
        [(r["topic"]["name"], r["count"]) for r in topic["relatedTopics"]], Counter(shared), 5
    )
    nodes = topic["articles"]["nodes"]
    assert [n["title"] for n in nodes] == [m["title"] for m in newest(tagged, first)]
    assert topic["articles"]["pageInfo"]["hasNextPage"] == (len(tagged) > first)


def check_provider_page(data: dict[str, Any]) -> None:
    domain = VARIABLES["ProviderPage"]["domain"]
    first = VARIABLES["ProviderPage"]["first"]
    provider = data["provider"]
    published = [m for m in ARTICLES if corpus.domain(m["provider"]["domain"]) == domain]
    assert (provider["domain"], provider["name"]) == (domain, provider_name(domain))
    # Logos: the publisher file's, then those its articles list, each once.
    [definition] = [o for o in corpus.read_organizations(SEEDS) if o["domain"] == domain]
    logos = [
        *definition["images"],
        *(i for m in published for i in m["provider"].get("images", [])),
    ]
    expected_logos = list(dict.fromkeys((i["url"], i.get("width"), i.get("height")) for i in logos))
    assert [(i["url"], i["width"], i["height"]) for i in provider["images"]] == expected_logos
    assert provider["articleCount"] == provider["articles"]["totalCount"] == len(published)
    edges = provider["articles"]["edges"]
    assert [e["node"]["url"] for e in edges] == [url(m) for m in newest(published, first)]
    assert provider["articles"]["pageInfo"]["hasNextPage"] == (len(published) > first)


# `"open source" OR metaverse` as FTS5's unicode61 tokenizer reads titles and excerpts:
# case folded, any run of non-word characters between the phrase's words.
SEARCH = re.compile(r"\bopen\W+source\b|\bmetaverse\b", re.IGNORECASE)


def _month(m: Meta) -> str:
    moment = instant(m["publishedDateTime"])
    assert moment is not None
    return moment.astimezone(UTC).strftime("%Y-%m")


def check_search_page(data: dict[str, Any]) -> None:
    assert VARIABLES["SearchPage"]["query"] == '"open source" OR metaverse'
    first = VARIABLES["SearchPage"]["first"]
    search = data["search"]
    hits = [m for m in ARTICLES if SEARCH.search(f"{m['title']} {m.get('excerpt') or ''}")]
    assert search["totalCount"] == len(hits)
    assert len(search["edges"]) == min(first, len(hits))
    assert {e["node"]["url"] for e in search["edges"]} <= {url(m) for m in hits}
    assert all("<mark>" in e["snippet"] for e in search["edges"])
    assert search["pageInfo"]["hasNextPage"] == (len(hits) > first)
    facets = search["facets"]
    topics = Counter(t for m in hits for t in m["topics"])
    counts_agree([(f["topic"]["name"], f["count"]) for f in facets["topics"]], Counter(topics), 5)
    domains: Counter[str | None] = Counter(corpus.domain(m["provider"]["domain"]) for m in hits)
    counts_agree([(f["provider"]["domain"], f["count"]) for f in facets["providers"]], domains, 5)
    months = {f["month"]: f["count"] for f in facets["publishedByMonth"]}
    assert months == dict(Counter(_month(m) for m in hits))


def check_node_refetch(data: dict[str, Any]) -> None:
    # A global ID is base64 of "Type:key" (Relay's convention); this one is the AI topic.
    assert base64.b64decode(VARIABLES["NodeRefetch"]["id"] + "==") == b"Topic:AI"
    assert data["node"] == {
        "__typename": "Topic",
        "id": VARIABLES["NodeRefetch"]["id"],
        "name": "AI",
        "slug": _topic("AI")["_id"],
        "articleCount": len(_with_topic("AI")),
    }


def provider_name(domain: str) -> str:
    """A publisher's display name: its publisher file's, else the name most articles use."""
    for definition in corpus.read_organizations(SEEDS):
        if corpus.domain(definition["domain"]) == domain:
            return str(definition["name"])
    names = Counter(
        m["provider"]["name"] for m in ARTICLES if corpus.domain(m["provider"]["domain"]) == domain
    )
    return names.most_common(1)[0][0]


def check_filtered_articles(data: dict[str, Any]) -> None:
    variables = VARIABLES["FilteredArticles"]
    assert variables["orderBy"] == ["HEAT_DESC", "PUBLISHED_AT_DESC"]
    spec = variables["filter"]
    since = instant(spec["publishedAt"]["gte"])
    assert since is not None
    matching = [
        m
        for m in ARTICLES
        if (instant(m["publishedDateTime"]) or since) >= since
        and (m.get("heat") or 0) > spec["heat"]["gt"]
        and spec["topics"]["some"]["name"]["eq"] in m["topics"]
    ]
    ranked = sorted(
        matching,
        key=lambda m: (-m["heat"], -(instant(m["publishedDateTime"]) or since).timestamp()),
    )
    articles = data["articles"]
    assert articles["totalCount"] == len(matching)
    assert [(n["title"], n["heat"]) for n in articles["nodes"]] == [
        (m["title"], m["heat"]) for m in ranked[:5]
    ]
    facets = articles["facets"]
    names: Counter[str | None] = Counter(
        provider_name(corpus.domain(m["provider"]["domain"])) for m in matching
    )
    counts_agree([(f["provider"]["name"], f["count"]) for f in facets["providers"]], names, 5)
    assert {f["month"]: f["count"] for f in facets["publishedByMonth"]} == dict(
        Counter(_month(m) for m in matching)
    )
    assert {f["value"]: f["count"] for f in facets["published"]} == dict(
        Counter(m.get("published") for m in matching)
    )


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "FrontPage": check_front_page,
    "ArticlePage": check_article_page,
    "TopicPage": check_topic_page,
    "ProviderPage": check_provider_page,
    "SearchPage": check_search_page,
    "NodeRefetch": check_node_refetch,
    "FilteredArticles": check_filtered_articles,
}
