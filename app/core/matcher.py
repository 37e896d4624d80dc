"""Which cards fit the window in front: triggers indexed by app id, title patterns in RE2.

Pure Python over plain entries (the catalog builds them from SQLite), so the companion can
rebuild it after a pack changes and `cuecards match` can explain every result.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import re2

from app.core.context import Context
from app.core.patterns import re2_options

# Score bands: any title match outranks every app-only trigger; priority (0..100) orders
# within a band.
TITLE_BAND = 1000.0
APP_BAND = 100.0
# Title patterns per RE2 Set.
SET_CHUNK = 256


@dataclass(frozen=True, slots=True)
class TriggerEntry:
    """One trigger of one card, with what the matcher needs to rank and show it."""

    pack: str
    card: str
    title: str
    summary: str
    priority: int
    app_ref: str
    title_pattern: str | None
    dwell: float | None
    trigger_index: int


@dataclass(frozen=True, slots=True)
class Match:
    """A card that fits the context, with its best trigger's dwell and reasons in words."""

    pack: str
    card: str
    title: str
    summary: str
    score: float
    reasons: list[str]
    dwell: float | None
    priority: int


@dataclass(slots=True)
class _Route:
    """A trigger as seen from one app id: the entry and why this app reaches it."""

    entry: TriggerEntry
    app_reason: str


@dataclass(slots=True)
class _AppIndex:
    """Everything that can fire for one app id.

    App-only routes, and the routes of each title pattern, are kept sorted best first. All
    distinct patterns of the app are tested in one pass per chunk with RE2 Sets built on first
    use (one RE2 search per pattern costs ~2 µs; a few thousand patterns would blow the budget).
    """

    app_only: list[_Route] = field(default_factory=list)
    by_pattern: dict[str, list[_Route]] = field(default_factory=dict)
    sets: list[tuple[re2.Set, list[str]]] | None = None


class Matcher:
    """Ranks the cards whose triggers fit a Context; cost depends only on the app in front."""

    def __init__(
        self, entries: Iterable[TriggerEntry], aliases: Mapping[str, Iterable[str]]
    ) -> None:
        self._aliases = {
            alias.strip().lower(): tuple(sorted({i.strip().lower() for i in ids}))
            for alias, ids in aliases.items()
        }
        self._apps: dict[str, _AppIndex] = {}
        self._count = 0
        for entry in entries:
            self._add(entry)
        for index in self._apps.values():
            index.app_only.sort(key=_route_key)
            for routes in index.by_pattern.values():
                routes.sort(key=_route_key)

    def __len__(self) -> int:
        """How many triggers the matcher holds."""
        return self._count

    @property
    def app_ids(self) -> frozenset[str]:
        """Every app id some trigger can fire for."""
        return frozenset(self._apps)

    def match(self, ctx: Context, limit: int = 10) -> list[Match]:
        """The best `limit` cards for this context, one per card, best first.

        A trigger whose title pattern matched beats an app-only trigger, then priority decides,
        then pack and card id. A trigger with a pattern that does not match never fires.
        """
        index = self._apps.get(ctx.app.strip().lower())
        if index is None or limit <= 0:
            return []
        chosen: dict[tuple[str, str], Match] = {}
        matched = [index.by_pattern[pattern] for pattern in _matching(index, ctx.title)]
        for route in heapq.merge(*matched, key=_route_key):
            if len(chosen) >= limit:
                break
            _choose(chosen, route, titled=True)
        for route in index.app_only:
            if len(chosen) >= limit:
                break
            _choose(chosen, route, titled=False)
        return list(chosen.values())

    def _add(self, entry: TriggerEntry) -> None:
        ref = entry.app_ref.strip().lower()
        number = entry.trigger_index + 1
        ids = self._aliases.get(ref)
        targets = (
            [(app_id, f"app '{app_id}' is alias '{ref}' (trigger {number})") for app_id in ids]
            if ids
            else [(ref, f"app '{ref}' (trigger {number})")]
        )
        for app_id, reason in targets:
            index = self._apps.setdefault(app_id, _AppIndex())
            route = _Route(entry, reason)
            if entry.title_pattern is None:
                index.app_only.append(route)
            else:
                index.by_pattern.setdefault(entry.title_pattern, []).append(route)
        self._count += 1


def _route_key(route: _Route) -> tuple[int, str, str, int]:
    entry = route.entry
    return (-entry.priority, entry.pack, entry.card, entry.trigger_index)


def _choose(chosen: dict[tuple[str, str], Match], route: _Route, titled: bool) -> None:
    """Keep the first (best) trigger of each card; routes arrive best first."""
    entry = route.entry
    key = (entry.pack, entry.card)
    if key in chosen:
        return
    reasons = [route.app_reason]
    if titled:
        reasons.append(f"title matches {entry.title_pattern!r}")
    reasons.append(f"priority {entry.priority}")
    chosen[key] = Match(
        pack=entry.pack,
        card=entry.card,
        title=entry.title,
        summary=entry.summary,
        score=(TITLE_BAND if titled else APP_BAND) + entry.priority,
        reasons=reasons,
        dwell=entry.dwell,
        priority=entry.priority,
    )


def _matching(index: _AppIndex, title: str) -> list[str]:
    """The app's title patterns that match `title` (searched anywhere in it)."""
    if not index.by_pattern:
        return []
    if index.sets is None:
        index.sets = _compile(list(index.by_pattern))
    found: list[str] = []
    for regex_set, patterns in index.sets:
        found.extend(patterns[i] for i in regex_set.Match(title) or ())
    return found


def _compile(patterns: list[str]) -> list[tuple[re2.Set, list[str]]]:
    """RE2 Sets of at most SET_CHUNK patterns each, with the model's quiet RE2 options.

    Chunks keep every Set's DFA small, well inside RE2's memory budget. A pattern RE2 rejects
    cannot come from a validated pack; it is left out and never matches.
    """
    sets: list[tuple[re2.Set, list[str]]] = []
    chunk: list[str] = []
    regex_set = re2.Set.SearchSet(re2_options())
    for pattern in patterns:
        try:
            regex_set.Add(pattern)
        except re2.error:
            continue
        chunk.append(pattern)
        if len(chunk) == SET_CHUNK:
            regex_set.Compile()
            sets.append((regex_set, chunk))
            chunk, regex_set = [], re2.Set.SearchSet(re2_options())
    if chunk:
        regex_set.Compile()
        sets.append((regex_set, chunk))
    return sets
