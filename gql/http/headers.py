"""Security headers on every response, whatever route or error produced it.

- ``X-Content-Type-Options: nosniff``: a browser never reads our JSON as HTML or script.
- ``Referrer-Policy: no-referrer``: URLs (GET queries and their variables) stay here.
- ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``: no page may frame ours
  (clickjacking GraphiQL); the first for old browsers, the second for current ones.
- ``Content-Security-Policy: default-src 'none'`` for everything that is not a page: a
  JSON answer opened in a browser can load and run nothing. A response that sets its own
  policy keeps it: GraphiQL's page (``gql.http.graphiql``) allows scripts and styles
  from this server (``'self'``) and nothing else.
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP: Final = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

SECURITY_HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_CSP: Final = b"content-security-policy"


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._default_csp = (_CSP, API_CSP.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(name.lower() == _CSP for name, _ in headers):
                    headers.append(self._default_csp)
                headers.extend(SECURITY_HEADERS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
