"""Runs every operation of examples/ through the client ariadne-codegen generated from them
(the package ``news_client``), as an application would, and prints the answers as JSON.

Run by tests/tooling/test_ariadne.py with the Python of tests/tooling/.venv-codegen and
the generated package on ``sys.path``: ``python ariadne_client.py URL VARIABLES_JSON``.
Each answer is the typed pydantic model dumped by alias (the answer's own shape), plus
what the models hold, to show they are typed: the Python class of each date and of the
refetched node.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from typing import Any

from news_client import ArticleFilter, ArticleOrder, NewsClient  # type: ignore[import-not-found]


async def main(url: str, variables: dict[str, dict[str, Any]]) -> dict[str, Any]:
    v = variables
    async with NewsClient(url=url) as client:
        answers = {
            "FrontPage": await client.front_page(first=v["FrontPage"]["first"]),
            "ArticlePage": await client.article_page(slug=v["ArticlePage"]["slug"]),
            "TopicPage": await client.topic_page(**v["TopicPage"]),
            "ProviderPage": await client.provider_page(**v["ProviderPage"]),
            "SearchPage": await client.search_page(**v["SearchPage"]),
            "NodeRefetch": await client.node_refetch(id=v["NodeRefetch"]["id"]),
            "FilteredArticles": await client.filtered_articles(
                filter_=ArticleFilter.model_validate(v["FilteredArticles"]["filter"]),
                order_by=[ArticleOrder(order) for order in v["FilteredArticles"]["orderBy"]],
            ),
        }
    front = answers["FrontPage"]
    return {
        "answers": {
            name: model.model_dump(mode="json", by_alias=True) for name, model in answers.items()
        },
        "types": {
            "publishedAt": sorted(
                {type(e.node.published_at).__name__ for e in front.articles.edges}
            ),
            "node": type(answers["NodeRefetch"].node).__name__,
            "isDatetime": all(
                isinstance(e.node.published_at, datetime) for e in front.articles.edges
            ),
        },
    }


if __name__ == "__main__":
    with open(sys.argv[2], encoding="utf-8") as file:
        print(json.dumps(asyncio.run(main(sys.argv[1], json.load(file)))))
