"""The daily report: anonymised counts built from one local day of the usage log.

Per card: shown, opened, helpful, unhelpful, dismissed, muted. Per app known to the installed
packs: context changes and how many matched (any other app is counted as `other`, never named).
Searches, unanswered searches (no card matched every word: the content gaps) and, deprecated,
zero-result searches. Never a user id, an install id, a title or a query: the
report is built from counts only, and the same report always gives the same bytes
(`canonical_bytes`), so what `cuecards report preview` prints is exactly what is sent.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.model import CARD_ID, PACK_ID

# Schema 2 added search.unanswered. search.zero_results (searches that found no card at all)
# stays beside it for schema 2 only, for consumers written against schema 1; schema 3 drops it.
SCHEMA_VERSION = 2
OTHER_APP = "other"
# Per-card counts, in report order, and the usage event kinds each one counts. `muted` is the
# person silencing that card: "don't show again" (`never`), or turning the app's popups off
# while that card was showing (a `muted` event that names the card).
CARD_COUNTS: tuple[str, ...] = ("shown", "opened", "helpful", "unhelpful", "dismissed", "muted")
COUNT_OF_KIND: dict[str, str] = {**{k: k for k in CARD_COUNTS}, "never": "muted"}
_PACK_RE = re.compile(PACK_ID)
_CARD_RE = re.compile(CARD_ID)
_ID_MAX = 80

# One usage event as read from the log: (ts, kind, pack, card, app, query, results, answered).
Event = tuple[
    float, str, "str | None", "str | None", "str | None", "str | None", "int | None", "bool | None"
]
# One row of a GROUP BY over the log:
# (kind, pack, card, app, events, zero-result searches, unanswered searches).
Group = tuple[str, "str | None", "str | None", "str | None", int, int, int]


@dataclass
class DayCounts:
    """The counts of one day, before noise and formatting."""

    cards: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    apps: dict[str, list[int]] = field(default_factory=dict)  # app -> [contexts, matched]
    searches: int = 0
    unanswered: int = 0
    zero_results: int = 0

    def is_empty(self) -> bool:
        return not self.cards and not self.apps and not self.searches


def day_bounds(day: dt.date, tz: dt.tzinfo | None = None) -> tuple[float, float]:
    """Unix seconds [start, end) of the local calendar day `day` (23 or 25 h across DST)."""
    start = dt.datetime.combine(day, dt.time())
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    if tz is None:
        return start.astimezone().timestamp(), end.astimezone().timestamp()
    return start.replace(tzinfo=tz).timestamp(), end.replace(tzinfo=tz).timestamp()


def _safe_id(value: str | None, pattern: re.Pattern[str]) -> str | None:
    """`value` when it is a well-formed pack or card id, else None (never free text)."""
    if value is None or len(value) > _ID_MAX or not pattern.match(value):
        return None
    return value


def count_groups(groups: Iterable[Group], known_apps: Iterable[str]) -> DayCounts:
    """Fold GROUP BY rows (or single events, see `count_events`) into a day's counts.

    An app the installed packs do not know is counted as `other`; a pack or card id that is not
    a well-formed id is not counted per card (an id never carries free text into a report).
    """
    known = frozenset(known_apps)
    counts = DayCounts()
    for kind, pack, card, app, n, zero, unanswered in groups:
        if kind in ("context", "matched") and app is not None:
            name = app if app in known else OTHER_APP
            slot = counts.apps.setdefault(name, [0, 0])
            slot[0 if kind == "context" else 1] += n
        if kind == "search":
            counts.searches += n
            counts.unanswered += unanswered
            counts.zero_results += zero
        elif kind in COUNT_OF_KIND:
            pack_id, card_id = _safe_id(pack, _PACK_RE), _safe_id(card, _CARD_RE)
            if pack_id is not None and card_id is not None:
                per_card = counts.cards.setdefault(
                    (pack_id, card_id), dict.fromkeys(CARD_COUNTS, 0)
                )
                per_card[COUNT_OF_KIND[kind]] += n
    return counts


def count_events(
    events: Iterable[Event], start: float, end: float, known_apps: Iterable[str]
) -> DayCounts:
    """The counts of the events with start <= ts < end (the pure-Python path; see
    store.reports for the SQL one, which gives the same counts)."""
    return count_groups(
        (
            (
                kind,
                pack,
                card,
                app,
                1,
                int(kind == "search" and results == 0),
                int(kind == "search" and not is_answered(answered, results)),
            )
            for ts, kind, pack, card, app, _query, results, answered in events
            if start <= ts < end
        ),
        known_apps,
    )


def is_answered(answered: bool | int | None, results: int | None) -> bool:
    """Whether a logged search was answered (some card matched every word). Searches logged
    before that was recorded (`answered` None) count as answered when they found any card."""
    return bool(answered) if answered is not None else bool(results)


@dataclass(frozen=True, slots=True)
class Noise:
    """Laplace noise on every count, scale 1/epsilon (smaller epsilon: more noise)."""

    epsilon: float
    rng: random.Random = field(default_factory=random.SystemRandom)

    def __post_init__(self) -> None:
        if not (self.epsilon > 0 and math.isfinite(self.epsilon)):
            raise ValueError(f"noise epsilon must be a positive number, got {self.epsilon!r}")

    def apply(self, count: int) -> int:
        """`count` plus Laplace(0, 1/epsilon), rounded, never below 0."""
        u = self.rng.random() - 0.5
        magnitude = -math.log(max(1.0 - 2.0 * abs(u), 1e-300)) / self.epsilon
        return max(0, round(count + math.copysign(magnitude, u)))


def new_batch_id() -> str:
    """A random batch id (UUID4): the collector uses it to ignore a report it already has."""
    return str(uuid.uuid4())


def build_report(
    counts: DayCounts,
    day: dt.date,
    *,
    batch_id: str,
    cohort: str | None = None,
    noise: Noise | None = None,
) -> dict[str, Any]:
    """The report as a JSON-ready dict, cards and apps sorted by id (`other` last)."""
    bump: Callable[[int], int] = noise.apply if noise is not None else int
    cards = [
        {"pack": pack, "card": card, **{k: bump(per[k]) for k in CARD_COUNTS}}
        for (pack, card), per in sorted(counts.cards.items())
    ]
    names = sorted(counts.apps, key=lambda a: (a == OTHER_APP, a))
    apps = [
        {"app": a, "contexts": bump(counts.apps[a][0]), "matched": bump(counts.apps[a][1])}
        for a in names
    ]
    report: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "batch_id": batch_id,
        "day": day.isoformat(),
        "cards": cards,
        "apps": apps,
        "search": {
            "searches": bump(counts.searches),
            "unanswered": bump(counts.unanswered),
            "zero_results": bump(counts.zero_results),  # deprecated: dropped in schema 3
        },
        "noise": None if noise is None else {"epsilon": noise.epsilon},
    }
    if cohort:
        report["cohort"] = cohort
    return report


def canonical_bytes(report: Mapping[str, Any]) -> bytes:
    """The exact bytes sent and previewed: UTF-8 JSON, sorted keys, no spaces."""
    return json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )
