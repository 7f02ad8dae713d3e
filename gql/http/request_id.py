"""Request ids: the ``X-Request-ID`` a client or proxy sends, kept when it is sane.

A proxy in front (nginx's ``$request_id``, a load balancer) or a client may name its
request, so that its log line and ours can be joined. What it sends is written into our
response headers and log lines, so only a bounded id of a safe charset is taken as it is
(``SANE_ID``: letters, digits and ``._:+/=-``, at most ``MAX_ID_CHARS``: UUIDs, hex trace
ids, base64 tokens); anything else (too long, control characters, spaces, quotes,
non-ASCII) is replaced by a new id and never echoed. A request without one gets 32 random
hex digits, as unique as a UUID4 and cheaper to make.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Final

HEADER: Final = b"x-request-id"
MAX_ID_CHARS: Final = 128
SANE_ID: Final = re.compile(rb"[A-Za-z0-9._:+/=-]{1,%d}" % MAX_ID_CHARS)


def new_request_id() -> str:
    """A fresh id: 128 random bits in hex."""
    return os.urandom(16).hex()


def sane_request_id(value: bytes | None) -> str | None:
    """``value`` as an id when it is one we may echo, else None."""
    if value is None or SANE_ID.fullmatch(value) is None:
        return None
    return value.decode("ascii")


def request_id_of(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The request's id: its first ``X-Request-ID`` when sane, else a new one."""
    for name, value in headers:
        if name == HEADER:  # ASGI servers lower-case header names
            return sane_request_id(value) or new_request_id()
    return new_request_id()
