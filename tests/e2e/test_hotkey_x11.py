"""The palette hotkey on a real X server: XGrabKey receives `xdotool key` presses of the
combination and nothing else; pynput's GlobalHotKeys, the fallback, hears them too.

Native tests read the X connection through the Qt loop (qtbot) and use `settle()`, a round
trip after which every event caused by earlier input has been handled, instead of sleeping.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from Xlib import XK, X
from Xlib import display as xdisplay

from app.desktop.hotkey.combo import parse_combo
from app.desktop.hotkey.global_hotkey import GlobalHotkey
from app.desktop.hotkey.pynput import PynputHotkey
from app.desktop.hotkey.x11 import X11GrabHotkey
from tests.e2e.xsession import XSession

pytestmark = pytest.mark.e2e
WAIT = 10.0
WAIT_MS = int(WAIT * 1000)
REPO = Path(__file__).resolve().parents[2]
HOLD_SECONDS = 1.5
TAKEN = "Ctrl+Alt+Space is taken by another program; choose another in Settings"
# 1,000 characters of ordinary typing, the near misses of the combination among them.
TEXT = ("Quarterly figures: 42 rows, refresh pivots & save! " * 20)[:1000]


class Native:
    """An XGrabKey hotkey behind the facade, with the presses it delivered."""

    def __init__(self) -> None:
        self.backend = X11GrabHotkey()
        self.hotkey = GlobalHotkey(backend=self.backend, sys_platform="linux")
        self.presses: list[str] = []

    def register(self, text: str, tag: str = "pressed") -> str:
        status = self.hotkey.register(text, lambda: self.presses.append(tag))
        assert status.ok, status.message
        assert status.observes == f"only {parse_combo(text).label()}"
        return status.message


@pytest.fixture(scope="module", autouse=True)
def offscreen_qt() -> Iterator[None]:
    """The test's Qt application stays off the test X server (which may go away under it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QT_QPA_PLATFORM", "offscreen")
        yield


@pytest.fixture
def native(x_session: XSession, qtbot: QtBot) -> Iterator[Native]:
    hotkey = Native()
    try:
        yield hotkey
    finally:
        hotkey.hotkey.unregister()


def test_the_combination_fires_once_per_press(x_session: XSession, native: Native, qtbot: QtBot):
    assert native.register("<ctrl>+<alt>+<space>") == (
        "Ctrl+Alt+Space opens the search palette (xgrabkey)."
    )
    for press in (1, 2):
        x_session.tool("xdotool", "key", "ctrl+alt+space")
        qtbot.waitUntil(lambda press=press: len(native.presses) == press, timeout=WAIT_MS)
    native.backend.settle()
    assert native.presses == ["pressed", "pressed"]


def test_holding_the_combination_fires_once(x_session: XSession, native: Native) -> None:
    """The server's auto-repeat sends Release+Press pairs while the key is held (Xvfb: after
    660 ms, 25 a second); they are one press, as MOD_NOREPEAT makes it on Windows."""
    native.register("<ctrl>+<alt>+<space>")
    x_session.tool("xdotool", "keydown", "ctrl+alt+space")
    time.sleep(HOLD_SECONDS)  # the person holding the keys, not a wait for an event
    x_session.tool("xdotool", "keyup", "ctrl+alt+space")
    native.backend.settle()
    assert native.backend.key_events > 4  # auto-repeat did happen
    assert native.presses == ["pressed"]


@pytest.mark.parametrize("lock", ["Num_Lock", "Caps_Lock"])
def test_the_combination_fires_with_a_lock_key_on(
    x_session: XSession, native: Native, qtbot: QtBot, lock: str
) -> None:
    native.register("<ctrl>+<alt>+<space>")
    x_session.tool("xdotool", "key", lock)
    try:
        x_session.tool("xdotool", "key", "ctrl+alt+space")
        qtbot.waitUntil(lambda: native.presses == ["pressed"], timeout=WAIT_MS)
    finally:
        x_session.tool("xdotool", "key", lock)  # off again for the next test
    native.backend.settle()
    assert native.presses == ["pressed"]


