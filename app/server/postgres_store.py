"""The PostgreSQL storage, for several collectors behind a load balancer sharing one database.

psycopg 3 (its binary wheel bundles libpq, so no compiler or client library is needed on the
server) with its connection pool, which replaces broken connections. Each report is one
transaction; PostgreSQL's own WAL makes a committed report durable and groups the commits of
concurrent requests. Migrations run under an advisory lock, so instances starting together
apply them once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from app.server import storage
from app.server.storage import BadDatabase, StorageError, Stored
from app.server.tokens import Token

if TYPE_CHECKING:
    from app.server.validation import Report

T = TypeVar("T")
POOL_SIZE = 8
CONNECT_TIMEOUT_S = 10.0
# How long a request waits for a pooled connection (all busy, or the database is down).
POOL_WAIT_S = 5.0
# pg_advisory_xact_lock key for the migrations: "cuecards" in ASCII, as a bigint.
_MIGRATION_LOCK = 0x6375656361726473


class _Transaction:
    """`storage.Sql` over a psycopg connection: `?` placeholders become `%s`."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(sql.replace("?", "%s"), params)

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> Any:
        with self.conn.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)
            return cursor


def where(url: str) -> str:
    """The database a URL names, for messages: never its password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise BadDatabase(f"the PostgreSQL URL is not valid ({exc})") from None
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    return f"postgresql database {parts.get('dbname') or '(default)'} at {host}:{port}"


class PostgresStorage:
    """Tokens and reports in a PostgreSQL database (see the module docstring)."""

    def __init__(self, url: str) -> None:
        self.url = where(url)
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            open=False,
            timeout=POOL_WAIT_S,
            kwargs={"connect_timeout": int(CONNECT_TIMEOUT_S)},
            name="cuecards-collector",
        )
        # One direct connection first: it fails at once, with the server's own reason.
        try:
            psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT_S)).close()
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StorageError(f"{self.url}: cannot connect ({reason})") from None
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
            self._run(self._migrate)
        except PoolTimeout:
            self._pool.close()
            raise StorageError(f"{self.url}: cannot connect (timed out)") from None
        except BaseException:
            self._pool.close()
            raise

    def _migrate(self, tx: _Transaction) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        storage.migrate(tx, self.url)

    def _run(self, job: Callable[[_Transaction], T]) -> T:
        """`job` in one transaction on a pooled connection, committed when it returns.

        A connection the server dropped (a restart, a failover) is replaced and the job run once
        more: every job is safe to repeat (a report whose commit did arrive is then a duplicate).
        """
        for attempt in (1, 2):
            conn: psycopg.Connection[Any] | None = None
            try:
                with self._pool.connection() as conn, conn.transaction():
                    return job(_Transaction(conn))
            except PoolTimeout:
                raise StorageError(
                    f"{self.url}: no connection within {POOL_WAIT_S:.0f} s"
                ) from None
            except psycopg.OperationalError as exc:
                if attempt == 1 and conn is not None and conn.broken:
                    continue
                raise StorageError(f"{self.url}: {str(exc).strip()}") from None
        raise AssertionError("unreachable")

    def store(self, report: Report, token_id: str, received_at: float) -> Stored:
        return self._run(lambda tx: storage.insert_report(tx, report, token_id, received_at))

    def find_token(self, token_digest: str) -> Token | None:
        return self._run(lambda tx: storage.find_token(tx, token_digest))

    def add_token(self, token: Token) -> None:
        self._run(lambda tx: storage.add_token(tx, token))

    def tokens(self) -> list[Token]:
        return self._run(storage.list_tokens)

    def revoke_token(self, token_id: str, when: float) -> Token | None:
        return self._run(lambda tx: storage.revoke_token(tx, token_id, when))

    def ping(self) -> None:
        self._run(lambda tx: tx.execute("SELECT 1").fetchone())

    def close(self) -> None:
        self._pool.close()
