"""Running searches on the cards_fts index: rank window, app boost, fallbacks, results.

Also the two layout rules the catalog follows when it writes cards, because search relies on
them: how a card's rowid is made (priority and draft status in the high bits) and how an app
reference becomes an index token.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.store.search import Expression, Query, Vocabulary, WordGroups, any_group, quoted

# A card with a trigger for the app in front scores this much higher.
APP_BOOST = 1.5
# bm25 column weights: title, summary, keywords, body; app_refs only filters, never scores;
# synonyms (what a pack's synonyms add to a card, migration 6) count as keywords.
BM25 = "bm25(cards_fts, 10.0, 5.0, 4.0, 1.0, 0.0, 4.0)"
# bm25 costs 1-3 µs per matching card. A query matching more cards than this (or than the
# limit, if higher), such as a short prefix like "re", ranks only this many: the ones with the
# highest priority, which come first in rowid order.
RANK_WINDOW = 500
# Fewer hits than this (or than the limit) with every word makes search add cards matching
# any of the words below them; fewer of the app's cards than this in a cut-short rank window
# gives them a window of their own.
ENOUGH_HITS = 3
# A fallback hit scores at most this fraction of the weakest hit before it, so cards matching
# every word always rank first and scores still fall along the list.
FALLBACK_CEILING = 0.9

# Columns searched in turn for words found in most cards, with their bm25 weights, and the
# idf bm25 gives such words (FTS5 clamps a negative idf to this floor).
_COLUMN_TIERS = (
    ("{title}", 10.0),
    ("{summary}", 5.0),
    ("{keywords synonyms}", 4.0),
    ("{body}", 1.0),
)
_IDF_FLOOR = 1e-6

# The score of a (rowid, score) pair; sorts keep equal scores in rowid (priority) order.
_score = operator.itemgetter(1)

# Card rowids: band << 32 | sequence; band = 100 - priority, or DRAFT_BAND for drafts.
BAND_SHIFT = 32
SEQUENCE_MASK = (1 << BAND_SHIFT) - 1
DRAFT_BAND = 101
_FIRST_DRAFT_ROWID = DRAFT_BAND << BAND_SHIFT
_LAST_ROWID = (1 << 63) - 1
# App tokens start with a private-use character, which no typed query can contain.
_APP_TOKEN_MARK = "\ue000"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result, best first; `score` is positive and higher is better.

    `matched` holds the query's words (stop words left out) the card matches, as typed, a typo
    or an unfinished word counting as its correction or completion; a `partial` hit misses at
    least one of them. Every full hit ranks above every partial one.
    """

    pack: str
    card: str
    title: str
    summary: str
    score: float
    app_ids: tuple[str, ...]
    matched: tuple[str, ...] = ()
    partial: bool = False


def _best_first(rows: list[tuple[int, float]], boost: Boost | None) -> list[tuple[int, float]]:
    """(rowid, score) pairs with the app boost applied, highest score first."""
    if boost is not None:
        return boost.apply(rows)
    return sorted(rows, key=_score, reverse=True)


def card_rowid(sequence: int, priority: int, draft: bool) -> int:
    """A card's rowid: higher priority sorts first, drafts after every approved card."""
    band = DRAFT_BAND if draft else 100 - priority
    return band << BAND_SHIFT | sequence


def app_token(app_ref: str) -> str:
    """The single index token standing for an app reference (alias or raw app id)."""
    import hashlib  # here: the tray loads OpenSSL only once someone searches

    digest = hashlib.blake2b(app_ref.encode("utf-8"), digest_size=8).hexdigest()
    return _APP_TOKEN_MARK + digest


@dataclass(frozen=True, slots=True)
class Boost:
    """The app in front: its index tokens, how many cards carry them at most, and the rowids
    of those cards (the catalog caches this per app)."""

    tokens: tuple[str, ...]
    matches: int
    rowids: frozenset[int]

    @property
    def condition(self) -> str:
        """FTS5 condition: the card has a trigger for the app."""
        return "(" + " OR ".join(quoted(token) for token in self.tokens) + ")"

    def apply(self, rows: Iterable[tuple[int, float]]) -> list[tuple[int, float]]:
        """Scores with the boost applied, best first."""
        boosted = [
            (rowid, score * APP_BOOST if rowid in self.rowids else score) for rowid, score in rows
        ]
        boosted.sort(key=_score, reverse=True)
        return boosted


