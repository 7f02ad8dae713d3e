"""Hypothesis strategies for requests to our API, generated from ``schema.graphql``.

hypothesis-graphql draws documents that select any fields of the schema with any
arguments; left alone, almost every one of them asks for an ID, slug or cursor that does
not exist and never reaches the data. So the documents are drawn from a *generation
schema*: ``schema.graphql`` with the arguments that name records retyped as custom
scalars (``GlobalId``, ``ArticleSlug``, ``Cursor``, ``PageSize`` ...), whose strategies
mostly draw real values of the database under test (``Samples``) and sometimes garbage.
The printed document is then a valid document of the real schema.

``requests(samples)`` turns such documents into requests a client could send: some
fields aliased or repeated, ``@include``/``@skip`` on some, and some argument values
moved into variables (so the selection caches that follow the variables are exercised).
``tests/bad_requests.py`` builds what careless or hostile clients send from them.

``FUZZ`` is the settings profile of the fuzz tests: ``GQL_FUZZ_EXAMPLES`` (default 100)
examples per test, derandomized so CI runs the same examples every time;
``GQL_FUZZ_RANDOM=1`` draws new ones on each run.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import graphql
from graphql import language as ast
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, nodes
from hypothesis_graphql import queries as graphql_queries

from tests.conftest import REPO

SDL = (REPO / "schema.graphql").read_text(encoding="utf-8")
SCHEMA = graphql.build_schema(SDL)

FUZZ = settings(
    max_examples=int(os.environ.get("GQL_FUZZ_EXAMPLES", "100")),
    deadline=None,
    derandomize=os.environ.get("GQL_FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

# Arguments of object fields that name records, retyped for generation:
# (type, field or None for any field, argument) -> custom scalar.
ARGUMENT_SCALARS: dict[tuple[str | None, str | None, str], str] = {
    (None, None, "first"): "PageSize",
    (None, None, "last"): "PageSize",
    (None, None, "after"): "Cursor",
    (None, None, "before"): "Cursor",
    ("Query", "node", "id"): "GlobalId",
    ("Query", "nodes", "ids"): "GlobalId",
    ("Query", "article", "id"): "ArticleId",
    ("Query", "provider", "id"): "ProviderId",
    ("Query", "topic", "id"): "TopicId",
    ("Query", "article", "url"): "ArticleUrl",
    ("Query", "article", "slug"): "ArticleSlug",
    ("Query", "provider", "domain"): "Domain",
    ("Query", "topic", "name"): "TopicName",
    ("Query", "topic", "slug"): "TopicSlug",
    ("Query", "search", "query"): "SearchText",
}
# Root fields that take exactly one of their arguments.
LOOKUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "Query": {
        "article": ("id", "url", "slug"),
        "provider": ("id", "domain"),
        "topic": ("id", "name", "slug"),
    }
}
# Every text an article list is filtered on.
INPUT_SCALARS: dict[str, str] = {"StringFilter": "FilterText"}
# FTS5 syntax a search query may hold, valid or not.
SEARCH_SYNTAX = ("*", '"', "AND", "OR", "NOT", "(", ")", "NEAR", ":", "^", "-", "+")


@dataclass(frozen=True)
class Samples:
    """Real values of the database under test, for arguments that name its records."""

    article_ids: tuple[str, ...]
    provider_ids: tuple[str, ...]
    topic_ids: tuple[str, ...]
    article_urls: tuple[str, ...]
    article_slugs: tuple[str, ...]
    domains: tuple[str, ...]
    topic_names: tuple[str, ...]
    topic_slugs: tuple[str, ...]
    words: tuple[str, ...]
    cursors: tuple[str, ...]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Samples:
        """The samples in the answer to ``SAMPLES_QUERY``."""
        articles = data["articles"]["nodes"]
        providers = data["providers"]["nodes"]
        topics = data["topics"]["nodes"]
        words = {w.strip(".,:;!?'\"()").lower() for a in articles for w in a["title"].split()}
        cursors = [
            edge["cursor"]
            for name in ("articles", "byHeat", "byTitle", "providers", "topics", "search")
            for edge in data[name]["edges"]
        ]
        cursors += [
            edge["cursor"] for item in (*providers, *topics) for edge in item["articles"]["edges"]
        ]
        return cls(
            article_ids=tuple(a["id"] for a in articles),
            provider_ids=tuple(p["id"] for p in providers),
            topic_ids=tuple(t["id"] for t in topics),
            article_urls=tuple(a["url"] for a in articles),
            article_slugs=tuple(a["slug"] for a in articles),
            domains=tuple(p["domain"] for p in providers),
            topic_names=tuple(t["name"] for t in topics),
            topic_slugs=tuple(t["slug"] for t in topics),
            words=tuple(sorted(w for w in words if len(w) > 2)),
            cursors=tuple(cursors),
        )

    @property
    def ids(self) -> tuple[str, ...]:
        return self.article_ids + self.provider_ids + self.topic_ids


SAMPLES_QUERY = """{
  articles(first: 100) { nodes { id url slug title } edges { cursor } }
  byHeat: articles(first: 5, orderBy: [HEAT_DESC]) { edges { cursor } }
  byTitle: articles(first: 5, orderBy: [TITLE_ASC, QUALITY_DESC]) { edges { cursor } }
  search(query: "ai", first: 5) { edges { cursor } }
  providers(first: 100) { nodes { id domain articles(first: 2) { edges { cursor } } }
                          edges { cursor } }
  topics(first: 100) { nodes { id name slug articles(first: 2) { edges { cursor } } }
                       edges { cursor } }
}"""


def generation_schema() -> graphql.GraphQLSchema:
    """``schema.graphql`` with the arguments of ``ARGUMENT_SCALARS`` and ``INPUT_SCALARS``
    retyped as custom scalars (list and non-null wrappers kept)."""
    added: set[str] = set()

    class Retype(graphql.Visitor):
        def enter_input_value_definition(
            self,
            node: ast.InputValueDefinitionNode,
            key: Any,
            parent: Any,
            path: Any,
            ancestors: Any,
        ) -> Any:
            owner = ancestors[-1] if isinstance(ancestors[-1], ast.Node) else ancestors[-2]
            scalar = None
            if isinstance(owner, ast.FieldDefinitionNode):
                type_name = next(
                    a.name.value
                    for a in reversed(ancestors)
                    if isinstance(a, ast.ObjectTypeDefinitionNode)
                )
                scalar = _argument_scalar(type_name, owner.name.value, node.name.value)
            elif isinstance(owner, ast.InputObjectTypeDefinitionNode):
                if _named(node.type) == "String":
                    scalar = INPUT_SCALARS.get(owner.name.value)
            if scalar is None:
                return None
            added.add(scalar)
            return replace(node, type=_retyped(node.type, scalar))

    document = graphql.visit(graphql.parse(SDL), Retype())
    extra = "".join(f"\nscalar {name}" for name in sorted(added))
    return graphql.build_schema(graphql.print_ast(document) + extra)


def _argument_scalar(type_name: str, field_name: str, argument: str) -> str | None:
    return ARGUMENT_SCALARS.get((type_name, field_name, argument)) or ARGUMENT_SCALARS.get(
        (None, None, argument)
    )


def _named(type_node: ast.TypeNode) -> str:
    while isinstance(type_node, ast.NonNullTypeNode | ast.ListTypeNode):
        type_node = type_node.type
    assert isinstance(type_node, ast.NamedTypeNode)
    return type_node.name.value


def _retyped(type_node: ast.TypeNode, name: str) -> ast.TypeNode:
    if isinstance(type_node, ast.NonNullTypeNode):
        inner = _retyped(type_node.type, name)
        assert isinstance(inner, ast.NamedTypeNode | ast.ListTypeNode)
        return ast.NonNullTypeNode(type=inner)
    if isinstance(type_node, ast.ListTypeNode):
        return ast.ListTypeNode(type=_retyped(type_node.type, name))
    return ast.NamedTypeNode(name=ast.NameNode(value=name))


GENERATION_SCHEMA = generation_schema()


# --- values ---------------------------------------------------------------------------


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _unb64(value: str) -> str:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")


JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


def _crafted_cursors(cursors: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Cursors with a real list tag and drawn sort values: wrong types, NaN, huge ints."""

    def craft(cursor: str, values: list[Any]) -> str:
        tag = json.loads(_unb64(cursor))[0]
        return _b64(json.dumps([tag, *values]))

    return st.builds(craft, st.sampled_from(cursors), st.lists(JSON_VALUES, max_size=4))


