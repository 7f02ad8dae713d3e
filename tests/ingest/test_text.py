"""Bytes to text: what rejects a file, and what is repaired with a warning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gql.errors import IngestError
from gql.ingest import ArticleRecord, parse_file
from gql.ingest.text import decode_text, remove_refused_characters
from tests.ingest.samples import GOOD


def test_binary_and_bad_encoding_are_rejected(write_file: Callable[[str, bytes], Path]) -> None:
    binary = write_file("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(IngestError, match="binary file"):
        parse_file(binary, binary.read_bytes())
    latin1 = write_file("latin1.md", GOOD.replace("A good", "Caf\xe9").encode("latin-1"))
    with pytest.raises(IngestError, match="not UTF-8"):
        parse_file(latin1, latin1.read_bytes())


def test_a_bad_byte_is_named_with_its_offset() -> None:
    with pytest.raises(IngestError) as caught:
        decode_text(Path("x.md"), b"abc\xe9d")
    assert (caught.value.path, caught.value.field) == ("x.md", None)
    assert caught.value.problem == "not UTF-8 text (invalid byte 0xe9 at offset 3)"


def test_a_byte_order_mark_is_dropped() -> None:
    assert decode_text(Path("x.md"), b"\xef\xbb\xbf---\n") == "---\n"


def test_control_characters_are_repaired_with_a_warning(
    write_file: Callable[[str, str], Path],
) -> None:
    path = write_file("ctrl.md", GOOD.replace("A good article", "A good\x08 article\x1b"))
    parsed = parse_file(path, path.read_bytes())
    assert isinstance(parsed.record, ArticleRecord)
    assert parsed.record.title == "A good article"
    assert len(parsed.warnings) == 1
    assert str(path) in parsed.warnings[0] and "U+0008" in parsed.warnings[0]


@pytest.mark.parametrize(
    ("text", "repaired", "warning"),
    [
        (
            "tab\t, CRLF\r\n, NEL\x85, \u00e9, \U0001f600",
            "tab\t, CRLF\r\n, NEL\x85, \u00e9, \U0001f600",
            None,
        ),
        (
            "a\x08b\x1bc\x08\x7f\ufffe",
            "abc",
            "f.md: removed 5 character(s) YAML does not allow (U+0008, U+001B, U+007F, U+FFFE)",
        ),
    ],
)
def test_only_characters_yaml_refuses_are_removed(
    text: str, repaired: str, warning: str | None
) -> None:
    assert remove_refused_characters(Path("f.md"), text) == (repaired, warning)
