"""A throwaway PostgreSQL cluster for the tests of the PostgreSQL backend.

Debian's ``postgresql`` package (``make postgres`` installs it as root) gives ``initdb``
and ``pg_ctl``; the cluster lives in a temporary folder on a free loopback port, with no
system service assumed or touched, and is stopped when the session ends. As root it
runs as the ``postgres`` user (PostgreSQL refuses to run as root). Each test that loads
data gets a database of its own (``Cluster.new_database``), so tests never share rows.

The cluster is set for tests: no fsync (it is thrown away), UTC, and a locale whose text
order is not bytewise (``en_US.UTF-8`` when present), so that a store relying on the
cluster's default collation rather than its own ``COLLATE "C"`` would be caught.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
ROLE = "gql"
SETTINGS = {
    "listen_addresses": f"'{HOST}'",
    "unix_socket_directories": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "jit": "off",
    "max_connections": "200",
    "timezone": "'UTC'",
    "log_min_messages": "warning",
}


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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    """Run ``command`` as ``postgres`` when we are root (PostgreSQL refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _locale() -> str:
    listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    names = {name.lower().replace("-", "") for name in listed.stdout.split()}
    return "en_US.UTF-8" if "en_us.utf8" in names else "C.UTF-8"


@dataclass
class Cluster:
    """A running throwaway cluster; ``new_database()`` gives each test its own database."""

    bin_dir: Path
    port: int
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{ROLE}@{HOST}:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"gql_test_{next(self._numbers)}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """The unaligned, tuples-only output of ``sql`` (an independent client)."""
        completed = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                *("-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"),
                *("-h", HOST, "-p", str(self.port), "-U", ROLE, "-d", database),
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return completed.stdout.strip()


@contextmanager
def cluster() -> Iterator[Cluster]:
    """A fresh cluster in a new temporary folder, stopped and removed when the block ends.

    The folder is made directly under the system's temporary folder: pytest's own
    (``/tmp/pytest-of-root``) is closed to the ``postgres`` user the cluster runs as."""
    bin_dir = postgres_bin()
    assert bin_dir is not None, "PostgreSQL is not installed"
    folder = Path(tempfile.mkdtemp(prefix="gql-pg-"))
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    log_path = folder / "postgres.log"
    log_path.touch()
    if os.geteuid() == 0:
        for path in (folder, data_dir, log_path):
            shutil.chown(path, "postgres")
    data_dir.chmod(0o700)
    initdb = [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", ROLE, "--auth=trust"]
    initdb += [f"--locale={_locale()}", "--encoding=UTF8", "--no-sync"]
    with log_path.open("ab") as log:
        subprocess.run(_as_owner(initdb), check=True, stdout=log, stderr=subprocess.STDOUT)
    port = _free_port()
    options = " ".join(f"-c {name}={value}" for name, value in SETTINGS.items())
    start = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(log_path), "-w"]
    start += ["-o", f"-p {port} {options}", "start"]
    with log_path.open("ab") as log:
        subprocess.run(_as_owner(start), check=True, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield Cluster(bin_dir, port)
    finally:
        stop = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_owner(stop), check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