def _text() -> st.SearchStrategy[str]:
    return st.text(max_size=20)


def _mostly(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> Any:
    """``common`` nine times in ten, else ``rare``."""
    return st.integers(0, 9).flatmap(lambda n: rare if n == 0 else common)


@lru_cache(maxsize=8)
def scalar_strategies(samples: Samples) -> dict[str, st.SearchStrategy[ast.ValueNode]]:
    """A value strategy for each custom scalar of the generation schema: mostly values of
    the sampled database, else what a confused or hostile client would send."""

    def real(values: tuple[str, ...]) -> st.SearchStrategy[str]:
        return st.sampled_from(values) if values else _text()

    def mostly_real(values: tuple[str, ...]) -> st.SearchStrategy[ast.ValueNode]:
        return _mostly(real(values), _text()).map(nodes.String)

    forged_ids = st.builds(
        lambda kind, key: _b64(f"{kind}:{key}"),
        st.sampled_from(("Article", "Provider", "Topic", "Image", "")),
        _text(),
    )

    def ids(values: tuple[str, ...]) -> st.SearchStrategy[ast.ValueNode]:
        return _mostly(real(values), forged_ids | real(samples.ids) | _text()).map(nodes.String)

    words = real(samples.words)
    search = st.lists(words, min_size=1, max_size=3).map(" ".join)
    fts_syntax = st.lists(words | st.sampled_from(SEARCH_SYNTAX), min_size=1, max_size=4).map(
        " ".join
    )
    filter_text = words | real(samples.domains) | real(samples.topic_names)
    dates = st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: d.isoformat())
    odd_dates = st.sampled_from(("2022-01-01", "2022-13-01T00:00:00Z", "yesterday", "")) | _text()
    return {
        "PageSize": _mostly(
            st.integers(min_value=0, max_value=4), st.sampled_from((-1, 101, 2**31 - 1))
        ).map(nodes.Int),
        "Cursor": _mostly(real(samples.cursors), _crafted_cursors(samples.cursors) | _text()).map(
            nodes.String
        ),
        "GlobalId": ids(samples.ids),
        "ArticleId": ids(samples.article_ids),
        "ProviderId": ids(samples.provider_ids),
        "TopicId": ids(samples.topic_ids),
        "ArticleUrl": mostly_real(samples.article_urls),
        "ArticleSlug": mostly_real(samples.article_slugs),
        "Domain": _mostly(
            real(samples.domains) | real(samples.domains).map(lambda d: "WWW." + d.upper()),
            _text(),
        ).map(nodes.String),
        "TopicName": mostly_real(samples.topic_names),
        "TopicSlug": mostly_real(samples.topic_slugs),
        "SearchText": _mostly(search, fts_syntax | _text()).map(nodes.String),
        "FilterText": _mostly(filter_text, _text()).map(nodes.String),
        "DateTime": _mostly(dates, odd_dates).map(nodes.String),
    }


