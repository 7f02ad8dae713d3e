"""GraphiQL for browsers, with a Content-Security-Policy that lets exactly its assets load.

The page is Strawberry's: React, GraphiQL and its explorer plugin from ``unpkg.com``
(pinned versions with Subresource Integrity hashes), one inline script that mounts it,
inline styles, and fonts as ``data:`` URLs inside GraphiQL's CSS. The policy names those
and nothing else: scripts from ``unpkg.com`` or with the inline script's own SHA-256
(computed from the page, so a Strawberry upgrade keeps working), fetches only to this
server, no plugins, no framing, no form posts.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Final

from gql.execution.compat import get_graphql_ide_html

CDN: Final = "https://unpkg.com"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def page_csp(html: str) -> str:
    """The Content-Security-Policy of the GraphiQL ``html`` (its inline scripts by hash)."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {hashes} {CDN}",
            f"style-src 'unsafe-inline' {CDN}",
            "font-src data:",
            "img-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


@dataclass(frozen=True)
class GraphiQLPage:
    """The page's bytes and the headers it is sent with, built once per app."""

    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def build(cls) -> GraphiQLPage:
        html = get_graphql_ide_html(graphql_ide="graphiql")
        return cls(
            body=html.encode(),
            headers=(
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-security-policy", page_csp(html).encode()),
            ),
        )
