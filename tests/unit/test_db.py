"""Opening the database file: schema, WAL, migrations, damaged files, newer schemas."""

from __future__ import annotations

import os
import random
import re
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from app.store import db as store_db
from app.store.db import (
    DatabaseError,
    SchemaTooNewError,
    open_database,
    open_memory_database,
    schema_version,
)
from app.store.migrations import MIGRATIONS, SCHEMA_VERSION

ASIDE = re.compile(r"^cuecards\.db\.corrupt-\d{8}T\d{6}(-\d+)?$")


def _fill(path: Path, packs: int = 300) -> None:
    """A real database with enough rows to span many pages."""
    db, _ = open_database(path)
    db.conn.executemany(
        "INSERT INTO packs (id, name, version, publisher, source, digest, installed_at, "
        "manifest_json) VALUES (?, 'Pack', '1.0.0', 'ACME', 'test', 'd', 't', ?)",
        [(f"pack{i}", "x" * 2000) for i in range(packs)],
    )
    db.conn.commit()
    db.close()


def _aside_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ASIDE.match(p.name))


def test_new_file_has_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    db, notice = open_database(tmp_path / "data" / "cuecards.db")
    assert notice is None
    assert schema_version(db) == SCHEMA_VERSION
    conn = db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == store_db.BUSY_TIMEOUT_MS
    tables = set(sqlite_utils.Database(db.conn).table_names())
    assert {"packs", "apps", "skills", "cards", "triggers", "cards_fts"} <= tables


def test_foreign_keys_cascade_from_pack_to_cards(tmp_path: Path) -> None:
    db, _ = open_database(tmp_path / "cuecards.db")
    conn = db.conn
    conn.execute(
        "INSERT INTO packs (id, name, version, publisher, source, digest, installed_at, "
        "manifest_json) VALUES ('p', 'P', '1.0.0', 'ACME', 's', 'd', 't', '{}')"
    )
    conn.execute(
        "INSERT INTO cards (rowid, pack_id, id, title, summary) VALUES (1, 'p', 'c', 't', 's')"
    )
    conn.execute("INSERT INTO triggers (card_rowid, idx, app_ref) VALUES (1, 0, 'excel')")
    conn.commit()
    conn.execute("DELETE FROM packs WHERE id = 'p'")
    conn.commit()
    assert conn.execute("SELECT count(*) FROM cards").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM triggers").fetchone()[0] == 0
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO cards (pack_id, id, title, summary) VALUES ('gone', 'c', 't', 's')"
        )


def test_reopening_keeps_data_and_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    _fill(path, packs=3)
    db, notice = open_database(path)
    assert notice is None
    assert schema_version(db) == SCHEMA_VERSION
    assert db.conn.execute("SELECT count(*) FROM packs").fetchone()[0] == 3


