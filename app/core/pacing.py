"""The attention budget: whether a matched card may pop up now, and when to ask again.

Pure decision logic with an injected clock. The app feeds it context changes and ranked
candidates, shows what it allows, reports shows back, and persists `PacingState.to_dict()`.

Windows are sliding: the hour cap counts shows in the last 60 minutes and the day cap shows
in the last 24 hours (not calendar hours or days), so a burst across midnight cannot double up.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from datetime import time as clock_time
from typing import Any

from app.settings import BY_KEY, lookup, parse_value

HOUR = 3600.0
DAY = 86400.0
STATE_VERSION = 1

# The day cap can never need more show times than its largest allowed value.
_MAX_SHOWN = int(BY_KEY["pacing.max_per_day"].maximum or 500)

CardKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PacingConfig:
    """The `pacing.*` settings in the units the pacer works in (seconds, counts)."""

    max_per_context: int
    max_per_hour: int
    max_per_day: int
    min_gap_seconds: float
    card_cooldown_seconds: float
    default_dwell_seconds: float
    quiet_when_fullscreen: bool
    quiet_when_idle_seconds: float  # 0: never quiet for idleness

    def __post_init__(self) -> None:
        for name in (
            "max_per_context",
            "max_per_hour",
            "max_per_day",
            "min_gap_seconds",
            "card_cooldown_seconds",
            "default_dwell_seconds",
            "quiet_when_idle_seconds",
        ):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"PacingConfig.{name}: {value!r} must be a number >= 0")

    @classmethod
    def from_settings(cls, get: Callable[[str], object]) -> PacingConfig:
        """Read and validate every `pacing.*` key through `get` (e.g. `Settings.get`)."""

        def value(key: str) -> Any:
            return parse_value(lookup(key), get(key))

        return cls(
            max_per_context=value("pacing.max_per_context"),
            max_per_hour=value("pacing.max_per_hour"),
            max_per_day=value("pacing.max_per_day"),
            min_gap_seconds=value("pacing.min_gap_minutes") * 60.0,
            card_cooldown_seconds=value("pacing.card_cooldown_days") * DAY,
            default_dwell_seconds=float(value("pacing.default_dwell_seconds")),
            quiet_when_fullscreen=value("pacing.quiet_when_fullscreen"),
            quiet_when_idle_seconds=value("pacing.quiet_when_idle_minutes") * 60.0,
        )

    @classmethod
    def defaults(cls) -> PacingConfig:
        """The schema defaults (the settings schema is the only place defaults live)."""
        return cls.from_settings(lambda key: lookup(key).default)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A matched card in the matcher's ranked order; `dwell` None means the default dwell."""

    pack: str
    card: str
    dwell: float | None = None
    priority: int = 0
    score: float = 0.0

    @property
    def key(self) -> CardKey:
        """(pack id, card id): how cooldowns and "don't show again" name a card."""
        return (self.pack, self.card)


@dataclass(frozen=True, slots=True)
class Decision:
    """What to show now (or None), why, and when asking again could allow a show.

    `reason` is "<code>: <human text>"; `code` is the machine part ("ok", "dwell", "gap", ...).
    `retry_at` is the clock time at which the same question, with no new event, gets a show;
    None when only an event (a new context, unmute, un-fullscreen, input) can change it.
    """

    show: Candidate | None
    reason: str
    retry_at: float | None

    @property
    def code(self) -> str:
        """The machine part of `reason`, e.g. "ok", "dwell", "hour-cap"."""
        return self.reason.split(":", 1)[0]


