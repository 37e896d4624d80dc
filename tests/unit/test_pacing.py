"""The attention budget: caps, gap, cooldown, dwell, quiet states, persistence and clock jumps.

Every test drives `Pacer` with a fake clock. Hour and day caps are sliding windows (the last
60 minutes, the last 24 hours), which the tests below pin down against calendar boundaries.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.pacing import (
    DAY,
    HOUR,
    Candidate,
    Decision,
    Pacer,
    PacingConfig,
    PacingState,
    tomorrow_morning,
)
from app.settings import SCHEMA, SettingError, Settings

MIN = 60.0
BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN).timestamp()  # a Monday morning


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


_keys = itertools.count()


def make(**overrides: object) -> tuple[Pacer, FakeClock]:
    clock = FakeClock()
    return Pacer(replace(PacingConfig.defaults(), **overrides), PacingState(), clock), clock


def card(name: str, dwell: float | None = None, pack: str = "acme.finance") -> Candidate:
    return Candidate(pack, name, dwell, 50, 1.0)


def new_context(pacer: Pacer, app: str = "excel", fullscreen: bool = False) -> str:
    key = f"ctx-{next(_keys)}"
    pacer.on_context(app, fullscreen, key)
    return key


def show(pacer: Pacer, clock: FakeClock, *cands: Candidate, app: str = "excel") -> Candidate:
    """A window change, the default dwell, a decision that must show, and the show recorded."""
    new_context(pacer, app)
    clock.advance(pacer.config.default_dwell_seconds)
    decision = pacer.decide(cands)
    assert decision.code == "ok", decision
    assert decision.show is not None
    pacer.record_shown(decision.show.pack, decision.show.card)
    return decision.show


def roundtrip(pacer: Pacer, clock: FakeClock) -> Pacer:
    """The app restarting: state saved as JSON, read back into a fresh pacer."""
    saved = json.dumps(pacer.state.to_dict())
    return Pacer(pacer.config, PacingState.from_dict(json.loads(saved)), clock)


# --- configuration -------------------------------------------------------------------------


def test_config_defaults_come_from_the_settings_schema() -> None:
    cfg = PacingConfig.defaults()
    assert cfg.max_per_context == 1
    assert cfg.max_per_hour == 4
    assert cfg.max_per_day == 12
    assert cfg.min_gap_seconds == 10 * MIN
    assert cfg.card_cooldown_seconds == 7 * DAY
    assert cfg.default_dwell_seconds == 2.0
    assert cfg.quiet_when_fullscreen is True
    assert cfg.quiet_when_idle_seconds == 5 * MIN


def test_config_reads_the_persons_settings(tmp_path) -> None:
    s = Settings(tmp_path)
    s.set("pacing.max_per_hour", "2")
    s.set("pacing.min_gap_minutes", "30")
    s.set("pacing.card_cooldown_days", "1.5")
    s.set("pacing.quiet_when_idle_minutes", "0")
    cfg = PacingConfig.from_settings(s.get)
    assert (cfg.max_per_hour, cfg.min_gap_seconds) == (2, 30 * MIN)
    assert cfg.card_cooldown_seconds == 1.5 * DAY
    assert cfg.quiet_when_idle_seconds == 0


def test_config_from_a_bad_mapping_names_the_key() -> None:
    values = {s.key: s.default for s in SCHEMA if s.key.startswith("pacing.")}
    values["pacing.max_per_day"] = -3
    with pytest.raises(SettingError, match=r"pacing\.max_per_day: -3 is below the minimum 0"):
        PacingConfig.from_settings(values.__getitem__)


def test_config_refuses_negative_values_built_by_hand() -> None:
    with pytest.raises(ValueError, match="min_gap_seconds"):
        replace(PacingConfig.defaults(), min_gap_seconds=-1.0)


# --- dwell -----------------------------------------------------------------------------------


def test_default_dwell_waits_two_seconds_and_retry_at_is_the_dwell_end() -> None:
    pacer, clock = make()
    new_context(pacer)
    decision = pacer.decide([card("pivot-refresh")])
    assert decision.show is None
    assert decision.code == "dwell"
    assert decision.retry_at == T0 + 2.0
    clock.advance(1.9)
    assert pacer.decide([card("pivot-refresh")]).code == "dwell"
    clock.t = decision.retry_at
    ok = pacer.decide([card("pivot-refresh")])
    assert ok.code == "ok" and ok.show == card("pivot-refresh")
    assert ok.retry_at is None


def test_trigger_dwell_overrides_the_default() -> None:
    pacer, clock = make()
    new_context(pacer)
    slow = card("vlookup", dwell=8.0)
    assert pacer.decide([slow]).retry_at == T0 + 8.0
    clock.advance(2.0)
    assert pacer.decide([slow]).code == "dwell"
    clock.advance(6.0)
    assert pacer.decide([slow]).show == slow


def test_zero_dwell_shows_at_once() -> None:
    pacer, _ = make()
    new_context(pacer)
    assert pacer.decide([card("now", dwell=0.0)]).code == "ok"


def test_repeated_event_for_the_same_context_does_not_restart_the_dwell() -> None:
    pacer, clock = make()
    pacer.on_context("excel", False, "same")
    clock.advance(1.5)
    pacer.on_context("excel", False, "same")
    clock.advance(0.5)
    assert pacer.decide([card("pivot-refresh")]).code == "ok"


def test_a_new_context_restarts_the_dwell() -> None:
    pacer, clock = make()
    pacer.on_context("excel", False, "a")
    clock.advance(1.5)
    pacer.on_context("excel", False, "b")
    clock.advance(0.5)
    decision = pacer.decide([card("pivot-refresh")])
    assert decision.code == "dwell"
    assert decision.retry_at == T0 + 1.5 + 2.0


def test_a_lower_ranked_card_whose_dwell_is_done_shows_before_a_slower_one() -> None:
    pacer, clock = make()
    new_context(pacer)
    clock.advance(2.0)
    decision = pacer.decide([card("slow", dwell=30.0), card("quick")])
    assert decision.show == card("quick")


def test_while_every_dwell_runs_retry_at_is_the_earliest_dwell_end() -> None:
    pacer, _ = make()
    new_context(pacer)
    decision = pacer.decide([card("slow", dwell=30.0), card("medium", dwell=5.0)])
    assert decision.code == "dwell"
    assert decision.retry_at == T0 + 5.0


# --- one popup per context change ------------------------------------------------------------


def test_second_candidate_in_the_same_context_waits_for_the_next_context() -> None:
    pacer, clock = make(min_gap_seconds=0.0)
    show(pacer, clock, card("first"), card("second"))
    clock.advance(HOUR)
    decision = pacer.decide([card("second")])
    assert decision.code == "context-cap"
    assert decision.retry_at is None
    new_context(pacer)
    clock.advance(2.0)
    assert pacer.decide([card("second")]).show == card("second")


def test_repeated_event_after_a_show_keeps_the_context_cap() -> None:
    pacer, clock = make(min_gap_seconds=0.0)
    pacer.on_context("excel", False, "budget")
    clock.advance(2.0)
    pacer.record_shown("acme.finance", "first")
    pacer.on_context("excel", False, "budget")
    assert pacer.decide([card("second")]).code == "context-cap"


def test_switching_away_and_back_is_a_new_context() -> None:
    pacer, clock = make(min_gap_seconds=0.0)
    pacer.on_context("excel", False, "budget")
    clock.advance(2.0)
    pacer.record_shown("acme.finance", "first")
    pacer.on_context("outlook", False, "inbox")
    pacer.on_context("excel", False, "budget")
    clock.advance(2.0)
    assert pacer.decide([card("second")]).code == "ok"


def test_max_per_context_two_allows_a_second_popup_in_one_context() -> None:
    pacer, clock = make(min_gap_seconds=0.0, max_per_context=2)
    show(pacer, clock, card("first"))
    assert pacer.decide([card("second")]).code == "ok"
    pacer.record_shown("acme.finance", "second")
    assert pacer.decide([card("third")]).code == "context-cap"


# --- gap and caps ----------------------------------------------------------------------------


def test_min_gap_between_popups() -> None:
    pacer, clock = make()
    show(pacer, clock, card("one"))
    shown_at = clock.t
    clock.advance(5 * MIN)
    new_context(pacer)
    clock.advance(2.0)
    decision = pacer.decide([card("two")])
    assert decision.code == "gap"
    assert decision.retry_at == shown_at + 10 * MIN
    clock.t = decision.retry_at
    assert pacer.decide([card("two")]).code == "ok"


def test_hour_cap_is_a_sliding_sixty_minutes_not_the_clock_hour() -> None:
    pacer, clock = make(min_gap_seconds=0.0)
    clock.t = datetime(2026, 3, 2, 10, 50, tzinfo=BERLIN).timestamp()
    times = []
    for i in range(4):
        show(pacer, clock, card(f"c{i}"))
        times.append(clock.t)
        clock.advance(MIN)
    clock.t = datetime(2026, 3, 2, 11, 5, tzinfo=BERLIN).timestamp()  # a new clock hour
    new_context(pacer)
    clock.advance(2.0)
    decision = pacer.decide([card("c4")])
    assert decision.code == "hour-cap"
    assert decision.retry_at == times[0] + HOUR
    clock.t = decision.retry_at
    assert pacer.decide([card("c4")]).code == "ok"


def test_day_cap_is_a_rolling_24_hours_across_midnight() -> None:
    pacer, clock = make(min_gap_seconds=0.0, max_per_hour=100)
    clock.t = datetime(2026, 3, 2, 22, 0, tzinfo=BERLIN).timestamp()
    first = None
    for i in range(12):
        show(pacer, clock, card(f"c{i}"))
        first = first or clock.t
        clock.advance(5 * MIN)
    clock.t = datetime(2026, 3, 3, 8, 0, tzinfo=BERLIN).timestamp()  # a new calendar day
    new_context(pacer)
    clock.advance(2.0)
    decision = pacer.decide([card("c12")])
    assert decision.code == "day-cap"
    assert decision.retry_at == first + DAY
    clock.t = decision.retry_at - 1
    assert pacer.decide([card("c12")]).code == "day-cap"
    clock.t = decision.retry_at
    assert pacer.decide([card("c12")]).code == "ok"


def test_caps_count_all_packs_together() -> None:
    pacer, clock = make(min_gap_seconds=0.0, max_per_hour=2)
    show(pacer, clock, card("a", pack="acme.finance"))
    show(pacer, clock, card("b", pack="acme.sales"))
    new_context(pacer)
    clock.advance(2.0)
    assert pacer.decide([card("c", pack="acme.hr")]).code == "hour-cap"


def test_zero_caps_turn_popups_off_without_a_timer() -> None:
    for field, code in (("max_per_hour", "hour-cap"), ("max_per_day", "day-cap")):
        pacer, clock = make(**{field: 0})
        new_context(pacer)
        clock.advance(2.0)
        decision = pacer.decide([card("x")])
        assert (decision.code, decision.retry_at) == (code, None)
    pacer, clock = make(max_per_context=0)
    new_context(pacer)
    clock.advance(2.0)
    assert pacer.decide([card("x")]).code == "context-cap"


def test_the_wait_that_ends_last_is_the_reason_and_the_retry_time() -> None:
    pacer, clock = make()
    show(pacer, clock, card("one"))
    pacer.snooze(clock.t + HOUR)
    new_context(pacer)
    decision = pacer.decide([card("two")])  # dwell, gap and snooze all apply
    assert decision.code == "snoozed"
    assert decision.retry_at == T0 + 2.0 + HOUR


# --- cooldown and never ----------------------------------------------------------------------


def test_a_card_rests_for_seven_days_after_it_was_shown() -> None:
    pacer, clock = make()
    show(pacer, clock, card("pivot-refresh"))
    shown_at = clock.t
    clock.advance(DAY)
    new_context(pacer)
    clock.advance(2.0)
    decision = pacer.decide([card("pivot-refresh")])
    assert decision.code == "cooldown"
    assert decision.retry_at == shown_at + 7 * DAY
    clock.t = decision.retry_at
    assert pacer.decide([card("pivot-refresh")]).code == "ok"


def test_cards_in_cooldown_or_never_are_skipped_in_ranked_order() -> None:
    pacer, clock = make(min_gap_seconds=0.0)
    show(pacer, clock, card("rested"))
    pacer.never_again("acme.finance", "hated")
    clock.advance(HOUR)
    new_context(pacer)
    clock.advance(2.0)
    ranked = [card("hated"), card("rested"), card("fresh"), card("also-fresh")]
    assert pacer.decide(ranked).show == card("fresh")


def test_cooldown_is_per_pack_and_card() -> None:
    pacer, clock = make(min_gap_seconds=0.0)
    show(pacer, clock, card("intro", pack="acme.finance"))
    assert show(pacer, clock, card("intro", pack="acme.sales")).pack == "acme.sales"


def test_with_every_card_resting_retry_at_is_the_first_cooldown_end() -> None:
    pacer, clock = make(min_gap_seconds=0.0)
    show(pacer, clock, card("a"))
    a_at = clock.t
    clock.advance(DAY)
    show(pacer, clock, card("b"))
    new_context(pacer)
    clock.advance(2.0)
    decision = pacer.decide([card("b"), card("a")])
    assert decision.code == "cooldown"
    assert decision.retry_at == a_at + 7 * DAY


def test_never_again_is_forever() -> None:
    pacer, clock = make()
    pacer.never_again("acme.finance", "pivot-refresh")
    new_context(pacer)
    clock.advance(365 * DAY)
    decision = pacer.decide([card("pivot-refresh")])
    assert (decision.code, decision.retry_at) == ("never", None)


# --- quiet states ----------------------------------------------------------------------------


def test_snooze_blocks_until_its_end_then_expires() -> None:
    pacer, clock = make()
    pacer.snooze(T0 + 30 * MIN)
    assert pacer.snoozed_until == T0 + 30 * MIN
    new_context(pacer)
    clock.advance(2.0)
    decision = pacer.decide([card("x")])
    assert decision.code == "snoozed"
    assert decision.retry_at == T0 + 30 * MIN
    clock.t = decision.retry_at
    assert pacer.decide([card("x")]).code == "ok"
    assert pacer.snoozed_until is None


def test_unsnooze_allows_popups_at_once() -> None:
    pacer, clock = make()
    pacer.snooze(T0 + DAY)
    new_context(pacer)
    clock.advance(2.0)
    pacer.unsnooze()
    assert pacer.snoozed_until is None
    assert pacer.decide([card("x")]).code == "ok"


def test_a_snooze_in_the_past_is_no_snooze() -> None:
    pacer, _ = make()
    pacer.snooze(T0 - 1)
    assert pacer.snoozed_until is None


def test_muted_app_is_quiet_other_apps_are_not() -> None:
    pacer, clock = make()
    pacer.mute_app("excel")
    assert pacer.is_muted("excel") and not pacer.is_muted("outlook")
    new_context(pacer, "excel")
    clock.advance(2.0)
    decision = pacer.decide([card("x")])
    assert (decision.code, decision.retry_at) == ("muted", None)
    new_context(pacer, "outlook")
    clock.advance(2.0)
    assert pacer.decide([card("x")]).code == "ok"
    pacer.unmute_app("excel")
    assert not pacer.is_muted("excel")
    new_context(pacer, "excel")
    clock.advance(2.0)
    assert pacer.decide([card("x")]).code == "ok"


def test_fullscreen_context_is_quiet() -> None:
    pacer, clock = make()
    new_context(pacer, fullscreen=True)
    clock.advance(2.0)
    decision = pacer.decide([card("x")])
    assert (decision.code, decision.retry_at) == ("fullscreen", None)


def test_leaving_fullscreen_in_the_same_context_keeps_the_dwell() -> None:
    pacer, clock = make()
    pacer.on_context("libreoffice-impress", True, "slides")
    clock.advance(2.0)
    pacer.on_context("libreoffice-impress", False, "slides")
    assert pacer.decide([card("x")]).code == "ok"


def test_fullscreen_reported_at_decision_time_is_quiet() -> None:
    pacer, clock = make()
    new_context(pacer)
    clock.advance(2.0)
    assert pacer.decide([card("x")], fullscreen=True).code == "fullscreen"
    assert pacer.decide([card("x")], fullscreen=False).code == "ok"


def test_fullscreen_quiet_can_be_turned_off() -> None:
    pacer, clock = make(quiet_when_fullscreen=False)
    new_context(pacer, fullscreen=True)
    clock.advance(2.0)
    assert pacer.decide([card("x")], fullscreen=True).code == "ok"


def test_idle_longer_than_the_setting_is_quiet() -> None:
    pacer, clock = make()
    new_context(pacer)
    clock.advance(2.0)
    decision = pacer.decide([card("x")], idle_seconds=6 * MIN)
    assert (decision.code, decision.retry_at) == ("idle", None)
    assert pacer.decide([card("x")], idle_seconds=5 * MIN).code == "ok"
    assert pacer.decide([card("x")], idle_seconds=None).code == "ok"


def test_idle_zero_never_quiets() -> None:
    pacer, clock = make(quiet_when_idle_seconds=0.0)
    new_context(pacer)
    clock.advance(2.0)
    assert pacer.decide([card("x")], idle_seconds=10 * DAY).code == "ok"


def test_no_candidates_or_no_context_show_nothing() -> None:
    pacer, clock = make()
    assert pacer.decide([card("x")]).code == "no-context"
    new_context(pacer)
    clock.advance(2.0)
    assert pacer.decide([]) == Decision(None, "none: no card matches this window", None)


def test_reason_carries_a_code_and_human_text() -> None:
    pacer, clock = make()
    show(pacer, clock, card("one"))
    clock.advance(3 * MIN)
    new_context(pacer)
    clock.advance(2.0)
    decision = pacer.decide([card("two")])
    assert decision.reason.startswith("gap: at least 10 min between popups")
    assert decision.reason.endswith("next chance in 7 min")


# --- persistence -----------------------------------------------------------------------------


def test_state_round_trip_preserves_every_decision() -> None:
    pacer, clock = make()
    show(pacer, clock, card("shown-today"))
    pacer.never_again("acme.finance", "hated")
    pacer.mute_app("outlook")
    pacer.snooze(clock.t + 20 * MIN)
    pacer.on_context("excel", False, "budget")
    restored = roundtrip(pacer, clock)
    assert restored.state == pacer.state
    probes = [
        [card("shown-today")],
        [card("hated")],
        [card("fresh")],
        [card("hated"), card("shown-today"), card("fresh")],
    ]
    for step in (0.0, 1.0, 2.0, 15 * MIN, 25 * MIN, 8 * DAY):
        clock.t = T0 + 2.0 + step
        for probe in probes:
            assert restored.decide(probe) == pacer.decide(probe)
    for p in (pacer, restored):
        p.on_context("outlook", False, "inbox")
    clock.advance(2.0)
    assert restored.decide([card("fresh")]) == pacer.decide([card("fresh")])
    assert pacer.decide([card("fresh")]).code == "muted"


def test_restart_in_the_same_context_does_not_show_again() -> None:
    pacer, clock = make(min_gap_seconds=0.0)
    pacer.on_context("excel", False, "budget")
    clock.advance(2.0)
    pacer.record_shown("acme.finance", "first")
    restored = roundtrip(pacer, clock)
    restored.on_context("excel", False, "budget")  # the watcher reports the window again
    clock.advance(HOUR)
    assert restored.decide([card("second")]).code == "context-cap"


def test_state_dict_is_plain_json_without_titles() -> None:
    pacer, clock = make()
    show(pacer, clock, card("x"))
    data = pacer.state.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["card_shown"] == [["acme.finance", "x", clock.t]]
    assert set(data) == {
        "version",
        "shown",
        "card_shown",
        "never",
        "muted",
        "snoozed_until",
        "context_key",
        "context_app",
        "context_fullscreen",
        "context_started",
        "context_shows",
        "last_seen",
    }


def test_empty_dict_is_a_fresh_budget() -> None:
    assert PacingState.from_dict({}) == PacingState()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"shown": "yesterday"}, r"field 'shown': expected a list, got 'yesterday'"),
        ({"shown": [1.0, "x"]}, r"field 'shown\[\]': expected a finite number"),
        ({"card_shown": [["p", "c"]]}, r"field 'card_shown\[\]': expected a row of 3 values"),
        ({"never": [["p", 3]]}, r"field 'never\[\].card': expected a string, got 3"),
        ({"context_shows": -1}, r"field 'context_shows': expected a whole number >= 0"),
        ({"snoozed_until": float("nan")}, r"field 'snoozed_until': expected a finite number"),
        ({"context_key": "k"}, r"'context_started' is missing while 'context_key' is set"),
        ({"version": 99}, r"version 99 is not 1; it was written by another Cuecards version"),
    ],
)
def test_bad_stored_state_names_the_field(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PacingState.from_dict(data)


def test_state_stays_small_after_a_year_of_popups() -> None:
    pacer, clock = make(min_gap_seconds=0.0, max_per_hour=100, max_per_day=12)
    for day in range(365):
        for i in range(12):
            show(pacer, clock, card(f"d{day}-c{i}"))
        clock.advance(DAY - 12 * 2.0)
    assert len(pacer.state.shown) <= 12
    assert len(pacer.state.card_shown) <= 12 * 8
    assert len(json.dumps(pacer.state.to_dict())) < 10_000


# --- the clock moving backwards --------------------------------------------------------------


def test_clock_set_back_keeps_the_remaining_gap_not_a_longer_one() -> None:
    pacer, clock = make()
    show(pacer, clock, card("one"))
    clock.advance(4 * MIN)
    assert pacer.decide([card("two")]).code == "context-cap"  # the pacer sees 4 min pass
    clock.advance(-DAY)  # someone sets the clock back a day
    jumped_at = clock.t
    new_context(pacer)
    clock.advance(2.0)
    decision = pacer.decide([card("two")])
    assert decision.code == "gap"
    assert decision.retry_at == jumped_at + 6 * MIN
    clock.t = decision.retry_at
    assert pacer.decide([card("two")]).code == "ok"


def test_clock_set_back_unobserved_waits_at_most_one_full_gap() -> None:
    pacer, clock = make()
    show(pacer, clock, card("one"))
    clock.advance(4 * MIN - 10 * DAY)  # 4 min nobody asked about, then the clock set back
    new_context(pacer)
    decision = pacer.decide([card("two")])
    assert decision.code == "gap"
    assert clock.t < decision.retry_at <= clock.t + 10 * MIN


def test_clock_set_back_a_year_does_not_lock_out_a_snooze_or_a_cooldown() -> None:
    pacer, clock = make(min_gap_seconds=0.0)
    show(pacer, clock, card("pivot-refresh"))
    pacer.snooze(clock.t + HOUR)
    clock.advance(-365 * DAY)
    assert pacer.snoozed_until == clock.t + HOUR
    new_context(pacer)
    clock.advance(HOUR + 2.0)
    assert pacer.decide([card("pivot-refresh")]).code == "cooldown"
    assert pacer.decide([card("other")]).code == "ok"
    clock.advance(7 * DAY)
    assert pacer.decide([card("pivot-refresh")]).code == "ok"


def test_clock_set_back_during_the_dwell_never_gives_a_past_or_negative_wait() -> None:
    pacer, clock = make()
    new_context(pacer)
    clock.advance(1.0)
    assert pacer.decide([card("x")]).code == "dwell"
    clock.advance(-10 * MIN)
    decision = pacer.decide([card("x")])
    assert decision.code == "dwell"
    assert decision.retry_at == clock.t + 1.0
    clock.t = decision.retry_at
    assert pacer.decide([card("x")]).code == "ok"


def test_restart_with_the_clock_set_back_is_handled_like_a_running_app() -> None:
    pacer, clock = make()
    show(pacer, clock, card("one"))
    clock.advance(-30 * DAY)
    restored = roundtrip(pacer, clock)
    new_context(restored)
    clock.advance(10 * MIN)
    assert restored.decide([card("two")]).code == "ok"


# --- snooze until tomorrow -------------------------------------------------------------------


def _local(tz: ZoneInfo, *args: int) -> float:
    return datetime(*args, tzinfo=tz).timestamp()


@pytest.mark.parametrize(
    ("tz", "now", "expected", "hours"),
    [
        ("Europe/Berlin", (2026, 3, 2, 17, 30), (2026, 3, 3, 8, 0), 14.5),
        ("Europe/Berlin", (2026, 3, 2, 0, 30), (2026, 3, 3, 8, 0), 31.5),
        ("Europe/Berlin", (2026, 3, 28, 20, 0), (2026, 3, 29, 8, 0), 11),  # clocks go forward
        ("Europe/Berlin", (2026, 10, 24, 20, 0), (2026, 10, 25, 8, 0), 13),  # clocks go back
        ("America/New_York", (2026, 3, 7, 20, 0), (2026, 3, 8, 8, 0), 11),
        ("America/New_York", (2026, 12, 31, 23, 0), (2027, 1, 1, 8, 0), 9),
    ],
)
def test_tomorrow_morning_is_eight_local_time_across_dst(tz, now, expected, hours) -> None:
    zone = ZoneInfo(tz)
    start = _local(zone, *now)
    end = tomorrow_morning(start, zone)
    assert end == _local(zone, *expected)
    assert (end - start) / HOUR == hours
    assert datetime.fromtimestamp(end, zone).hour == 8


# --- properties ------------------------------------------------------------------------------

APPS = {"k1": "excel", "k2": "excel", "k3": "outlook", "k4": "impress"}
POOL = [
    Candidate(pack, name, dwell, 50, 1.0)
    for pack, name, dwell in [
        ("acme.finance", "pivot", None),
        ("acme.finance", "vlookup", 0.0),
        ("acme.finance", "slow", 30.0),
        ("acme.mail", "rules", 3.0),
        ("acme.mail", "signature", None),
    ]
]

configs = st.builds(
    PacingConfig,
    max_per_context=st.sampled_from([1, 1, 1, 2, 3, 0]),
    max_per_hour=st.sampled_from([1, 2, 4, 4, 6, 0]),
    max_per_day=st.sampled_from([2, 6, 12, 12, 15, 0]),
    min_gap_seconds=st.sampled_from([0.0, 1.0, 5 * MIN, 10 * MIN, 30 * MIN]),
    card_cooldown_seconds=st.sampled_from([0.0, HOUR, DAY, 7 * DAY]),
    default_dwell_seconds=st.sampled_from([0.0, 2.0, 10.0]),
    quiet_when_fullscreen=st.booleans(),
    quiet_when_idle_seconds=st.sampled_from([0.0, 5 * MIN]),
)


actions = st.one_of(
    *[st.just(())] * 12,
    st.tuples(st.just("never"), st.sampled_from(POOL)),
    st.tuples(st.just("mute"), st.sampled_from(["excel", "outlook"])),
    st.tuples(st.just("unmute"), st.sampled_from(["excel", "outlook"])),
    st.tuples(st.just("unmute"), st.just("excel")),
    st.tuples(st.just("snooze"), st.floats(-HOUR, DAY)),
    st.tuples(st.just("unsnooze")),
)


def steps(min_wait: float) -> st.SearchStrategy:
    """Scripts of episodes as the app lives them: maybe a new window, time, an action, a choice."""
    waits = st.one_of(
        st.just("timer"),  # the app's single-shot timer fires at the last retry_at
        st.just("timer"),
        st.floats(min_wait, 3 * HOUR),
        st.sampled_from([0.0, 1.0, 2.0, 10.0, 10 * MIN, HOUR, DAY]),
    )
    episode = st.tuples(
        st.one_of(
            st.none(),
            st.tuples(st.sampled_from(sorted(APPS)), st.sampled_from([False, False, False, True])),
        ),
        waits,
        actions,
        st.lists(st.sampled_from(POOL), min_size=1, max_size=4, unique=True),
        st.sampled_from([None, None, None, 0.0, 10 * MIN]),
    )

    def flatten(episodes: list) -> list:
        script: list = [("context", "k1", False)]
        for context, wait, action, cands, idle in episodes:
            if context is not None:
                script.append(("context", *context))
            script.append(("wait", wait))
            if action:
                script.append(action)
            script.append(("decide", cands, idle))
        return script

    return st.lists(episode, min_size=3, max_size=80).map(flatten)


def run(
    pacer: Pacer, clock: FakeClock, script: list, on_decision=None, restart: bool = False
) -> tuple[list[tuple], list[Decision], Pacer]:
    """Play a script as the app would: show and record whatever the pacer allows.

    With `restart`, the app restarts before every step (state saved and read back as JSON).
    Returns the shows as (time, card key, context number, elapsed), every decision and the
    last pacer. `elapsed` is the time the pacer can have seen pass: a clock set back between
    two of its readings counts as no time at all.
    """
    shows: list[tuple] = []
    decisions: list[Decision] = []
    retry_at: float | None = None
    context_changes = 0  # identifies each context, even when a key comes back
    observed, elapsed = clock.t, 0.0
    for step in script:
        if restart:
            pacer = roundtrip(pacer, clock)
        kind = step[0]
        if kind in ("context", "decide", "snooze"):  # the steps that read the clock
            elapsed += max(0.0, clock.t - observed)
            observed = clock.t
        if kind == "wait" and step[1] == "timer":
            if retry_at is not None and retry_at > clock.t:
                clock.t = retry_at
        elif kind == "wait":
            clock.advance(step[1])
        elif kind == "context":
            context_changes += step[1] != pacer.state.context_key
            pacer.on_context(APPS[step[1]], step[2], step[1])
        elif kind == "decide":
            decision = pacer.decide(step[1], idle_seconds=step[2])
            retry_at = decision.retry_at
            decisions.append(decision)
            if on_decision is not None:
                on_decision(pacer, decision, step)
            if decision.show is not None:
                pacer.record_shown(decision.show.pack, decision.show.card)
                shows.append((clock.t, decision.show.key, context_changes, elapsed))
        elif kind == "never":
            pacer.never_again(*step[1].key)
        elif kind == "mute":
            pacer.mute_app(step[1])
        elif kind == "unmute":
            pacer.unmute_app(step[1])
        elif kind == "snooze":
            pacer.snooze(clock.t + step[1])
        else:
            pacer.unsnooze()
    return shows, decisions, pacer


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=configs, script=steps(min_wait=0.0))
def test_property_caps_and_gap_hold_for_any_sequence(cfg: PacingConfig, script: list) -> None:
    clock = FakeClock()
    pacer = Pacer(cfg, PacingState(), clock)

    def check(p: Pacer, decision: Decision, step: tuple) -> None:
        now, state = clock.t, p.state
        assert decision.retry_at is None or decision.retry_at > now
        if decision.show is None:
            if decision.retry_at is not None:  # asking again then, with no event, must show
                later = FakeClock(decision.retry_at)
                twin = Pacer(cfg, PacingState.from_dict(state.to_dict()), later)
                assert twin.decide(step[1], idle_seconds=step[2]).show is not None
            return
        shown = decision.show
        assert shown in step[1]
        assert shown.key not in state.never
        assert state.context_app is not None and not p.is_muted(state.context_app)
        assert not (cfg.quiet_when_fullscreen and state.context_fullscreen)
        assert not (cfg.quiet_when_idle_seconds and (step[2] or 0) > cfg.quiet_when_idle_seconds)
        dwell = cfg.default_dwell_seconds if shown.dwell is None else shown.dwell
        assert state.context_started is not None and now - state.context_started >= dwell

    shows, _, _ = run(pacer, clock, script, check)
    assert_within_budget(cfg, [(t, key, context) for t, key, context, _ in shows])


def assert_within_budget(cfg: PacingConfig, shows: list[tuple], slack: float = 0.0) -> None:
    """Shows as (time, card key, context number) respect the caps, the gap and the cooldowns.

    A 60-minute window is (t - 1 h, t]; `slack` absorbs float rounding of shifted times.
    """
    times = [t for t, _, _ in shows]
    for i, t in enumerate(times):
        assert sum(1 for u in times[: i + 1] if u > t - HOUR + slack) <= cfg.max_per_hour
        assert sum(1 for u in times[: i + 1] if u > t - DAY + slack) <= cfg.max_per_day
        if i:
            assert t - times[i - 1] >= cfg.min_gap_seconds - slack
    last_by_card: dict = {}
    per_context: dict = {}
    for t, key, context in shows:
        if key in last_by_card:
            assert t - last_by_card[key] >= cfg.card_cooldown_seconds - slack
        last_by_card[key] = t
        per_context[context] = per_context.get(context, 0) + 1
    assert all(n <= cfg.max_per_context for n in per_context.values())


@settings(max_examples=200, deadline=None)
@given(cfg=configs, script=steps(min_wait=0.0))
def test_property_restart_at_any_point_changes_no_decision(cfg: PacingConfig, script: list) -> None:
    clock_a, clock_b = FakeClock(), FakeClock()
    _, straight, last_a = run(Pacer(cfg, PacingState(), clock_a), clock_a, script)
    _, restarted, last_b = run(Pacer(cfg, PacingState(), clock_b), clock_b, script, restart=True)
    assert restarted == straight
    assert last_b.state == last_a.state


@settings(max_examples=200, deadline=None)
@given(
    cfg=configs.filter(lambda c: min(c.max_per_context, c.max_per_hour, c.max_per_day) > 0),
    script=steps(min_wait=-3 * DAY),
)
def test_property_clock_set_back_keeps_the_budget_and_never_locks_out(
    cfg: PacingConfig, script: list
) -> None:
    clock = FakeClock()
    pacer = Pacer(cfg, PacingState(), clock)

    def no_past_waits(p: Pacer, decision: Decision, step: tuple) -> None:
        assert decision.retry_at is None or decision.retry_at > clock.t

    shows, _, pacer = run(pacer, clock, script, no_past_waits)
    assert_within_budget(cfg, [(e, key, ctx) for _, key, ctx, e in shows], slack=1e-6)
    pacer.on_context("fresh-app", False, "fresh")
    clock.advance(2 * DAY)  # longer than any cap window, snooze, gap or dwell in the script
    fresh = Candidate("acme.new", "welcome", None, 50, 1.0)
    assert pacer.decide([fresh]).show == fresh