class FullTextSearch:
    """One search over one connection: every word first, then any word, best first."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        vocabulary: Vocabulary,
        aliases: Mapping[str, tuple[str, ...]],
    ) -> None:
        self._conn = conn
        self._vocabulary = vocabulary
        self._aliases = aliases

    @staticmethod
    def boost_for(
        conn: sqlite3.Connection,
        vocabulary: Vocabulary,
        aliases: Mapping[str, tuple[str, ...]],
        app: str,
    ) -> Boost | None:
        """The boost for an app id: the tokens of itself and of its aliases, and the cards
        with a trigger for any of them; None when no card has one."""
        app = app.strip().lower()
        refs = sorted({app, *(alias for alias, ids in aliases.items() if app in ids)})
        counts = {ref: vocabulary.matches(app_token(ref), prefix=False) for ref in refs}
        present = [ref for ref in refs if counts[ref]]
        if not present:
            return None
        marks = ",".join("?" * len(present))
        rowids = frozenset(
            row[0]
            for row in conn.execute(
                f"SELECT card_rowid FROM triggers WHERE app_ref IN ({marks})", present
            )
        )
        tokens = tuple(app_token(ref) for ref in present)
        return Boost(tokens, sum(counts.values()), rowids)

    def run(
        self, query: Query, boost: Boost | None, limit: int, include_drafts: bool
    ) -> list[SearchHit]:
        """The `limit` best cards for a parsed query (see Catalog.search for the rules)."""
        words = self._vocabulary.groups(query)
        if limit <= 0 or not words.usable:
            return []
        found: dict[int, float] = {}
        self._collect(found, words.every(), limit, include_drafts, boost)
        every = len(found)
        if len(found) < min(limit, ENOUGH_HITS) and words.usable > 1:
            self._collect(found, words.any(), limit, include_drafts, boost)
        matched = self._matched(words, list(found), every)
        return self._hits(found, query.tokens, matched)

    def _matched(
        self, words: WordGroups, rowids: list[int], every: int
    ) -> dict[int, tuple[int, ...]]:
        """Per found rowid, the indexes of the typed words it matches.

        The first `every` rowids matched every usable word; each later one (found by any
        word) is asked of FTS5 once per word, over those few rowids only.
        """
        usable = tuple(i for i, word in enumerate(words.words) if word.strings)
        matched: dict[int, tuple[int, ...]] = dict.fromkeys(rowids[:every], usable)
        rest = rowids[every:]
        if not rest:
            return matched
        marks = ",".join("?" * len(rest))
        sql = f"SELECT rowid FROM cards_fts WHERE cards_fts MATCH ? AND rowid IN ({marks})"
        hits: dict[int, list[int]] = {rowid: [] for rowid in rest}
        for i in usable:
            for (rowid,) in self._conn.execute(sql, (any_group([words.words[i].strings]), *rest)):
                hits[rowid].append(i)
        matched.update((rowid, tuple(found)) for rowid, found in hits.items())
        return matched

    def _collect(
        self,
        found: dict[int, float],
        expression: Expression,
        limit: int,
        include_drafts: bool,
        boost: Boost | None,
    ) -> None:
        """Add one pass's best cards to `found` (rowid -> score), below the earlier passes."""
        ceiling = min(found.values()) * FALLBACK_CEILING if found else None
        scores, short = self._scored(expression, None, limit, include_drafts, boost)
        if short:
            # The window held the highest-priority matches but hardly any of the app's own
            # cards (a niche app): those get a window of their own.
            extra, _ = self._scored(expression, boost, limit, include_drafts, boost)
            scores.update(extra)
        for rowid, score in sorted(scores.items(), key=_score, reverse=True):
            if len(found) >= limit:
                break
            if rowid not in found:
                found[rowid] = score if ceiling is None else min(score, ceiling)

    def _scored(
        self,
        expression: Expression,
        only: Boost | None,
        limit: int,
        include_drafts: bool,
        boost: Boost | None,
    ) -> tuple[dict[int, float], bool]:
        """The best `limit` cards of one expression as rowid -> score (app boost applied), and
        whether the rank window cut the matches short with hardly any of the app's cards in
        it. `only` keeps the app's cards."""
        text, bound = expression.text, expression.matches
        if only is not None:
            text, bound = f"({text}) AND {only.condition}", min(bound, only.matches)
        window = max(RANK_WINDOW, limit)
        last = _LAST_ROWID if include_drafts else _FIRST_DRAFT_ROWID - 1
        if expression.scoring is None:
            last, windowed = self._window_end(text, bound, window, last)
            rows = self._by_column(expression.text, only, last, limit, boost)
        elif expression.scoring == expression.text:
            rows, windowed = self._ranked(text, last, window, boost)
        else:
            scoring = expression.scoring
            if only is not None:
                scoring = f"({scoring}) AND {only.condition}"
            rows, windowed = self._filtered(text, scoring, last, window, boost)
        short = (
            windowed
            and boost is not None
            and only is None
            and sum(1 for rowid, _ in rows if rowid in boost.rowids) < min(limit, ENOUGH_HITS)
        )
        return dict(rows[:limit]), short

    def _window_end(self, text: str, bound: int, window: int, last: int) -> tuple[int, bool]:
        """The last rowid of the expression's first `window` matches up to rowid `last`, and
        whether there are more matches than that.

        Walking matches without scoring them is cheap, and skipped when the vocabulary says
        there cannot be more than `window`.
        """
        if bound <= window:
            return last, False
        end = self._conn.execute(
            "SELECT rowid FROM cards_fts WHERE cards_fts MATCH ? AND rowid <= ? "
            "ORDER BY rowid LIMIT 1 OFFSET ?",
            (text, last, window - 1),
        ).fetchone()
        return (last, False) if end is None else (end[0], True)

    def _ranked(
        self, text: str, last: int, window: int, boost: Boost | None
    ) -> tuple[list[tuple[int, float]], bool]:
        """bm25 for the first `window` matches up to rowid `last`, best first (boosted), and
        whether there were more matches.

        FTS5 yields matches in rowid order, so the LIMIT stops it after the window: bm25 is
        computed for those cards only, and no separate walk is needed to find the window.
        """
        rows = self._conn.execute(
            f"SELECT rowid, -{BM25} FROM cards_fts WHERE cards_fts MATCH ? AND rowid <= ? "
            "ORDER BY rowid LIMIT ?",
            (text, last, window + 1),
        ).fetchall()
        windowed = len(rows) > window
        return _best_first(rows[:window], boost), windowed

    def _filtered(
        self, text: str, scoring: str, last: int, window: int, boost: Boost | None
    ) -> tuple[list[tuple[int, float]], bool]:
        """bm25 over the informative words only, kept to the first `window` cards matching
        all of `text`, best first (boosted), and whether there were more matches.

        The cards matching `text` are listed by walking it without scoring; bm25 then reads
        only the informative words' (shorter) doclists over the same rowid range.
        """
        walked = [
            rowid
            for (rowid,) in self._conn.execute(
                "SELECT rowid FROM cards_fts WHERE cards_fts MATCH ? AND rowid <= ? "
                "ORDER BY rowid LIMIT ?",
                (text, last, window + 1),
            )
        ]
        windowed = len(walked) > window
        allowed = set(walked[:window])
        if not allowed:
            return [], False
        rows = self._conn.execute(
            f"SELECT rowid, -{BM25} FROM cards_fts "
            "WHERE cards_fts MATCH ? AND rowid BETWEEN ? AND ?",
            (scoring, min(allowed), max(allowed)),
        )
        return _best_first([row for row in rows if row[0] in allowed], boost), windowed

    def _by_column(
        self, text: str, only: Boost | None, last: int, limit: int, boost: Boost | None
    ) -> list[tuple[int, float]]:
        """For words in most cards: title matches first, then summary, keywords, body, each by
        priority (rowid order) up to rowid `last`, without reading doclists for bm25.

        The scores are what bm25 gives such words: its column weight times its idf floor.
        """
        ranked: dict[int, float] = {}
        for columns, weight in _COLUMN_TIERS:
            if len(ranked) >= limit:
                break
            tier = f"({columns}: ({text}))" + (f" AND {only.condition}" if only else "")
            for (rowid,) in self._conn.execute(
                "SELECT rowid FROM cards_fts WHERE cards_fts MATCH ? AND rowid <= ? "
                "ORDER BY rowid LIMIT ?",
                (tier, last, limit),
            ):
                ranked.setdefault(rowid, weight * _IDF_FLOOR)
        return _best_first(list(ranked.items()), boost)

    def _hits(
        self,
        found: dict[int, float],
        tokens: tuple[str, ...],
        matched: Mapping[int, tuple[int, ...]],
    ) -> list[SearchHit]:
        """Cards for the found rowids, with the app ids their triggers resolve to and the
        typed words (`tokens`) each one matched, full matches first."""
        if not found:
            return []
        marks = ",".join("?" * len(found))
        rows = self._conn.execute(
            f"""
            SELECT c.rowid, c.pack_id, c.id, c.title, c.summary,
                   (SELECT group_concat(t.app_ref, char(31)) FROM triggers t
                    WHERE t.card_rowid = c.rowid)
            FROM cards c WHERE c.rowid IN ({marks})
            """,
            list(found),
        )
        hits = []
        for rowid, pack, card, title, summary, refs in rows:
            app_ids: set[str] = set()
            for ref in refs.split("\x1f") if refs else ():
                app_ids.update(self._aliases.get(ref, (ref,)))
            words = tuple(tokens[i] for i in matched.get(rowid, ()))
            hits.append(
                SearchHit(
                    pack,
                    card,
                    title,
                    summary,
                    found[rowid],
                    tuple(sorted(app_ids)),
                    words,
                    len(words) < len(tokens),
                )
            )
        hits.sort(key=lambda hit: (hit.partial, -hit.score, hit.pack, hit.card))
        return hits
