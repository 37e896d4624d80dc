"""The OS-free parts of the Windows and macOS backends (the rest needs their OS: not run here)."""

from __future__ import annotations

import sys

import pytest

from app.core.context import Context
from app.desktop.watch.base import BackendUnavailable
from app.desktop.watch.macos import MacWatcher, context_for_app
from app.desktop.watch.windows import Rect, WindowsWatcher, idle_from_ticks, is_fullscreen_rect

MONITOR = Rect(0, 0, 1920, 1080)
SECOND = Rect(1920, 0, 3840, 1080)


@pytest.mark.parametrize(
    ("window", "monitor", "expected"),
    [
        (Rect(0, 0, 1920, 1080), MONITOR, True),  # borderless full screen
        (Rect(-8, -8, 1928, 1088), MONITOR, True),  # borders hanging over the edges
        (Rect(0, 0, 1920, 1040), MONITOR, False),  # maximised above the taskbar
        (Rect(100, 100, 900, 700), MONITOR, False),
        (Rect(1920, 0, 3840, 1080), SECOND, True),  # full screen on the second monitor
        (Rect(0, 0, 1920, 1080), SECOND, False),
        (Rect(0, 0, 10, 10), Rect(0, 0, 0, 0), False),  # a monitor we could not measure
    ],
)
def test_full_screen_means_covering_the_monitor(window, monitor, expected):
    assert is_fullscreen_rect(window, monitor) is expected


def test_idle_time_survives_the_tick_counter_wrapping():
    assert idle_from_ticks(10_500, 10_000) == 0.5
    assert idle_from_ticks(1_000, 2**32 - 1_000) == 2.0  # wrapped after 49.7 days


def test_mac_apps_are_named_by_bundle_id_or_executable():
    assert context_for_app("com.microsoft.Excel", "/Applications/x", 501, "Q3.xlsx") == Context(
        "com.microsoft.excel", "Q3.xlsx", "macos", 501, False
    )
    bare = context_for_app(None, "/usr/local/bin/Tool", 0)
    assert (bare.app, bare.pid) == ("tool", None)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="checks the refusal elsewhere")
def test_os_backends_refuse_to_start_on_another_os():
    with pytest.raises(BackendUnavailable, match="runs only on Windows"):
        WindowsWatcher()
    with pytest.raises(BackendUnavailable, match="runs only on macOS"):
        MacWatcher()
