"""The installed packs in SQLite: atomic install/update/remove, listing, full-text search, and
the trigger index the matcher is built from."""

from __future__ import annotations

import datetime as dt
import heapq
import json
import sqlite3
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from sys import intern
from typing import TYPE_CHECKING, Literal, NamedTuple

from app.core.matcher import Matcher, TriggerEntry
from app.core.ranking import listing_key
from app.store.db import Database, write_transaction
from app.store.fulltext import (
    SEQUENCE_MASK,
    Boost,
    FullTextSearch,
    SearchHit,
    app_token,
    card_rowid,
)
from app.store.search import Vocabulary, parse_query

if TYPE_CHECKING:  # the pack models (pydantic) load only where a pack is installed
    from app.core.model import Pack

InstallStatus = Literal["installed", "updated", "unchanged", "refused"]

# The columns of cards that cards_fts indexes, in its column order.
_FTS_COLUMNS = "title, summary, keywords, body, app_refs"


@dataclass(frozen=True, slots=True)
class InstallOutcome:
    """What install() did, with a sentence for the person."""

    status: InstallStatus
    message: str
    pack_id: str
    version: str
    previous_version: str | None = None


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


class ReviewDate(NamedTuple):
    """When a card was last reviewed and how often it must be (seconds)."""

    pack: str
    id: str
    reviewed: dt.date | None
    review_every: float | None


