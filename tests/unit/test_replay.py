"""Replaying a recorded `watch --json` session through the matcher and the attention budget."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from app.core.model import Pack
from app.core.pacing import PacingConfig
from app.core.packs import load_pack
from app.core.replay import WindowEvent, matcher_for, parse_watch, replay

T0 = dt.datetime(2026, 5, 9, 7, 0, tzinfo=dt.timezone.utc).timestamp()
CONFIG = PacingConfig.defaults()  # dwell 2 s, 10 min gap, 1 per window, 4 per hour


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    root = tmp_path_factory.mktemp("pack")
    (root / "cards").mkdir()
    (root / "pack.yaml").write_text(
        "id: acme.replay\nname: Replay\nversion: 1.0.0\npublisher: ACME\n"
        "apps:\n  excel: [excel, libreoffice-calc]\n",
        encoding="utf-8",
    )
    cards = {
        "pivot": "title: Refresh pivots\nsummary: s\npriority: 60\ntriggers:\n"
        "  - app: excel\n    title: '(?i)pivot'\n    dwell: 3s\n",
        "goto": "title: Jump to a cell\nsummary: s\npriority: 40\ntriggers:\n"
        "  - app: excel\n    dwell: 5s\n",
        "draft-tip": "title: Draft tip\nsummary: s\nstatus: draft\ntriggers:\n  - app: gedit\n",
    }
    for card_id, front in cards.items():
        (root / "cards" / f"{card_id}.md").write_text(
            f"---\nid: {card_id}\n{front}---\nBody.\n", encoding="utf-8"
        )
    result = load_pack(root)
    assert result.ok and result.pack is not None
    return result.pack


def ev(seconds: float, app: str, title: str = "", fullscreen: bool = False) -> WindowEvent:
    return WindowEvent(T0 + seconds, app, title, fullscreen)


def summary(steps) -> list[tuple[str, list[tuple[float, str]], str | None]]:
    return [
        (s.event.title or s.event.app, [(p.at - T0, p.card) for p in s.popups], s.quiet)
        for s in steps
    ]


def test_a_card_pops_up_once_its_dwell_is_over(pack: Pack) -> None:
    steps = replay([ev(0, "excel", "Pivot.xlsx")], matcher_for([pack], {}), CONFIG)

    assert summary(steps) == [("Pivot.xlsx", [(3.0, "pivot")], None)]


def test_a_window_left_before_the_dwell_stays_quiet_and_says_why(pack: Pack) -> None:
    events = [ev(0, "excel", "Pivot.xlsx"), ev(1.5, "firefox", "News")]

    steps = replay(events, matcher_for([pack], {}), CONFIG)

    assert summary(steps) == [
        (
            "Pivot.xlsx",
            [],
            "dwell: the window must stay in front for 3 s; the window changed after 1.5 s",
        ),
        ("News", [], None),
    ]


def test_the_gap_between_popups_delays_the_next_card_in_the_same_window(pack: Pack) -> None:
    events = [
        ev(0, "excel", "Pivot.xlsx"),
        ev(60, "excel", "Budget.xlsx"),
        ev(120, "excel", "Other.xlsx"),
        ev(1800, "firefox", "News"),
    ]

    steps = replay(events, matcher_for([pack], {}), CONFIG)

    assert summary(steps) == [
        ("Pivot.xlsx", [(3.0, "pivot")], None),
        (
            "Budget.xlsx",
            [],
            "gap: at least 10 min between popups; the window changed after 60.0 s",
        ),
        ("Other.xlsx", [(603.0, "goto")], None),  # goto's dwell is long over by then
        ("News", [], None),
    ]


def test_cooldown_and_full_screen_keep_cards_quiet(pack: Pack) -> None:
    events = [
        ev(0, "excel", "Pivot.xlsx"),
        ev(700, "libreoffice-calc", "pivot report", fullscreen=True),
        ev(800, "excel", "pivot again"),
    ]

    steps = replay(events, matcher_for([pack], {}), CONFIG, tail=10)

    assert summary(steps) == [
        ("Pivot.xlsx", [(3.0, "pivot")], None),
        ("pivot report", [], "fullscreen: a full-screen window is in front"),
        ("pivot again", [(805.0, "goto")], None),  # pivot is in its 7-day cooldown
    ]


def test_the_end_of_the_recording_is_named(pack: Pack) -> None:
    steps = replay([ev(0, "excel", "Pivot.xlsx")], matcher_for([pack], {}), CONFIG, tail=1)

    assert summary(steps)[0][2] == (
        "dwell: the window must stay in front for 3 s; the recording ends first"
    )


def test_drafts_fire_for_the_author_only_when_asked(pack: Pack) -> None:
    events = [ev(0, "gedit", "notes.txt")]

    with_drafts = replay(events, matcher_for([pack], {}, include_drafts=True), CONFIG)
    without = replay(events, matcher_for([pack], {}, include_drafts=False), CONFIG)

    assert summary(with_drafts) == [("notes.txt", [(2.0, "draft-tip")], None)]
    assert summary(without) == [("notes.txt", [], None)]


def test_aliases_of_installed_packs_reach_the_pack_under_test(pack: Pack) -> None:
    matcher = matcher_for([pack], {"excel": ["com.microsoft.excel"]})

    steps = replay([ev(0, "com.microsoft.excel", "pivot")], matcher, CONFIG)

    assert summary(steps) == [("pivot", [(3.0, "pivot")], None)]


def test_watch_lines_parse_iso_and_epoch_times_and_report_bad_lines() -> None:
    lines = [
        json.dumps({"ts": "2026-05-09T07:00:05.500Z", "app": "Excel", "title": "B"}),
        "",
        json.dumps({"ts": T0, "app": "excel", "title": "A", "fullscreen": True}),
        "not json",
        json.dumps({"ts": "yesterday", "app": "excel"}),
        json.dumps({"ts": T0, "title": "no app"}),
    ]

    events, problems = parse_watch(lines, "session.jsonl")

    assert events == [ev(0, "excel", "A", True), ev(5.5, "excel", "B")]
    assert [(p.line, str(p).split(": ", 2)[1]) for p in problems] == [
        (4, "not a window change"),
        (5, "not a window change"),
        (6, "not a window change"),
    ]
    assert str(problems[2]) == (
        "session.jsonl:6: not a window change: 'app' must be a string. "
        "Fix: record sessions with: cuecards watch --json > session.jsonl"
    )


def test_an_empty_recording_replays_to_nothing(pack: Pack, tmp_path: Path) -> None:
    assert replay([], matcher_for([pack], {}), CONFIG) == []
