"""On a real X session with a window manager, the popup never takes focus from the person's
window; a click on it does let the keyboard in, and Esc then dismisses it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from Xlib import display, error

from tests.e2e.apps import ROOT, wait_for, windows_of_class
from tests.e2e.moment import root_geometry
from tests.e2e.xsession import XSession, XWindow, end_process

pytestmark = pytest.mark.e2e

TITLE = "Refresh pivot tables and data queries"
MARGIN = 16
ARTIFACTS = ROOT / "artifacts"
SETTLE = 1.0  # seconds to watch for a late focus change after the popup is mapped


def window_name(display_name: str, wid: int) -> str:
    conn = display.Display(display_name)
    try:
        window = conn.create_resource_object("window", wid)
        net_name = window.get_full_property(
            conn.intern_atom("_NET_WM_NAME"), conn.intern_atom("UTF8_STRING")
        )
        if net_name is not None:
            value = net_name.value
            return value.decode() if isinstance(value, bytes) else str(value)
        return window.get_wm_name() or ""
    except error.XError:
        return ""
    finally:
        conn.close()


def input_focus(display_name: str) -> int:
    conn = display.Display(display_name)
    try:
        focus = conn.get_input_focus().focus
        return focus if isinstance(focus, int) else focus.id
    finally:
        conn.close()


def start_probe(x_session: XSession, variant: str) -> subprocess.Popen[str]:
    """The popup probe as its own process on the X display (the ui tests run offscreen)."""
    env = {k: v for k, v in x_session.env().items() if k != "QT_QPA_PLATFORM"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.popup_probe", variant, TITLE],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def active_xterm(x_session: XSession) -> Iterator[XWindow]:
    """An xterm the person is working in: the active window."""
    xterm = x_session.spawn_window("Budget.xlsx - Excel", "Excel")
    x_session.activate(xterm)
    assert x_session.active_window() == xterm.wid
    try:
        yield xterm
    finally:
        x_session.close(xterm)


def popup_window(x_session: XSession) -> int | None:
    for wid, _ in windows_of_class(x_session.display, "cuecards"):
        named = window_name(x_session.display, wid) == f"Cuecards: {TITLE}"
        if named and root_geometry(x_session.display, wid) is not None:
            return wid
    return None


def show_popup(x_session: XSession, variant: str) -> tuple[subprocess.Popen[str], int]:
    proc = start_probe(x_session, variant)
    try:
        assert proc.stdout.readline().strip() == "shown", proc.stderr.read()
        return proc, wait_for(lambda: popup_window(x_session), "the popup window on screen")
    except BaseException:
        end_process(proc)
        raise


def focus_moved_to(x_session: XSession, wid: int, xterm: XWindow) -> bool:
    """Watch for SETTLE seconds whether the active window or keyboard focus leaves the xterm
    (for the popup)."""
    deadline = time.monotonic() + SETTLE
    while time.monotonic() < deadline:
        if x_session.active_window() != xterm.wid or input_focus(x_session.display) == wid:
            return True
        time.sleep(0.05)
    return False


def save_screenshot(x_session: XSession, box: tuple[int, int, int, int]) -> None:
    """The screen's bottom-right corner with the popup, for people (and the README)."""
    if shutil.which("import") is None:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    x, y, width, height = box
    crop = f"{width}x{height}+{x}+{y}"
    x_session.tool("import", "-window", "root", "-crop", crop, str(ARTIFACTS / "popup-x11.png"))


def test_the_popup_leaves_the_active_window_active(x_session: XSession, active_xterm) -> None:
    proc, wid = show_popup(x_session, "shipped")
    try:
        # It sits at the bottom-right of the screen (1280x800, no panels), inside it.
        x, y, width, height = root_geometry(x_session.display, wid)
        assert (x + width, y + height) == (1280 - MARGIN, 800 - MARGIN)
        assert width == 360

        assert not focus_moved_to(x_session, wid, active_xterm)
        save_screenshot(x_session, (x - 200, y - 120, width + 200 + MARGIN, height + 120 + MARGIN))

        # A deliberate click on it lets the keyboard in; Esc then dismisses it.
        x_session.tool("xdotool", "mousemove", "--sync", str(x + 40), str(y + 16), "click", "1")
        wait_for(lambda: x_session.active_window() == wid, "the clicked popup to become active")
        assert input_focus(x_session.display) == wid
        x_session.tool("xdotool", "key", "Escape")
        assert proc.stdout.readline().strip() == "action dismissed"
        assert proc.wait(timeout=20) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        end_process(proc)


@pytest.mark.parametrize(("variant", "steals"), [("normal", False), ("stealing", True)])
def test_the_no_focus_hints_are_what_keeps_focus_where_it_was(
    x_session: XSession, active_xterm, variant: str, steals: bool
) -> None:
    """Openbox focuses new normal windows: the popup's hints alone keep it from taking focus,
    and without them the same window does take it (so the check above can fail)."""
    proc, wid = show_popup(x_session, variant)
    try:
        assert focus_moved_to(x_session, wid, active_xterm) is steals
    finally:
        end_process(proc)
