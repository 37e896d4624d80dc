"""Opening the one SQLite file: WAL, foreign keys, migrations, and recovery from a corrupt file.

A file SQLite cannot read is moved aside (`<name>.corrupt-<YYYYmmddTHHMMSS>`) and a fresh
database is created, so the app keeps working; the caller tells the person with the notice.
The tray app and `cuecards doctor` check every page first; the other short commands check the
file's structure only, which costs the same for 100 cards or 50k (see `open_database`).
The store speaks plain SQL on the raw connection: importing sqlite-utils here would cost the
tray app about 15 MB of resident memory for nothing it uses (tools that want its conveniences
wrap `Database.conn` in `Database`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from app.store.migrations import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 5000

# SQLite primary result codes that mean "this file is damaged", as opposed to busy, locked,
# read-only or missing, which moving the file aside would not cure.
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
_CORRUPT_WORDS = ("file is not a database", "malformed", "corrupt")
# Files SQLite keeps beside the database; they move aside together with it.
_SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


class Database:
    """The open Cuecards database: one configured, migrated sqlite3 connection (`conn`)."""

    __slots__ = ("conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        """Run one statement on the connection."""
        return self.conn.execute(sql, params)

    def close(self) -> None:
        """Close the connection (uncommitted work is rolled back)."""
        self.conn.close()


class DatabaseError(Exception):
    """The database cannot be used; the message says why and what the person can do."""


class SchemaTooNewError(DatabaseError):
    """The file was written by a newer Cuecards whose schema this version does not know."""


class CorruptDatabaseError(DatabaseError):
    """SQLite reports the file as damaged (raised inside open_database, handled there)."""


def open_database(path: Path, *, every_page: bool = True) -> tuple[Database, str | None]:
    """Open (creating if needed) and migrate the database at `path`.

    Returns the database and a one-line notice for the person when the file was damaged and
    moved aside (None normally). Raises SchemaTooNewError for a file from a newer Cuecards and
    DatabaseError when the file cannot be opened for another reason (permissions, locked).
    `every_page=False` checks only the header, the length, the schema and each table's first
    pages: a damaged page further in is found when it is read (see `is_corruption`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _open_checked(path, every_page), None
    except CorruptDatabaseError as exc:
        reason = str(exc)
    aside = _move_aside(path)
    db = _open_checked(path, every_page)
    notice = (
        f"The Cuecards database could not be read ({reason}); it was moved to {aside} "
        "and a fresh one was created."
    )
    return db, notice


def open_memory_database() -> Database:
    """A migrated in-memory database, for tests and dry runs that must leave no file behind."""
    db = Database(sqlite3.connect(":memory:"))
    _configure(db.conn)
    migrate(db)
    return db


def schema_version(db: Database) -> int:
    """The schema version stored in the file (`PRAGMA user_version`)."""
    return int(db.conn.execute("PRAGMA user_version").fetchone()[0])


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[sqlite3.Connection]:
    """One `BEGIN IMMEDIATE` transaction: committed on success, rolled back on any error.

    IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so a transaction that
    reads before it writes cannot fail half-way because another process wrote in between.
    """
    conn = db.conn
    if conn.in_transaction:
        raise DatabaseError("a write transaction is already open on this connection")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def migrate(db: Database) -> int:
    """Apply every pending migration, each in its own transaction; returns the final version.

    The version is read again inside each transaction, so two processes starting together
    cannot apply the same migration twice.
    """
    _refuse_newer(db)
    for target, script in enumerate(MIGRATIONS, start=1):
        if schema_version(db) >= target:
            continue
        with write_transaction(db) as conn:
            if schema_version(db) >= target:
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target:d}")
    return schema_version(db)


def _open_checked(path: Path, every_page: bool) -> Database:
    """Verify the file, then connect, configure and migrate; the connection is closed on any
    failure so the file can be moved (Windows refuses to move an open file)."""
    _verify(path, every_page)
    try:
        conn = sqlite3.connect(str(path))
    except sqlite3.Error as exc:
        raise DatabaseError(f"{path}: cannot open the database ({exc}); check permissions") from exc
    try:
        _configure(conn)
        db = Database(conn)
        migrate(db)
    except SchemaTooNewError as exc:
        conn.close()
        raise SchemaTooNewError(f"{path}: {exc}") from None
    except sqlite3.Error as exc:
        conn.close()
        if is_corruption(exc):
            raise CorruptDatabaseError(str(exc)) from exc
        raise DatabaseError(f"{path}: cannot use the database ({exc})") from exc
    except BaseException:
        conn.close()
        raise
    return db


def _configure(conn: sqlite3.Connection) -> None:
    """Connection settings: wait for locks, enforce foreign keys, WAL with NORMAL sync.

    NORMAL is durable against application crashes and never corrupts in WAL mode; a power cut
    may lose the last transaction, which a re-sync restores.
    """
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")


def _verify(path: Path, every_page: bool) -> None:
    """Check an existing file through a read-only connection; damage raises
    CorruptDatabaseError, anything else that stops reading it raises DatabaseError.

    Garbage in the header and a file shorter than its header says fail on the first read;
    garbage in later pages is only seen when those pages are read, which `quick_check` does
    for all of them (and `_structure_problems`, cheaply, for each table's first pages).
    Read-only, so a damaged file and its write-ahead log stay exactly as they were: a
    read-write connection would checkpoint the log into the file and delete it on closing.
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"{path}: cannot open the database ({exc}); check permissions") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if every_page:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
        else:
            problems = _structure_problems(conn)
    except sqlite3.Error as exc:
        if is_corruption(exc):
            raise CorruptDatabaseError(str(exc)) from exc
        raise DatabaseError(f"{path}: cannot read the database ({exc})") from exc
    finally:
        conn.close()
    if problems != ["ok"]:
        raise CorruptDatabaseError("; ".join(problems))


def _structure_problems(conn: sqlite3.Connection) -> list[str]:
    """["ok"] once every table's root page and the pages down to its first leaf have been
    read: the cheap part of `quick_check`, whose cost does not grow with the catalog.

    A file shorter than the page count in its header is refused by SQLite on the first read.
    """
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND rootpage > 0"
    ).fetchall()
    for (name,) in tables:
        quoted = name.replace('"', '""')
        conn.execute(f'SELECT 1 FROM "{quoted}" NOT INDEXED LIMIT 1').fetchall()
    return ["ok"]


def _refuse_newer(db: Database) -> None:
    version = schema_version(db)
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the database has schema version {version}, but this Cuecards knows versions up "
            f"to {SCHEMA_VERSION}: it was written by a newer Cuecards. Install the newer "
            "version again, or use --data-dir to start this one with a separate database."
        )


def is_corruption(exc: sqlite3.Error) -> bool:
    """True when SQLite says the file is damaged (as opposed to busy, locked or read-only)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    message = str(exc).lower()
    return any(word in message for word in _CORRUPT_WORDS)


def _move_aside(path: Path) -> Path:
    """Rename the damaged file and its -wal/-shm/-journal companions; returns the new path."""
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while aside.exists():
        counter += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    os.replace(path, aside)
    for suffix in _SIDE_SUFFIXES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, aside.with_name(aside.name + suffix))
    return aside


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into complete statements (trigger bodies stay whole)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statement = pending.strip()
            pending = ""
            if statement:
                yield statement
    if pending.strip():
        raise ValueError(f"incomplete SQL statement at the end of a migration: {pending!r}")