@dataclass(slots=True)
class PacingState:
    """Everything the decisions depend on; small, bounded and round-trips through plain dicts.

    Holds no window titles: contexts are opaque keys computed by the caller.
    """

    shown: list[float] = field(default_factory=list)  # popup times, oldest first, last 24 h
    card_shown: dict[CardKey, float] = field(default_factory=dict)  # only cards in cooldown
    never: set[CardKey] = field(default_factory=set)
    muted: set[str] = field(default_factory=set)
    snoozed_until: float | None = None
    context_key: str | None = None
    context_app: str | None = None
    context_fullscreen: bool = False
    context_started: float | None = None
    context_shows: int = 0
    last_seen: float | None = None  # the latest clock reading: reveals a clock set back

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; card tables are lists of rows so they map onto SQLite tables."""
        return {
            "version": STATE_VERSION,
            "shown": list(self.shown),
            "card_shown": [[p, c, t] for (p, c), t in sorted(self.card_shown.items())],
            "never": [[p, c] for p, c in sorted(self.never)],
            "muted": sorted(self.muted),
            "snoozed_until": self.snoozed_until,
            "context_key": self.context_key,
            "context_app": self.context_app,
            "context_fullscreen": self.context_fullscreen,
            "context_started": self.context_started,
            "context_shows": self.context_shows,
            "last_seen": self.last_seen,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PacingState:
        """Rebuild a state from `to_dict()` output; missing keys take their empty value.

        Raises ValueError naming the field and what is wrong; a caller that cannot fix the
        stored value can start from `PacingState()` (an empty budget) instead.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"pacing state: expected a mapping, got {type(data).__name__}")
        version = data.get("version", STATE_VERSION)
        if version != STATE_VERSION:
            raise ValueError(
                f"pacing state: version {version!r} is not {STATE_VERSION}; it was written by "
                "another Cuecards version: upgrade, or reset the attention budget"
            )
        state = cls(
            shown=sorted(_time(t, "shown[]") for t in _list(data, "shown")),
            card_shown={
                _card_key(row[:2], "card_shown[]"): _time(row[2], "card_shown[].time")
                for row in (_row(r, 3, "card_shown[]") for r in _list(data, "card_shown"))
            },
            never={_card_key(_row(r, 2, "never[]"), "never[]") for r in _list(data, "never")},
            muted={_text(a, "muted[]") for a in _list(data, "muted")},
            snoozed_until=_opt(data, "snoozed_until", _time),
            context_key=_opt(data, "context_key", _text),
            context_app=_opt(data, "context_app", _text),
            context_fullscreen=_opt(data, "context_fullscreen", _flag) or False,
            context_started=_opt(data, "context_started", _time),
            context_shows=_opt(data, "context_shows", _count) or 0,
            last_seen=_opt(data, "last_seen", _time),
        )
        if state.context_key is not None and state.context_started is None:
            raise ValueError(
                "pacing state: field 'context_started' is missing while 'context_key' is set; "
                "store both or neither"
            )
        return state


def _fail(name: str, expected: str, value: object) -> ValueError:
    return ValueError(f"pacing state: field {name!r}: expected {expected}, got {value!r}")


def _list(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name, [])
    if not isinstance(value, list | tuple):
        raise _fail(name, "a list", value)
    return list(value)


def _row(value: object, size: int, name: str) -> list[Any]:
    if not isinstance(value, list | tuple) or len(value) != size:
        raise _fail(name, f"a row of {size} values", value)
    return list(value)


