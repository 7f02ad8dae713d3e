"""Root lookups: which record a client names, by which of its unique keys.

``article``, ``topic`` and ``provider`` each take exactly one key (``one_of``); these
functions check that and give ``(column, value)`` as the store matches it, for the
resolvers (``gql.graph.query``) and the whole-query statements (``gql.graph.statement``)
alike.
"""

from __future__ import annotations

from typing import Any

from gql.errors import InvalidArgument
from gql.graph.ids import decode_global_id
from gql.keys import normalize_domain


def one_of(**arguments: Any) -> tuple[str, Any]:
    """The one argument given (not None), by name; ``InvalidArgument`` for none or more."""
    given = [(name, value) for name, value in arguments.items() if value is not None]
    if len(given) != 1:
        raise InvalidArgument(
            "/".join(arguments), f"give exactly one of {', '.join(arguments)}, got {len(given)}"
        )
    return given[0]


def article_key(id_: str | None, url: str | None, slug: str | None) -> tuple[str, str]:
    """``("slug", slug)`` or ``("url", url)``: a global ID names its article by URL."""
    name, value = one_of(id=id_, url=url, slug=slug)
    if name == "slug":
        return "slug", value
    if name == "id":
        value = decode_global_id(value, "Article")[1]
    return "url", value.strip()


def topic_key(id_: str | None, name: str | None, slug: str | None) -> tuple[str, str]:
    """``("slug", slug)`` or ``("name", name)``: a global ID names its topic by name."""
    which, value = one_of(id=id_, name=name, slug=slug)
    if which == "slug":
        return "slug", value
    if which == "id":
        return "name", decode_global_id(value, "Topic")[1]
    return "name", value.strip()


def provider_key(id_: str | None, domain: str | None) -> tuple[str, str]:
    """``("domain", domain)``: a global ID's key, or the domain given, normalized."""
    which, value = one_of(id=id_, domain=domain)
    if which == "id":
        return "domain", decode_global_id(value, "Provider")[1]
    return "domain", normalize_domain(value)