def test_a_second_connection_to_the_same_file_works(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    first, _ = open_database(path)
    second, notice = open_database(path)
    assert notice is None
    first.conn.execute(
        "INSERT INTO packs (id, name, version, publisher, source, digest, installed_at, "
        "manifest_json) VALUES ('p', 'P', '1.0.0', 'ACME', 's', 'd', 't', '{}')"
    )
    first.conn.commit()
    assert second.conn.execute("SELECT id FROM packs").fetchall() == [("p",)]


def test_pending_migrations_run_in_order_on_an_older_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cuecards.db"
    _fill(path, packs=2)
    later = (
        "CREATE TABLE usage (ts TEXT NOT NULL, kind TEXT NOT NULL);",
        "ALTER TABLE usage ADD COLUMN card TEXT;\nCREATE INDEX usage_by_ts ON usage(ts);",
    )
    monkeypatch.setattr(store_db, "MIGRATIONS", MIGRATIONS + later)
    monkeypatch.setattr(store_db, "SCHEMA_VERSION", SCHEMA_VERSION + 2)
    db, notice = open_database(path)
    assert notice is None
    assert schema_version(db) == SCHEMA_VERSION + 2
    usage = sqlite_utils.Database(db.conn)["usage"]
    assert [c.name for c in usage.columns] == ["ts", "kind", "card"]
    assert db.conn.execute("SELECT count(*) FROM packs").fetchone()[0] == 2


def test_a_failing_migration_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cuecards.db"
    _fill(path, packs=1)
    broken = "CREATE TABLE not_yet (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);"
    monkeypatch.setattr(store_db, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(store_db, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(DatabaseError, match="no such table: no_such_table"):
        open_database(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "not_yet" not in tables
    assert _aside_files(tmp_path) == []


@pytest.mark.parametrize("every_page", [True, False])
def test_a_file_of_garbage_is_moved_aside_and_replaced(tmp_path: Path, every_page: bool) -> None:
    path = tmp_path / "cuecards.db"
    garbage = random.Random(1).randbytes(50_000)
    path.write_bytes(garbage)
    db, notice = open_database(path, every_page=every_page)
    assert schema_version(db) == SCHEMA_VERSION
    [aside] = _aside_files(tmp_path)
    assert (tmp_path / aside).read_bytes() == garbage
    assert notice is not None and "\n" not in notice
    assert aside in notice and "fresh" in notice


@pytest.mark.parametrize("every_page", [True, False])
def test_a_truncated_file_is_moved_aside(tmp_path: Path, every_page: bool) -> None:
    path = tmp_path / "cuecards.db"
    _fill(path)
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(size // 2)
    db, notice = open_database(path, every_page=every_page)
    assert notice is not None
    assert len(_aside_files(tmp_path)) == 1
    assert db.conn.execute("SELECT count(*) FROM packs").fetchone()[0] == 0


def test_a_file_missing_only_its_last_page_is_moved_aside_without_reading_every_page(
    tmp_path: Path,
) -> None:
    """SQLite compares the file's length with the page count its header records."""
    path = tmp_path / "cuecards.db"
    _fill(path)
    page_size = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size - page_size)
    _, notice = open_database(path, every_page=False)
    assert notice is not None
    assert len(_aside_files(tmp_path)) == 1


@pytest.mark.parametrize("every_page", [True, False])
def test_garbage_over_a_table_page_is_detected(tmp_path: Path, every_page: bool) -> None:
    path = tmp_path / "cuecards.db"
    _fill(path)
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'packs'").fetchone()[0]
    conn.close()
    with open(path, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(random.Random(2).randbytes(page_size))
    _, notice = open_database(path, every_page=every_page)
    assert notice is not None
    assert len(_aside_files(tmp_path)) == 1


def test_a_stale_wal_moves_aside_with_its_database(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    path.write_bytes(b"not a database at all" * 100)
    wal = tmp_path / "cuecards.db-wal"
    wal.write_bytes(b"stale log" * 100)
    db, notice = open_database(path)
    assert notice is not None
    [aside] = _aside_files(tmp_path)
    assert (tmp_path / f"{aside}-wal").read_bytes() == b"stale log" * 100
    assert schema_version(db) == SCHEMA_VERSION


def test_a_second_damaged_file_never_overwrites_the_first(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    for content in (b"first garbage" * 100, b"second garbage" * 100):
        path.write_bytes(content)
        db, notice = open_database(path)
        assert notice is not None
        db.close()
    kept = {(tmp_path / name).read_bytes() for name in _aside_files(tmp_path)}
    assert kept == {b"first garbage" * 100, b"second garbage" * 100}


def test_an_empty_file_is_a_new_database_not_a_damaged_one(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    path.touch()
    db, notice = open_database(path)
    assert notice is None
    assert schema_version(db) == SCHEMA_VERSION


def test_a_database_from_a_newer_cuecards_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    _fill(path, packs=1)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNewError) as raised:
        open_database(path)
    message = str(raised.value)
    assert str(path) in message
    assert f"schema version {SCHEMA_VERSION + 5}" in message
    assert f"up to {SCHEMA_VERSION}" in message
    assert path.read_bytes() == before
    assert _aside_files(tmp_path) == []


def test_a_path_that_cannot_be_a_database_is_reported_not_moved(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    path.mkdir()
    with pytest.raises(DatabaseError, match="cuecards.db"):
        open_database(path)
    assert path.is_dir()
    assert _aside_files(tmp_path) == []


def test_memory_database_has_the_schema_and_no_file(tmp_path: Path) -> None:
    os.chdir(tmp_path)
    db = open_memory_database()
    assert schema_version(db) == SCHEMA_VERSION
    assert "cards_fts" in sqlite_utils.Database(db.conn).table_names()
    assert list(tmp_path.iterdir()) == []
