"""Content negotiation, checked against RFC 9110 section 12.5.1 and the GraphQL-over-HTTP spec."""

from __future__ import annotations

import pytest

from gql.http.negotiation import accepts_html, choose_response_type, is_json_body

GRJ = "application/graphql-response+json"
JSON = "application/json"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),  # the spec's legacy default, and what graphql-http audits
        (b"", JSON),
        (b"*/*", JSON),
        (b"application/*", JSON),
        (b"application/json", JSON),
        (GRJ.encode(), GRJ),
        (b"application/graphql-response+json; charset=utf-8", GRJ),
        # the spec's recommended client header: the first listed wins a tie
        (b"application/graphql-response+json; charset=utf-8, application/json; charset=utf-8", GRJ),
        (b"application/json, application/graphql-response+json", JSON),
        # q weighs
        (b"application/graphql-response+json;q=0.5, application/json", JSON),
        (b"application/json;q=0.2, application/graphql-response+json;q=0.9", GRJ),
        # a named type beats a wildcard; q=0 refuses even under a wildcard
        (b"*/*;q=0.8, application/graphql-response+json", GRJ),
        (b"application/json;q=0, */*", GRJ),
        (b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),
        # case does not matter in media types
        (b"Application/JSON", JSON),
        # nothing acceptable: 406
        (b"application/xml", None),
        (b"text/html", None),
        (b"application/jsonfoo", None),
        (b"application/json;q=0", None),
        (b"application/json; charset=iso-8859-1", None),
    ],
)
def test_response_type(accept: bytes | None, expected: str | None) -> None:
    assert choose_response_type(accept) == expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        (b"application/json", True),
        (b"application/json; charset=utf-8", True),
        (b'application/json;charset="UTF-8"', True),
        (b"APPLICATION/JSON", True),
        (None, False),
        (b"", False),
        (b"application/jsonfoo", False),
        (b"application/json-patch+json", False),
        (b"text/plain", False),
        (b"application/x-www-form-urlencoded", False),
        (b"multipart/form-data; boundary=x", False),
        (b"application/json; charset=latin-1", False),
    ],
)
def test_json_body(content_type: bytes | None, expected: bool) -> None:
    assert is_json_body(content_type) is expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        (b"text/html", True),
        (b"*/*", False),
        (None, False),
        (b"application/json", False),
        (b"text/html;q=0", False),
    ],
)
def test_accepts_html(accept: bytes | None, expected: bool) -> None:
    assert accepts_html(accept) is expected
