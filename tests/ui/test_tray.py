"""The tray menu: every entry the person needs, each reporting the right request."""

from __future__ import annotations

import pytest

from app.paths import resources_dir
from app.ui.icons import app_icon
from app.ui.tray import FallbackWindow, TrayMenu


@pytest.fixture
def tray(qtbot) -> TrayMenu:
    menu = TrayMenu()
    yield menu
    menu.menu.deleteLater()


def test_the_menu_lists_every_entry_in_order(tray: TrayMenu) -> None:
    tray.set_packs(["Demo tips 1.0.0 (100 cards)", "Finance 1.4.0 (12 cards)"])
    assert tray.entries() == [
        "Search…",
        "Recent cards",
        "-",
        "Snooze for 1 hour",
        "Snooze until tomorrow",
        "Never in this app",
        "Installed packs",
        "Demo tips 1.0.0 (100 cards)",
        "Finance 1.4.0 (12 cards)",
        "-",
        "Packs…",
        "Settings…",
        "What Cuecards records…",
        "About Cuecards",
        "-",
        "Quit Cuecards",
    ]
    assert tray.pack_labels() == ["Demo tips 1.0.0 (100 cards)", "Finance 1.4.0 (12 cards)"]
    assert tray.menu.accessibleName() == "Cuecards menu"


@pytest.mark.parametrize(
    ("action", "signal"),
    [
        ("search_action", "search_requested"),
        ("recent_action", "recent_requested"),
        ("packs_action", "packs_requested"),
        ("settings_action", "settings_requested"),
        ("records_action", "records_requested"),
        ("about_action", "about_requested"),
        ("quit_action", "quit_requested"),
    ],
)
def test_each_entry_reports_its_request(qtbot, tray: TrayMenu, action: str, signal: str) -> None:
    with qtbot.waitSignal(getattr(tray, signal)):
        getattr(tray, action).trigger()


@pytest.mark.parametrize(
    ("action", "seconds"),
    [("snooze_hour_action", 3600), ("snooze_tomorrow_action", -1)],
)
def test_snooze_entries_say_for_how_long(qtbot, tray: TrayMenu, action: str, seconds) -> None:
    with qtbot.waitSignal(tray.snooze_requested) as blocker:
        getattr(tray, action).trigger()
    assert blocker.args == [seconds]


def test_never_in_this_app_names_the_app_in_front(qtbot, tray: TrayMenu) -> None:
    assert not tray.mute_action.isEnabled()
    tray.set_current_app("LibreOffice Calc")
    assert tray.mute_action.text() == "Never in LibreOffice Calc"
    assert tray.mute_action.isEnabled()
    with qtbot.waitSignal(tray.mute_current_app_requested):
        tray.mute_action.trigger()
    tray.set_current_app(None)
    assert tray.mute_action.text() == "Never in this app"
    assert not tray.mute_action.isEnabled()


def test_while_snoozed_the_menu_offers_to_resume(qtbot, tray: TrayMenu) -> None:
    tray.set_snoozed("Snoozed until 14:05")
    entries = tray.entries()
    assert entries[3] == "Snoozed until 14:05 — Resume"
    assert entries[4] == "Snooze for 1 hour"
    with qtbot.waitSignal(tray.resume_requested):
        tray.resume_action.trigger()
    tray.set_snoozed(None)
    assert not any("Resume" in entry for entry in tray.entries())


def test_no_packs_says_so(tray: TrayMenu) -> None:
    tray.set_packs([])
    assert tray.pack_labels() == ["No packs installed"]
    tray.set_packs(["Demo tips 1.0.0 (100 cards)"])
    assert tray.pack_labels() == ["Demo tips 1.0.0 (100 cards)"]
    assert all(not a.isEnabled() for a in tray._pack_actions)


def test_the_fallback_window_carries_the_same_menu(qtbot, tray: TrayMenu) -> None:
    window = FallbackWindow(app_icon(resources_dir() / "icons"), tray)
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "Cuecards"
    assert window.menu_button.menu() is tray.menu
    assert window.menu_button.accessibleName() == "Cuecards menu"
