"""Which cards fit the window in front: triggers indexed by app id, title patterns in RE2.

Pure Python over plain entries (the catalog builds them from SQLite), so the companion can
rebuild it after a pack changes and `cuecards match` can explain every result.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
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


_Held = TriggerEntry | tuple[TriggerEntry, ...] | list[TriggerEntry]


@dataclass(slots=True)
class _AppIndex:
    """Everything that can fire for one app id.

    App-only triggers, and the triggers of each title pattern, are kept sorted best first. All
    distinct patterns of the app are tested in one pass per chunk with RE2 Sets built on first
    use (one RE2 search per pattern costs ~2 µs; a few thousand patterns would blow the budget).
    The lists hold the entries themselves (8 bytes a reference); why an app reaches a trigger
    is put in words only for the cards a match returns.
    """

    app_only: list[TriggerEntry] = field(default_factory=list)
    # A pattern's one trigger is held as itself, several as a tuple: most patterns belong to
    # one trigger, and a list per pattern would cost ~60 bytes each.
    # (a list only while the matcher is built).
    by_pattern: dict[str, _Held] = field(default_factory=dict)
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
            index.app_only.sort(key=_entry_key)
            for pattern, held in index.by_pattern.items():
                if isinstance(held, list):
                    index.by_pattern[pattern] = tuple(sorted(held, key=_entry_key))

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
        app_id = ctx.app.strip().lower()
        index = self._apps.get(app_id)
        if index is None or limit <= 0:
            return []
        chosen: dict[tuple[str, str], TriggerEntry] = {}
        matched = [_entries(index.by_pattern[p]) for p in _matching(index, ctx.title)]
        _keep_best(chosen, heapq.merge(*matched, key=_entry_key), limit)
        titled = set(chosen)
        _keep_best(chosen, index.app_only, limit)
        return [self._describe(e, app_id, key in titled) for key, e in chosen.items()]

    def _describe(self, entry: TriggerEntry, app_id: str, titled: bool) -> Match:
        """The Match for a chosen trigger, with its reasons in words."""
        ref = entry.app_ref.strip().lower()
        number = entry.trigger_index + 1
        if self._aliases.get(ref):
            reasons = [f"app '{app_id}' is alias '{ref}' (trigger {number})"]
        else:
            reasons = [f"app '{ref}' (trigger {number})"]
        if titled:
            reasons.append(f"title matches {entry.title_pattern!r}")
        reasons.append(f"priority {entry.priority}")
        return Match(
            pack=entry.pack,
            card=entry.card,
            title=entry.title,
            summary=entry.summary,
            score=(TITLE_BAND if titled else APP_BAND) + entry.priority,
            reasons=reasons,
            dwell=entry.dwell,
            priority=entry.priority,
        )

    def _add(self, entry: TriggerEntry) -> None:
        ref = entry.app_ref.strip().lower()
        for app_id in self._aliases.get(ref) or (ref,):
            index = self._apps.setdefault(app_id, _AppIndex())
            if entry.title_pattern is None:
                index.app_only.append(entry)
            else:
                held = index.by_pattern.get(entry.title_pattern)
                if held is None:
                    index.by_pattern[entry.title_pattern] = entry
                elif isinstance(held, list):
                    held.append(entry)
                else:
                    index.by_pattern[entry.title_pattern] = [*_entries(held), entry]
        self._count += 1


def _entry_key(entry: TriggerEntry) -> tuple[int, str, str, int]:
    return (-entry.priority, entry.pack, entry.card, entry.trigger_index)


def _entries(held: _Held) -> Sequence[TriggerEntry]:
    return held if isinstance(held, tuple | list) else (held,)


def _keep_best(
    chosen: dict[tuple[str, str], TriggerEntry], entries: Iterable[TriggerEntry], limit: int
) -> None:
    """Add the first (best) trigger of each card not chosen yet; entries come best first."""
    for entry in entries:
        if len(chosen) >= limit:
            return
        chosen.setdefault((entry.pack, entry.card), entry)


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