def _time(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(name, "a finite number of seconds", value)
    return float(value)


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise _fail(name, "a string", value)
    return value


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(name, "true or false", value)
    return value


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(name, "a whole number >= 0", value)
    return value


def _card_key(value: Sequence[object], name: str) -> CardKey:
    return (_text(value[0], name + ".pack"), _text(value[1], name + ".card"))


def _opt(data: Mapping[str, Any], name: str, check: Callable[[object, str], Any]) -> Any:
    value = data.get(name)
    return None if value is None else check(value, name)


def _span(seconds: float) -> str:
    """A short human duration, rounded up: '2 s', '10 min', '3 h', '7 days'."""
    if seconds < 60:
        return f"{math.ceil(seconds)} s"
    if seconds < HOUR:
        return f"{math.ceil(seconds / 60)} min"
    if seconds < 2 * DAY:
        return f"{math.ceil(seconds / HOUR)} h"
    return f"{math.ceil(seconds / DAY)} days"


class Pacer:
    """Applies the attention budget to ranked candidates; owns and updates a `PacingState`.

    `decide()` never records a show: call `record_shown()` once the popup is on screen.
    Replace `pacer.config` when the settings change; persist `pacer.state.to_dict()`.
    """

    def __init__(
        self,
        config: PacingConfig,
        state: PacingState | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.state = state if state is not None else PacingState()
        self._clock = clock

    def _now(self) -> float:
        """Read the clock; if it was set back, move every stored time back by as much.

        Waits then keep their remaining length in elapsed time (no lock-out until the clock
        catches up, no negative waits), and old entries are trimmed so the state stays small.
        """
        now = float(self._clock())
        st = self.state
        if st.last_seen is not None and now < st.last_seen:
            delta = now - st.last_seen
            st.shown = [t + delta for t in st.shown]
            st.card_shown = {k: t + delta for k, t in st.card_shown.items()}
            if st.snoozed_until is not None:
                st.snoozed_until += delta
            if st.context_started is not None:
                st.context_started += delta
        st.last_seen = now
        st.shown = [t for t in st.shown if t + DAY > now][-_MAX_SHOWN:]
        cooldown = self.config.card_cooldown_seconds
        st.card_shown = {k: t for k, t in st.card_shown.items() if t + cooldown > now}
        if st.snoozed_until is not None and st.snoozed_until <= now:
            st.snoozed_until = None
        return now

    def on_context(self, app: str, fullscreen: bool, key: str) -> None:
        """A context began: restart the dwell and the per-context count, unless `key` is current.

        `key` is an opaque identity (e.g. a hash of app and title); a repeat of the current key
        only updates `app` and `fullscreen`, so repeated events do not postpone a popup.
        """
        now = self._now()
        st = self.state
        if key != st.context_key:
            st.context_key = key
            st.context_started = now
            st.context_shows = 0
        st.context_app = app
        st.context_fullscreen = fullscreen

    def decide(
        self,
        candidates: Sequence[Candidate],
        *,
        idle_seconds: float | None = None,
        fullscreen: bool = False,
    ) -> Decision:
        """The first eligible candidate in ranked order, or why none may show and until when.

        Cards in cooldown or marked "never" are skipped; a card whose dwell has not completed
        waits. `fullscreen` adds to the flag given with the context; `idle_seconds` is the
        time since the person's last input (None: unknown, never quiet).
        """
        now = self._now()
        st, cfg = self.state, self.config
        if not candidates:
            return Decision(None, "none: no card matches this window", None)
        if st.context_key is None or st.context_started is None:
            return Decision(None, "no-context: no window change has been reported yet", None)
        if st.context_app is not None and st.context_app in st.muted:
            return Decision(None, f"muted: cards are muted in {st.context_app}", None)
        if cfg.quiet_when_fullscreen and (fullscreen or st.context_fullscreen):
            return Decision(None, "fullscreen: a full-screen window is in front", None)
        limit = cfg.quiet_when_idle_seconds
        if limit > 0 and idle_seconds is not None and idle_seconds > limit:
            return Decision(
                None, f"idle: no input for {_span(idle_seconds)} (quiet after {_span(limit)})", None
            )
        if st.context_shows >= cfg.max_per_context:
            return Decision(
                None,
                f"context-cap: {st.context_shows} popup(s) already shown in this window; "
                "waiting for the next window change",
                None,
            )
        if cfg.max_per_day == 0:
            return Decision(None, "day-cap: popups are turned off (0 per day)", None)
        if cfg.max_per_hour == 0:
            return Decision(None, "hour-cap: popups are turned off (0 per hour)", None)
        live = [c for c in candidates if c.key not in st.never]
        if not live:
            return Decision(None, "never: every matching card was set to 'don't show again'", None)

        waits: list[tuple[float, str]] = []  # (clear time, reason), in reporting order
        if st.snoozed_until is not None:
            waits.append((st.snoozed_until, "snoozed: popups are snoozed"))
        day_clear = self._window_clear(DAY, cfg.max_per_day, now)
        if day_clear > now:
            waits.append((day_clear, f"day-cap: {cfg.max_per_day} popups in the last 24 h"))
        hour_clear = self._window_clear(HOUR, cfg.max_per_hour, now)
        if hour_clear > now:
            waits.append((hour_clear, f"hour-cap: {cfg.max_per_hour} popups in the last hour"))
        if st.shown and st.shown[-1] + cfg.min_gap_seconds > now:
            waits.append(
                (
                    st.shown[-1] + cfg.min_gap_seconds,
                    f"gap: at least {_span(cfg.min_gap_seconds)} between popups",
                )
            )

        card_wait: tuple[float, str] | None = None
        for cand in live:
            last = st.card_shown.get(cand.key)
            cool_end = now if last is None else last + cfg.card_cooldown_seconds
            dwell = cfg.default_dwell_seconds if cand.dwell is None else cand.dwell
            dwell_end = st.context_started + max(0.0, dwell)
            if cool_end <= now and dwell_end <= now:
                if not waits:
                    return Decision(cand, f"ok: {cand.pack}/{cand.card}", None)
                card_wait = None  # a card is ready: only the budget-wide waits remain
                break
            if cool_end > now and cool_end >= dwell_end:
                wait = (
                    cool_end,
                    f"cooldown: each matching card was shown in the last "
                    f"{_span(cfg.card_cooldown_seconds)}",
                )
            else:
                wait = (dwell_end, f"dwell: the window must stay in front for {_span(dwell)}")
            if card_wait is None or wait[0] < card_wait[0]:
                card_wait = wait
        if card_wait is not None:
            waits.append(card_wait)
        until, reason = max(waits, key=lambda w: w[0])  # the wait that ends last binds
        return Decision(None, f"{reason}; next chance in {_span(until - now)}", until)

    def _window_clear(self, span: float, cap: int, now: float) -> float:
        """When fewer than `cap` shows lie in the sliding window of `span` seconds (now if so)."""
        recent = [t for t in self.state.shown if t + span > now]
        if len(recent) < cap:
            return now
        return recent[-cap] + span

    def record_shown(self, pack: str, card: str) -> None:
        """A popup for this card is on screen now: it counts against every cap and cooldown."""
        now = self._now()
        st = self.state
        st.shown.append(now)
        st.shown = st.shown[-_MAX_SHOWN:]
        st.card_shown[(pack, card)] = now
        st.context_shows += 1

    def never_again(self, pack: str, card: str) -> None:
        """The person chose "don't show again" for this card."""
        self.state.never.add((pack, card))

    def mute_app(self, app: str) -> None:
        """The person chose "never in this app"."""
        self.state.muted.add(app)

    def unmute_app(self, app: str) -> None:
        """Cards may show in `app` again."""
        self.state.muted.discard(app)

    def is_muted(self, app: str) -> bool:
        """Whether the person chose "never in this app" for `app`."""
        return app in self.state.muted

    def snooze(self, until: float) -> None:
        """No popups until the clock time `until` (a time already past clears the snooze)."""
        now = self._now()
        self.state.snoozed_until = until if until > now else None

    def unsnooze(self) -> None:
        """End a snooze now."""
        self.state.snoozed_until = None

    @property
    def snoozed_until(self) -> float | None:
        """The end of the current snooze, or None when not snoozed."""
        self._now()
        return self.state.snoozed_until


def tomorrow_morning(now: float, tz: tzinfo, hour: int = 8) -> float:
    """The clock time of `hour`:00 local time on the calendar day after `now` in `tz`.

    Computed on the local calendar, so a DST change overnight gives 11 or 13 hours, not 12.
    """
    day = datetime.fromtimestamp(now, tz).date() + timedelta(days=1)
    return datetime.combine(day, clock_time(hour), tzinfo=tz).timestamp()
