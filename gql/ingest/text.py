"""A seed file's bytes to text that YAML accepts, with a warning for every repair.

Two steps, kept apart from parsing because they fail differently: bytes that are not
UTF-8 text reject the file, while characters YAML refuses (control characters pasted into
a title) are removed and reported, so one stray ``\\x08`` does not cost the article.
"""

from __future__ import annotations

import re
from pathlib import Path

from gql.errors import IngestError

# Characters YAML refuses anywhere in a stream (YAML 1.1 "printable" set, as PyYAML checks).
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def decode_text(path: Path, data: bytes) -> str:
    """Decode a seed file as UTF-8 (BOM allowed); binary or other encodings are rejected."""
    if b"\x00" in data:
        raise IngestError(path, None, "binary file (contains NUL bytes), expected UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            path,
            None,
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})",
        ) from exc


def remove_refused_characters(path: Path, text: str) -> tuple[str, str | None]:
    """``text`` without the characters YAML refuses, and a warning naming them (their
    count and code points), or ``None`` when there were none."""
    refused = _NON_PRINTABLE.findall(text)
    if not refused:
        return text, None
    codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in refused}))
    warning = f"{path}: removed {len(refused)} character(s) YAML does not allow ({codes})"
    return _NON_PRINTABLE.sub("", text), warning
