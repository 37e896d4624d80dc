"""The global hotkey facade: what the tray and `doctor` are told, and presses on the Qt thread."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import QByteArray
from pytestqt.qtbot import QtBot

from app.desktop.hotkey import global_hotkey
from app.desktop.hotkey.base import HotkeyTaken, HotkeyUnavailable, NotOnKeyboard
from app.desktop.hotkey.combo import Combo
from app.desktop.hotkey.global_hotkey import GlobalHotkey, probe_hotkey
from app.desktop.hotkey.windows import MSG, WM_HOTKEY, hotkey_filter

pytestmark = pytest.mark.ui


class FakeBackend:
    """Stands in for an OS backend: presses arrive from another thread, as pynput's do."""

    name = "fake"

    def __init__(self, refuse: str | None = None, error: type = HotkeyUnavailable) -> None:
        self.refuse = refuse
        self.error = error
        self.combo: Combo | None = None
        self.emit: Callable[[], None] | None = None
        self.fail: Callable[[str], None] | None = None
        self.stopped = 0

    def start(self, combo: Combo, emit: Callable[[], None], fail: Callable[[str], None]) -> None:
        if self.refuse:
            raise self.error(self.refuse)
        self.combo, self.emit, self.fail = combo, emit, fail

    def stop(self) -> None:
        self.stopped += 1

    def press_from_another_thread(self) -> None:
        assert self.emit is not None
        thread = threading.Thread(target=self.emit)
        thread.start()
        thread.join()


def test_a_press_runs_the_callback_on_the_qt_thread(qtbot: QtBot) -> None:
    backend = FakeBackend()
    hotkey = GlobalHotkey(backend=backend, sys_platform="linux")
    threads: list[threading.Thread] = []
    status = hotkey.register(
        "<ctrl>+<alt>+<space>", lambda: threads.append(threading.current_thread())
    )
    assert status.ok
    assert status.message == "Ctrl+Alt+Space opens the search palette (fake)."
    assert backend.combo == Combo(("ctrl", "alt"), "space")
    with qtbot.waitSignal(hotkey.pressed):
        backend.press_from_another_thread()
    assert threads == [threading.main_thread()]


def test_a_bad_setting_is_reported_with_the_fallback() -> None:
    hotkey = GlobalHotkey(backend=FakeBackend(), sys_platform="linux")
    status = hotkey.register("<ctrl>+c", lambda: None)
    assert not status.ok
    assert status.message.startswith("hotkey.palette: Ctrl+C is an application shortcut")
    assert "runs `cuecards palette`" in status.message


def test_a_refused_registration_is_reported_not_lost() -> None:
    hotkey = GlobalHotkey(backend=FakeBackend(refuse="another application grabbed it"))
    status = hotkey.register("<ctrl>+<alt>+<space>", lambda: None)
    assert not status.ok
    assert status.backend == "fake"
    assert status.message == (
        "Ctrl+Alt+Space cannot be registered (fake: another application grabbed it). Add a "
        "shortcut in your desktop's keyboard settings that runs `cuecards palette`, or use "
        "Search… in the Cuecards tray menu."
    )


def test_a_clash_with_the_system_is_registered_but_not_ok() -> None:
    backend = FakeBackend()
    hotkey = GlobalHotkey(backend=backend, sys_platform="darwin")
    status = hotkey.register("<ctrl>+<alt>+<space>", lambda: None)
    assert backend.combo is not None
    assert not status.ok
    assert (
        "Control+Option+Space is registered (fake), but on this system it also selects the "
        "next input source" in status.message
    )


def test_a_late_failure_reaches_the_failed_signal(qtbot: QtBot) -> None:
    backend = FakeBackend()
    hotkey = GlobalHotkey(backend=backend, sys_platform="linux")
    hotkey.register("<ctrl>+<alt>+<space>", lambda: None)
    assert backend.fail is not None
    with qtbot.waitSignal(hotkey.failed) as failed:
        backend.fail("the shortcut was declined in the desktop's dialog")
    assert failed.args == ["the shortcut was declined in the desktop's dialog"]


