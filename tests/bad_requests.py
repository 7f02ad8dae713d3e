"""What careless or hostile clients send to ``/graphql``, as Hypothesis strategies.

``bad_requests(samples)`` starts from a valid request of ``tests/fuzzing.requests`` and
breaks it one way: a document with one schema violation (hypothesis-graphql's negative
mode), an unknown field, garbled text, variables of the wrong type or not an object, a
body that is not one GraphQL request (a batch, no ``query``, not JSON at all), another
media type, or the same over ``GET``; each with one of the ``Accept`` headers clients
send. Every one must be refused or answered with errors, never with a 5xx.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import graphql
from graphql import language as ast
from hypothesis import strategies as st
from hypothesis_graphql import Mode

from tests.fuzzing import JSON_VALUES, Request, Samples, documents, requests

TOKENS = ("{", "}", "(", ")", "[", "]", ":", "$", "@", "...", "!", "=", '"', '"""', "\\", "#")


@dataclass(frozen=True)
class HttpRequest:
    """What to send: a method, headers, and a body (POST) or query parameters (GET)."""

    method: str
    content: bytes = b""
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


ACCEPTS = ("application/json", "application/graphql-response+json", "*/*", "")


def _garbled(text: str) -> st.SearchStrategy[str]:
    """``text`` with a slice cut, tokens and characters put in, or cut short."""

    @st.composite
    def garble(draw: st.DrawFn) -> str:
        result = text
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(result)))
            edit = draw(st.sampled_from(("cut", "insert", "truncate")))
            if edit == "cut":
                result = result[:at] + result[at + draw(st.integers(1, 20)) :]
            elif edit == "insert":
                piece = draw(st.sampled_from(TOKENS) | st.text(max_size=3))
                result = result[:at] + piece + result[at:]
            else:
                result = result[:at]
        return result

    return garble()


def _unknown_field(document: Any) -> st.SearchStrategy[str]:
    """The document with one field renamed to a name the schema does not have."""

    @st.composite
    def rename(draw: st.DrawFn) -> str:
        fields: list[ast.FieldNode] = []

        class Collect(graphql.Visitor):
            def enter_field(self, node: ast.FieldNode, *_: Any) -> None:
                fields.append(node)

        graphql.visit(document, Collect())
        target = draw(st.sampled_from(fields))
        name = draw(st.from_regex(r"\A[a-z_][A-Za-z0-9_]{0,10}\Z"))

        class Rename(graphql.Visitor):
            def enter_field(self, node: ast.FieldNode, *_: Any) -> Any:
                if node is target:
                    return replace(node, name=ast.NameNode(value=name + "Nope"))
                return None

        return graphql.print_ast(graphql.visit(document, Rename()))

    return rename()


def _json_body(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _wrong_variables(request: Request) -> st.SearchStrategy[Any]:
    """Variables that are not an object, or an object with values of the wrong shape."""
    not_an_object = st.one_of(
        st.text(max_size=10), st.lists(JSON_VALUES, max_size=2), st.integers()
    )
    if not request.variables:
        return not_an_object
    wrong_values = st.fixed_dictionaries({name: JSON_VALUES for name in request.variables})
    return not_an_object | wrong_values


def bad_requests(samples: Samples) -> st.SearchStrategy[HttpRequest]:
    """Requests a server must refuse or answer with errors, never with a 5xx."""

    @st.composite
    def build(draw: st.DrawFn) -> HttpRequest:
        accept = {"accept": value} if (value := draw(st.sampled_from(ACCEPTS))) else {}
        json_headers = {"content-type": "application/json", **accept}
        kind = draw(
            st.sampled_from(("negative", "unknown", "garbled", "variables", "body", "get", "media"))
        )
        if kind == "negative":
            document = graphql.print_ast(draw(documents(samples, Mode.NEGATIVE)))
            return HttpRequest("POST", _json_body({"query": document}), headers=json_headers)
        request = draw(requests(samples))
        if kind == "unknown":
            document = draw(_unknown_field(graphql.parse(request.query)))
            payload = {"query": document, "variables": request.variables}
            return HttpRequest("POST", _json_body(payload), headers=json_headers)
        if kind == "garbled":
            payload = {"query": draw(_garbled(request.query)), "variables": request.variables}
            return HttpRequest("POST", _json_body(payload), headers=json_headers)
        if kind == "variables":
            payload = {"query": request.query, "variables": draw(_wrong_variables(request))}
            return HttpRequest("POST", _json_body(payload), headers=json_headers)
        if kind == "body":
            body = draw(_bad_bodies(request))
            return HttpRequest("POST", body, headers=json_headers)
        if kind == "get":
            params = {"query": draw(st.just(request.query) | _garbled(request.query))}
            params["variables"] = draw(
                st.just(json.dumps(request.variables)) | _garbled(json.dumps(request.variables))
            )
            return HttpRequest("GET", params=params, headers=accept)
        content_type = draw(
            st.sampled_from(("text/plain", "application/jsonfoo", "application/graphql", ""))
        )
        headers = {"content-type": content_type, **accept} if content_type else accept
        return HttpRequest("POST", _json_body(request.body()), headers=headers)

    return build()


def _bad_bodies(request: Request) -> st.SearchStrategy[bytes]:
    """Bodies that are not one well-formed GraphQL request."""
    text = json.dumps(request.body())
    structured: st.SearchStrategy[Any] = st.one_of(
        JSON_VALUES,
        st.just([request.body(), request.body()]),
        st.fixed_dictionaries({"query": JSON_VALUES}),
        st.fixed_dictionaries({"variables": st.just(request.variables)}),
        st.fixed_dictionaries(
            {
                "query": st.just(request.query),
                "operationName": JSON_VALUES,
                "extensions": JSON_VALUES,
            }
        ),
    )
    return st.one_of(
        structured.map(_json_body),
        _garbled(text).map(lambda t: t.encode("utf-8")),
        st.binary(max_size=64),
    )