def test_scrolllock_made_a_modifier_later_is_followed(x_server_factory, monkeypatch, qtbot):
    """Xvfb maps ScrollLock to no modifier; once a client puts it on Mod3 (MappingNotify),
    the grab gains its variants and the combination still fires with ScrollLock on."""
    session = x_server_factory(with_wm=False)
    monkeypatch.setenv("DISPLAY", session.display)
    hotkey = Native()
    other = xdisplay.Display(session.display)
    try:
        hotkey.register("<ctrl>+<alt>+<space>")
        rows = [list(row) for row in other.get_modifier_mapping()]
        rows[X.Mod3MapIndex] = [other.keysym_to_keycode(XK.string_to_keysym("Scroll_Lock"))]
        width = max(len(row) for row in rows)
        assert other.set_modifier_mapping([row + [0] * (width - len(row)) for row in rows]) == 0
        other.sync()
        hotkey.backend.settle()  # reads the MappingNotify and grabs again
        session.tool("xdotool", "key", "Scroll_Lock")
        assert other.screen().root.query_pointer().mask & X.Mod3Mask
        session.tool("xdotool", "key", "ctrl+alt+space")
        qtbot.waitUntil(lambda: hotkey.presses == ["pressed"], timeout=WAIT_MS)
    finally:
        hotkey.hotkey.unregister()
        other.close()


def test_keys_typed_elsewhere_never_reach_our_process(x_session: XSession, native: Native):
    editor = x_session.spawn_window("notes.txt - Editor", "Editor")
    x_session.activate(editor)
    # The server's first XTEST key tells every client the keyboard changed (MappingNotify):
    # let that happen before listening, so what follows is the typing alone.
    x_session.tool("xdotool", "key", "shift")
    native.register("<ctrl>+<alt>+<space>")
    native.backend.settle()
    before = native.backend.events_received
    x_session.tool("xdotool", "type", "--delay", "0", TEXT)
    # Near misses (not Alt+Space: openbox opens its window menu and grabs the keyboard).
    x_session.tool("xdotool", "key", "ctrl+space", "shift+space", "ctrl+shift+space", "ctrl+alt+k")
    native.backend.settle()
    assert native.backend.key_events == 0
    assert native.backend.events_received == before  # not one event of any kind
    assert native.presses == []
    x_session.close(editor)


def test_a_combination_another_client_grabbed_is_reported_taken(x_session: XSession, qtbot):
    other = xdisplay.Display()
    root = other.screen().root
    space = other.keysym_to_keycode(XK.string_to_keysym("space"))
    root.grab_key(space, X.ControlMask | X.Mod1Mask, False, X.GrabModeAsync, X.GrabModeAsync)
    other.sync()
    hotkey = GlobalHotkey(sys_platform="linux")  # auto: a taken combo must not go to pynput
    try:
        status = hotkey.register("<ctrl>+<alt>+<space>", lambda: None)
        assert not status.ok
        assert status.backend == "xgrabkey"
        assert status.message == f"{TAKEN} (hotkey.palette)."
        assert status.taken
        assert hotkey.register("<ctrl>+<alt>+j", lambda: None).ok  # another one is free
    finally:
        hotkey.unregister()
        other.close()
    native = X11GrabHotkey()
    native.start(parse_combo("<ctrl>+<alt>+<space>"), lambda: None, lambda _reason: None)
    native.stop()  # free again once the other client let go


def test_a_key_this_keyboard_lacks_is_said_and_not_left_to_pynput(x_session: XSession) -> None:
    hotkey = GlobalHotkey(sys_platform="linux")
    status = hotkey.register("<ctrl>+<alt>+<f20>", lambda: None)  # Xvfb's keymap has no F20
    hotkey.unregister()
    assert (status.ok, status.backend) == (False, "xgrabkey")
    assert status.message.startswith(
        "Ctrl+Alt+F20 cannot be registered (xgrabkey: the keyboard layout has no F20 key)."
    )


