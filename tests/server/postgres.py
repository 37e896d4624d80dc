"""A real PostgreSQL server for a test session or a benchmark (TESTING.md "PostgreSQL").

Debian's `postgresql` package: `initdb` and `pg_ctl` run in a fresh temporary folder, as the
`postgres` user when we are root (PostgreSQL refuses to run as root), on a free loopback port
with its socket in that folder. Only that server is stopped afterwards, and its folder removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_ROOT = Path("/usr/lib/postgresql")


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian lays them out per version)."""
    found = sorted(
        (p for p in PG_ROOT.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def require_postgres() -> Path:
    """The bin folder, or a failure that says how to install PostgreSQL."""
    found = bin_dir()
    if found is None:
        pytest.fail(
            "PostgreSQL is not installed: run tests/system-deps.sh (Debian package postgresql)",
            pytrace=False,
        )
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Postgres:
    """A running server: its port, and URLs of databases on it."""

    port: int

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@contextlib.contextmanager
def running_postgres(*, durable: bool = False) -> Iterator[Postgres]:
    """Start a private PostgreSQL; stop exactly it afterwards. `durable=False` turns fsync off
    (tests); a benchmark keeps it on, as a real server runs."""
    bins = require_postgres()
    folder = Path(tempfile.mkdtemp(prefix="cuecards-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log = folder / "data", folder / "server.log"
    port = free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=50"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    started = False
    try:
        subprocess.run(
            [*as_user, str(bins / "initdb"), "-D", str(data), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        done = subprocess.run(
            [*as_user, str(bins / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
             "-o", options, "start"],
            capture_output=True, text=True, timeout=90, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            text = log.read_text(errors="replace") if log.exists() else ""
            raise AssertionError(f"PostgreSQL did not start: {done.stderr}\n{text[-2000:]}")
        started = True
        yield Postgres(port)
    finally:
        if started:
            subprocess.run(
                [*as_user, str(bins / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True, timeout=90, check=False,
            )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
