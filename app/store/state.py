"""The person's own state (migration 3): the attention budget and per-card choices.

The budget (`core.pacing.PacingState`: popup times, cooldowns, snooze, muted apps) is one JSON
row, saved after every change. The current window's fields are left out: the key is derived
from the window title and lives in memory only, and a restarted app starts a fresh context
anyway. "Don't show again", votes and the last show are rows keyed by (pack id, card id), so
they outlive pack updates and removals.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.core.pacing import CardKey, PacingState
from app.store.db import Database, write_transaction

# PacingState fields that describe the window in front: never written to disk.
_CONTEXT_FIELDS = {
    "context_key": None,
    "context_app": None,
    "context_fullscreen": False,
    "context_started": None,
    "context_shows": 0,
}
VOTES = {"helpful": 1, "unhelpful": -1, "none": 0}


@dataclass(frozen=True, slots=True)
class CardState:
    """What the person decided about one card and when it last popped up."""

    pack: str
    card: str
    never: bool
    vote: int  # +1 helpful, -1 not helpful, 0 none
    voted_at: dt.datetime | None
    last_shown: dt.datetime | None


class StateStore:
    """Loads and saves the attention budget and per-card state on one database connection."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._conn: sqlite3.Connection = db.conn
        self._clock = clock

    def exists(self) -> bool:
        """Whether a budget was ever saved (False on the very first run)."""
        return self._conn.execute("SELECT 1 FROM pacing_state WHERE id = 1").fetchone() is not None

    def load(self) -> tuple[PacingState, str | None]:
        """The saved budget with every "don't show again" card, and a notice for the person
        when the stored budget could not be read (it then starts empty; choices per card stay).
        """
        notice = None
        row = self._conn.execute("SELECT state_json FROM pacing_state WHERE id = 1").fetchone()
        state = PacingState()
        if row is not None:
            try:
                state = PacingState.from_dict(json.loads(row[0]))
            except ValueError as exc:  # json.JSONDecodeError is a ValueError too
                notice = f"the saved attention budget could not be read ({exc}); it starts afresh"
        state.never = self.never()
        return state, notice

    def save(self, state: PacingState) -> None:
        """Store the budget and the "don't show again" set in one transaction."""
        data = state.to_dict()
        data.update(_CONTEXT_FIELDS)
        data["never"] = []
        text = json.dumps(data, separators=(",", ":"))
        now = self._clock()
        with write_transaction(self._db) as conn:
            conn.execute(
                "INSERT INTO pacing_state (id, state_json, saved_at) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET state_json = excluded.state_json, "
                "saved_at = excluded.saved_at",
                (text, now),
            )
            rows = conn.execute("SELECT pack_id, card_id FROM card_state WHERE never")
            stored = {(pack, card) for pack, card in rows}
            for pack, card in state.never - stored:
                conn.execute(
                    "INSERT INTO card_state (pack_id, card_id, never) VALUES (?, ?, 1) "
                    "ON CONFLICT (pack_id, card_id) DO UPDATE SET never = 1",
                    (pack, card),
                )
            for pack, card in stored - state.never:
                conn.execute(
                    "UPDATE card_state SET never = 0 WHERE pack_id = ? AND card_id = ?",
                    (pack, card),
                )

    def never(self) -> set[CardKey]:
        """Every card the person chose never to see again."""
        rows = self._conn.execute("SELECT pack_id, card_id FROM card_state WHERE never")
        return {(pack, card) for pack, card in rows}

    def vote(self, pack: str, card: str, feedback: str) -> None:
        """Remember the person's latest verdict on a card: "helpful", "unhelpful" or "none"."""
        if feedback not in VOTES:
            raise ValueError(f"vote {feedback!r} is not one of: {', '.join(VOTES)}")
        with write_transaction(self._db) as conn:
            conn.execute(
                "INSERT INTO card_state (pack_id, card_id, vote, voted_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (pack_id, card_id) DO UPDATE SET vote = excluded.vote, "
                "voted_at = excluded.voted_at",
                (pack, card, VOTES[feedback], self._clock()),
            )

    def mark_shown(self, pack: str, card: str) -> None:
        """Remember that the card popped up now."""
        with write_transaction(self._db) as conn:
            conn.execute(
                "INSERT INTO card_state (pack_id, card_id, last_shown) VALUES (?, ?, ?) "
                "ON CONFLICT (pack_id, card_id) DO UPDATE SET last_shown = excluded.last_shown",
                (pack, card, self._clock()),
            )

    def card(self, pack: str, card: str) -> CardState | None:
        """What is stored for one card (None: nothing yet)."""
        row = self._conn.execute(
            "SELECT pack_id, card_id, never, vote, voted_at, last_shown FROM card_state "
            "WHERE pack_id = ? AND card_id = ?",
            (pack, card),
        ).fetchone()
        if row is None:
            return None
        return CardState(row[0], row[1], bool(row[2]), row[3], _when(row[4]), _when(row[5]))

    def votes(self) -> dict[CardKey, int]:
        """The latest vote on every card that has one (+1 or -1)."""
        rows = self._conn.execute("SELECT pack_id, card_id, vote FROM card_state WHERE vote != 0")
        return {(pack, card): vote for pack, card, vote in rows}


def _when(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts).astimezone()