def test_registering_again_replaces_the_first(qtbot: QtBot) -> None:
    backend = FakeBackend()
    hotkey = GlobalHotkey(backend=backend, sys_platform="linux")
    calls: list[str] = []
    hotkey.register("<ctrl>+<alt>+<space>", lambda: calls.append("first"))
    hotkey.register("<ctrl>+<alt>+k", lambda: calls.append("second"))
    assert backend.stopped == 1
    with qtbot.waitSignal(hotkey.pressed):
        backend.press_from_another_thread()
    assert calls == ["second"]
    hotkey.unregister()
    assert backend.stopped == 2


def test_no_display_means_no_backend_and_a_reason() -> None:
    hotkey = GlobalHotkey(environ={}, sys_platform="linux")
    status = hotkey.register("<ctrl>+<alt>+<space>", lambda: None)
    assert not status.ok
    assert status.message.startswith("No global hotkey: there is no display")


X11 = {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}


@pytest.fixture
def backends(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeBackend]:
    """Fake native and pynput backends in place of the real ones."""
    fakes = {"xgrabkey": FakeBackend(), "pynput": FakeBackend()}
    for name, fake in fakes.items():
        fake.name = name
        monkeypatch.setitem(global_hotkey.FACTORIES, name, lambda _env, fake=fake: fake)
    return fakes


def test_the_native_backend_comes_first_and_says_it_observes_only_the_combo(
    backends: dict[str, FakeBackend],
) -> None:
    hotkey = GlobalHotkey(environ=X11, sys_platform="linux")
    status = hotkey.register("<ctrl>+<alt>+<space>", lambda: None)
    assert status == (
        global_hotkey.HotkeyStatus(
            True,
            "Ctrl+Alt+Space opens the search palette (xgrabkey).",
            "xgrabkey",
            "only Ctrl+Alt+Space",
        )
    )
    assert backends["pynput"].combo is None


def test_auto_falls_back_to_pynput_only_when_native_is_unavailable(
    backends: dict[str, FakeBackend],
) -> None:
    backends["xgrabkey"].refuse = "cannot open the X display"
    status = GlobalHotkey(environ=X11, sys_platform="linux").register("<ctrl>+<alt>+k", print)
    assert status.ok
    assert status.backend == "pynput"
    assert status.observes == "every key pressed in any application"
    assert status.message == (
        "Ctrl+Alt+K opens the search palette (pynput, since xgrabkey: cannot open the X display)."
    )


def test_a_combination_taken_by_another_program_is_not_handed_to_pynput(
    backends: dict[str, FakeBackend],
) -> None:
    backends["xgrabkey"].refuse, backends["xgrabkey"].error = "grabbed", HotkeyTaken
    status = GlobalHotkey(environ=X11, sys_platform="linux").register("<ctrl>+<alt>+k", print)
    assert status == global_hotkey.HotkeyStatus(
        False,
        "Ctrl+Alt+K is taken by another program; choose another in Settings (hotkey.palette).",
        "xgrabkey",
        taken=True,
    )
    assert backends["pynput"].combo is None


def test_a_taken_system_shortcut_says_what_holds_it(backends: dict[str, FakeBackend]) -> None:
    backends["xgrabkey"].refuse, backends["xgrabkey"].error = "grabbed", HotkeyTaken
    status = GlobalHotkey(environ=X11, sys_platform="linux").register("<alt>+<space>", print)
    assert status.message == (
        "Alt+Space is taken by another program: on this system it opens the window menu "
        "(GNOME, KDE); choose another in Settings (hotkey.palette)."
    )


