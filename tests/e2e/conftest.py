"""Fixtures for end-to-end tests on a real X server (TESTING.md: Xvfb + openbox + trayer).

`x_session` (session scope) starts Xvfb on a free display and openbox, points DISPLAY at it
for the duration and restores it afterwards; `x_tray` adds trayer for tray tests;
`x_server_factory` starts private sessions a test may kill; `lrs` is one real xAPI LRS (Ralph)
for the session, with a user (and store) per test. Missing X tools skip these tests
with the reason, except under CI (env `CI` set), where they fail: CI must run e2e.
`sway_session`, `kwin_session` and `gnome_session` are real headless Wayland compositors
(tests/e2e/compositors.py), each started once per test session when a test asks for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from tests.e2e.compositors import GnomeSession, KWinSession, SwaySession
from tests.e2e.lrs import Lrs, running_lrs
from tests.e2e.wayland import require
from tests.e2e.xsession import XSession, missing_tools


def _require_tools(extra: tuple[str, ...] = ()) -> None:
    missing = missing_tools(extra)
    if not missing:
        return
    message = (
        f"X tools missing: {', '.join(missing)}; install them with `sh tests/system-deps.sh` "
        "(Debian packages xvfb openbox trayer xdotool x11-utils wmctrl xterm)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the e2e tests: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def x_session() -> Iterator[XSession]:
    """A running Xvfb + openbox session with DISPLAY set; window helpers on the object."""
    _require_tools()
    session = XSession()
    try:
        session.start()
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DISPLAY", session.display)
            patch.delenv("WAYLAND_DISPLAY", raising=False)
            patch.delenv("CUECARDS_WATCHER", raising=False)
            patch.setenv("XDG_SESSION_TYPE", "x11")
            yield session
    finally:
        session.stop()


@pytest.fixture(scope="session")
def x_tray(x_session: XSession) -> Iterator[XSession]:
    """The same session with trayer running as the system-tray host."""
    _require_tools(("trayer",))
    x_session.start_trayer()
    try:
        yield x_session
    finally:
        x_session.stop_trayer()


@pytest.fixture
def x_server_factory() -> Iterator[Callable[..., XSession]]:
    """Start private X sessions (e.g. to kill their server); all are stopped afterwards."""
    _require_tools()
    started: list[XSession] = []

    def start(with_wm: bool = True) -> XSession:
        session = XSession(with_wm=with_wm)
        started.append(session)
        return session.start()

    try:
        yield start
    finally:
        for session in started:
            session.stop()


@pytest.fixture(scope="session")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lrs]:
    """A running Ralph LRS; tests take users by index (test_upload_lrs 0-2, the faults 3-9)."""
    with running_lrs(tmp_path_factory.mktemp("ralph"), users=10) as server:
        yield server


@pytest.fixture(scope="session")
def sway_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SwaySession]:
    """sway 1.7, headless (as the plain user `wl` when we are root)."""
    require(("sway", "swaymsg", "grim", "dbus-send"), "sway grim dbus")
    session = SwaySession(tmp_path_factory.mktemp("sway"))
    try:
        yield session.start()
    finally:
        session.stop()


@pytest.fixture(scope="session")
def kwin_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KWinSession]:
    """KWin 5.27 (`kwin_wayland --virtual`) on a private session bus."""
    require(("kwin_wayland", "dbus-daemon", "dbus-send"), "kwin-wayland dbus")
    session = KWinSession(tmp_path_factory.mktemp("kwin"))
    try:
        yield session.start()
    finally:
        session.stop()


@pytest.fixture(scope="session")
def gnome_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GnomeSession]:
    """GNOME Shell 43 (`--headless --virtual-monitor`) with the Cuecards extension."""
    require(("gnome-shell", "unshare", "dbus-daemon", "dbus-send"), "gnome-shell dbus", root=True)
    session = GnomeSession(tmp_path_factory.mktemp("gnome"))
    try:
        yield session.start()
    finally:
        session.stop()
