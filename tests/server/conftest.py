"""Fixtures of the collector tests: one real PostgreSQL for the session (a fresh database per
test), a database of each kind per test, and real `cuecards collect serve` processes that are
stopped afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server.collector import Collector
from tests.server.postgres import Postgres, running_postgres

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One PostgreSQL server for every test of the session that needs one."""
    with running_postgres() as server:
        yield server


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty collector database: a SQLite path, or a PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "collector.db")
    server: Postgres = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def start_collector(tmp_path: Path) -> Iterator[Callable[..., Collector]]:
    """Start `cuecards collect serve --db DB ARGS…` (port chosen by the system); every one
    started is killed at the end if a test left it running."""
    started: list[Collector] = []

    def start(db: str, *args: str, env: dict[str, str] | None = None) -> Collector:
        log = tmp_path / f"collector-{len(started)}.log"
        collector = Collector(db, log, tuple(args), env=dict(env or {}))
        started.append(collector)
        return collector.start()

    try:
        yield start
    finally:
        for collector in started:
            collector.kill()
