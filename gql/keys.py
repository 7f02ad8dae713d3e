"""Identity rules shared by every stage: how slugs and provider domains are spelled."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by dashes: ``Microsoft AI`` -> ``microsoft-ai``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG_JUNK.sub("-", ascii_text.lower()).strip("-")


def normalize_domain(domain: str) -> str:
    """Canonical provider key: trimmed, lower-cased, without a leading ``www.``."""
    value = domain.strip().lower().rstrip(".")
    return value[4:] if value.startswith("www.") else value


def domain_of_url(url: str) -> str | None:
    """The normalized host of ``url``, or None when it has none."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return normalize_domain(host) if host else None