# --- documents ------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A GraphQL request: its document text and variables."""

    query: str
    variables: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"query": self.query, "variables": self.variables}


@lru_cache(maxsize=8)
def documents(samples: Samples, mode: Mode = Mode.POSITIVE) -> st.SearchStrategy[Any]:
    """Documents (ASTs) of the real schema: valid ones drawn from the generation schema,
    or, in ``Mode.NEGATIVE``, hypothesis-graphql's with one schema violation each."""
    schema = GENERATION_SCHEMA if mode == Mode.POSITIVE else SCHEMA
    scalars = scalar_strategies(samples)
    if mode != Mode.POSITIVE:
        scalars = {"DateTime": scalars["DateTime"]}
    return graphql_queries(
        schema, custom_scalars=scalars, mode=mode, print_ast=lambda document: document
    )


class _Shaper(graphql.Visitor):
    """Rewrites a drawn document as a client would write it (see ``requests``)."""

    def __init__(
        self,
        draw: st.DrawFn,
        type_info: graphql.TypeInfo,
        scalars: dict[str, st.SearchStrategy[ast.ValueNode]],
    ) -> None:
        super().__init__()
        self.draw = draw
        self.scalars = scalars
        self.type_info = type_info
        self.depth = 0
        self.variables: dict[str, Any] = {}
        self.definitions: list[ast.VariableDefinitionNode] = []
        self.names = iter(range(1_000_000))

    def _name(self, prefix: str) -> str:
        return f"{prefix}{next(self.names)}"

    def _declare(self, type_text: str, value: Any) -> ast.VariableNode:
        """A new variable of ``type_text`` whose value is ``value`` (now and then left out,
        when the type allows it)."""
        name = self._name("v")
        self.definitions.append(
            ast.VariableDefinitionNode(
                variable=ast.VariableNode(name=ast.NameNode(value=name)),
                type=graphql.parse_type(type_text),
                directives=(),
            )
        )
        if type_text.endswith("!") or self.draw(st.integers(0, 19)) != 0:
            self.variables[name] = value
        return ast.VariableNode(name=ast.NameNode(value=name))

    def enter_selection_set(self, *_: Any) -> None:
        self.depth += 1

    def leave_selection_set(self, node: ast.SelectionSetNode, *_: Any) -> Any:
        self.depth -= 1
        selections = list(node.selections)
        for selection in node.selections:
            leaf = isinstance(selection, ast.FieldNode) and selection.selection_set is None
            if leaf and self.draw(st.integers(0, 7)) == 0:
                alias = ast.NameNode(value=self._name("again"))
                selections.append(replace(selection, alias=alias))
        return replace(node, selections=tuple(selections))

    def enter_argument(self, node: ast.ArgumentNode, *_: Any) -> Any:
        argument = self.type_info.get_argument()
        if argument is None or self.draw(st.integers(0, 3)) != 0:
            return None
        value = graphql.value_from_ast_untyped(node.value)
        return replace(node, value=self._declare(str(argument.type), value))

    def enter_field(self, node: ast.FieldNode, *_: Any) -> Any:
        arguments = {a.name.value: a for a in node.arguments or ()}
        if not arguments:
            return None
        parent = self.type_info.get_parent_type()
        lookup = LOOKUPS.get(parent.name if parent else "", {}).get(node.name.value)
        changed = list(node.arguments or ())
        if lookup:
            changed = self._one_of(changed, node.name.value, lookup)
        if "first" in arguments and "last" in arguments:
            changed = self._one_of(changed, node.name.value, ("first", "last"), none_is_fine=True)
            if all(_is_null(a.value) for a in changed if a.name.value in ("first", "last")):
                if self.depth > 1:  # below the root, a small page rather than the default 20
                    size = nodes.Int(self.draw(st.integers(0, 3)))
                    changed = [
                        replace(a, value=size) if a.name.value == "first" else a for a in changed
                    ]
        for cursor in ("after", "before"):
            if cursor in arguments and self.draw(st.integers(0, 3)) != 0:
                changed = [
                    replace(a, value=ast.NullValueNode()) if a.name.value == cursor else a
                    for a in changed
                ]
        return replace(node, arguments=tuple(changed))

    def _one_of(
        self,
        arguments: list[ast.ArgumentNode],
        field_name: str,
        names: tuple[str, ...],
        *,
        none_is_fine: bool = False,
    ) -> list[ast.ArgumentNode]:
        """Keep one of the exclusive arguments ``names`` (now and then none or all, for the
        error); unless ``none_is_fine``, draw one when none was given."""
        given = [a.name.value for a in arguments if a.name.value in names and not _is_null(a.value)]
        if self.draw(st.integers(0, 9)) == 0 or len(given) == 1 or (none_is_fine and not given):
            return arguments
        if not given:
            keep = self.draw(st.sampled_from(names))
            scalar = _argument_scalar("Query", field_name, keep)
            value = self.draw(self.scalars[scalar or ""])
            return [replace(a, value=value) if a.name.value == keep else a for a in arguments]
        keep = self.draw(st.sampled_from(given))
        return [
            replace(a, value=ast.NullValueNode())
            if a.name.value in names and a.name.value != keep
            else a
            for a in arguments
        ]

    def leave_field(self, node: ast.FieldNode, *_: Any) -> Any:
        changes: dict[str, Any] = {}
        if node.alias is None and self.draw(st.integers(0, 5)) == 0:
            changes["alias"] = ast.NameNode(value=self._name("alias"))
        if self.draw(st.integers(0, 7)) == 0:
            directive = self.draw(st.sampled_from(("include", "skip")))
            condition: ast.ValueNode
            if self.draw(st.booleans()):
                condition = self._declare("Boolean!", self.draw(st.booleans()))
            else:
                condition = ast.BooleanValueNode(value=self.draw(st.booleans()))
            argument = ast.ArgumentNode(name=ast.NameNode(value="if"), value=condition)
            changes["directives"] = (
                *(node.directives or ()),
                ast.DirectiveNode(name=ast.NameNode(value=directive), arguments=(argument,)),
            )
        return replace(node, **changes) if changes else None


def _is_null(value: ast.ValueNode) -> bool:
    return isinstance(value, ast.NullValueNode)


def _shape(draw: st.DrawFn, document: ast.DocumentNode, samples: Samples) -> Request:
    type_info = graphql.TypeInfo(SCHEMA)
    shaper = _Shaper(draw, type_info, scalar_strategies(samples))
    shaped = graphql.visit(document, graphql.TypeInfoVisitor(type_info, shaper))
    [operation] = shaped.definitions
    operation = replace(operation, variable_definitions=tuple(shaper.definitions))
    return Request(graphql.print_ast(replace(shaped, definitions=(operation,))), shaper.variables)


@lru_cache(maxsize=8)
def requests(samples: Samples) -> st.SearchStrategy[Request]:
    """Valid requests of the real schema that mostly find data in the sampled database."""

    @st.composite
    def build(draw: st.DrawFn) -> Request:
        return _shape(draw, draw(documents(samples)), samples)

    return build()
