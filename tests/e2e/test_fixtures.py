"""The X session fixtures themselves: what later tray and popup tests rely on."""

from __future__ import annotations

import os

import pytest
from Xlib import display as xdisplay

pytestmark = pytest.mark.e2e


def test_x_session_points_display_at_a_managed_screen(x_session):
    assert os.environ["DISPLAY"] == x_session.display
    d = xdisplay.Display()
    try:
        root = d.screen().root
        check = root.get_full_property(d.intern_atom("_NET_SUPPORTING_WM_CHECK"), 0)
        assert check is not None  # openbox is managing windows
        assert (d.screen().width_in_pixels, d.screen().height_in_pixels) == (1280, 800)
    finally:
        d.close()


def test_spawned_windows_carry_the_requested_title_and_class(x_session):
    window = x_session.spawn_window("Budget.xlsx - Excel", "Excel")
    try:
        props = x_session.tool("xprop", "-id", str(window.wid), "WM_CLASS", "WM_NAME")
        assert 'WM_CLASS(STRING) = "xterm", "Excel"' in props
        assert 'WM_NAME(STRING) = "Budget.xlsx - Excel"' in props
        x_session.activate(window)
        assert x_session.active_window() == window.wid
    finally:
        x_session.close(window)
    assert window.proc.poll() is not None


def test_x_tray_runs_a_system_tray_host(x_tray):
    d = xdisplay.Display()
    try:
        owner = d.get_selection_owner(d.intern_atom("_NET_SYSTEM_TRAY_S0"))
        assert getattr(owner, "id", owner) != 0
    finally:
        d.close()
