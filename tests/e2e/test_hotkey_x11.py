"""The palette hotkey on a real X server: pynput's GlobalHotKeys hears `xdotool key`."""

from __future__ import annotations

import queue

import pytest

from app.desktop.hotkey_combo import parse_combo
from app.desktop.hotkey_pynput import PynputHotkey
from tests.e2e.xsession import XSession

pytestmark = pytest.mark.e2e
WAIT = 10.0


def test_the_hotkey_fires_once_per_press_and_not_for_other_keys(x_session: XSession) -> None:
    presses: queue.Queue[str] = queue.Queue()
    backend = PynputHotkey()
    backend.start(parse_combo("<ctrl>+<alt>+<space>"), lambda: presses.put("pressed"), presses.put)
    try:
        x_session.tool("xdotool", "key", "ctrl+space", "alt+space", "ctrl+alt+k")
        x_session.tool("xdotool", "key", "ctrl+alt+space")
        assert presses.get(timeout=WAIT) == "pressed"
        x_session.tool("xdotool", "key", "ctrl+alt+space")
        assert presses.get(timeout=WAIT) == "pressed"
        assert presses.empty()
    finally:
        backend.stop()


def test_after_stop_the_hotkey_is_silent(x_session: XSession) -> None:
    presses: queue.Queue[str] = queue.Queue()
    backend = PynputHotkey()
    backend.start(parse_combo("<ctrl>+<alt>+j"), lambda: presses.put("first"), presses.put)
    x_session.tool("xdotool", "key", "ctrl+alt+j")
    assert presses.get(timeout=WAIT) == "first"
    backend.stop()
    other = PynputHotkey()
    other.start(parse_combo("<ctrl>+<alt>+k"), lambda: presses.put("second"), presses.put)
    try:
        x_session.tool("xdotool", "key", "ctrl+alt+j", "ctrl+alt+k")
        assert presses.get(timeout=WAIT) == "second"
        assert presses.empty()
    finally:
        other.stop()
