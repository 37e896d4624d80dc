"""The daily report: counts, `other` for unknown apps, noise, canonical bytes, and privacy."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.core.aggregates import (
    Noise,
    build_report,
    canonical_bytes,
    count_events,
    day_bounds,
)
from app.store.db import open_database
from app.store.reports import BY_GROUP, BY_TIME, active_days, day_counts
from app.store.usage import UsageLog

UTC = dt.timezone.utc
DAY = dt.date(2026, 11, 20)
START, END = day_bounds(DAY, UTC)
KNOWN = {"excel", "libreoffice-calc"}


def _events(ts: float = START + 3600) -> list[tuple]:
    return [
        (ts, "context", None, None, "excel", None, None, None),
        (ts, "context", None, None, "other", None, None, None),
        (ts, "context", None, None, "firefox", None, None, None),  # unknown to the packs
        (ts, "matched", "acme.finance", "pivot-refresh", "excel", None, None, None),
        (ts, "shown", "acme.finance", "pivot-refresh", "excel", None, None, None),
        (ts, "shown", "acme.finance", "pivot-refresh", "excel", None, None, None),
        (ts, "helpful", "acme.finance", "pivot-refresh", None, None, None, None),
        (ts, "dismissed", "acme.finance", "go-to-cell", "excel", None, None, None),
        (ts, "never", "acme.finance", "go-to-cell", "excel", None, None, None),
        (ts, "muted", None, None, "excel", None, None, None),  # the app, with no card showing
        (ts, "search", None, None, None, "pivot", 3, True),
        (ts, "search", None, None, None, "vlookup of doom", 0, False),
        # Only partial matches: cards were shown, yet none had every word.
        (ts, "search", None, None, None, "freeze panes", 3, False),
        (ts, "snoozed", None, None, None, None, None, None),
    ]


def test_report_counts_cards_apps_and_searches_of_the_day() -> None:
    counts = count_events(_events(), START, END, KNOWN)
    report = build_report(counts, DAY, batch_id="b-1")
    assert report == {
        "schema": 2,
        "batch_id": "b-1",
        "day": "2026-11-20",
        "cards": [
            {"pack": "acme.finance", "card": "go-to-cell", "shown": 0, "opened": 0,
             "helpful": 0, "unhelpful": 0, "dismissed": 1, "muted": 1},
            {"pack": "acme.finance", "card": "pivot-refresh", "shown": 2, "opened": 0,
             "helpful": 1, "unhelpful": 0, "dismissed": 0, "muted": 0},
        ],
        "apps": [
            {"app": "excel", "contexts": 1, "matched": 1},
            {"app": "other", "contexts": 2, "matched": 0},
        ],
        "search": {"searches": 3, "unanswered": 2, "zero_results": 1},
        "noise": None,
    }  # fmt: skip


def test_searches_logged_before_answers_were_count_as_answered_when_they_found_a_card() -> None:
    ts = START + 60
    events = [
        (ts, "search", None, None, None, "reopen tab", 2, None),
        (ts, "search", None, None, None, "zzqx", 0, None),
    ]
    counts = count_events(events, START, END, KNOWN)
    assert (counts.searches, counts.unanswered, counts.zero_results) == (2, 1, 1)


def test_events_outside_the_local_day_are_not_counted() -> None:
    events = _events(START - 1) + _events(END) + _events(START)
    counts = count_events(events, START, END, KNOWN)
    assert counts.searches == 3
    assert counts.cards[("acme.finance", "pivot-refresh")]["shown"] == 2


def test_a_report_day_starts_at_local_midnight() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    start, end = day_bounds(DAY, paris)
    assert end - start == 86400
    assert start == dt.datetime(2026, 11, 19, 23, tzinfo=UTC).timestamp()


def test_cohort_is_in_the_report_only_when_given() -> None:
    counts = count_events(_events(), START, END, KNOWN)
    assert "cohort" not in build_report(counts, DAY, batch_id="b")
    assert build_report(counts, DAY, batch_id="b", cohort="finance-team")["cohort"] == (
        "finance-team"
    )


def test_canonical_bytes_are_sorted_without_spaces_and_stable() -> None:
    counts = count_events(list(reversed(_events())), START, END, KNOWN)
    again = count_events(_events(), START, END, KNOWN)
    a = canonical_bytes(build_report(counts, DAY, batch_id="b"))
    b = canonical_bytes(build_report(again, DAY, batch_id="b"))
    assert a == b
    assert b", " not in a and b": " not in a
    assert a.startswith(b'{"apps":[{"app":"excel"')
    assert json.loads(a)["day"] == "2026-11-20"


def test_noise_is_off_by_default_and_seeded_noise_is_reproducible() -> None:
    counts = count_events(_events() * 50, START, END, KNOWN)
    plain = build_report(counts, DAY, batch_id="b")
    one = build_report(counts, DAY, batch_id="b", noise=Noise(0.5, random.Random(7)))
    two = build_report(counts, DAY, batch_id="b", noise=Noise(0.5, random.Random(7)))
    assert one == two
    assert one["noise"] == {"epsilon": 0.5}
    assert one != plain
    every = [c[k] for c in one["cards"] for k in c if k not in ("pack", "card")]
    assert all(isinstance(v, int) and v >= 0 for v in every)


def test_noise_clamps_at_zero_and_averages_out() -> None:
    noise = Noise(1.0, random.Random(1))
    samples = [noise.apply(0) for _ in range(2000)]
    assert min(samples) == 0
    big = [noise.apply(1000) for _ in range(4000)]
    assert abs(sum(big) / len(big) - 1000) < 0.2


def test_noise_refuses_a_non_positive_epsilon() -> None:
    for bad in (0.0, -1.0, float("inf")):
        try:
            Noise(bad)
        except ValueError as exc:
            assert "epsilon" in str(exc)
        else:
            raise AssertionError(f"epsilon {bad} accepted")


def test_sql_counts_equal_the_pure_counts(tmp_path: Path) -> None:
    db, _ = open_database(tmp_path / "c.db")
    events = _events(START + 10) + _events(START - 10) + _events(END + 10)
    events.append((START + 20, "search", None, None, None, "before answers", 0, None))
    events.append((START + 30, "search", None, None, None, "before answers", 1, None))
    for ts, kind, pack, card, app, query, results, answered in events:
        clock_log = UsageLog(db, known_apps=KNOWN | {"firefox"}, clock=lambda ts=ts: ts)
        clock_log.record(kind, pack, card, app, query, results, answered)
    pure = count_events(events, START, END, KNOWN)
    assert day_counts(db, DAY, KNOWN, UTC) == pure
    # Both ways of counting (time index + sort, or the log in group order) agree.
    assert day_counts(db, DAY, KNOWN, UTC, index=BY_TIME) == pure
    assert day_counts(db, DAY, KNOWN, UTC, index=BY_GROUP) == pure
    previous = DAY - dt.timedelta(days=1)
    empty = DAY - dt.timedelta(days=5)
    assert active_days(db, [empty, previous, DAY], UTC) == [previous, DAY]


_text = st.text(min_size=3, max_size=30)


def _report_text(kinds: list[str], canary: str) -> str:
    events = []
    for kind in kinds:
        if kind == "search":
            found = len(canary) % 2
            events.append((START, kind, None, None, canary, canary, found, bool(found)))
        else:
            events.append((START, kind, "acme.finance", "pivot", canary, None, None, None))
    report = build_report(count_events(events, START, END, KNOWN), DAY, batch_id="b")
    return canonical_bytes(report).decode("utf-8")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(canary=_text, kinds=st.lists(st.sampled_from(["search", "context", "shown", "matched"])))
def test_no_query_or_unknown_app_name_from_the_events_reaches_the_report(
    canary: str, kinds: list[str]
) -> None:
    # The same events with a neutral word instead: whatever the report says anyway.
    baseline = _report_text(kinds, "zzzz")
    assume(canary not in baseline and canary not in KNOWN)
    assert canary not in _report_text(kinds, canary)
