"""graphql-inspector: examples/ validate against schema.graphql, and schema.graphql has no
breaking change from the last release (schema/released.graphql) that schema/BREAKING.md
does not record (the rule recorded-breaks.mjs reads the record)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO
from tests.tooling.toolchain import TOOLING, Node

SCHEMA = REPO / "schema.graphql"
RELEASED = REPO / "schema" / "released.graphql"
RULE = TOOLING / "recorded-breaks.mjs"
# A field removed from Article: a breaking change by any account.
EXCERPT = '  """Summary."""\n  excerpt: String\n\n'
REMOVED = "Field excerpt was removed from object type Article"


def diff(node: Node, new: Path, record: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"GQL_BREAKING_RECORD": str(record)} if record else None
    return node.tool("graphql-inspector", "diff", RELEASED, new, "--rule", RULE, env=env)


def without_excerpt(tmp_path: Path) -> Path:
    text = SCHEMA.read_text(encoding="utf-8")
    assert text.count(EXCERPT) == 1
    broken = tmp_path / "broken.graphql"
    broken.write_text(text.replace(EXCERPT, ""), encoding="utf-8")
    return broken


def test_the_examples_validate(node: Node) -> None:
    run = node.tool("graphql-inspector", "validate", str(REPO / "examples" / "*.graphql"), SCHEMA)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "All documents are valid" in run.stdout


def test_validate_refuses_a_field_the_schema_lacks(node: Node, tmp_path: Path) -> None:
    (tmp_path / "Bad.graphql").write_text('query Bad { article(slug: "x") { nope } }\n')
    run = node.tool("graphql-inspector", "validate", str(tmp_path / "*.graphql"), SCHEMA)
    assert run.returncode == 1
    assert "Cannot query field nope on type Article" in run.stdout


def test_the_schema_has_no_unrecorded_break_since_the_release(node: Node) -> None:
    run = diff(node, SCHEMA)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No breaking changes detected" in run.stdout or "No changes detected" in run.stdout


def test_an_unrecorded_break_fails_and_says_how_to_record_it(node: Node, tmp_path: Path) -> None:
    record = tmp_path / "BREAKING.md"
    record.write_text("# Breaking\n\n## Unreleased\n\n")
    run = diff(node, without_excerpt(tmp_path), record)
    assert run.returncode == 1
    assert f"✖  {REMOVED}" in run.stdout
    assert f"- `{REMOVED}`: why" in run.stderr


def test_a_recorded_break_passes(node: Node, tmp_path: Path) -> None:
    record = tmp_path / "BREAKING.md"
    record.write_text(f"# Breaking\n\n## Unreleased\n\n- `{REMOVED}`: clients ask for `title`.\n")
    run = diff(node, without_excerpt(tmp_path), record)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"⚠  {REMOVED}" in run.stdout


def test_a_break_recorded_outside_unreleased_does_not_count(node: Node, tmp_path: Path) -> None:
    record = tmp_path / "BREAKING.md"
    record.write_text(f"# Breaking\n\n- `{REMOVED}`: an example.\n\n## Unreleased\n\n")
    assert diff(node, without_excerpt(tmp_path), record).returncode == 1


def test_a_recorded_break_the_diff_does_not_report_fails(node: Node, tmp_path: Path) -> None:
    record = tmp_path / "BREAKING.md"
    record.write_text(f"## Unreleased\n\n- `{REMOVED}`: clients ask for `title`.\n")
    run = diff(node, SCHEMA, record)
    assert run.returncode == 1
    assert f"recorded breaking change not reported by the diff: {REMOVED}" in run.stderr
