"""The storage on SQLite and on a real PostgreSQL: one set of migrations for both, applied once;
a report whose rows fail leaves nothing behind; tokens are revoked once; a database from a newer
collector is refused; and `import app.cli` loads none of the collector."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import replace

import psycopg
import pytest

from app.server.migrations import LATEST
from app.server.postgres_store import where as postgres_where
from app.server.storage import BadDatabase, open_storage
from app.server.tokens import Token
from app.server.validation import validate
from tests.server.collector import ROOT, YESTERDAY, query, report_bytes, stored

TOKEN = Token("0123456789ab", "d" * 64, "test", "emea", 1_700_000_000.0)


def test_a_report_is_stored_with_its_rows_and_a_failing_one_leaves_nothing(db: str) -> None:
    store = open_storage(db)
    try:
        store.add_token(TOKEN)
        good = validate(report_bytes(cards=2), YESTERDAY + YESTERDAY.resolution)
        bad = validate(report_bytes(cards=2), YESTERDAY + YESTERDAY.resolution)
        bad = replace(bad, cards=(bad.cards[0], bad.cards[0]))  # the same card twice

        with pytest.raises((sqlite3.IntegrityError, psycopg.errors.IntegrityError)):
            store.store(bad, TOKEN.id, time.time())
        outcome = store.store(good, TOKEN.id, time.time())
    finally:
        store.close()

    assert outcome == "stored"
    assert stored(db) == {good.batch_id: 1}
    assert query(db, "SELECT count(*) FROM report_cards") == [(2,)]


def test_the_migrations_run_once_and_a_newer_database_is_refused(db: str) -> None:
    open_storage(db).close()
    open_storage(db).close()
    assert query(db, "SELECT version FROM collector_schema") == [(LATEST,)]
    newer = "INSERT INTO collector_schema (version, applied_at) VALUES (99, 0)"
    if db.startswith("postgresql://"):
        with psycopg.connect(db) as conn:
            conn.execute(newer)
        where = postgres_where(db)
    else:
        with sqlite3.connect(db) as conn:
            conn.execute(newer)
        where = db

    with pytest.raises(BadDatabase) as refused:
        open_storage(db)

    assert str(refused.value) == (
        f"{where}: written by a newer collector (tables version 99; this one knows up to "
        f"{LATEST}); update cuecards on this server"
    )


def test_a_token_is_revoked_once_and_an_unknown_one_is_none(db: str) -> None:
    store = open_storage(db)
    try:
        store.add_token(TOKEN)
        first = store.revoke_token(TOKEN.id, 100.0)
        second = store.revoke_token(TOKEN.id, 200.0)
        unknown = store.revoke_token("ffffffffffff", 300.0)
        found = store.find_token(TOKEN.digest)
    finally:
        store.close()

    assert first is not None and second is not None
    assert (first.revoked_at, second.revoked_at, unknown) == (100.0, 100.0, None)
    assert found == replace(TOKEN, revoked_at=100.0)


def test_many_reports_at_once_are_each_stored_once(db: str) -> None:
    """Sixty-four threads store thirty-two batches, each twice: every batch once."""
    from concurrent.futures import ThreadPoolExecutor

    store = open_storage(db)
    today = YESTERDAY + YESTERDAY.resolution
    reports = [validate(report_bytes(str(uuid.uuid4())), today) for _ in range(32)]
    try:
        store.add_token(TOKEN)
        with ThreadPoolExecutor(16) as pool:
            outcomes = list(pool.map(lambda r: store.store(r, TOKEN.id, 0.0), reports * 2))
    finally:
        store.close()

    assert sorted(set(outcomes)) == ["duplicate", "stored"]
    assert outcomes.count("stored") == 32
    assert stored(db) == {r.batch_id: 1 for r in reports}


def test_importing_the_command_line_loads_none_of_the_collector() -> None:
    code = (
        "import sys, app.cli; from app.cli.parser import build_parser; "
        "build_parser().parse_args(['collect', 'token', 'list', '--db', 'x']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('starlette', 'uvicorn', 'psycopg', 'psycopg_pool') or m.startswith('app.server')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert done.stdout.strip() == "[]"
