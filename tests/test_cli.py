"""The command line: exit codes, reports, and what each command leaves in the database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gql.cli import main
from tests.conftest import REPO, SEEDS


def test_load_reports_and_fills_the_database(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    result = CliRunner().invoke(main, ["load", str(SEEDS), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "60 added" in result.output
    assert "14 point at corpus articles" in result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (60,)
    again = CliRunner().invoke(main, ["load", str(SEEDS), "--db", str(db), "--json"])
    report = json.loads(again.output)
    assert (report["added"], report["unchanged"], report["rejected"]) == (0, 60, [])


def test_load_exits_2_when_some_files_are_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.md").write_text("---\ntitle: T\nwebUrl: https://e.x/1\n---\n")
    (folder / "bad.md").write_text("---\ntitle: T\nheat: hot\nwebUrl: https://e.x/2\n---\n")
    result = CliRunner().invoke(
        main, ["load", str(folder), "--db", str(tmp_path / "x.db"), "--json"]
    )
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["articles"] == 1
    [rejected] = report["rejected"]
    assert rejected["path"].endswith("bad.md") and "heat" in rejected["reason"]


def test_load_exits_1_on_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["load", str(tmp_path / "nope"), "--db", str(tmp_path / "x.db")]
    )
    assert result.exit_code == 1
    assert "no such file or folder" in result.output


def test_schema_prints_the_checked_in_sdl(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.output == (REPO / "schema.graphql").read_text(encoding="utf-8")
    out = tmp_path / "s.graphql"
    CliRunner().invoke(main, ["schema", "-o", str(out)])
    assert out.read_text(encoding="utf-8") == result.output


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help_and_is_documented(name: str) -> None:
    command = main.commands[name]
    assert isinstance(command, click.Command)
    assert command.help and "Example: gql " + name in command.help
    assert f"gql {name}" in (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "url",
    ["postgresql://reader:s3cret@[unclosed/gql", "postgresql://reader:s3cret@127.0.0.1:1/gql"],
)
def test_a_database_url_that_cannot_be_used_is_one_line_without_its_password(url: str) -> None:
    """A malformed URL (which libpq quotes whole in its message) or a server that does not
    answer: exit status 1, one line, the password hidden."""
    result = CliRunner().invoke(main, ["load", str(SEEDS), "--db", url])
    assert result.exit_code == 1, result.output
    assert "s3cret" not in result.output and "reader:***@" in result.output
    assert result.output.startswith("Error: cannot open database postgresql://reader:***@")
    assert result.exception is None or isinstance(result.exception, SystemExit)
