"""The upload outbox (migration 4): reports wait here, as the exact bytes, until delivered.

A report is queued once per day with its random batch_id; every retry sends the same bytes.
Failures push the next attempt back exponentially with jitter (or to the server's Retry-After).
Nothing is dropped: when too many reports wait, a new one is refused with a clear message.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.store.db import Database, write_transaction

MAX_PENDING = 120  # about four months of daily reports
BASE_DELAY = 60.0
MAX_DELAY = 6 * 3600.0


class OutboxFull(Exception):
    """Too many reports wait for delivery; the message says how many and what to do."""


@dataclass(frozen=True, slots=True)
class Pending:
    """One queued report."""

    batch_id: str
    day: dt.date
    payload: bytes
    attempts: int
    next_attempt: float
    last_error: str | None
    delivered_at: float | None = None


def backoff(attempts: int, rng: random.Random) -> float:
    """Seconds before the next try after `attempts` failures: 60 s doubling up to 6 h, with
    "full jitter" (a random share of it) so many machines do not retry in step."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempts - 1))
    return ceiling / 2 + rng.random() * ceiling / 2


class Outbox:
    """Queued reports in the database; clock and randomness injectable for tests."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self._db = db
        self._clock = clock
        self._rng = rng or random.SystemRandom()
        self.max_pending = max_pending

    def enqueue(self, payload: bytes, batch_id: str, day: dt.date) -> Pending:
        """Queue one day's report, due now. Raises OutboxFull when the cap is reached and
        ValueError when that day is already queued or delivered."""
        now = self._clock()
        with write_transaction(self._db) as conn:
            waiting = self._pending_count(conn)
            if waiting >= self.max_pending:
                raise OutboxFull(
                    f"{waiting} reports are waiting to be uploaded (the most the outbox keeps); "
                    f"the report for {day.isoformat()} is not queued until they are delivered. "
                    "Check upload.endpoint and the network (cuecards report upload says why it "
                    "fails), or turn uploads off; the usage log itself is kept."
                )
            try:
                conn.execute(
                    "INSERT INTO outbox (batch_id, day, payload, created_at, next_attempt) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (batch_id, day.isoformat(), payload, now, now),
                )
            except sqlite3.IntegrityError:
                raise ValueError(f"the report for {day.isoformat()} is already queued") from None
        return Pending(batch_id, day, payload, 0, now, None)

    def has_day(self, day: dt.date) -> bool:
        """Whether a report for `day` is queued or was delivered."""
        row = self._db.conn.execute(
            "SELECT 1 FROM outbox WHERE day = ?", (day.isoformat(),)
        ).fetchone()
        return row is not None

    def last_day(self) -> dt.date | None:
        """The latest day a report was queued for (None before the first)."""
        row = self._db.conn.execute("SELECT max(day) FROM outbox").fetchone()
        return dt.date.fromisoformat(row[0]) if row and row[0] else None

    def quiet_through(self) -> dt.date | None:
        """The last day on which uploads were seen off (never reported), or None."""
        row = self._db.conn.execute("SELECT quiet_through FROM outbox_quiet").fetchone()
        return dt.date.fromisoformat(row[0]) if row else None

    def mark_quiet(self, day: dt.date) -> None:
        """Remember that uploads were off on `day`: it and earlier days are never reported."""
        if (self.quiet_through() or dt.date.min) >= day:
            return
        with write_transaction(self._db) as conn:
            conn.execute(
                "INSERT INTO outbox_quiet (id, quiet_through) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET "
                "quiet_through = max(quiet_through, excluded.quiet_through)",
                (day.isoformat(),),
            )

    def pending(self) -> list[Pending]:
        """Every report not yet delivered, oldest day first."""
        return self._select("WHERE delivered_at IS NULL ORDER BY day")

    def due(self) -> list[Pending]:
        """The undelivered reports whose next attempt time has come, oldest day first."""
        return self._select(
            "WHERE delivered_at IS NULL AND next_attempt <= ? ORDER BY day", (self._clock(),)
        )

    def get(self, batch_id: str) -> Pending | None:
        rows = self._select("WHERE batch_id = ?", (batch_id,))
        return rows[0] if rows else None

    def mark_delivered(self, batch_id: str) -> None:
        """Record that the server has the report (it stays, so its day is not sent again)."""
        with write_transaction(self._db) as conn:
            conn.execute(
                "UPDATE outbox SET delivered_at = ?, last_error = NULL WHERE batch_id = ?",
                (self._clock(), batch_id),
            )

    def record_failure(
        self, batch_id: str, error: str, retry_after: float | None = None
    ) -> Pending:
        """Count a failed attempt and schedule the next: after `retry_after` seconds when the
        server said so, else by exponential backoff with jitter."""
        with write_transaction(self._db) as conn:
            row = conn.execute(
                "SELECT attempts FROM outbox WHERE batch_id = ?", (batch_id,)
            ).fetchone()
            if row is None:
                raise KeyError(f"no queued report has batch_id {batch_id}")
            attempts = int(row[0]) + 1
            delay = retry_after if retry_after is not None else backoff(attempts, self._rng)
            conn.execute(
                "UPDATE outbox SET attempts = ?, next_attempt = ?, last_error = ? "
                "WHERE batch_id = ?",
                (attempts, self._clock() + max(0.0, delay), error, batch_id),
            )
        pending = self.get(batch_id)
        assert pending is not None
        return pending

    def retry_now(self) -> int:
        """Make every waiting report due at once (the person asked to upload now)."""
        with write_transaction(self._db) as conn:
            cursor = conn.execute(
                "UPDATE outbox SET next_attempt = ? WHERE delivered_at IS NULL", (self._clock(),)
            )
        return cursor.rowcount

    def prune_delivered(self, older_than_days: float) -> int:
        """Forget delivered reports older than `older_than_days` (usage.retention_days), except
        the latest, which keeps the next report from covering its day again."""
        cutoff = self._clock() - older_than_days * 86400.0
        with write_transaction(self._db) as conn:
            cursor = conn.execute(
                "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ? "
                "AND day < (SELECT max(day) FROM outbox)",
                (cutoff,),
            )
        return cursor.rowcount

    def _pending_count(self, conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()
        return int(row[0])

    def _select(self, where: str, params: tuple = ()) -> list[Pending]:
        rows = self._db.conn.execute(
            "SELECT batch_id, day, payload, attempts, next_attempt, last_error, delivered_at "
            f"FROM outbox {where}",
            params,
        )
        return [
            Pending(b, dt.date.fromisoformat(d), bytes(p), a, n, e, x)
            for b, d, p, a, n, e, x in rows
        ]
