"""GraphiQL for browsers: our own small page over files this server serves itself.

The page is a few lines of HTML naming its scripts and stylesheets under ``/graphiql/``
(``gql.http.assets``: React, GraphiQL, the explorer plugin, and ``page.js`` that mounts
them), each with a Subresource Integrity hash. It has no inline script or style, so its
Content-Security-Policy allows scripts and styles from ``'self'`` only, fonts as the
``data:`` URLs inside GraphiQL's CSS, fetches to this server only, no plugins, framing or
form posts: the page works, and can only work, with no network but this server.

When the files are not installed (``npm ci`` never ran), the page says so, and how to
fix it, with status 503 instead of a blank "Loading..." page.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from starlette.routing import Route

from gql.errors import AssetsMissing
from gql.http.assets import ASSETS_DIR, Assets, load_assets

PAGE_CSP: Final = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "font-src data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
_HTML: Final = b"text/html; charset=utf-8"


def page_html(assets: Assets) -> str:
    """The GraphiQL page: stylesheets, an empty mount point, then the scripts in order."""
    styles = "\n".join(
        f'    <link rel="stylesheet" href="{a.url}" integrity="{a.integrity}">'
        for a in assets.styles()
    )
    scripts = "\n".join(
        f'    <script src="{a.url}" integrity="{a.integrity}"></script>' for a in assets.scripts()
    )
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>gql: GraphiQL</title>
    <link rel="icon" href="data:,">
{styles}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL...</div>
{scripts}
  </body>
</html>
"""


def missing_html(error: AssetsMissing) -> str:
    """What a browser shows when GraphiQL's files are not installed."""
    return f"""<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>gql: GraphiQL is not installed</title></head>
  <body>
    <h1>GraphiQL is not installed on this server</h1>
    <p>Its files come from npm at setup time and are not there:
      {html.escape(str(error))}.</p>
    <p>Run <code>make graphiql</code> (or <code>npm ci</code> in
      <code>{html.escape(str(error.folder))}</code>) and restart the server.</p>
    <p>The API itself works: POST GraphQL queries to this URL.</p>
  </body>
</html>
"""


@dataclass(frozen=True)
class GraphiQLPage:
    """The page's status, bytes and headers, built once per app."""

    status: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    assets: Assets | None

    @classmethod
    def build(cls, folder: Path = ASSETS_DIR) -> GraphiQLPage:
        try:
            assets = load_assets(folder)
        except AssetsMissing as error:
            return cls(503, missing_html(error).encode(), ((b"content-type", _HTML),), None)
        return cls(
            status=200,
            body=page_html(assets).encode(),
            headers=((b"content-type", _HTML), (b"content-security-policy", PAGE_CSP.encode())),
            assets=assets,
        )


def graphiql_routes(page: GraphiQLPage | None) -> list[Route]:
    """The routes of the page's files (none when GraphiQL is off or not installed)."""
    if page is None or page.assets is None:
        return []
    return [Route("/graphiql/{digest}/{name}", page.assets, methods=["GET", "HEAD"])]
