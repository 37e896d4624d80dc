"""The global hotkey facade: what the tray and `doctor` are told, and presses on the Qt thread."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from app.desktop.hotkey.base import HotkeyUnavailable
from app.desktop.hotkey.combo import Combo
from app.desktop.hotkey.global_hotkey import GlobalHotkey, choose_backend

pytestmark = pytest.mark.ui


class FakeBackend:
    """Stands in for an OS backend: presses arrive from another thread, as pynput's do."""

    name = "fake"

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.combo: Combo | None = None
        self.emit: Callable[[], None] | None = None
        self.fail: Callable[[str], None] | None = None
        self.stopped = 0

    def start(self, combo: Combo, emit: Callable[[], None], fail: Callable[[str], None]) -> None:
        if self.refuse:
            raise HotkeyUnavailable(self.refuse)
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


@pytest.mark.parametrize(
    ("env", "platform", "name"),
    [
        ({"DISPLAY": ":0"}, "linux", "pynput"),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "linux", "portal"),
        ({"XDG_SESSION_TYPE": "wayland"}, "linux", "portal"),
        ({}, "win32", "pynput"),
        ({}, "darwin", "carbon"),
    ],
)
def test_each_session_gets_its_backend(env: dict[str, str], platform: str, name: str) -> None:
    assert choose_backend(env, platform)[0] == name