class Catalog:
    """Every installed pack's cards, searchable; one instance per open database connection."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: sqlite3.Connection = db.conn
        self._cache: _Cache | None = None
        self._data_version: int | None = None

    # ----- packs -----------------------------------------------------------------------------

    def is_current(self, pack_id: str, version: str, digest: str) -> bool:
        """True when exactly this pack version and content is installed (callers skip loading)."""
        row = self._conn.execute(
            "SELECT 1 FROM packs WHERE id = ? AND version = ? AND digest = ?",
            (pack_id, version, digest),
        ).fetchone()
        return row is not None

    def pack_digests(self) -> dict[str, str]:
        """Every installed pack's content hash by id (compare two readings to see a change)."""
        return dict(self._conn.execute("SELECT id, digest FROM packs"))

    def pack_source(self, pack_id: str) -> tuple[str, str] | None:
        """Where an installed pack was installed from, and its content hash; None if absent."""
        row = self._conn.execute(
            "SELECT source, digest FROM packs WHERE id = ?", (pack_id,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def install(self, pack: Pack) -> InstallOutcome:
        """Install or replace a pack in one transaction; a failure leaves the old one intact.

        Same version and digest: "unchanged", nothing is written. Same version, new digest
        (an author iterating) or a newer version: "updated". An older version: "refused".
        """
        manifest = pack.manifest
        if self.is_current(pack.id, pack.version, pack.digest):
            return _unchanged(pack)
        with write_transaction(self._db) as conn:
            row = conn.execute("SELECT version, digest FROM packs WHERE id = ?", (pack.id,))
            installed = row.fetchone()
            previous = installed[0] if installed else None
            if installed is not None:
                if installed == (pack.version, pack.digest):
                    return _unchanged(pack)
                if compare_versions(pack.version, previous) < 0:
                    return InstallOutcome(
                        "refused",
                        f"{manifest.name} {pack.version} was not installed: installed "
                        f"{previous} is newer; remove it first (cuecards pack remove {pack.id})",
                        pack.id,
                        pack.version,
                        previous,
                    )
                _delete_pack(conn, pack.id)
            self._insert(conn, pack)
        self._changed()
        counted = _count_phrase(pack)
        if previous is None:
            message = f"installed {manifest.name} {pack.version} ({counted})"
            return InstallOutcome("installed", message, pack.id, pack.version)
        if previous == pack.version:
            message = f"replaced {manifest.name} {pack.version}: its content changed ({counted})"
        else:
            message = f"updated {manifest.name} from {previous} to {pack.version} ({counted})"
        return InstallOutcome("updated", message, pack.id, pack.version, previous)

    def remove(self, pack_id: str) -> bool:
        """Remove a pack with its cards and triggers; False when it was not installed."""
        with write_transaction(self._db) as conn:
            removed = _delete_pack(conn, pack_id)
        if removed:
            self._changed()
        return removed

    def packs(self) -> list[PackInfo]:
        """Installed packs by id, with how many cards (and of those, drafts) each holds."""
        rows = self._conn.execute(
            """
            SELECT p.id, p.name, p.version, p.publisher,
                   (SELECT count(*) FROM cards c WHERE c.pack_id = p.id),
                   (SELECT count(*) FROM cards c WHERE c.pack_id = p.id AND c.status = 'draft'),
                   p.source, p.installed_at
            FROM packs p ORDER BY p.id
            """
        )
        return [PackInfo(*row[:7], installed_at=dt.datetime.fromisoformat(row[7])) for row in rows]

    def card(self, pack_id: str, card_id: str) -> CardRecord | None:
        """One card, drafts included (the author's view asks for them by id)."""
        records = self._records("c.pack_id = ? AND c.id = ?", (pack_id, card_id))
        return records[0] if records else None

    def cards(
        self, pack_id: str | None = None, include_drafts: bool = False, *, with_body: bool = True
    ) -> list[CardRecord]:
        """Cards of one pack or of all packs, ordered by pack then card id.

        `with_body=False` leaves `body` empty: listings (the palette's per-app lists) need no
        bodies, and reading 10k of them into a long-running process costs memory for good.
        """
        where = ["1"]
        params: list[str] = []
        if pack_id is not None:
            where.append("c.pack_id = ?")
            params.append(pack_id)
        if not include_drafts:
            where.append("c.status = 'approved'")
        return self._records(" AND ".join(where), params, with_body=with_body)

    def listing_index(self) -> ListingIndex:
        """Which cards the palette lists for each app reference, in listing order (see
        ListingIndex); read once per catalog change."""
        cards = self._conn.execute(
            "SELECT rowid, priority, title FROM cards WHERE status = 'approved'"
        ).fetchall()
        cards.sort(key=lambda row: listing_key(row[1], row[2]))
        position = {row[0]: i for i, row in enumerate(cards)}
        order = array("q", (row[0] for row in cards))
        del cards
        by_ref: dict[str, list[int]] = {}
        for rowid, app_ref in self._conn.execute(
            "SELECT DISTINCT card_rowid, app_ref FROM triggers"
        ):
            if rowid in position:
                by_ref.setdefault(app_ref, []).append(position[rowid])
        return ListingIndex(order, {ref: array("l", sorted(p)) for ref, p in by_ref.items()})

    def listed(self, rowids: Sequence[int]) -> list[ListedCard]:
        """The cards with these rowids, in that order, with their triggers' app references
        (a rowid no longer there, after a pack update, is skipped)."""
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        rows = {
            row[0]: row[1:]
            for row in self._conn.execute(
                f"SELECT rowid, pack_id, id, title, summary, priority FROM cards "
                f"WHERE rowid IN ({marks})",
                tuple(rowids),
            )
        }
        refs_of: dict[int, list[str]] = {rowid: [] for rowid in rows}
        for rowid, app_ref in self._conn.execute(
            f"SELECT card_rowid, app_ref FROM triggers WHERE card_rowid IN ({marks}) "
            "ORDER BY card_rowid, idx",
            tuple(rowids),
        ):
            refs_of[rowid].append(app_ref)
        return [
            ListedCard(*rows[rowid], tuple(refs_of[rowid])) for rowid in rowids if rowid in rows
        ]

    def review_dates(self) -> list[ReviewDate]:
        """The review date of every approved card that has one (for the overdue state)."""
        return [
            ReviewDate(pack, card, dt.date.fromisoformat(reviewed), every)
            for pack, card, reviewed, every in self._conn.execute(
                "SELECT pack_id, id, reviewed, review_every FROM cards "
                "WHERE status = 'approved' AND reviewed IS NOT NULL"
            )
        ]

    def aliases(self) -> dict[str, tuple[str, ...]]:
        """Every installed pack's app aliases merged: alias -> app ids (all lower-case)."""
        return dict(self._fresh_cache().aliases)

    # ----- search ----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        app: str | None = None,
        limit: int = 20,
        include_drafts: bool = False,
    ) -> list[SearchHit]:
        """Cards matching what the person typed, best first; never raises, whatever the text.

        Every word must match, the last one as a prefix while it is still being typed; a word
        the index does not know is replaced by its corrections (one typo, two from 8 letters).
        When fewer than ENOUGH_HITS cards match every word, cards matching any word follow.
        Ranking is bm25 with title > summary > keywords > body. Cards with a trigger for
        `app` (an app id, resolved through every pack's aliases) score APP_BOOST times more.
        A query matching more than RANK_WINDOW cards ranks the highest-priority ones.
        """
        cache = self._fresh_cache()
        engine = FullTextSearch(self._conn, cache.vocabulary(self._conn), cache.aliases)
        boost = cache.boost(self._conn, app) if app else None
        return engine.run(parse_query(query), boost, limit, include_drafts)

    def warm(self) -> None:
        """Load what the first search needs (aliases, vocabulary), e.g. when the app is idle."""
        self._fresh_cache().vocabulary(self._conn)

    # ----- matcher ---------------------------------------------------------------------------

    def matcher(self, include_drafts: bool = False) -> Matcher:
        """A Matcher over every stored trigger (approved cards only unless asked).

        The strings of a card are read once and shared by all its triggers, and repeated
        values (pack ids, app refs, patterns) are interned: the matcher lives as long as the
        tray app, so its size is the app's size.
        """
        status = "" if include_drafts else "WHERE c.status = 'approved'"
        cards = {
            rowid: (intern(pack), card, title, summary, priority)
            for rowid, pack, card, title, summary, priority in self._conn.execute(
                f"SELECT c.rowid, c.pack_id, c.id, c.title, c.summary, c.priority FROM cards c "
                f"{status}"
            )
        }
        entries = [
            TriggerEntry(
                *cards[rowid],
                intern(app_ref),
                intern(pattern) if pattern is not None else None,
                dwell,
                idx,
            )
            for rowid, app_ref, pattern, dwell, idx in self._conn.execute(
                "SELECT card_rowid, app_ref, title_pattern, dwell, idx FROM triggers"
            )
            if rowid in cards
        ]
        return Matcher(entries, self._fresh_cache().aliases)

    # ----- internals -------------------------------------------------------------------------

    def _insert(self, conn: sqlite3.Connection, pack: Pack) -> None:
        """Write one pack's rows; the caller owns the transaction."""
        manifest = pack.manifest
        conn.execute(
            "INSERT INTO packs (id, name, version, publisher, description, source, digest, "
            "installed_at, manifest_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                pack.id,
                manifest.name,
                pack.version,
                manifest.publisher,
                manifest.description,
                pack.source,
                pack.digest,
                dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                manifest.model_dump_json(),
            ),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO apps (pack_id, alias, app_id) VALUES (?, ?, ?)",
            [(pack.id, alias, app_id) for alias, ids in manifest.apps.items() for app_id in ids],
        )
        conn.executemany(
            "INSERT INTO skills (pack_id, id, name) VALUES (?, ?, ?)",
            [(pack.id, skill.id, skill.name) for skill in manifest.skills],
        )
        first = conn.execute(
            f"SELECT coalesce(max(rowid & {SEQUENCE_MASK}), 0) + 1 FROM cards"
        ).fetchone()[0]
        rowids = [
            card_rowid(sequence, card.front.priority, card.front.status == "draft")
            for sequence, card in enumerate(pack.cards, start=first)
        ]
        conn.executemany(
            "INSERT INTO cards (rowid, pack_id, id, title, summary, body, keywords, skills, "
            "priority, owner, reviewed, review_every, status, file, app_refs) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _card_rows(pack, rowids),
        )
        # In rowid order: FTS5 flushes its pending index data whenever a rowid arrives out of
        # order, and a flush per card makes an install several times slower.
        conn.execute(
            f"INSERT INTO cards_fts (rowid, {_FTS_COLUMNS}) "
            f"SELECT rowid, {_FTS_COLUMNS} FROM cards WHERE pack_id = ? ORDER BY rowid",
            (pack.id,),
        )
        conn.executemany(
            "INSERT INTO triggers (card_rowid, idx, app_ref, title_pattern, dwell) "
            "VALUES (?, ?, ?, ?, ?)",
            _trigger_rows(pack, rowids),
        )

    def _records(
        self, where: str, params: Sequence[str], *, with_body: bool = True
    ) -> list[CardRecord]:
        body = "c.body" if with_body else "''"
        rows = self._conn.execute(
            f"""
            SELECT c.rowid, c.pack_id, c.id, c.title, c.summary, {body}, c.keywords, c.skills,
                   c.priority, c.owner, c.reviewed, c.review_every, c.status, c.file
            FROM cards c WHERE {where} ORDER BY c.pack_id, c.id
            """,
            params,
        ).fetchall()
        triggers: dict[int, list[TriggerRecord]] = {}
        if rows:
            for rowid, app_ref, pattern, dwell in self._conn.execute(
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

    def _fresh_cache(self) -> _Cache:
        """The cache, dropped first when another connection has committed since it was built."""
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if self._cache is None or version != self._data_version:
            self._cache = _Cache.load(self._conn)
            self._data_version = version
        return self._cache

    def _changed(self) -> None:
        self._cache = None


class _Cache:
    """Derived data that only changes when packs do: merged aliases, the vocabulary and the
    cards each app's search boost applies to."""

    def __init__(self, aliases: dict[str, tuple[str, ...]]) -> None:
        self.aliases = aliases
        self._vocabulary: Vocabulary | None = None
        self._boosts: dict[str, Boost | None] = {}

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> _Cache:
        merged: dict[str, set[str]] = {}
        for alias, app_id in conn.execute("SELECT alias, app_id FROM apps"):
            merged.setdefault(alias, set()).add(app_id)
        return cls({alias: tuple(sorted(ids)) for alias, ids in merged.items()})

    def vocabulary(self, conn: sqlite3.Connection) -> Vocabulary:
        if self._vocabulary is None:
            documents = conn.execute("SELECT count(*) FROM cards").fetchone()[0]
            terms = conn.execute("SELECT term, doc FROM cards_fts_vocab")
            self._vocabulary = Vocabulary(terms, documents)
        return self._vocabulary

    def boost(self, conn: sqlite3.Connection, app: str) -> Boost | None:
        """The search boost for an app id, built once per app."""
        app = app.strip().lower()
        if app not in self._boosts:
            vocabulary = self.vocabulary(conn)
            self._boosts[app] = FullTextSearch.boost_for(conn, vocabulary, self.aliases, app)
        return self._boosts[app]


def compare_versions(a: str, b: str) -> int:
    """Semantic-version precedence: -1, 0 or 1 (build metadata ignored, pre-releases first)."""
    key_a, key_b = _semver_key(a), _semver_key(b)
    return (key_a > key_b) - (key_a < key_b)


def _semver_key(version: str) -> tuple:
    core, _, _build = version.partition("+")
    release, dash, pre = core.partition("-")
    numbers = tuple(int(part) for part in release.split("."))
    if not dash:
        return (numbers, 1, ())
    identifiers = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in pre.split(".")
    )
    return (numbers, 0, identifiers)