def test_unregister_then_register_another_combination(
    x_session: XSession, native: Native, qtbot: QtBot
) -> None:
    native.register("<ctrl>+<alt>+j", "first")
    x_session.tool("xdotool", "key", "ctrl+alt+j")
    qtbot.waitUntil(lambda: native.presses == ["first"], timeout=WAIT_MS)
    native.hotkey.unregister()
    native.register("<ctrl>+<alt>+k", "second")
    x_session.tool("xdotool", "key", "ctrl+alt+j", "ctrl+alt+k")
    qtbot.waitUntil(lambda: len(native.presses) == 2, timeout=WAIT_MS)
    native.backend.settle()
    assert native.presses == ["first", "second"]


def test_a_display_that_dies_under_the_grab_is_a_late_failure(
    x_server_factory, monkeypatch, qtbot: QtBot
) -> None:
    session = x_server_factory(with_wm=False)
    monkeypatch.setenv("DISPLAY", session.display)
    hotkey = GlobalHotkey(sys_platform="linux", preference="native")
    assert hotkey.register("<ctrl>+<alt>+m", lambda: None).backend == "xgrabkey"
    try:
        with qtbot.waitSignal(hotkey.failed, timeout=WAIT_MS) as failed:
            session.kill_server()
        assert failed.args[0].startswith("the connection to the display was lost")
    finally:
        hotkey.unregister()  # quiet: nothing left to ungrab


def test_pynput_fires_once_per_press_and_not_for_other_keys(x_session: XSession) -> None:
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


def test_after_stop_pynput_is_silent(x_session: XSession) -> None:
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


def _doctor_hotkey(x_session: XSession, data: Path, *setting: str) -> dict:
    """`cuecards doctor --json`'s hotkey check on the X session, after an optional
    `config set KEY VALUE`."""
    env = {**x_session.env(), "PYTHONPATH": str(REPO)}
    run = [sys.executable, "-m", "app", "--data-dir", str(data)]
    if setting:
        subprocess.run(
            [*run, "config", "set", *setting], env=env, cwd=REPO, check=True, capture_output=True
        )
    result = subprocess.run(
        [*run, "doctor", "--json"], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    return {check["name"]: check for check in json.loads(result.stdout)}["hotkey"]


def test_doctor_reports_the_hotkey_on_x11(x_session: XSession, tmp_path) -> None:
    assert _doctor_hotkey(x_session, tmp_path) == {
        "name": "hotkey",
        "status": "ok",
        "detail": "Ctrl+Alt+Space opens the search palette (xgrabkey)."
        " It observes only Ctrl+Alt+Space.",
    }


def test_doctor_says_the_pynput_backend_observes_every_key(x_session: XSession, tmp_path) -> None:
    hotkey = _doctor_hotkey(x_session, tmp_path, "hotkey.backend", "pynput")
    assert hotkey["status"] == "ok"
    assert hotkey["detail"].endswith("(pynput). It observes every key pressed in any application.")


def test_doctor_warns_about_a_hotkey_that_cannot_work(x_session: XSession, tmp_path) -> None:
    checks = {"hotkey": _doctor_hotkey(x_session, tmp_path, "hotkey.palette", "<alt>+<space>")}
    assert checks["hotkey"]["status"] == "warn"
    # openbox, like GNOME and KDE, grabs Alt+Space for its window menu.
    assert checks["hotkey"]["detail"] == (
        "Alt+Space is taken by another program: on this system it opens the window menu "
        "(GNOME, KDE); choose another in Settings (hotkey.palette)."
    )


def test_a_display_that_dies_under_pynput_is_a_late_failure(x_server_factory, monkeypatch):
    """The X server going away under a running pynput hotkey: one sentence, no traceback."""
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
