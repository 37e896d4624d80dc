"""The search palette in the real app on a real X session with a tray host (issue 5).

`cuecards run` with the demo pack; xdotool plays the person: the hotkey maps the palette,
typing finds the card, Enter opens its card view, Esc closes the palette and the focus is back
on the window the person was in. The usage log keeps each search's query, result count and
whether a card matched every word (a search with only partial matches is unanswered), read
from outside after the app quit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.apps import is_viewable, start_app, stop_app, wait_for, windows_of_class
from tests.e2e.moment import pack_ids, usage_rows, window_titled
from tests.e2e.xsession import XSession

pytestmark = pytest.mark.e2e
SEARCH = "Cuecards search"
WELCOME = "Welcome to Cuecards"
CARD = "Cuecards card: Refresh pivot tables and data queries"


def _docked(session: XSession) -> bool:
    return any(
        "trayer" in ancestors and is_viewable(session.display, wid)
        for wid, ancestors in windows_of_class(session.display, "cuecards")
    )


def _open_palette(session: XSession) -> int:
    """Press the hotkey until the palette is up with the focus (the app registers the hotkey
    once its database is open; a press on an open palette only brings it forward)."""

    def pressed() -> int | None:
        session.tool("xdotool", "key", "ctrl+alt+space")
        try:
            palette = wait_for(lambda: window_titled(session.display, SEARCH), SEARCH, timeout=2)
        except AssertionError:  # not registered yet: press again
            return None
        return palette if session.active_window() == palette else None

    return wait_for(pressed, "the palette with the keyboard focus")


def test_hotkey_search_enter_and_esc_in_the_real_app(x_tray: XSession, tmp_path: Path) -> None:
    excel = x_tray.spawn_window("Budget.xlsx - Excel", "Excel")
    app = start_app(x_tray.env(), tmp_path)
    try:
        wait_for(lambda: _docked(x_tray) or app.poll() is not None, "the tray icon")
        assert app.poll() is None
        welcome = wait_for(lambda: window_titled(x_tray.display, WELCOME), "the welcome card")
        x_tray.tool("xdotool", "windowactivate", "--sync", str(welcome), "key", "Return")
        wait_for(lambda: window_titled(x_tray.display, WELCOME) is None, "the welcome to close")
        # a first run: the demo pack goes in from a child process, a moment after the icon
        wait_for(lambda: "cuecards.demo" in pack_ids(tmp_path), "the demo pack")

        x_tray.activate(excel)
        palette = _open_palette(x_tray)
        x_tray.tool("xdotool", "type", "--delay", "30", "pviot")
        x_tray.tool("xdotool", "key", "Return")
        card = wait_for(lambda: window_titled(x_tray.display, CARD), "the card view")
        assert not is_viewable(x_tray.display, palette)
        x_tray.tool("xdotool", "windowclose", str(card))
        wait_for(lambda: window_titled(x_tray.display, CARD) is None, "the card view to close")

        x_tray.activate(excel)
        palette = _open_palette(x_tray)
        x_tray.tool("xdotool", "type", "--delay", "30", "zzqx qqvw")
        x_tray.tool("xdotool", "key", "Escape")
        wait_for(lambda: not is_viewable(x_tray.display, palette), "the palette to close")
        assert wait_for(lambda: x_tray.active_window() == excel.wid, "the focus back on Excel")

        palette = _open_palette(x_tray)
        x_tray.tool("xdotool", "type", "--delay", "30", "how do I insert a watermark")
        x_tray.tool("xdotool", "key", "Escape")
        wait_for(lambda: not is_viewable(x_tray.display, palette), "the palette to close")
    finally:
        code, _, err = stop_app(app)
        x_tray.close(excel)
    assert code == 0, err
    rows = usage_rows(tmp_path)
    searches = [(row[5], row[6], row[7], row[8]) for row in rows if row[2] == "search"]
    assert searches == [
        ("excel", "pviot", 2, 1),
        ("excel", "zzqx qqvw", 0, 0),
        ("excel", "how do I insert a watermark", 3, 0),  # partial matches only: unanswered
    ]
    opened = [(row[3], row[4]) for row in usage_rows(tmp_path) if row[2] == "opened"]
    assert opened == [("cuecards.demo", "excel-refresh-all")]
