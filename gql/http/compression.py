"""Brotli or gzip for answers above a size threshold, as the client's ``Accept-Encoding`` says.

Starlette's ``GZipMiddleware`` does gzip well (threshold, ``Vary``, ``Content-Length``,
no double encoding, big bodies compressed off the event loop) but matches the header by
substring (``gzip;q=0`` turns it on) and has no brotli. Its responders are built to be
subclassed, so this module only adds what is missing: a brotli responder over Google's
``brotli`` bindings (the ``brotli-asgi`` package is a copy of an older Starlette
middleware with the same substring matching), and the choice of coding by quality value
(br before gzip at equal weight, ``*`` counted, ``q=0`` refusing).

A response this middleware encodes keeps a correct ``Content-Length`` and gets
``Vary: Accept-Encoding`` (once); a strong ``ETag`` on it is made weak, since RFC 9110
lets a strong validator name one sequence of bytes only and the encoded bytes differ.

A ``HEAD`` request is answered with the headers its ``GET`` would have (RFC 9110 9.3.2):
the app below answers it as that ``GET``, encoded as that would be, and only the body is
dropped here. Answered by the app as a ``HEAD``, its empty body was never encoded, so it
reported the uncompressed length and no ``Content-Encoding``.
"""

from __future__ import annotations

import gzip
from typing import Final

import anyio
import brotli
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipResponder, IdentityResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MINIMUM_SIZE: Final = 1024
BROTLI_QUALITY: Final = 4
GZIP_LEVEL: Final = 6
# Bodies this large are compressed in a worker thread, as Starlette does for gzip.
THREAD_MINIMUM_SIZE: Final = 128 * 1024
_PREFERENCE: Final = ("br", "gzip")


def choose_coding(accept_encoding: str) -> str | None:
    """The content coding to answer with (``br``, ``gzip``) or None for identity."""
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        weights[coding] = weight
    best: tuple[float, str] | None = None
    for coding in _PREFERENCE:
        weight = weights.get(coding, weights.get("*", 0.0))
        if weight > 0 and (best is None or weight > best[0]):
            best = (weight, coding)
    return best[1] if best else None


def encode(body: bytes, coding: str) -> bytes:
    """``body`` in one go with ``coding`` (for files encoded once and kept)."""
    if coding == "br":
        encoded: bytes = brotli.compress(body, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)
        return encoded
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class BrotliResponder(IdentityResponder):
    """Starlette's compressing responder with brotli as the coding."""

    content_encoding = "br"

    def __init__(self, app: ASGIApp, minimum_size: int, quality: int) -> None:
        super().__init__(app, minimum_size)
        self.quality = quality
        self._compressor: brotli.Compressor | None = None

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        if self._compressor is None:
            self._compressor = brotli.Compressor(mode=brotli.MODE_TEXT, quality=self.quality)
        compressor = self._compressor

        def compress() -> bytes:
            out: bytes = compressor.process(body)
            tail: bytes = compressor.flush() if more_body else compressor.finish()
            return out + tail

        if len(body) >= THREAD_MINIMUM_SIZE:
            return await anyio.to_thread.run_sync(compress)
        return compress()


class Compression:
    """ASGI middleware: brotli or gzip above ``minimum_size`` bytes (module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        minimum_size: int = MINIMUM_SIZE,
        brotli_quality: int = BROTLI_QUALITY,
        gzip_level: int = GZIP_LEVEL,
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.brotli_quality = brotli_quality
        self.gzip_level = gzip_level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept_encoding = ""
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept_encoding = value.decode("latin-1")
        coding = choose_coding(accept_encoding)
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        if coding is None and scope["method"] == "POST":
            # Nothing to encode, and POST answers are not cached, so no Vary is needed.
            await self.app(scope, receive, send)
            return
        responder: IdentityResponder
        if coding == "br":
            responder = BrotliResponder(self.app, self.minimum_size, self.brotli_quality)
        elif coding == "gzip":
            responder = GZipResponder(self.app, self.minimum_size, compresslevel=self.gzip_level)
        else:
            responder = IdentityResponder(self.app, self.minimum_size)

        async def send_tidied(message: Message) -> None:
            if message["type"] == "http.response.start":
                _tidy(MutableHeaders(raw=message["headers"]))
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await responder(scope, receive, send_tidied)


def _tidy(headers: MutableHeaders) -> None:
    """One ``Vary`` without repeats; a weak ``ETag`` on an encoded response."""
    vary = headers.getlist("vary")
    if len(vary) > 1 or (vary and "," in vary[0]):
        seen: dict[str, str] = {}
        for value in ",".join(vary).split(","):
            if value.strip():
                seen.setdefault(value.strip().lower(), value.strip())
        headers["vary"] = ", ".join(seen.values())
    etag = headers.get("etag")
    if etag and "content-encoding" in headers and not etag.startswith("W/"):
        headers["etag"] = f"W/{etag}"
