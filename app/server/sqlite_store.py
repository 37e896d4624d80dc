"""The SQLite storage: one file in WAL mode, every write durable before it is answered.

Writes go through one writer thread that commits them in groups: while one commit waits for the
disk (`synchronous=FULL`: an answered report survives a power cut), the next reports queue up
and share the following commit. Each report runs inside its own SAVEPOINT, so one that fails
leaves the others of its group stored. Reads (token checks, health) use a connection per
worker thread and never wait for the writer (WAL).
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app.server import storage
from app.server.storage import BadDatabase, StorageError, Stored
from app.server.tokens import Token

if TYPE_CHECKING:
    from app.server.validation import Report

T = TypeVar("T")
# How many queued writes share one commit at most.
GROUP = 128
BUSY_TIMEOUT_S = 30.0
_STOP = object()


class SqliteStorage:
    """Tokens and reports in one SQLite file (see the module docstring)."""

    def __init__(self, path: str) -> None:
        self.url = path
        self.path = Path(path)
        if self.path.is_dir():
            raise BadDatabase(f"{path}: is a folder; give the path of a database file")
        if not self.path.parent.is_dir():
            raise BadDatabase(
                f"{path}: the folder {self.path.parent} does not exist; create it first"
            )
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._closed = False
        self._writer = self._connect()
        self._prepare()
        self._thread = threading.Thread(target=self._write_loop, name="collector-writer")
        self._thread.daemon = True
        self._thread.start()

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
            )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise BadDatabase(f"{self.url}: cannot open it as a SQLite database ({exc})") from None
        return conn

    def _prepare(self) -> None:
        """Refuse a database that holds someone else's tables; create or migrate ours."""
        conn = self._writer
        names = {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not str(r[0]).startswith("sqlite_")
        }
        if names and "collector_schema" not in names:
            conn.close()
            shown = ", ".join(sorted(names)[:5])
            raise BadDatabase(
                f"{self.url}: not a collector database (it holds the tables {shown}); give the "
                "path of a new file or of an existing collector database"
            )
        conn.execute("BEGIN IMMEDIATE")
        try:
            storage.migrate(conn, self.url)
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
        conn.execute("COMMIT")

    # The writer thread

    def _write(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run `job` in the writer's next transaction; its result once that is committed."""
        done: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise StorageError(f"{self.url}: the storage is closed")
            self._queue.put((job, done))
        return done.result()

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                break
            group = [first]
            while len(group) < GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    self._commit_group(group)
                    self._writer.close()
                    return
                group.append(item)
            self._commit_group(group)
        self._writer.close()

    def _commit_group(
        self, group: list[tuple[Callable[[sqlite3.Connection], Any], Future]]
    ) -> None:
        conn = self._writer
        results: list[tuple[Future, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job, done in group:
                conn.execute("SAVEPOINT job")
                try:
                    value = job(conn)
                except Exception as exc:
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    done.set_exception(exc)
                    continue
                conn.execute("RELEASE job")
                results.append((done, value))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            error = StorageError(f"{self.url}: cannot write ({exc})")
            for _, done in group:
                if not done.done():
                    done.set_exception(error)
            return
        for done, value in results:
            done.set_result(value)

    # Reads

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._lock:
                self._readers.append(conn)
        return conn

    # The interface

    def store(self, report: Report, token_id: str, received_at: float) -> Stored:
        return self._write(lambda conn: storage.insert_report(conn, report, token_id, received_at))

    def find_token(self, token_digest: str) -> Token | None:
        try:
            return storage.find_token(self._reader(), token_digest)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.url}: cannot read ({exc})") from None

    def add_token(self, token: Token) -> None:
        self._write(lambda conn: storage.add_token(conn, token))

    def tokens(self) -> list[Token]:
        return storage.list_tokens(self._reader())

    def revoke_token(self, token_id: str, when: float) -> Token | None:
        return self._write(lambda conn: storage.revoke_token(conn, token_id, when))

    def ping(self) -> None:
        try:
            self._reader().execute("SELECT count(*) FROM collector_schema").fetchone()
        except sqlite3.Error as exc:
            raise StorageError(f"{self.url}: {exc}") from None
        if not self._thread.is_alive():
            raise StorageError(f"{self.url}: the writer has stopped")

    def close(self) -> None:
        """Finish every queued write, then close every connection."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(_STOP)
        self._thread.join()
        with self._lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
