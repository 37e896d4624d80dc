"""Dry runs for authors: which card fires on a window, and a replay of a recorded session.

`cuecards pack test --replay FILE` feeds the lines of `cuecards watch --json` (one object per
window change: `ts` in ISO 8601 UTC or epoch seconds, `app`, `title`, optional `fullscreen`)
through the matcher and the real attention budget (`Pacer`) on a simulated clock that follows
the recorded times: between two window changes the clock jumps to whenever the pacer says a
show could become possible (dwell done, gap over), so the replay shows what would have popped
up and when, in no time. Pure: no Qt, no database, nothing stored.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from app.core.context import Context
from app.core.matcher import Match, Matcher, TriggerEntry
from app.core.model import Pack
from app.core.pacing import Candidate, Pacer, PacingConfig
from app.core.problems import Problem

# What the recording leaves open after its last window change, in seconds.
DEFAULT_TAIL = 60.0
# Candidates the pacer sees per window (the companion asks the matcher for as many).
CANDIDATES = 10
# Decisions per window at most: every one either shows a card or moves the clock forward.
_MAX_STEPS = 1000


def matcher_for(
    packs: Sequence[Pack], aliases: Mapping[str, Iterable[str]], include_drafts: bool = True
) -> Matcher:
    """A Matcher over the cards of loaded (not installed) packs; drafts in by default, since
    the author wants to see them fire before anyone else does."""
    merged: dict[str, set[str]] = {a: set(ids) for a, ids in aliases.items()}
    entries: list[TriggerEntry] = []
    for pack in packs:
        for alias, ids in pack.manifest.apps.items():
            merged.setdefault(alias, set()).update(ids)
        for card in pack.cards:
            front = card.front
            if front.status == "draft" and not include_drafts:
                continue
            entries.extend(
                TriggerEntry(
                    pack=pack.id,
                    card=front.id,
                    title=front.title,
                    summary=front.summary,
                    priority=front.priority,
                    app_ref=trigger.app,
                    title_pattern=trigger.title,
                    dwell=trigger.dwell,
                    trigger_index=i,
                )
                for i, trigger in enumerate(front.triggers)
            )
    return Matcher(entries, merged)


@dataclass(frozen=True, slots=True)
class WindowEvent:
    """One recorded window change: when (epoch seconds), app id, title, full screen."""

    at: float
    app: str
    title: str
    fullscreen: bool = False


@dataclass(frozen=True, slots=True)
class Popup:
    """A card that would have popped up, and when."""

    at: float
    pack: str
    card: str
    title: str


@dataclass(slots=True)
class Step:
    """One window of the replay: what matched, what popped up and, if nothing, why not."""

    event: WindowEvent
    matched: list[Match]
    popups: list[Popup] = field(default_factory=list)
    quiet: str | None = None


def parse_watch(lines: Iterable[str], file: str) -> tuple[list[WindowEvent], list[Problem]]:
    """Window changes from `watch --json` lines; bad lines are reported and skipped.

    Blank lines are ignored; events come back in time order (a stable sort).
    """
    events: list[WindowEvent] = []
    problems: list[Problem] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            events.append(_event(json.loads(line)))
        except (ValueError, TypeError) as exc:
            problems.append(
                Problem(
                    file=file,
                    line=number,
                    message=f"not a window change: {exc}",
                    hint="record sessions with: cuecards watch --json > session.jsonl",
                )
            )
    events.sort(key=lambda e: e.at)
    return events, problems


def _event(row: object) -> WindowEvent:
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    app, title = row.get("app"), row.get("title", "")
    if not isinstance(app, str):
        raise ValueError("'app' must be a string")
    if not isinstance(title, str):
        raise ValueError("'title' must be a string")
    return WindowEvent(
        _timestamp(row.get("ts")), app.strip().lower(), title, row.get("fullscreen") is True
    )


def _timestamp(value: object) -> float:
    """Epoch seconds from an ISO 8601 time ('…Z' or with an offset) or a number."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        when = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        return when.timestamp()
    raise ValueError(f"'ts' must be an ISO 8601 time or epoch seconds, got {value!r}")


def replay(
    events: Sequence[WindowEvent],
    matcher: Matcher,
    config: PacingConfig,
    *,
    tail: float = DEFAULT_TAIL,
) -> list[Step]:
    """What would have popped up over the recorded session, under a fresh attention budget."""
    now = [events[0].at if events else 0.0]
    pacer = Pacer(config, clock=lambda: now[0])
    steps: list[Step] = []
    for i, event in enumerate(events):
        now[0] = max(now[0], event.at)
        last = i + 1 == len(events)
        end = event.at + tail if last else events[i + 1].at
        pacer.on_context(event.app, event.fullscreen, f"{event.app}\0{event.title}")
        context = Context(event.app, event.title, "replay", fullscreen=event.fullscreen)
        matched = matcher.match(context, limit=CANDIDATES)
        candidates = [Candidate(m.pack, m.card, m.dwell, m.priority, m.score) for m in matched]
        titles = {(m.pack, m.card): m.title for m in matched}
        step = Step(event, matched)
        for _ in range(_MAX_STEPS):
            decision = pacer.decide(candidates, fullscreen=event.fullscreen)
            shown = decision.show
            if shown is not None:
                step.popups.append(Popup(now[0], shown.pack, shown.card, titles[shown.key]))
                pacer.record_shown(shown.pack, shown.card)
                continue
            retry = decision.retry_at
            if retry is not None and now[0] < retry < end:
                now[0] = retry
                continue
            if not step.popups and matched:
                step.quiet = _quiet_reason(decision.reason, retry, end, event.at, last)
            break
        steps.append(step)
    return steps


def _quiet_reason(reason: str, retry: float | None, end: float, start: float, last: bool) -> str:
    if retry is None or retry < end:
        return reason
    head = reason.split("; next chance", 1)[0]
    if last:
        return f"{head}; the recording ends first"
    return f"{head}; the window changed after {end - start:.1f} s"
