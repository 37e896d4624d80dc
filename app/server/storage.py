"""Where the collector keeps tokens and reports: one small interface over SQLite (one file, the
default for a small organisation) and PostgreSQL (several collectors behind a load balancer).

The SQL lives here once, written with `?` placeholders; each backend runs it in its own
transactions (`Sql` is what a transaction offers). A report is stored in one transaction with
its per-card and per-app rows, or not at all; `ON CONFLICT (batch_id) DO NOTHING` makes a retry,
even one that arrives at the same moment as the first try, a duplicate and never a second row.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Literal, Protocol

from app.server.migrations import LATEST, MIGRATIONS, VERSION_TABLE
from app.server.tokens import Token

if TYPE_CHECKING:
    from app.server.validation import Report

Stored = Literal["stored", "duplicate", "conflict"]
_CARD_COLUMNS = ("shown", "opened", "helpful", "unhelpful", "dismissed", "muted")
_TOKEN_COLUMNS = "id, digest, name, cohort, created_at, revoked_at"


class StorageError(Exception):
    """The database cannot be opened or used; the message says which one and why."""


class BadDatabase(StorageError):
    """The DB argument itself is wrong (no such folder, not a collector database…): exit 2."""


class Sql(Protocol):
    """What one open transaction offers: statements with `?` placeholders."""

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> Any: ...


class Storage(Protocol):
    """The collector's database, whichever it is. Methods block; they are safe to call from
    several threads at once (the web server calls them from its worker threads)."""

    url: str  # which database, for messages (never a password)

    def store(self, report: Report, token_id: str, received_at: float) -> Stored:
        """Store the report once, durably, before returning; or say it is already there."""
        ...

    def find_token(self, token_digest: str) -> Token | None:
        """The token with this digest, revoked or not; None when there is none."""
        ...

    def add_token(self, token: Token) -> None:
        """Store a new token (its digest, never its text)."""
        ...

    def tokens(self) -> list[Token]:
        """Every token, oldest first."""
        ...

    def revoke_token(self, token_id: str, when: float) -> Token | None:
        """Revoke a token by id (the first time counts); None when there is no such id."""
        ...

    def ping(self) -> None:
        """Raise StorageError unless the database answers (the health check)."""
        ...

    def close(self) -> None:
        """Finish what is under way and close every connection."""
        ...


def open_storage(db: str) -> Storage:
    """The storage `db` names: a `postgresql://` (or `postgres://`) URL, else a SQLite file
    path (created with its tables when missing). StorageError when it cannot be opened."""
    if db.startswith(("postgresql://", "postgres://")):
        from app.server.postgres_store import PostgresStorage

        return PostgresStorage(db)
    from app.server.sqlite_store import SqliteStorage

    return SqliteStorage(db)


def migrate(sql: Sql, where: str) -> int:
    """Bring the tables up to the latest migration inside the caller's transaction; the version
    now in force. StorageError when a newer collector wrote the database."""
    sql.execute(VERSION_TABLE)
    current = sql.execute("SELECT max(version) FROM collector_schema").fetchone()[0] or 0
    if current > LATEST:
        raise BadDatabase(
            f"{where}: written by a newer collector (tables version {current}; this one knows "
            f"up to {LATEST}); update cuecards on this server"
        )
    for version, statements in MIGRATIONS:
        if version > current:
            for statement in statements:
                sql.execute(statement)
            sql.execute(
                "INSERT INTO collector_schema (version, applied_at) VALUES (?, ?)",
                (version, time.time()),
            )
    return LATEST


def insert_report(sql: Sql, report: Report, token_id: str, received_at: float) -> Stored:
    """Store `report` unless its batch is already there (then: the same content or not)."""
    cursor = sql.execute(
        "INSERT INTO reports (batch_id, token_id, schema_version, day, cohort, noise_epsilon, "
        "searches, zero_results, unanswered, received_at, digest, payload) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (batch_id) DO NOTHING",
        (
            report.batch_id,
            token_id,
            report.schema,
            report.day,
            report.cohort,
            report.noise_epsilon,
            report.search["searches"],
            report.search["zero_results"],
            report.search.get("unanswered"),
            received_at,
            report.digest,
            report.payload,
        ),
    )
    if cursor.rowcount == 0:
        row = sql.execute(
            "SELECT digest FROM reports WHERE batch_id = ?", (report.batch_id,)
        ).fetchone()
        if row is None:  # cannot happen: the conflicting row was committed before we looked
            raise StorageError(f"batch {report.batch_id} conflicted but is not stored")
        return "duplicate" if row[0] == report.digest else "conflict"
    if report.cards:
        sql.executemany(
            "INSERT INTO report_cards (batch_id, pack, card, shown, opened, helpful, unhelpful, "
            "dismissed, muted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (report.batch_id, c.pack, c.card, *(c.counts[k] for k in _CARD_COLUMNS))
                for c in report.cards
            ],
        )
    if report.apps:
        sql.executemany(
            "INSERT INTO report_apps (batch_id, app, contexts, matched) VALUES (?, ?, ?, ?)",
            [
                (report.batch_id, a.app, a.counts["contexts"], a.counts["matched"])
                for a in report.apps
            ],
        )
    return "stored"


def _token(row: tuple[Any, ...]) -> Token:
    """A Token from a row of the tokens table."""
    return Token(str(row[0]), str(row[1]), str(row[2]), row[3], float(row[4]), row[5])


def find_token(sql: Sql, token_digest: str) -> Token | None:
    """The token with this digest, or None."""
    row = sql.execute(
        f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE digest = ?", (token_digest,)
    ).fetchone()
    return None if row is None else _token(row)


def add_token(sql: Sql, token: Token) -> None:
    """Insert a new token row."""
    sql.execute(
        f"INSERT INTO tokens ({_TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        (token.id, token.digest, token.name, token.cohort, token.created_at, token.revoked_at),
    )


def list_tokens(sql: Sql) -> list[Token]:
    """Every token, oldest first."""
    rows = sql.execute(f"SELECT {_TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id").fetchall()
    return [_token(r) for r in rows]


def revoke_token(sql: Sql, token_id: str, when: float) -> Token | None:
    """Mark the token revoked (once: a second revoke keeps the first time); None if unknown."""
    sql.execute(
        "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (when, token_id)
    )
    row = sql.execute(f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE id = ?", (token_id,)).fetchone()
    return None if row is None else _token(row)
