"""`gql serve` over faulty database files: one clear line and exit status 1 for a file it
cannot serve, readiness for damage met while serving, and published read-only files."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.faults import damaged_copy, garbage_copy
from tests.graph.helpers import ALL_URLS
from tests.http.servers import free_port, serve_command, serve_database, serving

COUNT = {"query": "{ articles { totalCount } }"}
DAMAGED = "restore a good copy, or remove it and build it again with `gql load`"


def run_serve(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        serve_command(db), capture_output=True, text=True, timeout=60, check=False
    )


def test_a_file_that_is_not_a_database_is_one_line_and_status_1(
    seeds_db: Path, tmp_path: Path
) -> None:
    garbage = garbage_copy(seeds_db, tmp_path / "garbage.db")
    done = run_serve(garbage)
    assert done.returncode == 1 and done.stdout == ""
    assert (
        done.stderr == f"Error: database {garbage} is damaged (file is not a database): {DAMAGED}\n"
    )


def test_an_unreadable_articles_table_is_one_line_and_status_1(
    seeds_db: Path, tmp_path: Path
) -> None:
    db = damaged_copy(seeds_db, tmp_path / "damaged.db", "articles")
    done = run_serve(db)
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: database {db} is damaged (database disk image is malformed): {DAMAGED}\n"
    )


def test_damage_met_while_serving_makes_the_server_unready(seeds_db: Path, tmp_path: Path) -> None:
    db = damaged_copy(seeds_db, tmp_path / "damaged.db", "articles_fts_data", "articles_fts_idx")
    with serve_database(db) as server, httpx.Client(base_url=server.base) as client:
        assert client.get("/readyz").status_code == 200
        search = client.post("/graphql", json={"query": '{ search(query: "ai") { totalCount } }'})
        assert search.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        ready = client.get("/readyz")
        assert ready.status_code == 503 and f"database {db} is damaged" in ready.json()["error"]
        assert client.get("/healthz").status_code == 200
    output = server.process.stdout.read() if server.process.stdout else ""
    assert "ERROR:    request " in output and f"database {db} is damaged (" in output


def test_an_immutable_database_is_served_without_files_beside_it(
    seeds_db: Path, tmp_path: Path
) -> None:
    db = Path(shutil.copy(seeds_db, tmp_path / "gql.db"))
    with serve_database(db, "--immutable") as server:
        count = httpx.post(f"{server.base}/graphql", json=COUNT).json()["data"]
        assert count == {"articles": {"totalCount": len(ALL_URLS)}}
        assert sorted(p.name for p in tmp_path.iterdir()) == ["gql.db"]


def test_a_database_in_a_read_only_folder_is_served(seeds_db: Path, tmp_path: Path) -> None:
    """A published file in a folder nobody can write: a read-only bind mount when the
    tests run as root (whom file modes do not stop), else a folder of mode 555."""
    folder = tmp_path / "published"
    folder.mkdir()
    shutil.copy(seeds_db, folder / "gql.db")
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            with serve_database(folder / "gql.db") as server:
                assert_serves(server.base)
        finally:
            folder.chmod(0o755)
        return
    mount = tmp_path / "mount"
    mount.mkdir()
    read_only = (
        f"mount --bind {shlex.quote(str(folder))} {shlex.quote(str(mount))}"
        f" && mount -o remount,bind,ro {shlex.quote(str(mount))}"
    )
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"{read_only} && ! touch {shlex.quote(str(mount))}/x"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"running as root without a mount namespace for a read-only folder: {probe}")
    port = free_port()
    command = shlex.join(serve_command(mount / "gql.db", port=port))
    with serving(["unshare", "-m", "sh", "-c", f"{read_only} && exec {command}"], port) as server:
        assert_serves(server.base)
    assert sorted(p.name for p in folder.iterdir()) == ["gql.db"]


def assert_serves(base: str) -> None:
    assert httpx.get(f"{base}/readyz").json()["articles"] == len(ALL_URLS)
    count = httpx.post(f"{base}/graphql", json=COUNT).json()["data"]
    assert count == {"articles": {"totalCount": len(ALL_URLS)}}
