"""GraphiQL's files, served by this server so the page works with no network at all.

The third-party files (React, GraphiQL, its explorer plugin) come from the npm packages
pinned in ``gql/http/graphiql_assets/package-lock.json``, installed next to it by
``npm ci`` (``make graphiql``, a dependency of ``make serve`` and ``make test``; npm
checks every package against the lock's integrity hash). Nothing of theirs is in git.
Our own two files (``page.js`` mounts GraphiQL, ``page.css`` sizes it) sit beside the lock.

Each file is read once per process and served at ``/graphiql/<digest>/<name>``: the
digest is the start of the file's SHA-384, so a URL names one content forever and is
sent ``immutable`` with a year of ``max-age``; the page names its files with
Subresource Integrity hashes from the same digest. Any other path under ``/graphiql/``
is 404. Files are sent brotli- or gzip-encoded as ``Accept-Encoding`` allows, encoded
once per process on first request and kept (GraphiQL's 3.5 MB script is 0.7 MB in
brotli), instead of by the compression middleware on every request.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final

import anyio
from starlette.types import Receive, Scope, Send

from gql.errors import AssetsMissing
from gql.http.compression import MINIMUM_SIZE, choose_coding, encode
from gql.http.responses import send_response

ASSETS_DIR: Final = Path(__file__).parent / "graphiql_assets"
PREFIX: Final = "/graphiql/"

_JS: Final = b"text/javascript; charset=utf-8"
_CSS: Final = b"text/css; charset=utf-8"

# (name served, path under the assets folder, content type), in the order the page loads them.
FILES: Final = (
    ("react.js", "node_modules/react/umd/react.production.min.js", _JS),
    ("react-dom.js", "node_modules/react-dom/umd/react-dom.production.min.js", _JS),
    ("graphiql.js", "node_modules/graphiql/graphiql.min.js", _JS),
    ("explorer.js", "node_modules/@graphiql/plugin-explorer/dist/index.umd.js", _JS),
    ("page.js", "page.js", _JS),
    ("graphiql.css", "node_modules/graphiql/graphiql.min.css", _CSS),
    ("explorer.css", "node_modules/@graphiql/plugin-explorer/dist/style.css", _CSS),
    ("page.css", "page.css", _CSS),
)
IMMUTABLE: Final = b"public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    """One file's bytes, where it is served and the hash a page checks it against."""

    name: str
    body: bytes
    content_type: bytes
    url: str
    integrity: str

    @classmethod
    def of(cls, name: str, body: bytes, content_type: bytes) -> Asset:
        digest = hashlib.sha384(body).digest()
        return cls(
            name=name,
            body=body,
            content_type=content_type,
            url=f"{PREFIX}{digest.hex()[:16]}/{name}",
            integrity=f"sha384-{base64.b64encode(digest).decode()}",
        )


@dataclass(frozen=True)
class Assets:
    """Every file of the page, by name, and the ASGI app serving them by URL."""

    files: tuple[Asset, ...]
    encoded: dict[tuple[str, str], bytes] = field(default_factory=dict, compare=False)
    """Encoded copies of the files, by (name, coding), made on first request."""

    def __getitem__(self, name: str) -> Asset:
        return next(asset for asset in self.files if asset.name == name)

    def scripts(self) -> tuple[Asset, ...]:
        return tuple(asset for asset in self.files if asset.content_type == _JS)

    def styles(self) -> tuple[Asset, ...]:
        return tuple(asset for asset in self.files if asset.content_type == _CSS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve ``GET``/``HEAD /graphiql/<digest>/<name>``; anything else is 404 or 405."""
        asset = next((a for a in self.files if a.url == scope["path"]), None)
        if scope["method"] not in ("GET", "HEAD"):
            await send_response(send, 405, b"", headers=[(b"allow", b"GET, HEAD")])
            return
        if asset is None:
            await send_response(
                send, 404, b"not found", headers=[(b"content-type", b"text/plain; charset=utf-8")]
            )
            return
        headers = [(b"content-type", asset.content_type), (b"cache-control", IMMUTABLE)]
        etag = f'"{asset.url.split("/")[2]}"'.encode()
        body = asset.body
        coding = None
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                coding = choose_coding(value.decode("latin-1"))
        if coding is not None and len(body) >= MINIMUM_SIZE:
            body = await self._encoded(asset, coding)
            etag = b"W/" + etag
            headers += [(b"content-encoding", coding.encode()), (b"vary", b"Accept-Encoding")]
        await send_response(
            send, 200, body, headers=[*headers, (b"etag", etag)], head=scope["method"] == "HEAD"
        )

    async def _encoded(self, asset: Asset, coding: str) -> bytes:
        """The file encoded with ``coding``, made once (off the event loop) and kept."""
        key = (asset.name, coding)
        if key not in self.encoded:
            self.encoded[key] = await anyio.to_thread.run_sync(encode, asset.body, coding)
        return self.encoded[key]


@cache
def load_assets(folder: Path = ASSETS_DIR) -> Assets:
    """Read every file of the page from ``folder``; ``AssetsMissing`` names the first absent."""
    files = []
    for name, relative, content_type in FILES:
        try:
            body = (folder / relative).read_bytes()
        except FileNotFoundError as exc:
            raise AssetsMissing(folder, relative) from exc
        files.append(Asset.of(name, body, content_type))
    return Assets(tuple(files))
