"""The Wayland hotkey over real D-Bus: the GlobalShortcuts portal conversation with a stand-in
portal on a private session bus (tests/e2e/fake_portal.py). No Qt: the backend only calls
`emit` and `fail`, which the GlobalHotkey facade turns into Qt signals (tests/ui/test_hotkey.py).
"""

from __future__ import annotations

import queue
import subprocess
from collections.abc import Iterator

import pytest

from app.desktop.hotkey.base import HotkeyUnavailable
from app.desktop.hotkey.combo import parse_combo
from app.desktop.hotkey.global_hotkey import probe_hotkey
from app.desktop.hotkey.portal import DESCRIPTION, SHORTCUT_ID, PortalHotkey
from tests.e2e.fake_portal import FakePortal
from tests.e2e.test_shell_backends_dbus import _require_dbus, read_line
from tests.e2e.xsession import end_process

pytestmark = pytest.mark.e2e
WAIT = 10.0
COMBO = parse_combo("<ctrl>+<alt>+<space>")


@pytest.fixture
def bus() -> Iterator[str]:
    """A private session bus daemon; yields its address."""
    _require_dbus()
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield read_line(daemon.stdout).strip()
    finally:
        end_process(daemon)


class Events:
    """What the backend reported, in order, from its own thread."""

    def __init__(self) -> None:
        self.queue: queue.Queue[str] = queue.Queue()

    def emit(self) -> None:
        self.queue.put("pressed")

    def fail(self, reason: str) -> None:
        self.queue.put(f"failed: {reason}")

    def next(self) -> str:
        return self.queue.get(timeout=WAIT)


def test_the_portal_binds_the_shortcut_and_reports_its_presses(bus: str) -> None:
    portal = FakePortal(bus)
    events = Events()
    backend = PortalHotkey(bus=bus)
    backend.start(COMBO, events.emit, events.fail)
    assert portal.bound_event.wait(WAIT)
    assert portal.bound == [
        (SHORTCUT_ID, {"description": DESCRIPTION, "preferred_trigger": "CTRL+ALT+space"})
    ]
    portal.activate("someone-elses-shortcut")
    portal.activate()
    assert events.next() == "pressed"
    assert events.queue.empty()
    backend.stop()
    assert portal.closed_event.wait(WAIT)
    assert portal.closed == portal.sessions
    portal.close()


def test_a_declined_shortcut_is_reported_through_fail(bus: str) -> None:
    portal = FakePortal(bus, answer=1)
    events = Events()
    backend = PortalHotkey(bus=bus)
    backend.start(COMBO, events.emit, events.fail)
    assert events.next() == "failed: the shortcut was declined in the desktop's dialog"
    backend.stop()
    portal.close()


def test_a_portal_without_global_shortcuts_is_said_at_once(bus: str) -> None:
    portal = FakePortal(bus, with_shortcuts=False)
    with pytest.raises(HotkeyUnavailable) as caught:
        PortalHotkey(bus=bus).start(COMBO, Events().emit, Events().fail)
    assert str(caught.value) == (
        "this desktop's portal offers no GlobalShortcuts "
        "(org.freedesktop.DBus.Error.UnknownInterface: No such interface)"
    )
    portal.close()


def test_no_portal_at_all_is_said_at_once(bus: str) -> None:
    with pytest.raises(HotkeyUnavailable, match="org.freedesktop.DBus.Error.ServiceUnknown"):
        PortalHotkey(bus=bus).start(COMBO, Events().emit, Events().fail)


def test_doctor_on_wayland_asks_the_portal_without_binding(
    bus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = FakePortal(bus)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus)
    status = probe_hotkey("<ctrl>+<alt>+<space>", {"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert status.ok
    assert status.message == (
        "Ctrl+Alt+Space: the desktop offers GlobalShortcuts (portal version 1); it asks you to "
        "confirm the shortcut when Cuecards starts."
    )
    assert portal.sessions == [] and portal.bound == []
    portal.close()
