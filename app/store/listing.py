"""The palette's list before anything is typed: which cards each app reference lists, in
listing order, kept as rowids, and the few rows shown read back on demand."""

from __future__ import annotations

import heapq
import sqlite3
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.core.ranking import listing_key


@dataclass(frozen=True, slots=True)
class ListedCard:
    """A card as a list row shows it: no body, and only its triggers' app references."""

    pack: str
    id: str
    title: str
    summary: str
    priority: int
    app_refs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ListingIndex:
    """The palette's list before anything is typed, without the cards themselves.

    `order` holds every approved card's rowid in listing order (`ranking.listing_key`:
    highest priority first, then by title). `by_ref` gives each
    app reference (alias or app id) the positions in `order` of its cards, ascending. About
    12 bytes a card and trigger, so 10k cards cost the running app ~0.3 MB here; `listed()`
    reads the few cards shown.
    """

    order: array
    by_ref: dict[str, array]

    def rowids(self, refs: Iterable[str], limit: int) -> list[int]:
        """The first `limit` cards of these references together, in listing order."""
        lists = [self.by_ref[ref] for ref in refs if ref in self.by_ref]
        chosen: list[int] = []
        last = -1
        for position in heapq.merge(*lists):
            if position != last:
                chosen.append(self.order[position])
                last = position
                if len(chosen) == limit:
                    break
        return chosen


def read_listing_index(conn: sqlite3.Connection) -> ListingIndex:
    """Which cards the palette lists for each app reference, in listing order (see
    ListingIndex); read once per catalog change."""
    cards = conn.execute(
        "SELECT rowid, priority, title FROM cards WHERE status = 'approved'"
    ).fetchall()
    cards.sort(key=lambda row: listing_key(row[1], row[2]))
    position = {row[0]: i for i, row in enumerate(cards)}
    order = array("q", (row[0] for row in cards))
    del cards
    by_ref: dict[str, list[int]] = {}
    for rowid, app_ref in conn.execute("SELECT DISTINCT card_rowid, app_ref FROM triggers"):
        if rowid in position:
            by_ref.setdefault(app_ref, []).append(position[rowid])
    return ListingIndex(order, {ref: array("l", sorted(p)) for ref, p in by_ref.items()})


def read_listed(conn: sqlite3.Connection, rowids: Sequence[int]) -> list[ListedCard]:
    """The cards with these rowids, in that order, with their triggers' app references
    (a rowid no longer there, after a pack update, is skipped)."""
    if not rowids:
        return []
    marks = ",".join("?" * len(rowids))
    rows = {
        row[0]: row[1:]
        for row in conn.execute(
            f"SELECT rowid, pack_id, id, title, summary, priority FROM cards "
            f"WHERE rowid IN ({marks})",
            tuple(rowids),
        )
    }
    refs_of: dict[int, list[str]] = {rowid: [] for rowid in rows}
    for rowid, app_ref in conn.execute(
        f"SELECT card_rowid, app_ref FROM triggers WHERE card_rowid IN ({marks}) "
        "ORDER BY card_rowid, idx",
        tuple(rowids),
    ):
        refs_of[rowid].append(app_ref)
    return [ListedCard(*rows[rowid], tuple(refs_of[rowid])) for rowid in rowids if rowid in rows]