def _delete_pack(conn: sqlite3.Connection, pack_id: str) -> bool:
    """Take a pack's cards out of the full-text index (in rowid order, see _insert), then
    delete the pack; its apps, skills, cards and triggers follow by cascade.

    False when the pack was not installed.
    """
    conn.execute(
        f"INSERT INTO cards_fts (cards_fts, rowid, {_FTS_COLUMNS}) "
        f"SELECT 'delete', rowid, {_FTS_COLUMNS} FROM cards WHERE pack_id = ? ORDER BY rowid",
        (pack_id,),
    )
    return conn.execute("DELETE FROM packs WHERE id = ?", (pack_id,)).rowcount > 0


def _unchanged(pack: Pack) -> InstallOutcome:
    message = f"{pack.manifest.name} {pack.version} is already installed"
    return InstallOutcome("unchanged", message, pack.id, pack.version, pack.version)


def _count_phrase(pack: Pack) -> str:
    drafts = sum(1 for card in pack.cards if card.front.status == "draft")
    phrase = f"{len(pack.cards)} card" + ("" if len(pack.cards) == 1 else "s")
    return phrase + (f", {drafts} draft" + ("" if drafts == 1 else "s") if drafts else "")


def _card_rows(pack: Pack, rowids: Sequence[int]) -> Iterable[tuple]:
    for rowid, card in zip(rowids, pack.cards, strict=True):
        front = card.front
        yield (
            rowid,
            pack.id,
            front.id,
            front.title,
            front.summary,
            card.body,
            json.dumps(front.keywords, ensure_ascii=False),
            json.dumps(front.skills, ensure_ascii=False),
            front.priority,
            front.owner,
            front.reviewed.isoformat() if front.reviewed else None,
            front.review_every,
            front.status,
            card.file,
            " ".join(sorted({app_token(trigger.app) for trigger in front.triggers})),
        )


def _trigger_rows(pack: Pack, rowids: Sequence[int]) -> Iterable[tuple]:
    for rowid, card in zip(rowids, pack.cards, strict=True):
        for idx, trigger in enumerate(card.front.triggers):
            yield (rowid, idx, trigger.app, trigger.title, trigger.dwell)
