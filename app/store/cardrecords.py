"""What the catalog reads back for people and pack tools: the installed packs, whole card
records with their triggers, and the review dates behind the overdue state."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple


@dataclass(frozen=True, slots=True)
class PackInfo:
    """One installed pack as `cuecards pack list` shows it (card_count includes drafts)."""

    id: str
    name: str
    version: str
    publisher: str
    card_count: int
    draft_count: int
    source: str
    installed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class TriggerRecord:
    """A stored trigger: app alias or raw id, optional RE2 title pattern, optional dwell."""

    app_ref: str
    title_pattern: str | None
    dwell: float | None


@dataclass(frozen=True, slots=True)
class CardRecord:
    """A stored card with everything the card view and the pack tools need."""

    pack: str
    id: str
    title: str
    summary: str
    body: str
    keywords: tuple[str, ...]
    skills: tuple[str, ...]
    priority: int
    owner: str | None
    reviewed: dt.date | None
    review_every: float | None
    status: Literal["draft", "approved"]
    file: str
    triggers: tuple[TriggerRecord, ...] = field(default=())

    @property
    def draft(self) -> bool:
        return self.status == "draft"


class ReviewDate(NamedTuple):
    """When a card was last reviewed and how often it must be (seconds)."""

    pack: str
    id: str
    reviewed: dt.date | None
    review_every: float | None


def read_packs(conn: sqlite3.Connection) -> list[PackInfo]:
    """Installed packs by id, with how many cards (and of those, drafts) each holds."""
    rows = conn.execute(
        """
        SELECT p.id, p.name, p.version, p.publisher,
               (SELECT count(*) FROM cards c WHERE c.pack_id = p.id),
               (SELECT count(*) FROM cards c WHERE c.pack_id = p.id AND c.status = 'draft'),
               p.source, p.installed_at
        FROM packs p ORDER BY p.id
        """
    )
    return [PackInfo(*row[:7], installed_at=dt.datetime.fromisoformat(row[7])) for row in rows]


def read_records(
    conn: sqlite3.Connection, where: str, params: Sequence[str], *, with_body: bool = True
) -> list[CardRecord]:
    """The cards (alias `c`) matching `where`, by pack then card id, with their triggers;
    `with_body=False` leaves `body` empty."""
    body = "c.body" if with_body else "''"
    rows = conn.execute(
        f"""
        SELECT c.rowid, c.pack_id, c.id, c.title, c.summary, {body}, c.keywords, c.skills,
               c.priority, c.owner, c.reviewed, c.review_every, c.status, c.file
        FROM cards c WHERE {where} ORDER BY c.pack_id, c.id
        """,
        params,
    ).fetchall()
    triggers: dict[int, list[TriggerRecord]] = {}
    if rows:
        for rowid, app_ref, pattern, dwell in conn.execute(
            f"""
            SELECT t.card_rowid, t.app_ref, t.title_pattern, t.dwell
            FROM triggers t JOIN cards c ON c.rowid = t.card_rowid
            WHERE {where} ORDER BY t.card_rowid, t.idx
            """,
            params,
        ):
            triggers.setdefault(rowid, []).append(TriggerRecord(app_ref, pattern, dwell))
    return [
        CardRecord(
            pack=pack_id,
            id=card_id,
            title=title,
            summary=summary,
            body=body,
            keywords=tuple(json.loads(keywords)),
            skills=tuple(json.loads(skills)),
            priority=priority,
            owner=owner,
            reviewed=dt.date.fromisoformat(reviewed) if reviewed else None,
            review_every=review_every,
            status=status,
            file=file,
            triggers=tuple(triggers.get(rowid, ())),
        )
        for (
            rowid,
            pack_id,
            card_id,
            title,
            summary,
            body,
            keywords,
            skills,
            priority,
            owner,
            reviewed,
            review_every,
            status,
            file,
        ) in rows
    ]


def read_review_dates(conn: sqlite3.Connection) -> list[ReviewDate]:
    """The review date of every approved card that has one (for the overdue state)."""
    return [
        ReviewDate(pack, card, dt.date.fromisoformat(reviewed), every)
        for pack, card, reviewed, every in conn.execute(
            "SELECT pack_id, id, reviewed, review_every FROM cards "
            "WHERE status = 'approved' AND reviewed IS NOT NULL"
        )
    ]
