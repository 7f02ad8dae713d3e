"""The frontmatter YAML reader gives exactly what PyYAML's C safe loader gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import frontmatter
import pytest
import yaml

from gql.errors import YAMLLimitExceeded
from gql.ingest import IngestLimits
from gql.ingest.frontmatter_yaml import SafeLoader, load_yaml, safe_load, safe_load_all
from tests.conftest import SEEDS

# Documents that take every path of gql.ingest.frontmatter_yaml: typed plain scalars, quoted
# ones, explicit tags, anchors and merge keys, recursion, and errors of each stage.
YAML_DOCUMENTS = [
    "a: 1\nb: '1'\nc: \"1\"\nd: 1.5\ne: .inf\nf: -.nan\ng: yes\nh: No\ni: on\nj: ~\nk: null\nl:\n",
    "m: 2024-01-02\nn: 2024-01-02T03:04:05Z\no: 2024-01-02 03:04:05.5 +02:00\nx: '2024-01-02'\n",
    "p: 0x1F\nq: 0o17\nr: 017\ns: 1_000\nt: 190:20:30\nu: 1e3\nv: 1.0e+3\nw: +12\nb: 0b101\n",
    "y: !!str 12\nz: !!int '12'\nf: !!float 1\nn: ! 12\nbig: 12345678901234567890\n",
    "a: &x [1, 2]\nb: *x\n",
    "a: &x {k: 1}\nb:\n  <<: *x\n  j: 2\n",
    "? [1, 2]\n: 3\n",
    "a: !!binary aGVsbG8=\nb: !!set {x, y}\nc: !!omap [x: 1]\n",
    "a: =\n",
    "a: 2024-02-30\n",
    "a: [1, 2\n",
    "a: !custom x\n",
    "- 1\n- 2\n",
    "plain\n",
    "",
    "a: 1\na: 2\n",
    "{1: a, 2.5: b, true: c, null: d, 2020-01-01: e}\n",
    "a: |\n  block\n  text\nb: >\n  folded\n  text\n",
    'a: "esc \\u00e9 \\x41 \\t"\n',
    "---\na: 1\n---\nb: 2\n",
    # The block subset read without libyaml, and its edges.
    "t: 2024-01-02T03:04:05Z\nu: 2024-13-02T03:04:05Z\nv: 2024-01-02T03:04:05\nyes: 1\nnull: 2\n",
    "a: x # comment\nb: 'it''s'\nc: \"\"\nd: ''\ne: \"a\" # c\nf:  \"x\"  \ng: -1\nh: -\n",
    "a: plain\n  continued\nb: 1\n",
    "a: b: c\n",
    "a:\n- x\n- y\nb: 1\n",
    "a:\n  - - x\n  - -1\n  -\n  - 'q'\n",
    "a:\n  - k: 1\n    l:\n      - m\n    n:\n  - k: 2\nb:\n\n   \nc: [1, {d: 2}]\n",
    "a:\n  -   k: 1\n      l: 2\n  - k: 3\n     bad: 4\n",
    "a: 1\r\nb: 2\r\n",
    "a:\t1\n",
    "  a: 1\n  b: 2\n",
    "a: 1\n b: 2\n",
    "a: >-\n  folded\nb: |+\n  kept\n\n",
    "a: 'x\n  y'\nb: \"p\n  q\"\n",
    "a: 'x' trailing\n",
    "a: @x\nb: `y\n",
    "a: %x\n",
    "a: x:y\nb: http://e.com/a#b?c=d&e=f\nc: x:\n",
    "a: .5\nb: 1_0\nc: 0o7\nd: +.inf\ne: 1:30\nf: ~\ng: Null\nh: On\ni: n\n",
]


def _safe_reading(text: str) -> tuple[str, ...]:
    """What PyYAML's C safe loader makes of ``text``: its value (``repr`` tells ``1`` from
    ``True`` and ``1.0``) or its error."""
    try:
        return ("value", repr(yaml.load(text, Loader=SafeLoader)))
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))


def _fast_reading(text: str) -> tuple[str, ...]:
    try:
        return ("value", repr(load_yaml(text)))
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))


@pytest.mark.parametrize("text", YAML_DOCUMENTS)
def test_yaml_values_are_those_of_the_safe_loader(text: str) -> None:
    assert _fast_reading(text) == _safe_reading(text)


def test_every_seed_frontmatter_reads_as_with_the_safe_loader() -> None:
    for path in sorted(SEEDS.rglob("*")):
        if path.is_file() and path.suffix != ".yaml" and path.stem.lower() != "readme":
            front = frontmatter.YAMLHandler().split(path.read_text(encoding="utf-8-sig").lstrip())
            assert _fast_reading(front[0]) == _safe_reading(front[0]), path


def _frontmatters() -> list[str]:
    texts = []
    for path in sorted(SEEDS.rglob("*")):
        if path.is_file() and path.suffix != ".yaml" and path.stem.lower() != "readme":
            texts.append(frontmatter.YAMLHandler().split(path.read_text("utf-8-sig").lstrip())[0])
    return texts


def _expanded_size(value: Any) -> tuple[int, int]:
    """Values (keys count) and nesting of a loaded value, walking every shared reference
    as often as it is used: what its aliases expand to."""
    if isinstance(value, dict):
        inner = [_expanded_size(part) for pair in value.items() for part in pair]
    elif isinstance(value, list):
        inner = [_expanded_size(item) for item in value]
    else:
        return 1, 0
    return 1 + sum(n for n, _ in inner), 1 + max((d for _, d in inner), default=0)


# Documents of each way in (the block subset, the node reader, the safe loader: a tag sends
# it there), with and without aliases; no merge keys, sets or duplicate keys, whose
# values hold fewer keys than their documents.
BOUNDED_DOCUMENTS = [
    "a: 1\nb: 2\n",
    "a:\n  b:\n    - c: 1\n      d: [x, y]\n",
    "{a: 1, b: [2, 3]}\n",
    "a: &x [1, [2, 3]]\nb: *x\nc: [*x, *x]\n",
    "a: &x [1, !!str 2]\nb: *x\n",
    "a: [!!str 1, [!!int 2]]\n",
    "- &x {k: [1, 2]}\n- *x\n",
]


@pytest.mark.parametrize("text", BOUNDED_DOCUMENTS + _frontmatters()[:20])
def test_a_document_at_its_limits_loads_and_one_value_or_level_less_refuses_it(
    text: str,
) -> None:
    """Whichever way reads it, a document loads with limits equal to its size (aliases
    expanded) and is refused with one value or one level less."""
    values, depth = _expanded_size(yaml.load(text, Loader=SafeLoader))
    exact = IngestLimits(max_yaml_values=values, max_yaml_depth=max(depth, 1))
    assert repr(load_yaml(text, exact)) == repr(yaml.load(text, Loader=SafeLoader))
    with pytest.raises(YAMLLimitExceeded, match="more than"):
        load_yaml(text, IngestLimits(max_yaml_values=values - 1))
    if depth > 1:
        with pytest.raises(YAMLLimitExceeded, match="nested deeper"):
            load_yaml(text, IngestLimits(max_yaml_depth=depth - 1))


LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{c}: &{c} [{','.join(['*' + p] * 9)}]"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("node reader", LAUGHS),
        ("safe loader (a tag)", LAUGHS.replace('"lol","lol"', '!!str "lol","lol"', 1)),
        ("safe loader (a merge key)", LAUGHS + "\nj:\n  <<: {k: *i}\n"),
    ],
)
def test_billion_laughs_are_refused_naming_the_key(name: str, text: str) -> None:
    """Nine lines whose aliases expand to 9**9 values: counted, not expanded."""
    assert len(text.splitlines()) >= 9 and len(text) < 500
    with pytest.raises(YAMLLimitExceeded) as caught:
        load_yaml(text)
    assert caught.value.field in {"e", "f", "g", "h", "i"}
    assert "more than 100000 values once its aliases are expanded" in caught.value.problem


@pytest.mark.parametrize(
    "read", [load_yaml, safe_load, lambda text: safe_load_all(text)[0]], ids=["fast", "safe", "all"]
)
@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("a: &x\n  - *x\n", "a", "a value that contains itself"),
        ("a: &x [1, {b: *x}]\n", "a", "a value that contains itself"),
        ("deep: " + "[" * 150 + "]" * 150 + "\n", "deep", "nested deeper than 100 levels"),
        ("".join(" " * i + f"k{i}:\n" for i in range(150)), "k0", "nested deeper than 100"),
        ("a: " + "[1, " * 60 + "]" * 60 + "\nb: [" + "1," * 100_000 + "]\n", "b", "more than"),
    ],
    ids=["recursive", "recursive-nested", "deep-flow", "deep-block", "many-values"],
)
def test_hostile_documents_are_refused_whichever_way_reads_them(
    read: Callable[[str], Any], text: str, field: str, problem: str
) -> None:
    with pytest.raises(YAMLLimitExceeded) as caught:
        read(text)
    assert (caught.value.field, problem in caught.value.problem) == (field, True)


def test_long_plain_scalars_are_typed_but_not_kept_in_the_cache() -> None:
    """Frontmatter repeats short scalars; a long one typed once must not stay in memory."""
    from gql.ingest import frontmatter_yaml

    frontmatter_yaml._plain_value.cache_clear()
    long_value = "x" * (frontmatter_yaml.MEMO_MAX_CHARS + 1)
    assert load_yaml(f"a: {long_value}\nb: short\n") == {"a": long_value, "b": "short"}
    assert load_yaml(f"a: [{long_value}]\n") == {"a": [long_value]}
    assert frontmatter_yaml._plain_value.cache_info().currsize == 3  # "a", "b", "short"


def test_duplicate_keys_keep_the_last_value_as_the_safe_loader_does() -> None:
    """Duplicate keys are not an error in PyYAML: the last value wins, in every way in."""
    for text in ("a: 1\nb: 2\na: 3\n", "{a: 1, b: 2, a: 3}\n", "a: !!int 1\nb: 2\na: 3\n"):
        assert load_yaml(text) == {"a": 3, "b": 2} == yaml.load(text, Loader=SafeLoader)
