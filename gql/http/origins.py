"""Which pages may open a WebSocket to the API: the CORS allow-list, applied to ``Origin``.

Browsers apply CORS to ``fetch``, but not to WebSockets: a page on any site may open
``ws://our-host/graphql``, and the browser only tells the server where the page came from
(the ``Origin`` header). Unchecked, a page a user happens to visit could subscribe to the
corpus through the user's network position (cross-site WebSocket hijacking, OWASP). So the
handshake is refused (403, before accepting) unless:

- there is no ``Origin``: not a browser (a script, a server, a native app), which could
  connect anyway and gains nothing from a user's browser;
- the page is the server's own (its host and port are the request's ``Host``): GraphiQL;
- the origin is one ``--cors-origin`` names, exactly as a browser sends it, or the list
  holds ``*`` (any origin, for a public read-only API), the same rule as HTTP's CORS
  (``gql.http.cors``).

The scheme is not compared for the server's own pages: behind a proxy that ends TLS the
server sees ``ws`` where the page's origin says ``https``, and a page of the same host
and port is the server's own whatever its scheme. ``Origin: null`` (a sandboxed frame, a
``file:`` page) is some other page, allowed only by ``*``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final
from urllib.parse import urlsplit

from starlette.types import Scope

ANY: Final = "*"
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def origin_of(scope: Scope) -> str | None:
    """The ``Origin`` header of a request (None when it has none)."""
    for name, value in scope.get("headers", ()):
        if name == b"origin":
            return bytes(value).decode("latin-1")
    return None


def is_origin_allowed(scope: Scope, origins: Sequence[str]) -> bool:
    """Whether the page that opened this WebSocket may use it (module docstring)."""
    origin = origin_of(scope)
    if origin is None or ANY in origins or origin in origins:
        return True
    return _is_same_host(origin, scope)


def _is_same_host(origin: str, scope: Scope) -> bool:
    host = next((bytes(v).decode("latin-1") for n, v in scope["headers"] if n == b"host"), None)
    if host is None:
        return False
    try:
        page = urlsplit(origin)
        served = urlsplit(f"//{host}")
        page_port, served_port = page.port, served.port
    except ValueError:  # a port that is not a number, brackets that do not close
        return False
    if page.scheme not in ("http", "https") or page.hostname is None:
        return False
    if served_port is None:
        # The client reached a default port: a page on its own scheme's default port
        # (``https://example.org`` through a proxy that ends TLS) is the server's.
        same_port = page_port in (None, _DEFAULT_PORTS[page.scheme])
    else:
        same_port = (page_port or _DEFAULT_PORTS[page.scheme]) == served_port
    return page.hostname == served.hostname and same_port
