"""The palette hotkey on a real X server: pynput's GlobalHotKeys hears `xdotool key`."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
from pathlib import Path

import pytest

from app.desktop.hotkey.combo import parse_combo
from app.desktop.hotkey.pynput import PynputHotkey
from tests.e2e.xsession import XSession

pytestmark = pytest.mark.e2e
WAIT = 10.0
REPO = Path(__file__).resolve().parents[2]


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


def test_doctor_reports_the_hotkey_on_x11(x_session: XSession, tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path), "doctor", "--json"],
        cwd=REPO,
        env={**x_session.env(), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    checks = {check["name"]: check for check in json.loads(result.stdout)}
    assert checks["hotkey"] == {
        "name": "hotkey",
        "status": "ok",
        "detail": "Ctrl+Alt+Space opens the search palette (pynput).",
    }


def test_doctor_warns_about_a_hotkey_that_cannot_work(x_session: XSession, tmp_path) -> None:
    env = {**x_session.env(), "PYTHONPATH": str(REPO)}
    run = [sys.executable, "-m", "app", "--data-dir", str(tmp_path)]
    subprocess.run(
        [*run, "config", "set", "hotkey.palette", "<alt>+<space>"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [*run, "doctor", "--json"], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    checks = {check["name"]: check for check in json.loads(result.stdout)}
    assert checks["hotkey"]["status"] == "warn"
    assert checks["hotkey"]["detail"] == (
        "Alt+Space is registered (pynput), but on this system it also opens the window menu "
        "(GNOME, KDE); choose another in Settings (hotkey.palette)."
    )


def test_a_display_that_dies_is_told_as_a_late_failure(x_server_factory, monkeypatch) -> None:
    """The X server going away under a running hotkey: one sentence, no thread traceback."""
    session = x_server_factory(with_wm=False)
    monkeypatch.setenv("DISPLAY", session.display)
    events: queue.Queue[str] = queue.Queue()
    backend = PynputHotkey()
    backend.start(parse_combo("<ctrl>+<alt>+m"), lambda: events.put("pressed"), events.put)
    try:
        session.stop()
        assert events.get(timeout=WAIT).startswith("the connection to the display was lost")
    finally:
        backend.stop()
