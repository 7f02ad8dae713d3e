"""Which pages may open a WebSocket (``gql.http.origins``), judged from the handshake's
headers alone: the cases a browser, a script and a proxy in front of the server send."""

from __future__ import annotations

import pytest
from starlette.types import Scope

from gql.http.origins import is_origin_allowed


def _scope(host: str | None, origin: str | None, scheme: str = "ws") -> Scope:
    headers = []
    if host is not None:
        headers.append((b"host", host.encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return {"type": "websocket", "scheme": scheme, "headers": headers}


@pytest.mark.parametrize(
    ("host", "origin", "allowed"),
    [
        ("127.0.0.1:8000", None, True),  # no Origin: not a browser
        ("127.0.0.1:8000", "http://127.0.0.1:8000", True),  # the server's own page
        ("LOCALHOST:8000", "http://localhost:8000", True),  # host names ignore case
        ("127.0.0.1:8000", "http://127.0.0.1:8001", False),  # another port, another origin
        ("127.0.0.1:8000", "http://localhost:8000", False),  # another name, another origin
        ("127.0.0.1:8000", "http://evil.example", False),
        ("127.0.0.1:8000", "http://127.0.0.1:8000.evil.example", False),
        ("127.0.0.1:8000", "null", False),  # a sandboxed frame, a file: page
        ("127.0.0.1:8000", "file://", False),
        ("127.0.0.1:8000", "http://127.0.0.1:x", False),  # not a port
        ("example.org", "https://example.org", True),  # behind a proxy that ends TLS
        ("example.org", "http://example.org", True),
        ("example.org", "https://example.org:8443", False),
        ("example.org:80", "http://example.org", True),
        ("example.org:443", "https://example.org", True),
        ("example.org:443", "http://example.org", False),
        ("[::1]:8000", "http://[::1]:8000", True),
        (None, "http://127.0.0.1:8000", False),  # no Host to compare with
    ],
)
def test_with_no_origins_named_only_the_servers_own_pages_and_non_browsers_connect(
    host: str | None, origin: str | None, allowed: bool
) -> None:
    assert is_origin_allowed(_scope(host, origin), ()) is allowed


@pytest.mark.parametrize(
    ("origin", "origins", "allowed"),
    [
        ("http://app.example", ("http://app.example",), True),
        ("http://app.example", ("http://app.example:3000",), False),  # exactly as sent
        ("https://app.example", ("http://app.example",), False),
        ("http://evil.example", ("http://app.example",), False),
        ("http://127.0.0.1:8000", ("http://app.example",), True),  # its own pages still
        ("http://evil.example", ("*",), True),
        ("null", ("*",), True),
    ],
)
def test_named_origins_are_allowed_exactly_and_star_allows_any(
    origin: str, origins: tuple[str, ...], allowed: bool
) -> None:
    assert is_origin_allowed(_scope("127.0.0.1:8000", origin), origins) is allowed
