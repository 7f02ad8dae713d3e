"""The frontmatter YAML reader gives exactly what PyYAML's C safe loader gives."""

from __future__ import annotations

import frontmatter
import pytest
import yaml

from gql.ingest.frontmatter_yaml import SafeLoader, load_yaml
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
    "a: &x\n  - *x\n",
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
