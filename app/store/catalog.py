"""The installed packs in SQLite, one object per connection: install/update/remove (see
packinstall), card records and the palette's listing, full-text search and the matcher."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from sys import intern
from typing import TYPE_CHECKING

from app.core.matcher import Matcher, TriggerEntry
from app.store.cardrecords import (
    CardRecord,
    PackInfo,
    ReviewDate,
    read_packs,
    read_records,
    read_review_dates,
)
from app.store.db import Database
from app.store.fulltext import Boost, FullTextSearch, SearchHit
from app.store.listing import ListedCard, ListingIndex, read_listed, read_listing_index
from app.store.packinstall import InstallOutcome, install_pack, pack_is_current, remove_pack
from app.store.search import Vocabulary, parse_query, without_stop_words

if TYPE_CHECKING:  # the pack models (pydantic) load only where a pack is installed
    from app.core.model import Pack


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
        return pack_is_current(self._conn, pack_id, version, digest)

    def pack_digests(self) -> dict[str, str]:
        """Every installed pack's content hash by id (compare two readings to see a change)."""
        return dict(self._conn.execute("SELECT id, digest FROM packs"))

    def pack_source(self, pack_id: str) -> tuple[str, str] | None:
        """Where an installed pack was installed from, and its content hash; None if absent."""
        row = self._conn.execute(
            "SELECT source, digest FROM packs WHERE id = ?", (pack_id,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def install(
        self, pack: Pack, progress: Callable[[int, int], None] | None = None
    ) -> InstallOutcome:
        """Install or replace a pack in one transaction (see `packinstall.install_pack`);
        `progress(done, total)` follows the cards written."""
        outcome = install_pack(self._db, pack, progress)
        if outcome.status in ("installed", "updated"):
            self._changed()
        return outcome

    def remove(self, pack_id: str) -> bool:
        """Remove a pack with its cards and triggers; False when it was not installed."""
        removed = remove_pack(self._db, pack_id)
        if removed:
            self._changed()
        return removed

    def packs(self) -> list[PackInfo]:
        """Installed packs by id, with how many cards (and of those, drafts) each holds."""
        return read_packs(self._conn)

    def card(self, pack_id: str, card_id: str) -> CardRecord | None:
        """One card, drafts included (the author's view asks for them by id)."""
        records = read_records(self._conn, "c.pack_id = ? AND c.id = ?", (pack_id, card_id))
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
        return read_records(self._conn, " AND ".join(where), params, with_body=with_body)

    def listing_index(self) -> ListingIndex:
        """Which cards the palette lists for each app reference, in listing order (see
        ListingIndex); read once per catalog change."""
        return read_listing_index(self._conn)

    def listed(self, rowids: Sequence[int]) -> list[ListedCard]:
        """The cards with these rowids, in that order, with their triggers' app references
        (a rowid no longer there, after a pack update, is skipped)."""
        return read_listed(self._conn, rowids)

    def review_dates(self) -> list[ReviewDate]:
        """The review date of every approved card that has one (for the overdue state)."""
        return read_review_dates(self._conn)

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

        Stop words ("how do I", "the", see core.stopwords) are left out. Every word must
        match, the last one as a prefix while it is still being typed; a word the index does
        not know is replaced by its corrections (one typo, two from 8 letters). When fewer
        than ENOUGH_HITS cards match every word, cards matching any word follow. Ranking is
        bm25 with title > summary > keywords (and a pack's synonyms) > body. Cards with a
        trigger for `app` (an app id, resolved through every pack's aliases) score APP_BOOST
        times more. A query matching more than RANK_WINDOW cards ranks the highest-priority
        ones. Each hit says which words it matched; one missing any is partial and ranks below
        every full match.
        """
        cache = self._fresh_cache()
        engine = FullTextSearch(self._conn, cache.vocabulary(self._conn), cache.aliases)
        boost = cache.boost(self._conn, app) if app else None
        return engine.run(without_stop_words(parse_query(query)), boost, limit, include_drafts)

    def warm(self) -> None:
        """Load what the first search needs (aliases, vocabulary), e.g. when the app is idle."""
        self._fresh_cache().vocabulary(self._conn).warm()

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
        """The index's words and the card count, as the pack installs stored them beside the
        index (reading them off the index itself walks all of it)."""
        if self._vocabulary is None:
            documents = conn.execute("SELECT cards FROM catalog_size").fetchone()[0]
            terms = conn.execute("SELECT term, cards FROM vocabulary")
            self._vocabulary = Vocabulary(terms, documents)
        return self._vocabulary

    def boost(self, conn: sqlite3.Connection, app: str) -> Boost | None:
        """The search boost for an app id, built once per app."""
        app = app.strip().lower()
        if app not in self._boosts:
            vocabulary = self.vocabulary(conn)
            self._boosts[app] = FullTextSearch.boost_for(conn, vocabulary, self.aliases, app)
        return self._boosts[app]