def test_a_key_the_keyboard_lacks_is_not_handed_to_pynput(
    backends: dict[str, FakeBackend],
) -> None:
    native = backends["xgrabkey"]
    native.refuse, native.error = "the keyboard layout has no F20 key", NotOnKeyboard
    status = GlobalHotkey(environ=X11, sys_platform="linux").register("<ctrl>+<f20>", print)
    assert not status.ok
    assert status.message.startswith(
        "Ctrl+F20 cannot be registered (xgrabkey: the keyboard layout has no F20 key). Add a"
    )
    assert backends["pynput"].combo is None


def test_native_only_never_starts_pynput(backends: dict[str, FakeBackend]) -> None:
    backends["xgrabkey"].refuse = "no X"
    hotkey = GlobalHotkey(environ=X11, sys_platform="linux", preference="native")
    status = hotkey.register("<ctrl>+<alt>+k", print)
    assert not status.ok
    assert status.message.startswith("Ctrl+Alt+K cannot be registered (xgrabkey: no X). Add a")
    assert backends["pynput"].combo is None


def test_pynput_chosen_in_settings_is_used_and_said(backends: dict[str, FakeBackend]) -> None:
    hotkey = GlobalHotkey(environ=X11, sys_platform="linux")
    hotkey.preference = "pynput"
    status = hotkey.register("<ctrl>+<alt>+k", print)
    assert (status.backend, status.observes) == ("pynput", "every key pressed in any application")
    assert backends["xgrabkey"].combo is None
    with pytest.raises(ValueError, match="hotkey.backend: expected one of auto, native, pynput"):
        hotkey.preference = "record"


def test_unregister_then_register_another_combo_on_the_same_instance(
    qtbot: QtBot, backends: dict[str, FakeBackend]
) -> None:
    """What the tray does when `hotkey.palette` changes."""
    hotkey = GlobalHotkey(environ=X11, sys_platform="linux")
    native = backends["xgrabkey"]
    calls: list[str] = []
    assert hotkey.register("<ctrl>+<alt>+<space>", lambda: calls.append("first")).ok
    hotkey.unregister()
    assert native.stopped == 1
    hotkey.unregister()  # twice is harmless
    assert native.stopped == 1
    status = hotkey.register("<ctrl>+<alt>+j", lambda: calls.append("second"))
    assert status.message == "Ctrl+Alt+J opens the search palette (xgrabkey)."
    assert native.combo == Combo(("ctrl", "alt"), "j")
    with qtbot.waitSignal(hotkey.pressed):
        native.press_from_another_thread()
    assert calls == ["second"]


def test_doctor_does_not_call_the_running_trays_own_hotkey_taken(
    backends: dict[str, FakeBackend],
) -> None:
    backends["xgrabkey"].refuse, backends["xgrabkey"].error = "grabbed", HotkeyTaken
    alone = probe_hotkey("<ctrl>+<alt>+<space>", X11, "linux")
    assert not alone.ok
    assert alone.message.startswith("Ctrl+Alt+Space is taken by another program")
    beside_tray = probe_hotkey("<ctrl>+<alt>+<space>", X11, "linux", tray_running=True)
    assert beside_tray.ok
    assert beside_tray.observes == "only Ctrl+Alt+Space"
    assert beside_tray.message.startswith(
        "Ctrl+Alt+Space is held, most likely by the running Cuecards (xgrabkey)"
    )


def test_the_windows_filter_takes_our_wm_hotkey_and_lets_the_rest_through() -> None:
    pressed: list[int] = []
    native_filter = hotkey_filter(0x0C0E, lambda: pressed.append(1))
    ours, other = MSG(message=WM_HOTKEY, wParam=0x0C0E), MSG(message=WM_HOTKEY, wParam=1)
    generic = QByteArray(b"windows_generic_MSG")
    assert native_filter.nativeEventFilter(generic, ctypes.addressof(other)) == (False, 0)
    assert native_filter.nativeEventFilter(generic, ctypes.addressof(ours)) == (True, 0)
    assert pressed == [1]
