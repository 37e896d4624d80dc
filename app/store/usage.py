"""The local usage log (migration 3): what happened, when, to which card, in which known app.

Each event keeps only time, kind, pack id, card id, an app id that an installed pack knows
(anything else is stored as `other`) and, for searches, the query, its result count and
whether it was answered (some card matched every word; migration 5).
Never a window title, never a keystroke. Every `record()` commits on its own, so a crash loses
nothing that was recorded; `prune()` applies `usage.retention_days`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.store.db import Database, write_transaction

OTHER_APP = "other"
DAY = 86400.0

# Every kind of event, and what it means (the records window shows these sentences).
KINDS: dict[str, str] = {
    "context": "you switched to another window (only the app is kept)",
    "matched": "a card fitted the window in front",
    "shown": "a card popped up",
    "opened": "you opened a card",
    "helpful": "you marked a card helpful",
    "unhelpful": "you marked a card not helpful",
    "dismissed": "you closed a popup",
    "timeout": "a popup hid itself after a while",
    "snoozed": "you snoozed popups",
    "resumed": "you ended a snooze",
    "muted": "you turned popups off in an app",
    "unmuted": "you turned popups on again in an app",
    "never": "you chose 'don't show again' for a card",
    "search": "you searched (the query is kept on this computer only)",
}
# Kinds that say what the person thought of a card that popped up (the Recent window).
FEEDBACK_KINDS = ("opened", "helpful", "unhelpful", "never", "snoozed", "dismissed")


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """One stored event, as the records window lists it."""

    id: int
    when: dt.datetime
    kind: str
    pack: str | None
    card: str | None
    app: str | None
    query: str | None = None
    results: int | None = None
    answered: bool | None = None


@dataclass(frozen=True, slots=True)
class ShownCard:
    """A card that popped up, with the latest feedback given on it afterwards (or None)."""

    when: dt.datetime
    pack: str
    card: str
    feedback: str | None


class UsageLog:
    """Appends and reads usage events on one open database connection (the GUI thread's).

    `known_apps` is every app id the installed packs know; other ids are stored as `other`.
    """

    def __init__(
        self,
        db: Database,
        known_apps: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._conn: sqlite3.Connection = db.conn
        self._clock = clock
        self._known: frozenset[str] = frozenset()
        self.set_known_apps(known_apps)

    def set_known_apps(self, app_ids: Iterable[str]) -> None:
        """Replace the app ids that are stored as themselves (after packs change)."""
        self._known = frozenset(a.strip().lower() for a in app_ids)

    def app_id(self, app: str | None) -> str | None:
        """`app` as it would be stored: itself when an installed pack knows it, else `other`."""
        if app is None:
            return None
        app = app.strip().lower()
        return app if app in self._known else OTHER_APP

    def record(
        self,
        kind: str,
        pack: str | None = None,
        card: str | None = None,
        app: str | None = None,
        query: str | None = None,
        results: int | None = None,
        answered: bool | None = None,
    ) -> int:
        """Append one event and commit it; returns its row id. Raises ValueError for an unknown
        kind, or a query, count or answer on anything but a search.

        A search is `answered` when some card matched every word; None (not told) is read as
        "answered when it found any card"."""
        if kind not in KINDS:
            raise ValueError(f"usage event kind {kind!r} is not one of: {', '.join(KINDS)}")
        if kind != "search" and (query, results, answered) != (None, None, None):
            raise ValueError(f"usage event {kind!r}: only searches keep a query and a count")
        flag = None if answered is None else int(answered)
        with write_transaction(self._db) as conn:
            cursor = conn.execute(
                "INSERT INTO usage_events "
                "(ts, kind, pack_id, card_id, app_id, query, results, answered) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (self._clock(), kind, pack, card, self.app_id(app), query, results, flag),
            )
        return int(cursor.lastrowid or 0)

    def prune(self, retention_days: float) -> int:
        """Delete events older than `retention_days`; returns how many went."""
        cutoff = self._clock() - retention_days * DAY
        with write_transaction(self._db) as conn:
            cursor = conn.execute("DELETE FROM usage_events WHERE ts < ?", (cutoff,))
        return cursor.rowcount

    def recent_shown(self, limit: int = 50) -> list[ShownCard]:
        """The cards that popped up, newest first, each with the latest feedback given on that
        card after it popped up and before it popped up again (opened, helpful, not helpful,
        snoozed, never, dismissed)."""
        marks = ",".join("?" * len(FEEDBACK_KINDS))
        rows = self._conn.execute(
            f"""
            SELECT s.ts, s.pack_id, s.card_id,
                   (SELECT f.kind FROM usage_events f
                    WHERE f.pack_id = s.pack_id AND f.card_id = s.card_id AND f.id > s.id
                      AND f.kind IN ({marks})
                      AND f.id < coalesce(
                          (SELECT min(n.id) FROM usage_events n
                           WHERE n.pack_id = s.pack_id AND n.card_id = s.card_id
                             AND n.kind = 'shown' AND n.id > s.id),
                          9223372036854775807)
                    ORDER BY f.id DESC LIMIT 1)
            FROM usage_events s
            WHERE s.kind = 'shown' AND s.pack_id IS NOT NULL AND s.card_id IS NOT NULL
            ORDER BY s.id DESC LIMIT ?
            """,
            (*FEEDBACK_KINDS, limit),
        )
        return [ShownCard(_when(ts), pack, card, feedback) for ts, pack, card, feedback in rows]

    def events(self, limit: int = 200) -> list[UsageEvent]:
        """The latest events, newest first (the "What Cuecards records" window)."""
        rows = self._conn.execute(
            "SELECT id, ts, kind, pack_id, card_id, app_id, query, results, answered "
            "FROM usage_events ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            UsageEvent(row[0], _when(row[1]), *row[2:8], None if row[8] is None else bool(row[8]))
            for row in rows
        ]

    def counts(self) -> dict[str, int]:
        """How many events of each kind are stored."""
        rows = self._conn.execute("SELECT kind, count(*) FROM usage_events GROUP BY kind")
        return {kind: n for kind, n in rows}

    def oldest(self) -> dt.datetime | None:
        """When the oldest stored event happened (None when the log is empty)."""
        row = self._conn.execute("SELECT min(ts) FROM usage_events").fetchone()
        return _when(row[0]) if row and row[0] is not None else None

    def count(self) -> int:
        """How many events are stored."""
        return int(self._conn.execute("SELECT count(*) FROM usage_events").fetchone()[0])


def _when(ts: float) -> dt.datetime:
    """A stored time as an aware local datetime."""
    return dt.datetime.fromtimestamp(ts).astimezone()
