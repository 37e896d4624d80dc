"""The palette's ranking on top of the catalog's full-text search: the person's helpful votes
lift a card, a card overdue for review sinks a little, and a word still being typed that finds
nothing as a prefix is tried once more as a whole (possibly mistyped) word.

Pure Python: the catalog's search, the votes and the review dates are handed in by the caller.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

# Each net helpful vote multiplies the score by this much more, up to VOTE_CAP votes: relevance
# still decides between unrelated cards, votes decide between near-equals.
VOTE_STEP = 0.15
VOTE_CAP = 4
# A card past its review date keeps this share of its score.
OVERDUE_FACTOR = 0.75
# Re-ranking only reorders what the catalog returns, so it asks for this many more.
EXTRA_HITS = 8
# Partial matches (cards missing a word of the query) shown below the full ones, at most.
PARTIAL_SHOWN = 3

CardKey = tuple[str, str]
"""(pack id, card id): how the person's state names a card."""


class Hit(Protocol):
    """What ranking needs from a search hit (the catalog's SearchHit is one)."""

    @property
    def pack(self) -> str: ...
    @property
    def card(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def partial(self) -> bool: ...


class Reviewable(Protocol):
    """What overdue_cards needs from a card (the catalog's CardRecord is one)."""

    @property
    def pack(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def reviewed(self) -> dt.date | None: ...
    @property
    def review_every(self) -> float | None: ...


class AppRef(Protocol):
    """A trigger's application reference: an alias or a raw app id."""

    @property
    def app_ref(self) -> str: ...


class Triggered(Protocol):
    """What cards_for_app needs from a card: its trigger app references and priority."""

    @property
    def pack(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def triggers(self) -> Sequence[AppRef]: ...


H = TypeVar("H", bound=Hit)
T = TypeVar("T", bound=Triggered)
Search = Callable[[str, str | None, int], Sequence[H]]
"""The catalog's search as (query, app id or None, limit) -> hits, best first."""


def vote_factor(net_votes: int) -> float:
    """Score multiplier for a card's net helpful votes (helpful minus not helpful), capped."""
    step = max(-VOTE_CAP, min(VOTE_CAP, net_votes))
    return 1.0 + VOTE_STEP * step if step >= 0 else 1.0 / (1.0 + VOTE_STEP * -step)


def is_overdue(reviewed: dt.date | None, review_every: float | None, today: dt.date) -> bool:
    """True when the card's review date (`reviewed` + `review_every` seconds) has passed."""
    if reviewed is None or review_every is None:
        return False
    return reviewed + dt.timedelta(seconds=review_every) < today


def overdue_cards(cards: Iterable[Reviewable], today: dt.date) -> frozenset[CardKey]:
    """The cards past their review date, by (pack, card); compute once per catalog change."""
    return frozenset(
        (card.pack, card.id)
        for card in cards
        if is_overdue(card.reviewed, card.review_every, today)
    )


def rerank(
    hits: Iterable[H],
    votes: Mapping[CardKey, int] | None = None,
    overdue: frozenset[CardKey] | set[CardKey] = frozenset(),
) -> list[H]:
    """Hits with their scores adjusted for votes and review state, best first: every full
    match before every partial one, whatever the votes.

    The sort is stable, so equal scores keep the catalog's order.
    """
    votes = votes or {}
    adjusted: list[H] = []
    for hit in hits:
        key = (hit.pack, hit.card)
        factor = vote_factor(votes.get(key, 0))
        if key in overdue:
            factor *= OVERDUE_FACTOR
        if factor != 1:
            hit = dataclasses.replace(hit, score=hit.score * factor)  # type: ignore[type-var]
        adjusted.append(hit)
    adjusted.sort(key=lambda hit: (hit.partial, -hit.score))
    return adjusted


def palette_search(
    search: Search[H],
    query: str,
    *,
    app: str | None = None,
    votes: Mapping[CardKey, int] | None = None,
    overdue: frozenset[CardKey] | set[CardKey] = frozenset(),
    limit: int = 20,
) -> list[H]:
    """What the palette shows for `query`, best first.

    The catalog reads the word being typed as a prefix, so a typo that drops a letter
    ("autsum") matches no word beginning; when that finds no full match, the word is read as
    a whole word, which the catalog corrects ("autosum"), and that answer is taken if it
    has a full match or the first had nothing at all.
    """
    hits = search(query, app, limit + EXTRA_HITS)
    if query[-1:].isalnum() and not any(not hit.partial for hit in hits):
        whole = search(query + " ", app, limit + EXTRA_HITS)
        if not hits or any(not hit.partial for hit in whole):
            hits = whole
    return rerank(hits, votes, overdue)[:limit]


def split_partial(hits: Sequence[H], most: int = PARTIAL_SHOWN) -> tuple[list[H], list[H]]:
    """The full matches, and at most `most` partial ones, each in the order given: what the
    palette and `cuecards search` show (a search with no full match has no answer)."""
    full = [hit for hit in hits if not hit.partial]
    partial = [hit for hit in hits if hit.partial]
    return full, partial[:most]


def cards_for_app(cards: Iterable[T], aliases: Mapping[str, Sequence[str]], app: str) -> list[T]:
    """The cards with a trigger for `app` (an app id, directly or through an alias), highest
    priority first, then by title: what the palette lists before anything is typed."""
    app = app.strip().lower()
    refs = {app, *(alias for alias, ids in aliases.items() if app in ids)}
    found = [
        card for card in cards if any(trigger.app_ref.lower() in refs for trigger in card.triggers)
    ]
    found.sort(key=listing_order)
    return found


def listing_order(card: Triggered) -> tuple[int, str]:
    """Sort key of the empty-query list: highest priority first, then by title."""
    return listing_key(card.priority, card.title)


def listing_key(priority: int, title: str) -> tuple[int, str]:
    """The empty-query list's order from the two values it depends on (Python's case
    folding, which SQLite's ASCII-only lower() is not)."""
    return (-priority, title.lower())
